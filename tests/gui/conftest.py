"""GUI tests keep Qt's per-user folders (settings, logs) away from the real ones."""

from __future__ import annotations

from PySide6.QtCore import QStandardPaths

QStandardPaths.setTestModeEnabled(True)
