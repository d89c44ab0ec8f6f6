"""The bundle's `pinscope-gui` program: the window, with the files it is given opened.

Desktops start it with the files to open (`Exec=pinscope-gui %F`, macOS "Open With", a Windows
file association); it has no console on Windows and macOS.

PINSCOPE_SMOKE_TEST=1 makes it print the titles of its shown windows and an icon drawn from the
package data, and quit once the event loop runs: `packaging/smoke_test.py` proves that way that
the built window really opens and finds its resources.
"""

import os
import sys

from pinscope.cli.main import run_gui


def quit_once_shown() -> None:
    """Report what is on screen and quit, a moment after the event loop starts."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from pinscope import resources

    app = QApplication.instance() or QApplication(sys.argv[:1])

    def report() -> None:
        titles = [widget.windowTitle() for widget in app.topLevelWidgets() if widget.isVisible()]
        print("shown:", " | ".join(titles), flush=True)
        pixmap = QIcon(str(resources.icon_path("certificate"))).pixmap(24, 24)
        print(f"icon drawn: {pixmap.width()}x{pixmap.height()}", flush=True)
        app.quit()

    QTimer.singleShot(1000, report)


if __name__ == "__main__":
    if os.environ.get("PINSCOPE_SMOKE_TEST") == "1":
        quit_once_shown()
    sys.exit(run_gui(sys.argv[1:]))
