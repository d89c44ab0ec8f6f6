"""packaging/install-linux.sh registers Pinscope for one user, and removes it again."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pinscope.resources import APP_ICON_SIZES, APP_ID

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "packaging" / "install-linux.sh"
PROGRAM = "/opt/Pinscope tools/pinscope-gui"
TOOLS = ("dirname", "sed", "cp", "mkdir", "head", "grep", "touch", "rm")
"""What the script runs besides shell built-ins; the cache tools it skips when they are absent."""

pytestmark = pytest.mark.skipif(not shutil.which("sh"), reason="needs a POSIX shell")


def run_script(
    data_home: Path, *args: str, script: Path = SCRIPT, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [shutil.which("sh") or "sh", str(script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def fake_program(folder: Path) -> Path:
    """An executable named pinscope-gui in `folder`; the script only checks that it exists."""
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / "pinscope-gui"
    program.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    program.chmod(0o755)
    return program


def installed_exec(data_home: Path) -> str:
    entry = (data_home / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    (line,) = [line for line in entry.splitlines() if line.startswith("TryExec=")]
    return line.removeprefix("TryExec=")


@pytest.fixture
def tools_only(tmp_path: Path) -> str:
    """A PATH holding the commands the script needs and no pinscope-gui."""
    folder = tmp_path / "tools"
    folder.mkdir()
    for name in TOOLS:
        found = shutil.which(name)
        assert found, f"{name} is not installed"
        (folder / name).symlink_to(found)
    return str(folder)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A source checkout without a .venv: the script in packaging/, beside resources/."""
    root = tmp_path / "checkout"
    (root / "packaging").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "packaging" / SCRIPT.name)
    (root / "resources").symlink_to(ROOT / "resources", target_is_directory=True)
    return root


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A PyInstaller folder: the script beside pinscope-gui, the resources in _internal/."""
    root = tmp_path / "dist" / "pinscope"
    fake_program(root)
    shutil.copy(SCRIPT, root / SCRIPT.name)
    (root / "_internal" / "pinscope").mkdir(parents=True)
    (root / "_internal" / "pinscope" / "resources").symlink_to(
        ROOT / "resources", target_is_directory=True
    )
    return root


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


def test_a_bundle_registers_the_program_beside_the_script(
    tmp_path: Path, bundle: Path, tools_only: str
) -> None:
    result = run_script(tmp_path / "data", script=bundle / SCRIPT.name, path=tools_only)

    assert result.returncode == 0, result.stderr
    assert installed_exec(tmp_path / "data") == str(bundle / "pinscope-gui")


def test_a_checkout_registers_its_venv_program_without_activation(
    tmp_path: Path, checkout: Path, tools_only: str
) -> None:
    program = fake_program(checkout / ".venv" / "bin")

    result = run_script(
        tmp_path / "data", script=checkout / "packaging" / SCRIPT.name, path=tools_only
    )

    assert result.returncode == 0, result.stderr
    assert installed_exec(tmp_path / "data") == str(program)  # absolute, without "/../"
    assert str(program) in result.stdout


def test_a_checkout_prefers_its_venv_to_another_install_on_path(
    tmp_path: Path, checkout: Path, tools_only: str
) -> None:
    program = fake_program(checkout / ".venv" / "bin")
    elsewhere = fake_program(tmp_path / "pipx-bin")

    result = run_script(
        tmp_path / "data",
        script=checkout / "packaging" / SCRIPT.name,
        path=f"{elsewhere.parent}:{tools_only}",
    )

    assert result.returncode == 0, result.stderr
    assert installed_exec(tmp_path / "data") == str(program)


def test_without_a_venv_the_program_on_path_is_registered(
    tmp_path: Path, checkout: Path, tools_only: str
) -> None:
    program = fake_program(tmp_path / "pipx-bin")

    result = run_script(
        tmp_path / "data",
        script=checkout / "packaging" / SCRIPT.name,
        path=f"{program.parent}:{tools_only}",
    )

    assert result.returncode == 0, result.stderr
    assert installed_exec(tmp_path / "data") == str(program)


def test_no_program_found_is_an_error_and_installs_nothing(
    tmp_path: Path, checkout: Path, tools_only: str
) -> None:
    result = run_script(
        tmp_path / "data", script=checkout / "packaging" / SCRIPT.name, path=tools_only
    )

    assert result.returncode == 2
    assert "cannot find pinscope-gui" in result.stderr
    assert "--exec" in result.stderr
    assert not (tmp_path / "data" / "applications").exists()
