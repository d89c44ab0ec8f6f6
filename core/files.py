"""Writing files so that a crash never leaves half of one: a temporary file in the same folder,
flushed to disk, then moved or linked into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["replace_file", "write_new_file"]


def replace_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to `path`, replacing what is there in one step.

    Raises:
        OSError: the folder cannot be written to.
    """
    temporary = _written(path, data, mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_new_file(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to a new file `path`; an existing file is never replaced.

    Raises:
        FileExistsError: `path` already exists.
        OSError: the folder cannot be written to.
    """
    temporary = _written(path, data, mode)
    try:
        os.link(temporary, path)  # fails rather than replacing an existing file
    finally:
        os.unlink(temporary)


def _written(path: Path, data: bytes, mode: int) -> str:
    """A temporary file beside `path` holding `data` with `mode`, synced to disk."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # Set before any byte is written, so a private key is never readable by others.
        # Windows has no fchmod before Python 3.13, and its chmod only sets read-only.
        if hasattr(os, "fchmod"):
            os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary
