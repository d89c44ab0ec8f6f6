"""Running blocking core calls off the GUI thread and getting their outcome back as data.

`run_in_background(job, on_result, on_error)` runs `job()` on Qt's global thread pool; its
return value or the exception it raised comes back through a signal, so the slots run on the
GUI thread. The owner connects the slots; the worker knows nothing of widgets.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QWidget

logger = logging.getLogger(__name__)

__all__ = [
    "Job",
    "Pacer",
    "after_next_paint",
    "keep_gui_responsive",
    "release_frozen",
    "run_in_background",
]

SWITCH_INTERVAL_S = 0.001
"""How long a job may hold the interpreter lock while the GUI thread waits for it.

Qt paints a table by calling the model's Python `data()` hundreds of times, taking the lock
for each call; with Python's default of 5 ms, a job running meanwhile (the checks of a big
file) made each of those calls wait its turn, and painting 30 rows stalled the window for
0.7-0.9 s. With 1 ms, `Pacer` in the long jobs and the checks started after the first paint,
bench/gui_responsiveness.py measures 30-45 ms as the longest stall on a 10,000-row bundle.
"""


class Pacer:
    """Called often by a long job (core's `progress` callbacks), it stops the job for a moment
    now and then so that the GUI thread gets the interpreter lock, and reports progress.

    The switch interval alone does not do it: a thread waiting for the lock asks for it only
    when no other thread took it during the interval, and a job calling into C through cffi
    (pyOpenSSL releases and retakes the lock around every call) takes it thousands of times a
    second. The checks of a 10,000-certificate bundle kept the window frozen for their whole
    0.7 s that way; a 2 ms pause every 20 ms costs the job a tenth of its speed at most.
    """

    def __init__(
        self,
        report: Callable[[int, int], None] | None = None,
        every_s: float = 0.02,
        pause_s: float = 0.002,
        report_every_s: float = 0.25,
    ) -> None:
        self.report = report
        self.every_s = every_s
        self.pause_s = pause_s
        self.report_every_s = report_every_s
        self._paused_at = self._reported_at = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.report is not None and now - self._reported_at >= self.report_every_s:
            self._reported_at = now
            self.report(done, total)
        if now - self._paused_at >= self.every_s:
            time.sleep(self.pause_s)
            self._paused_at = time.perf_counter()


def keep_gui_responsive() -> None:
    """Make jobs hand the interpreter lock to the GUI thread sooner (once, at start)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


class _AfterPaint(QObject):
    """Calls `callback` once, `delay_ms` after `widget` has next been painted, or after
    `give_up_ms` if it is not painted (a hidden or minimised window); never once `widget` is
    gone. Python holds it in `_waiting`, so Qt never calls into a freed wrapper; once done it
    is deleted by the event loop (never inside its own timer's signal) and dropped from
    `_waiting` by the next one."""

    def __init__(
        self, widget: QWidget, callback: Callable[[], None], delay_ms: int, give_up_ms: int
    ) -> None:
        super().__init__()
        self._widget = widget
        self._callback: Callable[[], None] | None = callback
        self._delay_ms = delay_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)
        _waiting.difference_update([done for done in _waiting if not shiboken6.isValid(done)])
        _waiting.add(self)
        widget.destroyed.connect(self._forget)
        widget.installEventFilter(self)
        self._timer.start(give_up_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            self._widget.removeEventFilter(self)
            # Timers are not run while the paint is, so this fires once it has ended.
            self._timer.start(self._delay_ms)
        return False

    def _forget(self) -> None:
        self._callback = None
        self._timer.stop()
        self.deleteLater()

    def _fire(self) -> None:
        callback = self._callback
        if callback is None:
            return
        self._widget.removeEventFilter(self)
        self._widget.destroyed.disconnect(self._forget)
        self._forget()
        callback()


_waiting: set[_AfterPaint] = set()


def after_next_paint(
    widget: QWidget, callback: Callable[[], None], delay_ms: int = 0, give_up_ms: int = 1000
) -> None:
    """Call `callback` on the GUI thread once `widget`'s next paint has ended, and at least
    `delay_ms` after it began.

    A job started this way does not compete for the interpreter lock with the paint that shows
    what the user is waiting for (the rows of a big file). Should `widget` not be painted
    within `give_up_ms` (the window is hidden), `callback` is called then.
    """
    _AfterPaint(widget, callback, delay_ms, give_up_ms)


class _Signals(QObject):
    result = Signal(object)
    error = Signal(object)


class Job(QRunnable):
    """One call of a blocking function; emits `signals.result` or `signals.error`, always.

    `cancelled` is set by `cancel()`: the job cannot interrupt a blocking call, but its outcome
    is then dropped on the GUI thread instead of delivered (the core call itself is bounded by
    its own deadline). Emitting even then is what lets the GUI thread disconnect the job and
    let go of what its function holds (a connection request with its passwords).
    """

    def __init__(self, function: Callable[[], Any], pause_collector: bool = False) -> None:
        super().__init__()
        self.function: Callable[[], Any] | None = function
        self.pause_collector = pause_collector
        self.signals = _Signals()
        self.cancelled = threading.Event()
        self.setAutoDelete(False)

    def run(self) -> None:
        function = self.function
        if function is None:
            return
        if self.pause_collector:
            _collector_paused()
        try:
            outcome = function()
        except Exception as error:  # handed to the GUI thread as data
            logger.debug("background job failed", exc_info=True)
            self.signals.error.emit(error)
            return
        finally:
            del function
            if self.pause_collector:
                _collector_resumed()
        self.signals.result.emit(outcome)

    def cancel(self) -> None:
        self.cancelled.set()


_running: set[Job] = set()

# A big file builds many objects that live on; full collections while it loads hold the
# interpreter lock for 100 ms and more and stall the window. Jobs that read or check a file
# (pause_collector) keep the collector waiting while they run, and what exists when the last
# of them ends is frozen out of later collections. Frozen objects are still freed when the
# window lets go of them; only reference cycles among them stay: reading and checking leave
# none (tests/core/test_inspection.py checks it; a failed read keeps no traceback), but the
# GUI thread may make some meanwhile, so `release_frozen` hands everything back to the
# collector when the user closes a source.
_collector_lock = threading.Lock()
_jobs_collecting = 0


def _collector_paused() -> None:
    global _jobs_collecting
    with _collector_lock:
        _jobs_collecting += 1
        gc.disable()


def _collector_resumed() -> None:
    global _jobs_collecting
    with _collector_lock:
        _jobs_collecting -= 1
        if _jobs_collecting == 0:
            gc.freeze()
            gc.enable()


def release_frozen() -> None:
    """Give what earlier jobs froze back to the collector (when the window lets go of a
    source); its next full collection then frees the cycles among them."""
    with _collector_lock:
        if _jobs_collecting == 0:
            gc.unfreeze()


def run_in_background(
    function: Callable[[], Any],
    on_result: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
    pause_collector: bool = False,
    owner: QObject | None = None,
) -> Job:
    """Start `function` on the thread pool; `on_result` or `on_error` runs on the GUI thread,
    unless the job was cancelled first.

    Args:
        pause_collector: for jobs that build what the window keeps (reading and checking a
            file): the cycle collector waits until they end (see above).
        owner: the widget the callbacks belong to; once it is deleted (the window closed
            while the job ran) they are not called.

    Returns:
        The job, whose `cancel()` drops its outcome.
    """
    job = Job(function, pause_collector)
    _running.add(job)

    def finished_with(callback: Callable[[Any], None] | None) -> Callable[[Any], None]:
        def deliver(value: Any) -> None:
            _running.discard(job)
            # Break the job ↔ closure cycle now, on the GUI thread, so that the cycle
            # collector never frees Qt objects from a worker thread later, and let go of
            # what the function captured.
            job.signals.result.disconnect()
            job.signals.error.disconnect()
            # The worker may hold the job last; its QObject is freed here, by the event loop.
            job.signals.deleteLater()
            job.function = None
            if owner is not None and not shiboken6.isValid(owner):
                return
            if callback is not None and not job.cancelled.is_set():
                callback(value)

        return deliver

    job.signals.result.connect(finished_with(on_result))
    job.signals.error.connect(finished_with(on_error))
    QThreadPool.globalInstance().start(job)
    return job
