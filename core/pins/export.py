"""Exporting a pin set to one format: the safety checks, the platform's refusal, the output.

`pinscope pins` and the window's Export pins panel both call `export`, so they refuse the same
outputs and list the same findings in the same order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pinscope.core.model import Finding
from pinscope.core.pins.formats import render
from pinscope.core.pins.model import PinSet, Rendered
from pinscope.core.pins.safety import check_pin_set, rejection

__all__ = ["Exported", "export", "merged_findings"]


@dataclass(frozen=True)
class Exported:
    """What exporting a pin set to one format gives: the output or why there is none."""

    rendered: Rendered | None
    """The configuration to write; None when the platform would refuse it (see `refused`)."""
    refused: str | None
    """Why nothing may be written, in a sentence; None when `rendered` is set."""
    findings: tuple[Finding, ...]
    """The findings given to `export`, the safety findings, then the format's own not already
    said for the same code and certificate (the format's only when it rendered)."""


def export(
    pin_set: PinSet,
    format_name: str,
    now: dt.datetime,
    earlier: Sequence[Finding] = (),
) -> Exported:
    """Check `pin_set` for `format_name`, and render it unless the platform would refuse it.

    Args:
        pin_set: what to write.
        format_name: a name of `formats.FORMATS`.
        now: the moment the expiration date is judged at.
        earlier: findings already raised (about pasted backup pins, say), listed first.

    Returns:
        The rendered output, or the refusal when the platform would reject it or the format
        is unknown; either way the findings to show with it.
    """
    findings = [*earlier, *check_pin_set(pin_set, format_name, now)]
    refused = rejection(pin_set, format_name)
    if refused is not None:
        return Exported(None, refused, tuple(findings))
    try:
        rendered = render(format_name, pin_set)
    except ValueError as error:
        return Exported(None, str(error), tuple(findings))
    return Exported(rendered, None, tuple(merged_findings(findings, rendered.findings)))


def merged_findings(general: Sequence[Finding], specific: Sequence[Finding]) -> list[Finding]:
    """The safety findings, then the format's own.

    Where both speak of the same code and certificate (TrustKit's key types, which
    `safety` owns) the safety check's word is kept and the format's dropped, so nothing is
    said twice.
    """
    said = {(finding.code, finding.certificate) for finding in general}
    return [*general, *(f for f in specific if (f.code, f.certificate) not in said)]
