"""The main window. For now an empty frame: the window itself is issue #6."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from pinscope.core import __version__


class MainWindow(QMainWindow):
    """Pinscope's main window."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Pinscope")
        self.resize(1100, 700)
        # TODO(#6): sources, entries, certificate details and findings panes.
        placeholder = QLabel(f"Pinscope {__version__}\n\nOpen a certificate, key or keystore.")
        placeholder.setObjectName("placeholder")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(placeholder)


def run(sources: list[str]) -> int:
    """Open the window and run the event loop until it closes."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Pinscope")
    app.setApplicationVersion(__version__)
    window = MainWindow()
    window.show()
    return int(app.exec())
