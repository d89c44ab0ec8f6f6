"""Load a source and run the checks on it: what `pinscope inspect` and the window both do."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pinscope.core.aia import IssuerFetcher
from pinscope.core.chain import Validation
from pinscope.core.checks import CheckContext, run_checks
from pinscope.core.errors import LoadError
from pinscope.core.model import Finding, Severity, Source
from pinscope.core.sources import Passwords, load_bytes, load_path
from pinscope.core.trust import TrustStore, load_trust_stores

if TYPE_CHECKING:
    from pinscope.core.endpoint.probe import EndpointReport

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inspection:
    """The result of reading one input: its source and findings, or why it could not be read."""

    name: str
    source: Source | None
    """None when the input could not be read; `error` then says why."""
    findings: tuple[Finding, ...] = ()
    error: LoadError | None = None
    validations: tuple[Validation | None, ...] = ()
    """One per entry of the source: the verdict on its chain, or None when it holds none."""
    endpoint: EndpointReport | None = None
    """For an endpoint: the handshake, its retries and version probes; None for files."""
    checked: bool = True
    """False for what `read_path` or `read_bytes` returned: read, its chains not yet judged."""

    @property
    def could_not_test(self) -> bool:
        """Whether the input could not be read or the endpoint not reached (exit status 2)."""
        return self.error is not None or (
            self.endpoint is not None and self.endpoint.could_not_test
        )

    @property
    def validation(self) -> Validation | None:
        """The verdict on the source's first chain: what a one-chain file or an endpoint is."""
        return next((v for v in self.validations if v is not None), None)

    @property
    def has_errors(self) -> bool:
        return any(finding.severity == Severity.ERROR for finding in self.findings)


@dataclass(frozen=True)
class Settings:
    """How to judge what is read: when, for which host, against which trust stores."""

    context: CheckContext
    stores: tuple[TrustStore, ...]
    fetcher: IssuerFetcher | None = None
    """Downloads missing intermediates when set (`--fetch-missing`)."""


def default_settings(now: dt.datetime | None = None) -> Settings:
    """Judged now (or at `now`) against the default trust store, fetching nothing."""
    context = CheckContext(now) if now is not None else CheckContext()
    return Settings(context, tuple(load_trust_stores(None)))


def inspect_path(
    path: str | Path,
    passwords: Passwords | None = None,
    now: dt.datetime | None = None,
    settings: Settings | None = None,
) -> Inspection:
    """Read a file and check what it holds. Never raises for bad input.

    Args:
        path: the file.
        passwords: where passwords come from; asking for one fails when None.
        now: the moment to judge at, when `settings` is None.
        settings: how to judge; the default trust store at `now` when None.
    """
    return check(read_path(path, passwords), settings or _lazy(now))


def inspect_bytes(
    data: bytes,
    name: str,
    passwords: Passwords | None = None,
    now: dt.datetime | None = None,
    kind: str = "file",
    settings: Settings | None = None,
) -> Inspection:
    """Read bytes (standard input, pasted text) and check what they hold. Never raises."""
    return check(read_bytes(data, name, passwords, kind), settings or _lazy(now))


def read_path(path: str | Path, passwords: Passwords | None = None) -> Inspection:
    """Read a file without judging it: its entries and the findings of reading only.

    The window shows what a big file holds first and the verdicts when `check` is done.
    Never raises for bad input.
    """
    return _read(str(path), lambda: load_path(path, passwords))


def read_bytes(
    data: bytes, name: str, passwords: Passwords | None = None, kind: str = "file"
) -> Inspection:
    """`read_path` for bytes (standard input, pasted text)."""
    return _read(name, lambda: load_bytes(data, name, passwords, kind))


def check(
    inspection: Inspection,
    settings: Settings | Callable[[], Settings],
    progress: Callable[[int, int], None] | None = None,
) -> Inspection:
    """Validate the chains of what `read_path` or `read_bytes` read and check each certificate.

    Args:
        inspection: a read, unchecked inspection; returned as it is when it holds nothing to
            check (the input could not be read) or was checked already.
        settings: how to judge, or a function making them (called only when needed: loading
            the trust stores is wasted on an input that could not be read).
        progress: called with (entries done, entries in all) as the chains are checked.
    """
    source = inspection.source
    if source is None or inspection.checked:
        return inspection
    try:
        judge = settings if isinstance(settings, Settings) else settings()
        checked = run_checks(source, judge.context, judge.stores, judge.fetcher, progress)
    except LoadError as error:  # a trust file that cannot be read
        logger.debug("could not check %s: %s", inspection.name, error)
        return Inspection(inspection.name, None, error=_detached(error))
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:  # the last boundary, as in `_read`
        logger.debug("unexpected error checking %s", inspection.name, exc_info=True)
        return Inspection(inspection.name, None, error=_unexpected("checking", error))
    findings = (*inspection.findings, *checked.findings)
    return replace(inspection, findings=findings, validations=checked.validations, checked=True)


def _lazy(now: dt.datetime | None) -> Callable[[], Settings]:
    return lambda: default_settings(now)


def _read(name: str, load: Callable[[], Source]) -> Inspection:
    try:
        source: Source = load()
    except LoadError as error:
        logger.debug("could not read %s: %s", name, error)
        return Inspection(name, None, error=_detached(error))
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:  # the last boundary: a parser bug must not become a traceback
        # BaseException, not Exception: cryptography's Rust code raises PanicException.
        logger.debug("unexpected error reading %s", name, exc_info=True)
        return Inspection(name, None, error=_unexpected("reading", error))
    return Inspection(name, source, tuple(source.findings), checked=False)


def _detached(error: LoadError) -> LoadError:
    """`error` without the tracebacks of it and its causes.

    An inspection lives as long as the window shows it; a traceback would keep every frame of
    the failed read alive with it, in reference cycles (a frame holds the error that holds the
    frame) that only the cycle collector frees, and the window keeps that collector away from
    what its jobs built (gui/worker.py).
    """
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    return error


def _unexpected(doing: str, error: BaseException) -> LoadError:
    return LoadError(f"unexpected error while {doing} it ({type(error).__name__}: {error})")
