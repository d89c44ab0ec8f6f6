"""Running core calls off the GUI thread: outcomes come back as data, long jobs pause for the
window and report their progress."""

from __future__ import annotations

import time

from pytestqt.qtbot import QtBot

from pinscope.gui.worker import Pacer, after_next_paint, run_in_background


def test_a_result_and_an_error_come_back_on_the_gui_thread(qtbot: QtBot) -> None:
    results: list[object] = []
    errors: list[BaseException] = []

    run_in_background(lambda: 6 * 7, results.append, errors.append)
    run_in_background(lambda: 1 / 0, results.append, errors.append)

    qtbot.waitUntil(lambda: len(results) + len(errors) == 2, timeout=5_000)
    assert results == [42]
    assert isinstance(errors[0], ZeroDivisionError)


def test_a_cancelled_job_delivers_nothing(qtbot: QtBot) -> None:
    results: list[object] = []
    job = run_in_background(lambda: time.sleep(0.2) or "late", results.append)
    job.cancel()
    qtbot.wait(400)
    assert results == []


def test_the_pacer_pauses_the_job_and_reports_now_and_then() -> None:
    reports: list[tuple[int, int]] = []
    pacer = Pacer(lambda *done: reports.append(done), every_s=0.0, pause_s=0.01, report_every_s=0)

    start = time.perf_counter()
    for done in range(5):
        pacer(done, 5)
    elapsed = time.perf_counter() - start

    assert reports == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5)]
    assert elapsed >= 0.05  # five pauses of 10 ms: the GUI thread had its turns


def test_the_pacer_stays_quiet_between_its_intervals() -> None:
    reports: list[tuple[int, int]] = []
    pacer = Pacer(lambda *done: reports.append(done), every_s=60, report_every_s=60)

    start = time.perf_counter()
    for done in range(1000):
        pacer(done, 1000)

    assert reports == []
    assert time.perf_counter() - start < 0.5


def test_a_job_cancelled_after_it_ended_delivers_nothing_and_lets_go(qtbot: QtBot) -> None:
    """Cancel can come after the job emitted, before the GUI thread took the result; the
    result is then dropped, and what the job's function held (passwords) is freed."""
    import gc
    import weakref

    from PySide6.QtCore import QThreadPool

    class Secret:
        pass

    secret = Secret()
    alive = weakref.ref(secret)
    results: list[object] = []

    def job(held: Secret = secret) -> str:
        return "done"

    started = run_in_background(job, results.append)
    del job, secret
    QThreadPool.globalInstance().waitForDone(5_000)
    started.cancel()
    qtbot.wait(100)
    gc.collect()

    assert results == []
    assert alive() is None


def test_after_next_paint_waits_for_the_paint_then_the_delay(qtbot: QtBot) -> None:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QLabel

    label = QLabel("rows")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    qtbot.wait(50)  # the first paints are over
    events: list[tuple[str, float]] = []

    class Painted(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                events.append(("painted", time.perf_counter()))
            return False

    painted = Painted()
    label.installEventFilter(painted)
    after_next_paint(label, lambda: events.append(("called", time.perf_counter())), 100)
    qtbot.wait(150)
    assert events == []  # nothing painted yet, nothing called
    label.setText("more rows")  # asks for a paint

    qtbot.waitUntil(lambda: [kind for kind, _ in events][-1:] == ["called"], timeout=2_000)
    kinds = [kind for kind, _ in events]
    assert kinds.count("called") == 1 and kinds[0] == "painted"
    assert events[-1][1] - events[0][1] >= 0.09


def test_after_next_paint_gives_up_waiting_on_a_hidden_widget(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QLabel

    hidden = QLabel("never shown")
    qtbot.addWidget(hidden)
    called: list[bool] = []
    after_next_paint(hidden, lambda: called.append(True), 0, give_up_ms=200)

    qtbot.waitUntil(lambda: called == [True], timeout=2_000)
    qtbot.wait(100)
    assert called == [True]  # once


def test_after_next_paint_forgets_a_widget_deleted_first(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QLabel

    from pinscope.gui import worker

    label = QLabel("closed before its paint")
    called: list[bool] = []
    after_next_paint(label, lambda: called.append(True), 0, give_up_ms=100)
    label.deleteLater()
    qtbot.wait(300)
    assert called == []

    after_next_paint(QLabel(), lambda: None, 0, give_up_ms=10_000)  # drops the finished ones
    assert len(worker._waiting) == 1


def test_a_job_whose_owner_was_deleted_calls_nothing(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QWidget

    owner = QWidget()
    results: list[object] = []
    job = run_in_background(lambda: time.sleep(0.2) or "late", results.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: job.function is None, timeout=5_000)  # delivered, and dropped
    assert results == []
