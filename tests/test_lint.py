"""The code stays formatted, lint-free and type-checked: `make lint`, run with the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [["ruff", "format", "--check", "."], ["ruff", "check", "."]],
    ids=["ruff-format", "ruff-check"],
)
def test_ruff(command: list[str]) -> None:
    result = subprocess.run(
        [str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_on_core(tmp_path: Path) -> None:
    # mypy resolves pinscope.core through a folder named like the installed package.
    (tmp_path / "pinscope").mkdir()
    (tmp_path / "pinscope" / "core").symlink_to(ROOT / "core")
    result = subprocess.run(
        [str(BIN / "mypy"), "--cache-dir", str(tmp_path / "cache"), "-p", "pinscope.core"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"MYPYPATH": str(tmp_path), "PATH": str(BIN)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
