"""Smoke tests of the main window: it opens, says what it is, and renders offscreen.

The real window is issue #6; these only make sure the frame and `run()` work.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from pinscope.core import __version__
from pinscope.gui.app import MainWindow
from tests.conftest import DATA


def test_window_title_is_pinscope(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)

    window.show()
    qtbot.waitExposed(window)

    assert window.windowTitle() == "Pinscope"
    assert window.isVisible()


def test_window_shows_the_placeholder(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()

    placeholder = window.findChild(QLabel, "placeholder")

    assert placeholder is not None
    assert placeholder.isVisible()
    assert f"Pinscope {__version__}" in placeholder.text()
    assert "Open a certificate" in placeholder.text()


def test_window_renders_to_an_image(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    screenshot = tmp_path / "main.png"

    assert window.grab().save(str(screenshot))

    assert screenshot.stat().st_size > 0
    image = QImage(str(screenshot))
    assert not image.isNull()
    assert image.width() > 100 and image.height() > 100


# `run()` ends with QApplication.exit(), which leaves Qt's "quit now" mark on the GUI thread:
# every event loop started after it in the same process returns at once, so no later test
# would see a queued signal again. The event loop therefore runs in a process of its own.
LAUNCH = """
import sys
import time
from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

QStandardPaths.setTestModeEnabled(True)
app = QApplication(sys.argv[:1])
shown = []
listed = []
wait_for_sources = {wait_for_sources}
deadline = time.monotonic() + 10


def record_and_quit():
    windows = [w for w in app.topLevelWidgets() if hasattr(w, "sources")]
    rows = [w.sources.item(r).text() for w in windows for r in range(w.sources.rowCount())]
    opening = not rows or any("checking" in row for row in rows)
    if wait_for_sources and opening and time.monotonic() < deadline:
        QTimer.singleShot(50, record_and_quit)
        return
    listed.extend(rows)
    shown.extend(w.windowTitle() for w in app.topLevelWidgets() if w.isVisible())
    for widget in app.topLevelWidgets():
        widget.close()
    app.quit()


QTimer.singleShot(0, record_and_quit)
{call}
print("status", status, "shown", shown, "visible after", [
    w.windowTitle() for w in app.topLevelWidgets() if w.isVisible()
], *(["listed", listed] if wait_for_sources else []))
"""


def launched(call: str, wait_for_sources: bool = False) -> str:
    """What a process printed that ran `call` (setting `status`) with a window that quits;
    with `wait_for_sources`, once the files given are listed and checked (then "listed")."""
    child = subprocess.run(
        [sys.executable, "-c", LAUNCH.format(call=call, wait_for_sources=wait_for_sources)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert child.returncode == 0, child.stderr
    assert "Traceback" not in child.stderr
    return child.stdout.strip()


def test_run_opens_the_window_and_returns_when_the_loop_ends() -> None:
    printed = launched("from pinscope.gui.app import run\nstatus = run([])")

    assert printed == "status 0 shown ['Pinscope'] visible after []"


def test_pinscope_without_arguments_opens_the_window() -> None:
    printed = launched("from pinscope.cli.main import main\nstatus = main([])")

    assert printed.startswith("status 0 shown ['Pinscope']")


def test_the_pinscope_gui_command_starts_with_files_given() -> None:
    chain = DATA / "chain.pem"
    call = f"sys.argv[1:] = [{str(chain)!r}]\nfrom pinscope.gui.app import main\nstatus = main()"

    printed = launched(call, wait_for_sources=True)
    assert printed.startswith("status 0 shown ['Pinscope']")
    assert printed.endswith("listed ['\u2716 chain.pem  [pem]']")  # read and checked


def test_an_unexpected_error_opens_a_dialog_with_details(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from pinscope.gui.app import install_error_dialog

    window = MainWindow()
    qtbot.addWidget(window)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install_error_dialog(window, "/tmp/pinscope-test.log")

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())

    [box] = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert "boom" in box.text() and "keeps running" in box.text()
    assert "Traceback" in box.detailedText() and "Pinscope" in box.detailedText()
    for library in ("Qt 6.", "cryptography ", "pyOpenSSL ", "OpenSSL "):
        assert library in box.detailedText()
    box.close()


def test_an_unexpected_error_is_written_to_the_log_file(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from PySide6.QtWidgets import QMessageBox

    from pinscope.gui.app import _configure_logging, install_error_dialog

    handler = _configure_logging()  # in the test-mode log folder (conftest)
    assert handler is not None
    try:
        window = MainWindow()
        qtbot.addWidget(window)
        monkeypatch.setattr(sys, "excepthook", sys.excepthook)
        install_error_dialog(window, handler.baseFilename)
        try:
            raise ValueError("the log should say this")
        except ValueError:
            sys.excepthook(*sys.exc_info())
        handler.flush()
        written = Path(handler.baseFilename).read_text(encoding="utf-8")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()

    assert "the log should say this" in written and "Traceback" in written
    [box] = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert handler.baseFilename in box.text()
    box.close()
