"""The desktop entry, the AppStream metainfo and the MIME types register Pinscope correctly."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pinscope import resources
from pinscope.core import __version__

DESKTOP = f"{resources.APP_ID}.desktop"
METAINFO = f"{resources.APP_ID}.metainfo.xml"
MIME = "{http://www.freedesktop.org/standards/shared-mime-info}"
SYSTEM_MIME = Path("/usr/share/mime/packages/freedesktop.org.xml")

# Every extension issue 7 registers, and the type shared-mime-info 2.2 gives it; .bks and .csr
# have none there and come from resources/linux/pinscope-mime.xml.
EXTENSIONS = {
    ".pem": "application/x-x509-ca-cert",
    ".crt": "application/x-x509-ca-cert",
    ".der": "application/x-x509-ca-cert",
    ".cer": "application/pkix-cert",
    ".p7b": "application/x-pkcs7-certificates",
    ".p12": "application/pkcs12",
    ".pfx": "application/pkcs12",
    ".jks": "application/x-java-keystore",
    ".jceks": "application/x-java-jce-keystore",
    ".bks": "application/x-bouncy-castle-keystore",
    ".csr": "application/pkcs10",
}


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(resources.linux_file(DESKTOP), encoding="utf-8")
    return parser["Desktop Entry"]


def mime_types() -> set[str]:
    return set(filter(None, desktop_entry()["MimeType"].split(";")))


def globs(path: Path) -> dict[str, set[str]]:
    """The file-name patterns of each type a shared-mime-info package declares."""
    root = ET.parse(path).getroot()
    return {
        kind.get("type", ""): {glob.get("pattern", "") for glob in kind.iter(f"{MIME}glob")}
        for kind in root.iter(f"{MIME}mime-type")
    }


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="no desktop-file-utils")
def test_desktop_file_validate_accepts_the_entry() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(resources.linux_file(DESKTOP))],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout


def test_desktop_entry_starts_the_window_with_files() -> None:
    entry = desktop_entry()

    assert entry["Type"] == "Application"
    assert entry["Exec"] == "pinscope-gui %F"
    assert entry["Icon"] == resources.APP_ID
    assert entry["Terminal"] == "false"
    assert entry["MimeType"].endswith(";")


@pytest.mark.parametrize("extension", sorted(EXTENSIONS))
def test_every_extension_has_a_registered_type(extension: str) -> None:
    assert EXTENSIONS[extension] in mime_types()


def test_our_mime_package_declares_what_shared_mime_info_lacks() -> None:
    ours = globs(resources.linux_file("pinscope-mime.xml"))

    assert "*.bks" in ours["application/x-bouncy-castle-keystore"]
    assert "*.csr" in ours["application/pkcs10"]


@pytest.mark.skipif(not SYSTEM_MIME.exists(), reason="shared-mime-info is not installed")
def test_each_extension_maps_to_its_type_in_the_system_or_our_package() -> None:
    known = globs(SYSTEM_MIME)
    for kind, patterns in globs(resources.linux_file("pinscope-mime.xml")).items():
        known.setdefault(kind, set()).update(patterns)

    unmapped = [ext for ext, kind in EXTENSIONS.items() if f"*{ext}" not in known.get(kind, ())]

    assert unmapped == []


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstreamcli is not installed")
def test_appstreamcli_validates_the_metainfo() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(resources.linux_file(METAINFO))],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_one_id_names_the_desktop_entry_the_metainfo_and_the_icon() -> None:
    root = ET.parse(resources.linux_file(METAINFO)).getroot()

    assert root.findtext("id") == resources.APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP
    assert resources.app_icon_svg().name == f"{resources.APP_ID}.svg"


def test_metainfo_lists_this_version_and_the_desktop_entry_types() -> None:
    root = ET.parse(resources.linux_file(METAINFO)).getroot()
    versions = [release.get("version") for release in root.iter("release")]
    provided = {element.text for element in root.iter("mediatype")}

    assert __version__ in versions
    assert provided == mime_types()


def test_metainfo_names_the_developer_for_appstream_1_and_0_16() -> None:
    root = ET.parse(resources.linux_file(METAINFO)).getroot()
    (developer,) = root.findall("developer")

    assert developer.get("id")
    assert (
        developer.findtext("name") == root.findtext("developer_name") == "The Pinscope developers"
    )
