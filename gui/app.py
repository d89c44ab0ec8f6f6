"""Starting the window: the application object, logging to the user's log folder, a dialog
for unexpected errors, the main window with the sources from the command line, the event loop."""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from pinscope import resources
from pinscope.core import __version__
from pinscope.gui.settings import apply_theme
from pinscope.gui.window import MainWindow, library_versions

__all__ = ["MainWindow", "install_error_dialog", "log_folder", "main", "run"]

logger = logging.getLogger(__name__)


def log_folder() -> Path:
    """Where the window's log file goes: the platform's per-user application data folder."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(base or Path.home() / ".pinscope") / "logs"


def _configure_logging() -> logging.handlers.RotatingFileHandler | None:
    folder = log_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    path = folder / "pinscope.log"
    try:
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3)
    except OSError:  # a log file that cannot be written: the window runs without one
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def error_details(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> str:
    """Versions and the traceback, for the dialog's copyable details and the log."""
    lines = traceback.format_exception(kind, error, tb)
    versions = f"Pinscope {__version__}, Python {platform.python_version()}, {platform.platform()}"
    return f"{versions}\n{library_versions()}\n\n" + "".join(lines)


def install_error_dialog(window: MainWindow, log_path: str | None) -> None:
    """Unexpected exceptions open a dialog with a summary and copyable details; the program
    keeps running."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        details = error_details(kind, error, tb)
        logger.error("unexpected error\n%s", details)
        box = QMessageBox(window)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Unexpected error")
        where = f" The details are also in {log_path}." if log_path else ""
        box.setText(f"Something went wrong: {error}. Pinscope keeps running.{where}")
        box.setDetailedText(details)
        box.show()

    sys.excepthook = hook


def main() -> int:
    """The `pinscope-gui` command (no console on Windows): the window with the files named on
    the command line, as the desktop entry's `Exec=pinscope-gui %F` passes them."""
    return run(sys.argv[1:])


def run(sources: list[str]) -> int:
    """Open the window and run the event loop until it closes."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Pinscope")
    app.setApplicationName("Pinscope")
    app.setApplicationVersion(__version__)
    # Wayland docks and task bars match the window to the desktop entry by this name.
    app.setDesktopFileName(resources.APP_ID)
    app.setWindowIcon(QIcon(str(resources.app_icon_svg())))
    handler = _configure_logging()
    previous_hook = sys.excepthook
    window = MainWindow()
    if window.preferences.theme != "system":
        apply_theme(app, window.preferences.theme)
    install_error_dialog(window, handler.baseFilename if handler else None)
    window.restore_layout()
    window.show()
    for source in sources:
        window.open_source(source)
    try:
        return int(app.exec())
    finally:
        sys.excepthook = previous_hook
        if handler is not None:
            logging.getLogger().removeHandler(handler)
            handler.close()
