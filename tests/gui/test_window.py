"""Smoke tests of the main window: it opens, says what it is, and renders offscreen.

The real window is issue #6; these only make sure the frame and `run()` work.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from pinscope.cli.main import main
from pinscope.core import __version__
from pinscope.gui.app import MainWindow, run


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


def _quit_soon(app: QApplication, shown: list[str]) -> None:
    """Record the visible top-level windows once the event loop runs, then leave it."""

    def record_and_quit() -> None:
        shown.extend(w.windowTitle() for w in app.topLevelWidgets() if w.isVisible())
        for widget in app.topLevelWidgets():
            widget.close()
        app.quit()

    QTimer.singleShot(0, record_and_quit)


def test_run_opens_the_window_and_returns_when_the_loop_ends(qapp: QApplication) -> None:
    shown: list[str] = []
    _quit_soon(qapp, shown)

    status = run([])

    assert status == 0
    assert "Pinscope" in shown
    assert not [w for w in qapp.topLevelWidgets() if w.isVisible()]


def test_pinscope_without_arguments_opens_the_window(qapp: QApplication) -> None:
    shown: list[str] = []
    _quit_soon(qapp, shown)

    status = main([])

    assert status == 0
    assert "Pinscope" in shown


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
    box.close()
