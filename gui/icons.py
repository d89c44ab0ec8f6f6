"""The window's icons, in the set that reads on the current palette (light or dark)."""

from __future__ import annotations

import functools

from PySide6.QtGui import QGuiApplication, QIcon, QPalette

from pinscope import resources

__all__ = ["icon", "palette_is_dark"]


def palette_is_dark(palette: QPalette | None = None) -> bool:
    """Whether windows are drawn dark: the dark icons (light strokes) belong on them."""
    palette = palette if palette is not None else QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def icon(name: str, dark: bool | None = None) -> QIcon:
    """The icon `name` of resources/icons/, for a dark or light palette (the current one when
    `dark` is None)."""
    return _icon(name, palette_is_dark() if dark is None else dark)


@functools.cache
def _icon(name: str, dark: bool) -> QIcon:
    # Models ask for icons on every paint; each is read from its SVG file once.
    return QIcon(str(resources.icon_path(name, dark=dark)))
