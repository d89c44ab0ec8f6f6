"""Measure how quickly the window appears and whether it stays responsive on a big bundle.

Two figures, each against the targets of the desktop window issue (#6):

- start: `pinscope gui` launched as a new process (interpreter start included) until its main
  window is shown and exposed; median of N launches, target 1.5 s.
- bundle: 10,000 distinct minted certificates opened with `MainWindow.open_path` while a 10 ms
  timer heartbeat records the gaps between its ticks. The longest gap is the longest time the
  event loop was blocked (target 100 ms); the first row painted in the certificate table must
  come within 1 s of the request.

Runs with QT_QPA_PLATFORM=offscreen and Qt's test-mode folders, so nothing of the user's
settings or logs is touched. Prints the figures and exits 1 when a target is missed.
Usage: python bench/gui_responsiveness.py [--launches N] [--settle SECONDS]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from inspect_bundle import COUNT, minted_bundle  # bench/ is the folder of this script
from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QObject,
    QStandardPaths,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

START_TARGET_S = 1.5
STALL_TARGET_MS = 100.0
FIRST_ROW_TARGET_S = 1.0
HEARTBEAT_MS = 10
GIVE_UP_S = 120.0
LAUNCH_LIMIT_S = 30.0
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"

# The child runs the real `pinscope gui` entry point. It creates the application object first
# only to watch for the main window's first expose, then prints "shown" and quits the loop.
LAUNCH_SCRIPT = """
import sys
from PySide6.QtCore import QEvent, QObject, QStandardPaths, qInstallMessageHandler
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QMainWindow

QStandardPaths.setTestModeEnabled(True)
# The offscreen platform says this of every top-level window; it is no fault of Pinscope.
qInstallMessageHandler(
    lambda kind, context, text: None
    if text == "This plugin does not support propagateSizeHints()"
    else print(text, file=sys.stderr)
)
app = QApplication(sys.argv[:1])


class Watch(QObject):
    # Expose events go to the native window (a QWindow), not to the QMainWindow widget.

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Expose and isinstance(watched, QWindow):
            if watched.isExposed() and any(
                isinstance(top, QMainWindow) and top.windowHandle() is watched
                for top in app.topLevelWidgets()
            ):
                print("shown", flush=True)
                app.quit()
        return False


watch = Watch()
app.installEventFilter(watch)
from pinscope.cli.main import main

sys.exit(main(["gui"]))
"""


def quiet_offscreen(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    """Print Qt's messages, except the one the offscreen platform gives for every window."""
    if text != OFFSCREEN_NOISE:
        print(text, file=sys.stderr)


def launch_seconds() -> float:
    """Seconds from starting a `pinscope gui` process until its window is exposed."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", LAUNCH_SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert child.stdout is not None
    watchdog = threading.Timer(LAUNCH_LIMIT_S, child.kill)  # a window that never shows
    watchdog.start()
    line = child.stdout.readline()
    elapsed = time.perf_counter() - start
    _, errors = child.communicate()
    watchdog.cancel()
    if line.strip() != "shown" or child.returncode != 0:
        raise RuntimeError(f"the window did not start (exit {child.returncode}): {errors}")
    if errors.strip():
        raise RuntimeError(f"the window printed on stderr: {errors}")
    return elapsed


class Heartbeat(QObject):
    """A 10 ms timer that keeps the gaps between its ticks, and watches the table's paints."""

    def __init__(self, window: QObject) -> None:
        super().__init__()
        self.window = window
        self.ticks: list[float] = []
        self.first_row_at: float | None = None
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self.tick)
        window.table.viewport().installEventFilter(self)

    def tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self.first_row_at is None
            and event.type() == QEvent.Type.Paint
            and self.window.proxy.rowCount() > 0
        ):
            self.first_row_at = time.perf_counter()
        return False

    def longest_gap_ms(self) -> float:
        """The longest gap between two consecutive ticks, in milliseconds."""
        return max(b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)) * 1000


def run_until(app: QApplication, done: object, limit: float) -> None:
    """Spin the event loop until `done()` or `limit` seconds."""
    deadline = time.perf_counter() + limit
    while not done() and time.perf_counter() < deadline:  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.001)


def open_bundle(
    app: QApplication, bundle: Path, settle: float
) -> tuple[float, float, float, float]:
    """(longest stall in ms, seconds to the first painted row, until listed, until checked)."""
    from pinscope.gui.window import MainWindow

    window = MainWindow()
    window.show()
    run_until(app, lambda: window.windowHandle().isExposed(), 5.0)
    beat = Heartbeat(window)

    # Quit by a timer so that app.exec() runs the real event loop, as the window does.
    beat.timer.start()
    QTimer.singleShot(200, lambda: window.open_path(str(bundle)))
    start: list[float] = []
    QTimer.singleShot(200, lambda: start.append(time.perf_counter()))
    listed: list[float] = []
    finish: list[float] = []

    def check_done() -> None:
        if window.inspections and not listed:
            listed.append(time.perf_counter())
        if window.inspections and window.inspections[0].checked and not finish:
            finish.append(time.perf_counter())
            QTimer.singleShot(int(settle * 1000), app.quit)

    poll = QTimer()
    poll.timeout.connect(check_done)
    poll.start(HEARTBEAT_MS)
    QTimer.singleShot(int(GIVE_UP_S * 1000), app.quit)
    app.exec()
    beat.timer.stop()
    poll.stop()

    if not start or not finish or beat.first_row_at is None:
        raise RuntimeError(f"the bundle was not shown within {GIVE_UP_S:.0f} s")
    stall_ms = beat.longest_gap_ms()
    window.close()
    window.deleteLater()
    return stall_ms, beat.first_row_at - start[0], listed[0] - start[0], finish[0] - start[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=5, help="launches measured (default 5)")
    parser.add_argument(
        "--settle", type=float, default=2.0, help="seconds watched after loading (default 2)"
    )
    args = parser.parse_args()

    launches = sorted(launch_seconds() for _ in range(args.launches))
    start = statistics.median(launches)
    print(f"window start, {args.launches} launches of `pinscope gui`, offscreen")
    print(
        f"  launch to shown   median {start:5.2f} s   best {launches[0]:5.2f} s   "
        f"worst {launches[-1]:5.2f} s   (target <= {START_TARGET_S} s)"
    )

    QStandardPaths.setTestModeEnabled(True)
    qInstallMessageHandler(quiet_offscreen)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        bundle = Path(folder, "minted.pem")
        minted_bundle(bundle)
        stall_ms, first_row, read, checked = open_bundle(app, bundle, args.settle)
    print(f"open_path on {COUNT} distinct certificates, heartbeat every {HEARTBEAT_MS} ms")
    print(f"  longest stall     {stall_ms:7.0f} ms   (target <= {STALL_TARGET_MS:.0f} ms)")
    print(f"  first row shown   {first_row:7.2f} s    (target <= {FIRST_ROW_TARGET_S} s)")
    print(f"  source listed     {read:7.2f} s")
    print(f"  chains checked    {checked:7.2f} s")
    met = (
        start <= START_TARGET_S and stall_ms <= STALL_TARGET_MS and first_row <= FIRST_ROW_TARGET_S
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
