"""Checks that look at certificates, entries and sources and yield findings.

Each check is a small function; `run_checks` runs the ones this version knows over a source.
"""

from __future__ import annotations

import datetime as dt

from pinscope.core.checks.validity import check_certificate
from pinscope.core.model import Finding, Source

__all__ = ["check_certificate", "run_checks"]


def run_checks(source: Source, now: dt.datetime | None = None) -> list[Finding]:
    """The findings of every check over every certificate of `source`, once per certificate.

    Args:
        source: what was loaded.
        now: the moment to judge validity at; the current time when None.
    """
    moment = now or dt.datetime.now(dt.UTC)
    findings: list[Finding] = []
    for cert in source.certificates():
        findings.extend(check_certificate(cert, moment))
    return findings
