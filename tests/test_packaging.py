"""The distribution maps the top-level folders onto pinscope.* and ships every module."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
FOLDERS = {
    "core": "pinscope/core",
    "cli": "pinscope/cli",
    "gui": "pinscope/gui",
    "resources": "pinscope/resources",
}


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("pinscope-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_every_module_of_every_folder_is_in_the_wheel(wheel_names: set[str]) -> None:
    missing = [
        f"{installed}/{path.relative_to(ROOT / folder).as_posix()}"
        for folder, installed in FOLDERS.items()
        for path in (ROOT / folder).rglob("*.py")
        if f"{installed}/{path.relative_to(ROOT / folder).as_posix()}" not in wheel_names
    ]
    assert missing == []


def test_no_bare_top_level_package_is_installed(wheel_names: set[str]) -> None:
    top_level = {name.split("/")[0] for name in wheel_names if not name.startswith("pinscope-")}
    assert top_level == {"pinscope"}


def test_the_command_is_declared(wheel_names: set[str]) -> None:
    (entry_points,) = [name for name in wheel_names if name.endswith("entry_points.txt")]
    assert entry_points
