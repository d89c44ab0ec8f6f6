"""Checks on one certificate: validity dates, serial number, and what could not be decoded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pinscope.core.certificate import Certificate
from pinscope.core.model import Finding, Severity


def check_certificate(cert: Certificate, now: dt.datetime) -> Iterator[Finding]:
    """Yield the findings about `cert` on its own, judged at `now`."""
    yield from _validity(cert, now)
    yield from _serial(cert)
    yield from _decode_problems(cert)


def _validity(cert: Certificate, now: dt.datetime) -> Iterator[Finding]:
    details = cert.details
    name = details.short_name()
    if now > details.not_after:
        days = (now - details.not_after).days
        yield Finding(
            code="cert.expired",
            severity=Severity.ERROR,
            title=f"\u201c{name}\u201d has expired",
            detail=f"The certificate was valid until {_date(details.not_after)} "
            f"({_days(days)} ago). Clients refuse expired certificates.",
            remedy="Renew the certificate and install the new one with its chain.",
            certificate=cert.sha256,
        )
    elif now < details.not_before:
        days = (details.not_before - now).days
        yield Finding(
            code="cert.not-yet-valid",
            severity=Severity.ERROR,
            title=f"\u201c{name}\u201d is not valid yet",
            detail=f"The certificate becomes valid on {_date(details.not_before)} "
            f"(in {_days(days)}). Clients refuse it until then; a wrong clock on the issuing or "
            "the checking machine is the usual cause.",
            remedy="Wait until the start date, or check the clocks and reissue with a start date "
            "in the past.",
            certificate=cert.sha256,
        )


def _serial(cert: Certificate) -> Iterator[Finding]:
    if cert.serial > 0:
        return
    kind = "zero" if cert.serial == 0 else "negative"
    yield Finding(
        code="cert.negative-serial",
        severity=Severity.WARNING,
        title=f"\u201c{cert.details.short_name()}\u201d has a {kind} serial number",
        detail=f"The serial number is {cert.serial}; RFC 5280 requires a positive one. Strict "
        "libraries (Go, recent cryptography releases) refuse such certificates.",
        remedy="Reissue the certificate with a positive serial number.",
        certificate=cert.sha256,
    )


def _decode_problems(cert: Certificate) -> Iterator[Finding]:
    for repair in cert.repairs:
        yield Finding(
            code="cert.malformed",
            severity=Severity.WARNING,
            title=f"\u201c{cert.details.short_name()}\u201d breaks the DER encoding rules",
            detail=f"{repair} Pinscope and OpenSSL read it anyway.",
            remedy="Strict clients (Go, rustls, recent Python cryptography) refuse this "
            "certificate; reissue it with current CA software.",
            certificate=cert.sha256,
        )
    for problem in cert.details.decode_problems:
        yield Finding(
            code="cert.malformed",
            severity=Severity.WARNING,
            title=f"Part of \u201c{cert.details.short_name()}\u201d could not be decoded",
            detail=problem,
            remedy="Strict clients may refuse this certificate; reissue it with a current CA "
            "software.",
            certificate=cert.sha256,
        )


def _date(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"
