"""packaging/install-linux.sh registers Pinscope for one user, and removes it again."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pinscope.resources import APP_ICON_SIZES, APP_ID

SCRIPT = Path(__file__).parents[2] / "packaging" / "install-linux.sh"
PROGRAM = "/opt/Pinscope tools/pinscope-gui"

pytestmark = pytest.mark.skipif(not shutil.which("sh"), reason="needs a POSIX shell")


def run_script(data_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    return subprocess.run(
        ["sh", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60
    )


def installed_files(data_home: Path) -> set[str]:
    expected = {
        f"applications/{APP_ID}.desktop",
        f"metainfo/{APP_ID}.metainfo.xml",
        f"mime/packages/{APP_ID}.xml",
        f"icons/hicolor/scalable/apps/{APP_ID}.svg",
        *(f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png" for size in APP_ICON_SIZES),
    }
    return {name for name in expected if (data_home / name).is_file()}


def test_install_puts_every_file_in_the_data_home(tmp_path: Path) -> None:
    result = run_script(tmp_path, "--exec", PROGRAM)

    assert result.returncode == 0, result.stderr
    assert len(installed_files(tmp_path)) == 4 + len(APP_ICON_SIZES)


def test_installed_entry_starts_the_given_program_quoted(tmp_path: Path) -> None:
    run_script(tmp_path, "--exec", PROGRAM)
    entry = (tmp_path / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")

    assert f'Exec="{PROGRAM}" %F\n' in entry
    assert f"TryExec={PROGRAM}\n" in entry


@pytest.mark.skipif(not shutil.which("update-mime-database"), reason="no shared-mime-info")
def test_install_updates_the_mime_database_for_bks_and_csr(tmp_path: Path) -> None:
    run_script(tmp_path, "--exec", PROGRAM)
    globs = (tmp_path / "mime" / "globs2").read_text(encoding="utf-8")

    assert "application/x-bouncy-castle-keystore:*.bks" in globs
    assert "application/pkcs10:*.csr" in globs


def test_uninstall_removes_what_install_added(tmp_path: Path) -> None:
    run_script(tmp_path, "--exec", PROGRAM)
    result = run_script(tmp_path, "--uninstall")

    assert result.returncode == 0, result.stderr
    assert installed_files(tmp_path) == set()


def test_a_program_path_the_entry_cannot_hold_is_refused(tmp_path: Path) -> None:
    result = run_script(tmp_path, "--exec", "/opt/100%/pinscope-gui")

    assert result.returncode == 2
    assert "folder without" in result.stderr
    assert not (tmp_path / "applications").exists()
