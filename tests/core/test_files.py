"""Files written whole or not at all, with the mode asked for."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pinscope.core.files import replace_file, write_new_file


def test_replace_file_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "pins.xml"
    target.write_bytes(b"old")

    replace_file(target, b"new")

    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pins.xml"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_modes_are_the_ones_asked_for(tmp_path: Path) -> None:
    shared, private = tmp_path / "shared.pem", tmp_path / "key.pem"
    replace_file(shared, b"x")
    write_new_file(private, b"y")

    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_write_new_file_never_replaces(tmp_path: Path) -> None:
    target = tmp_path / "key.pem"
    target.write_bytes(b"keep me")

    with pytest.raises(FileExistsError):
        write_new_file(target, b"other")

    assert target.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key.pem"]


def test_a_folder_that_does_not_exist_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        replace_file(tmp_path / "missing" / "out.pem", b"x")
