"""Package data: the window's icons, the application icon, desktop files and sample files.

Everything is reached through `importlib.resources`, so the same calls work from a wheel, an
editable install, a zipped install and a PyInstaller bundle. Functions that hand out a path
(Qt wants file names) extract a zipped resource once and keep it until the program exits.
"""

from __future__ import annotations

import atexit
import contextlib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = [
    "APP_ICON_SIZES",
    "APP_ID",
    "SAMPLES",
    "Sample",
    "app_icon_png",
    "app_icon_svg",
    "icon_bytes",
    "icon_names",
    "icon_path",
    "linux_file",
    "read_sample",
    "sample_files",
    "sample_path",
]

APP_ID = "io.github.pinscope.Pinscope"
"""The reverse-DNS id shared by the desktop entry, the AppStream metainfo and the icon."""

APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


@dataclass(frozen=True)
class Sample:
    """A file behind the window's "try a sample" link."""

    name: str
    """The file name under resources/samples/."""
    title: str
    """What it shows, in a few words for a menu."""
    password: str | None = None
    """The password to open it with; None when it needs none."""


SAMPLES = (
    Sample("chain.pem", "A server chain: leaf, intermediate and root"),
    Sample("missing-intermediate.pem", "A server certificate sent without its intermediate"),
    Sample("server.p12", "A PKCS#12 file with the server's key (password: pinscope)", "pinscope"),
    Sample("keystore.jks", "A Java keystore: a key entry and a trusted root", "pinscope"),
    Sample("request.csr", "A certificate signing request (CSR)"),
)

_PACKAGE = resources.files(__name__)
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def _as_path(resource: Traversable) -> Path:
    """A file-system path to `resource`: itself when installed as files, else a copy."""
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(resources.as_file(resource))


def icon_names() -> list[str]:
    """The names of the window's icons, the same in the light and the dark set."""
    folder = _PACKAGE / "icons" / "light"
    return sorted(item.name.removesuffix(".svg") for item in folder.iterdir() if item.is_file())


def _icon(name: str, dark: bool) -> Traversable:
    icon = _PACKAGE / "icons" / ("dark" if dark else "light") / f"{name}.svg"
    if not icon.is_file():
        raise ValueError(f"no icon named {name!r}; the icons are {', '.join(icon_names())}")
    return icon


def icon_path(name: str, dark: bool = False) -> Path:
    """The SVG file of an icon, for `QIcon(str(...))`.

    Args:
        name: an icon name such as "open" or "status-valid" (see `icon_names()`).
        dark: the set drawn for dark backgrounds instead of light ones.

    Raises:
        ValueError: there is no icon of that name.
    """
    return _as_path(_icon(name, dark))


def icon_bytes(name: str, dark: bool = False) -> bytes:
    """The SVG document of an icon; see `icon_path` for the arguments."""
    return _icon(name, dark).read_bytes()


def app_icon_svg() -> Path:
    """The application icon as SVG: for the window icon and the about box."""
    return _as_path(_PACKAGE / "app" / f"{APP_ID}.svg")


def app_icon_png(size: int) -> Path:
    """The application icon drawn at `size` pixels, one of `APP_ICON_SIZES`."""
    if size not in APP_ICON_SIZES:
        raise ValueError(f"no {size} px application icon; the sizes are {APP_ICON_SIZES}")
    return _as_path(_PACKAGE / "app" / f"pinscope-{size}.png")


def linux_file(name: str) -> Path:
    """A file of resources/linux/: the desktop entry, the metainfo, the MIME types."""
    resource = _PACKAGE / "linux" / name
    if not resource.is_file():
        raise ValueError(f"no file {name!r} in the package's Linux desktop files")
    return _as_path(resource)


def sample_files() -> tuple[Sample, ...]:
    """The samples the window offers, in the order to offer them."""
    return SAMPLES


def sample_path(name: str) -> Path:
    """The file of a sample, to open it as the user would open any file."""
    return _as_path(_sample(name))


def read_sample(name: str) -> bytes:
    """The content of a sample, by its file name (see `sample_files()`)."""
    return _sample(name).read_bytes()


def _sample(name: str) -> Traversable:
    if name not in {sample.name for sample in SAMPLES}:
        raise ValueError(f"no sample named {name!r}")
    return _PACKAGE / "samples" / name
