"""The expiring-soon check: a valid certificate that is due for renewal now.

A fixed number of days suits neither a 90-day ACME certificate nor a 3-day workload certificate.
Pinscope warns when both hold: fewer than `warn_days` days are left, and less than a third of
the certificate's lifetime is left. The second condition is the default cert-manager renews
at (renewBefore is a third of the duration when unset), so a short-lived certificate that its
automation would not renew yet raises no warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pinscope.core.certificate import Certificate
from pinscope.core.checks.context import CheckContext
from pinscope.core.model import Finding, Severity

RENEW_SHARE = 1 / 3
"""Warn once less than this share of the lifetime is left."""


def check_expiry(cert: Certificate, ctx: CheckContext) -> Iterator[Finding]:
    """Yield `cert.expiring-soon` when `cert` is valid at `ctx.now` but due for renewal.

    Expired and not-yet-valid certificates yield nothing here: `check_certificate` reports
    them as `cert.expired` and `cert.not-yet-valid`.

    Args:
        cert: the certificate.
        ctx: the moment to judge at (`now`) and the warning threshold (`warn_days`).
    """
    details = cert.details
    if not details.not_before <= ctx.now <= details.not_after:
        return

    left = details.not_after - ctx.now
    lifetime = details.not_after - details.not_before
    if left >= dt.timedelta(days=ctx.warn_days) or lifetime <= dt.timedelta(0):
        return
    share = left / lifetime
    if share >= RENEW_SHARE:
        return

    yield Finding(
        code="cert.expiring-soon",
        severity=Severity.WARNING,
        title=f"\u201c{details.short_name()}\u201d expires in {_time_left(left)}",
        detail=f"The certificate is valid until {_date(details.not_after)}, {_time_left(left)} "
        f"from now: {_percent(share)} of its lifetime ({_time_left(lifetime)}) is left. Pinscope "
        f"warns when fewer than {ctx.warn_days} days and less than a third of the lifetime "
        "remain, the point at which cert-manager renews by default.",
        remedy="Renew the certificate now and install the new one with its chain; if renewal "
        "is automated, check that the renewal job is running.",
        certificate=cert.sha256,
    )


def _time_left(span: dt.timedelta) -> str:
    """Whole days, or whole hours under two days: "12 days", "20 hours"."""
    if span < dt.timedelta(hours=1):
        return "under an hour"
    if span < dt.timedelta(days=2):
        hours = int(span.total_seconds() // 3600)
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{span.days} days"


def _percent(share: float) -> str:
    """A share as a percentage that never rounds a non-zero share down to "0 %"."""
    percent = share * 100
    if 0 < percent < 1:
        return "under 1 %"
    return f"{round(percent)} %"


def _date(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
