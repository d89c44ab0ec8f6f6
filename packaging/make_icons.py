"""Regenerate every icon file under resources/ from the drawings they come from.

Writes the window's light and dark SVG sets from `icon_glyphs.py`, renders the application icon
SVG to the PNG sizes desktops ask for, and packs those PNGs into the Windows `.ico` and the
macOS `.icns`. Only PySide6 is needed (no Pillow, no iconutil), so it runs on any platform:

    .venv/bin/python packaging/make_icons.py

The outputs are committed; users and `make package` never run this.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

from icon_glyphs import DARK, GLYPHS, LIGHT, svg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
APP_ID = "io.github.pinscope.Pinscope"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SMALL_DESIGN_UP_TO = 32
"""Sizes up to this many pixels are drawn from the simpler design: the full one blurs there."""
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

# The .icns element types that hold PNG data, and the pixel size each one wants.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16 pt at 2x
    (b"icp6", 64),
    (b"ic12", 64),  # 32 pt at 2x
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),  # 128 pt at 2x
    (b"ic09", 512),
    (b"ic14", 512),  # 256 pt at 2x
    (b"ic10", 1024),  # 512 pt at 2x
)


def write_icon_sets() -> None:
    for theme, palette in (("light", LIGHT), ("dark", DARK)):
        folder = RESOURCES / "icons" / theme
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.svg"):
            stale.unlink()
        for name in GLYPHS:
            (folder / f"{name}.svg").write_text(svg(name, palette), encoding="utf-8")


def render_png(svg_path: Path, size: int) -> bytes:
    """The SVG drawn on a transparent square of `size` pixels, as PNG bytes."""
    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise ValueError(f"{svg_path} is not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon holding PNG images (read by Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    directory, images = b"", b""
    for size, png in sorted(pngs.items()):
        edge = 0 if size >= 256 else size  # 0 means 256 in the one byte there is
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + directory + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS icon family of PNG elements, what `iconutil` makes from an .iconset."""
    elements = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(elements)) + elements


def write_app_icons() -> None:
    full = RESOURCES / "app" / f"{APP_ID}.svg"
    small = RESOURCES / "app" / f"{APP_ID}-small.svg"
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: render_png(small if size <= SMALL_DESIGN_UP_TO else full, size) for size in sizes}

    for size in PNG_SIZES:
        (RESOURCES / "app" / f"pinscope-{size}.png").write_bytes(pngs[size])
    (RESOURCES / "app" / "pinscope.ico").write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    (RESOURCES / "app" / "pinscope.icns").write_bytes(icns(pngs))


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    write_icon_sets()
    write_app_icons()
    del app
    print(f"icons written under {RESOURCES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
