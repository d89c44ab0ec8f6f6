"""The window's icon sets and the application icon load through importlib.resources."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from pinscope import resources

SVG = "{http://www.w3.org/2000/svg}svg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# What the window's toolbar, tables and panels ask for (issue 7).
REQUIRED = {
    "open", "paste", "connect", "export-pins", "check-pins", "explain", "compare", "settings",
    "copy", "save", "refresh", "cancel", "status-valid", "status-warning", "status-error",
    "status-unknown", "certificate", "key", "keystore", "endpoint", "csr", "pin", "lock",
}  # fmt: skip


def test_every_required_icon_exists() -> None:
    assert set(resources.icon_names()) >= REQUIRED


def test_light_and_dark_sets_have_the_same_names() -> None:
    folder = resources.icon_path("open").parent.parent
    light = sorted(path.name for path in (folder / "light").iterdir())
    dark = sorted(path.name for path in (folder / "dark").iterdir())

    assert light == dark


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("name", resources.icon_names())
def test_icon_is_a_24_pixel_svg_qt_can_draw(qapp: QApplication, name: str, dark: bool) -> None:
    document = resources.icon_bytes(name, dark=dark)
    root = ET.fromstring(document)

    assert root.tag == SVG
    assert root.get("viewBox") == "0 0 24 24"
    assert QSvgRenderer(QByteArray(document)).isValid()
    assert resources.icon_path(name, dark=dark).read_bytes() == document


def test_light_and_dark_icons_differ_in_colour_only() -> None:
    light, dark = resources.icon_bytes("pin"), resources.icon_bytes("pin", dark=True)

    assert light != dark
    assert light.count(b"<path") == dark.count(b"<path")


def test_an_unknown_icon_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="no icon named 'nope'"):
        resources.icon_path("nope")


@pytest.mark.parametrize("size", resources.APP_ICON_SIZES)
def test_application_icon_png_has_its_size(qapp: QApplication, size: int) -> None:
    image = QImage(str(resources.app_icon_png(size)))

    assert not image.isNull()
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()


def test_application_icon_svg_is_valid(qapp: QApplication) -> None:
    assert QSvgRenderer(str(resources.app_icon_svg())).isValid()


def test_windows_icon_holds_png_images_up_to_256() -> None:
    data = (resources.app_icon_svg().parent / "pinscope.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    entries = [struct.unpack_from("<BBBBHHII", data, 6 + 16 * i) for i in range(count)]

    assert (reserved, kind) == (0, 1)
    assert {entry[0] or 256 for entry in entries} >= {16, 32, 48, 256}
    for *_, length, offset in entries:
        assert data[offset : offset + 8] == PNG_SIGNATURE
        assert offset + length <= len(data)


def test_macos_icon_family_is_well_formed() -> None:
    data = (resources.app_icon_svg().parent / "pinscope.icns").read_bytes()
    kinds = []
    offset = 8
    while offset < len(data):
        kind, length = struct.unpack_from(">4sI", data, offset)
        assert data[offset + 8 : offset + 16] == PNG_SIGNATURE
        kinds.append(kind)
        offset += length

    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data) == offset
    assert {b"ic07", b"ic08", b"ic09", b"ic10"} <= set(kinds)
