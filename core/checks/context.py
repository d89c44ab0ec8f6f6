"""What the checks need to know beyond the certificate itself: when, for whom, how strictly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pinscope.core.chain import CLIENT, SERVER

__all__ = ["CLIENT", "DEFAULT_WARN_DAYS", "SERVER", "CheckContext"]

DEFAULT_WARN_DAYS = 30


@dataclass(frozen=True)
class CheckContext:
    """The settings every check reads; one per inspection."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """The moment validity is judged at (`--at`)."""
    warn_days: int = DEFAULT_WARN_DAYS
    """A certificate with fewer days left than this, and under a third of its lifetime, is
    expiring soon (`--warn-days`)."""
    host: str | None = None
    """The DNS name or IP address a client would connect to (`--host`); None when unknown."""
