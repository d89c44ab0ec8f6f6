"""Load a source and run the checks on it: what `pinscope inspect` and the window both do."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pinscope.core.checks import run_checks
from pinscope.core.errors import LoadError
from pinscope.core.model import Finding, Severity, Source
from pinscope.core.sources import Passwords, load_bytes, load_path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inspection:
    """The result of reading one input: its source and findings, or why it could not be read."""

    name: str
    source: Source | None
    """None when the input could not be read; `error` then says why."""
    findings: tuple[Finding, ...] = ()
    error: LoadError | None = None

    @property
    def has_errors(self) -> bool:
        return any(finding.severity == Severity.ERROR for finding in self.findings)


def inspect_path(
    path: str | Path, passwords: Passwords | None = None, now: dt.datetime | None = None
) -> Inspection:
    """Read a file and check what it holds. Never raises for bad input."""
    return _inspect(str(path), lambda: load_path(path, passwords), now)


def inspect_bytes(
    data: bytes,
    name: str,
    passwords: Passwords | None = None,
    now: dt.datetime | None = None,
    kind: str = "file",
) -> Inspection:
    """Read bytes (standard input, pasted text) and check what they hold. Never raises."""
    return _inspect(name, lambda: load_bytes(data, name, passwords, kind), now)


def _inspect(name: str, load: Callable[[], Source], now: dt.datetime | None) -> Inspection:
    try:
        source: Source = load()
        findings = [*source.findings, *run_checks(source, now)]
    except LoadError as error:
        logger.debug("could not read %s: %s", name, error)
        return Inspection(name, None, error=error)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:  # the last boundary: a parser bug must not become a traceback
        # BaseException, not Exception: cryptography's Rust code raises PanicException.
        logger.debug("unexpected error reading %s", name, exc_info=True)
        message = f"unexpected error while reading it ({type(error).__name__}: {error})"
        return Inspection(name, None, error=LoadError(message))
    return Inspection(name, source, tuple(findings))
