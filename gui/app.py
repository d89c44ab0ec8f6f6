"""Starting the window: the application object, the main window, sources from the command
line, and the event loop."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from pinscope.core import __version__
from pinscope.gui.window import MainWindow

__all__ = ["MainWindow", "run"]


def run(sources: list[str]) -> int:
    """Open the window and run the event loop until it closes."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Pinscope")
    app.setApplicationVersion(__version__)
    window = MainWindow()
    window.show()
    for source in sources:
        window.open_path(source)
    return int(app.exec())
