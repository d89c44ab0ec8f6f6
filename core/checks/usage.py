"""Checks on the end-entity certificate of a chain: is it fit for the job it is used for?

A TLS server certificate must allow server authentication, name its hosts as subjectAltName
entries, be no CA, carry a keyUsage its key can honour and, when publicly trusted, keep to the
CA/Browser Forum's lifetime limits. A client certificate must allow client authentication.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pinscope.core.certificate import Certificate, CertificateDetails
from pinscope.core.checks.context import CLIENT, SERVER, CheckContext
from pinscope.core.model import Finding, Severity

ANY_EKU = "anyExtendedKeyUsage"

_HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)


def check_leaf(
    cert: Certificate, ctx: CheckContext, purpose: str, publicly_trusted: bool = False
) -> Iterator[Finding]:
    """Yield the findings about `cert` as the end-entity certificate of a chain.

    Args:
        cert: the end-entity (leaf) certificate.
        ctx: the inspection's settings; these checks depend on the certificate alone today,
            and take the context so that every check is called the same way.
        purpose: SERVER or CLIENT (from `pinscope.core.checks.context`): what the certificate
            is presented for.
        publicly_trusted: whether the chain ends at a root of a public trust store; only then
            do the CA/Browser Forum's lifetime limits apply.

    Raises:
        ValueError: `purpose` is neither SERVER nor CLIENT.
    """
    if purpose not in (SERVER, CLIENT):
        raise ValueError(f"purpose must be {SERVER!r} or {CLIENT!r}, not {purpose!r}")
    yield from _extended_key_usage(cert, purpose)
    yield from _ca_as_leaf(cert, purpose)
    if purpose == SERVER:
        yield from _subject_alt_names(cert)
    yield from _key_usage(cert, purpose)
    if publicly_trusted and purpose == SERVER:
        yield from _validity_period(cert)


# ---- extendedKeyUsage ------------------------------------------------------------------------


def _extended_key_usage(cert: Certificate, purpose: str) -> Iterator[Finding]:
    details = cert.details
    usages = details.extended_key_usage
    needed = "serverAuth" if purpose == SERVER else "clientAuth"
    # An extendedKeyUsage extension holds at least one purpose: empty means absent (any use).
    if not usages or needed in usages or ANY_EKU in usages:
        return
    role = "TLS server" if purpose == SERVER else "TLS client"
    yield Finding(
        code=f"cert.missing-{'server' if purpose == SERVER else 'client'}-auth",
        severity=Severity.ERROR,
        title=f"\u201c{details.short_name()}\u201d is not allowed as a {role} certificate",
        detail=f"Its extendedKeyUsage lists {', '.join(usages)}; a {role} certificate needs "
        f"{needed} there (or no extendedKeyUsage extension at all). Clients refuse a {role} "
        "certificate whose extendedKeyUsage leaves that purpose out.",
        remedy=f"Reissue the certificate with extendedKeyUsage {needed} (OpenSSL: "
        f'-addext "extendedKeyUsage={needed}"); list other purposes beside it if they are '
        "needed too.",
        certificate=cert.sha256,
    )


# ---- basicConstraints ------------------------------------------------------------------------


def _ca_as_leaf(cert: Certificate, purpose: str) -> Iterator[Finding]:
    details = cert.details
    if not details.is_ca:
        return
    yield Finding(
        code="cert.ca-as-leaf",
        severity=Severity.WARNING,
        title=f"\u201c{details.short_name()}\u201d is a CA certificate used as a {purpose} "
        "certificate",
        detail="Its basicConstraints say CA:TRUE, yet it is the end-entity certificate of the "
        "chain; an end-entity certificate is expected to say CA:FALSE. `openssl req -x509` "
        "with OpenSSL's default configuration makes such certificates. Strict verifiers "
        "(rustls, Python cryptography's verifier) refuse a CA certificate in this place.",
        remedy="Reissue the certificate with basicConstraints CA:FALSE (OpenSSL: -addext "
        '"basicConstraints=critical,CA:FALSE"), or issue the end-entity certificate from a '
        "separate CA.",
        certificate=cert.sha256,
    )


# ---- subjectAltName --------------------------------------------------------------------------


def _subject_alt_names(cert: Certificate) -> Iterator[Finding]:
    details = cert.details
    if details.san.dns or details.san.ip:
        return
    common_name = details.common_name
    if common_name is not None and _looks_like_host(common_name):
        kind = "IP" if _is_ip_address(common_name) else "DNS"
        yield Finding(
            code="cert.no-san",
            severity=Severity.ERROR,
            title=f"\u201c{details.short_name()}\u201d names its host only in the CN "
            "(CN-only certificate)",
            detail=f"The certificate is CN-only: it names {common_name} in its common name and "
            "has no subjectAltName DNS name or IP address. Browsers have ignored the common "
            "name since 2017 and Go since 2020 (version 1.15), so they match this certificate "
            "to no host name at all.",
            remedy=f"Reissue the certificate with subjectAltName {kind}:{common_name} (OpenSSL: "
            f'-addext "subjectAltName={kind}:{common_name}").',
            certificate=cert.sha256,
        )
        return
    yield Finding(
        code="cert.no-san",
        severity=Severity.ERROR,
        title=f"\u201c{details.short_name()}\u201d names no host",
        detail="The certificate has no subjectAltName DNS name or IP address, and its common "
        "name is no host name either; a server certificate is expected to list the names "
        "clients connect to. No client can match it to a server.",
        remedy="Reissue the certificate with subjectAltName entries for every name clients "
        'use (OpenSSL: -addext "subjectAltName=DNS:host.example.com").',
        certificate=cert.sha256,
    )


def _looks_like_host(text: str) -> bool:
    """Whether a common name is a DNS name (wildcards included) or an IP address."""
    if _is_ip_address(text):
        return True
    labels = text.rstrip(".").split(".")
    if labels and labels[0] == "*":
        labels = labels[1:]
    return 0 < len(text) <= 253 and bool(labels) and all(_HOST_LABEL.fullmatch(x) for x in labels)


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# ---- keyUsage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mismatch:
    title: str
    detail: str
    remedy: str


def _key_usage(cert: Certificate, purpose: str) -> Iterator[Finding]:
    details = cert.details
    for mismatch in _key_usage_mismatches(details, purpose):
        yield Finding(
            code="cert.key-usage-mismatch",
            severity=Severity.WARNING,
            title=f"\u201c{details.short_name()}\u201d {mismatch.title}",
            detail=mismatch.detail,
            remedy=mismatch.remedy,
            certificate=cert.sha256,
        )


def _key_usage_mismatches(details: CertificateDetails, purpose: str) -> list[_Mismatch]:
    usages = set(details.key_usage)
    if not usages:  # no keyUsage extension: every use is allowed
        return []
    key_type = details.public_key.type
    listed = ", ".join(details.key_usage)
    found: list[_Mismatch] = []

    wrong = _impossible_usages(key_type, usages)
    if wrong:
        rfc = "RFC 8813" if key_type == "EC" else "RFC 8410"
        found.append(
            _Mismatch(
                title=f"claims {' and '.join(wrong)} for an {key_type} key",
                detail=f"Its keyUsage is {listed}, but an {key_type} key cannot do "
                f"{' or '.join(wrong)}: {rfc} forbids these bits for {key_type} keys, so "
                "certificate linters flag them and strict clients may refuse the certificate.",
                remedy=f"Reissue the certificate without {' and '.join(wrong)}; "
                "digitalSignature is what a TLS certificate with this key needs.",
            )
        )

    if "digitalSignature" not in usages:
        found.append(_unsigned_handshake(key_type, usages, listed, purpose))

    if "keyCertSign" in usages and not details.is_ca:
        found.append(
            _Mismatch(
                title="allows certificate signing but is not a CA",
                detail=f"Its keyUsage is {listed}: keyCertSign lets a key sign certificates, "
                "yet basicConstraints does not make it a CA. RFC 5280 allows keyCertSign only "
                "in CA certificates, and strict verifiers (Python cryptography's, for one) refuse "
                "the certificate.",
                remedy="Reissue the certificate without keyCertSign (and cRLSign); an "
                "end-entity certificate signs no certificates.",
            )
        )
    return found


def _impossible_usages(key_type: str, usages: set[str]) -> list[str]:
    """The keyUsage bits a key of this type cannot honour, in keyUsage order."""
    impossible: tuple[str, ...]
    if key_type == "EC":
        impossible = ("keyEncipherment", "dataEncipherment")
    elif key_type in ("Ed25519", "Ed448"):
        impossible = ("keyEncipherment", "dataEncipherment", "keyAgreement")
    else:
        return []
    return [usage for usage in impossible if usage in usages]


def _unsigned_handshake(key_type: str, usages: set[str], listed: str, purpose: str) -> _Mismatch:
    """The mismatch of a leaf whose keyUsage leaves out digitalSignature."""
    enforcing = "Clients that enforce keyUsage, such as Java and GnuTLS, fail the handshake."
    if purpose == CLIENT:
        return _Mismatch(
            title="cannot sign for TLS client authentication",
            detail=f"Its keyUsage is {listed}, without digitalSignature. A TLS client proves "
            "it holds its key by signing the handshake (CertificateVerify) in every TLS "
            f"version, and that needs digitalSignature. {enforcing}",
            remedy="Reissue the certificate with keyUsage digitalSignature.",
        )
    if key_type == "RSA" and "keyEncipherment" in usages:
        why = (
            "Without it, keyEncipherment allows only the RSA key exchange of TLS 1.2 and earlier, "
            "which has no forward secrecy and which TLS 1.3 removed; TLS 1.3 and every ECDHE "
            "cipher suite have the server sign the handshake, which needs digitalSignature."
        )
        remedy = "Reissue the certificate with keyUsage digitalSignature, keyEncipherment."
    else:
        why = (
            f"A TLS server proves it holds its {key_type} key by signing the handshake "
            "(TLS 1.3 and ECDHE cipher suites), which needs digitalSignature."
        )
        remedy = "Reissue the certificate with keyUsage digitalSignature."
    return _Mismatch(
        title="does not allow the signatures a TLS server makes",
        detail=f"Its keyUsage is {listed}, without digitalSignature. {why} {enforcing}",
        remedy=remedy,
    )


# ---- validity period (CA/Browser Forum) --------------------------------------------------------


@dataclass(frozen=True)
class _Limit:
    issued_from: dt.datetime
    days: int


def _utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.UTC)


# Baseline Requirements 6.3.2, newest first. Ballot SC-081 (adopted April 2025) set the last
# three steps. Certificates issued before 2018-03-01 are not judged: every one has expired.
_LIMITS = (
    _Limit(_utc(2029, 3, 15), 47),
    _Limit(_utc(2027, 3, 15), 100),
    _Limit(_utc(2026, 3, 15), 200),
    _Limit(_utc(2020, 9, 1), 398),
    _Limit(_utc(2018, 3, 1), 825),
)
_DAY = 86_400


def _validity_period(cert: Certificate) -> Iterator[Finding]:
    details = cert.details
    issued = details.not_before  # the Baseline Requirements' own proxy for the issuance date
    limit = next((limit for limit in _LIMITS if issued >= limit.issued_from), None)
    if limit is None:
        return
    # The validity period runs from notBefore through notAfter inclusive, in whole seconds;
    # any part of a day beyond a whole day counts as one more day.
    seconds = (details.not_after - details.not_before).total_seconds() + 1
    if seconds <= limit.days * _DAY:
        return
    lifetime = _lifetime_text(seconds - 1, limit)
    yield Finding(
        code="cert.long-validity",
        severity=Severity.WARNING,
        title=f"\u201c{details.short_name()}\u201d is valid for {lifetime}, over the "
        f"{limit.days}-day limit",
        detail=f"The certificate is valid for {lifetime} ({_date(details.not_before)} to "
        f"{_date(details.not_after)}). The CA/Browser Forum Baseline Requirements allow at most "
        f"{limit.days} days for a publicly trusted TLS server certificate issued "
        f"{_period(limit)}. Browsers refuse certificates issued on or after 2020-09-01 that are "
        "valid for more than 398 days. Ballot SC-081 lowers the limit to 200 days for certificates "
        "issued from 2026-03-15, 100 days from 2027-03-15 and 47 days from 2029-03-15.",
        remedy="Have the CA issue a certificate within the current limit, and automate renewal "
        "(ACME, for instance) so the shorter lifetimes to come need no manual work.",
        certificate=cert.sha256,
    )


def _lifetime_text(seconds: float, limit: _Limit) -> str:
    """notAfter minus notBefore in days, as a person counts them ("399 days").

    A lifetime of exactly the limit breaks it by the one second that the inclusive count adds,
    and says so: "398 days and 1 second".
    """
    if seconds == limit.days * _DAY:
        return f"{limit.days} days and 1 second"
    return f"{math.ceil(seconds / _DAY)} days"


def _period(limit: _Limit) -> str:
    index = _LIMITS.index(limit)
    start = f"{limit.issued_from:%Y-%m-%d}"
    if index == 0:
        return f"on or after {start}"
    return f"on or after {start} and before {_LIMITS[index - 1].issued_from:%Y-%m-%d}"


def _date(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d}"
