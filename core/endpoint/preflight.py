"""mTLS preflight: will the server take this client certificate? Checked before it is sent.

A first handshake without the certificate shows whether the server asks for one and which CAs
it accepts; the certificate is then compared with that list and checked for what servers
refuse (no clientAuth, expired, intermediates left out) so that the reason is known before
the server's one-word alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from cryptography import x509

from pinscope.core.certificate import Certificate
from pinscope.core.endpoint.handshake import ClientIdentity, Handshake
from pinscope.core.model import Finding, Severity

__all__ = ["preflight"]


def preflight(identity: ClientIdentity, probe: Handshake, now: dt.datetime) -> list[Finding]:
    """Findings about `identity` against what the server showed in `probe`.

    Args:
        identity: the client certificate (with its chain) the user gave.
        probe: a handshake made without it; its CertificateRequest and CA names are used.
        now: the moment validity is judged at.
    """
    findings = [*_usage(identity), *_validity(identity, now)]
    if probe.certificate_requested:
        findings.extend(_issuer(identity, probe))
    return [
        Finding(
            code=code,
            severity=severity,
            title=title,
            detail=detail,
            remedy=remedy,
            certificate=identity.leaf.sha256,
        )
        for code, severity, title, detail, remedy in findings
    ]


_Row = tuple[str, Severity, str, str, str]


def _usage(identity: ClientIdentity) -> Iterator[_Row]:
    usages = identity.leaf.details.extended_key_usage
    if not usages or "clientAuth" in usages or "anyExtendedKeyUsage" in usages:
        return
    yield (
        "cert.missing-client-auth",
        Severity.ERROR,
        "The client certificate is not allowed for TLS client authentication",
        f"{identity.label} lists the extended key usages {', '.join(usages)}, without "
        "clientAuth; OpenSSL-based servers refuse it with the alert unsupported_certificate "
        "(43).",
        "Reissue the client certificate with extendedKeyUsage clientAuth.",
    )


def _validity(identity: ClientIdentity, now: dt.datetime) -> Iterator[_Row]:
    for cert in identity.certificates:
        details = cert.details
        which = (
            "The client certificate"
            if cert is identity.leaf
            else f"Its intermediate “{cert.short_name}”"
        )
        if now > details.not_after:
            yield (
                "cert.expired",
                Severity.ERROR,
                f"{which} has expired",
                f"“{cert.short_name}” expired on {details.not_after:%Y-%m-%d %H:%M} UTC; "
                "servers refuse it with the alert certificate_expired (45).",
                "Renew the client certificate and install the new one in the client.",
            )
        elif now < details.not_before:
            yield (
                "cert.not-yet-valid",
                Severity.ERROR,
                f"{which} is not valid yet",
                f"“{cert.short_name}” is valid from {details.not_before:%Y-%m-%d %H:%M} UTC; "
                "servers refuse it with the alert bad_certificate (42). A clock that is wrong "
                "on either side has the same effect.",
                "Wait until it is valid, or check the clocks of the client and the server.",
            )


def _issuer(identity: ClientIdentity, probe: Handshake) -> Iterator[_Row]:
    """The certificate's issuers against the server's acceptable CA names."""
    accepted = probe.client_ca_names
    chain = identity.certificates
    issuer_text = identity.leaf.details.issuer or "(an empty name)"
    alone = _leaf_alone(chain)
    if accepted and not _meets(chain, accepted):
        detail = (
            f"Your certificate is issued by {issuer_text}; this server accepts "
            f"{_names(accepted)}. A server that checks it refuses it with the alert unknown_ca "
            "(48), and clients that choose a certificate by its CA will not even offer it."
        )
        if alone:
            detail += (
                f" {identity.label} holds no intermediate certificate: if {issuer_text} is an "
                "intermediate under one of the accepted CAs, it must be sent along."
            )
        # Without the intermediate it is unknown whether the issuer sits under an accepted CA.
        yield (
            "tls.client-cert-wrong-ca",
            Severity.WARNING if alone else Severity.ERROR,
            "The server does not accept the client certificate's CA",
            detail,
            "Use a client certificate issued by one of the accepted CAs (with its "
            "intermediates), or ask the server's operators to trust this one's CA.",
        )
    elif not accepted and alone:
        yield (
            "tls.client-cert-incomplete-chain",
            Severity.INFO,
            "The client certificate comes without its intermediate CA",
            f"{identity.label} holds only the certificate issued by {issuer_text}, and the "
            "server names no acceptable CAs. If the server trusts a root above that issuer, "
            "it cannot link the certificate to it and will answer unknown_ca (48).",
            "Give the client certificate together with its intermediate certificates (a PEM "
            "with the chain, or a PKCS#12 holding it).",
        )


def _meets(chain: tuple[Certificate, ...], accepted: tuple[x509.Name, ...]) -> bool:
    """Whether a certificate of the chain was issued by, or is, an accepted CA."""
    names = {cert.x509.issuer for cert in chain} | {cert.x509.subject for cert in chain[1:]}
    return any(name in names for name in accepted)


def _leaf_alone(chain: tuple[Certificate, ...]) -> bool:
    """Whether the leaf comes without any issuer although it is not self-issued."""
    leaf = chain[0].x509
    return len(chain) == 1 and leaf.issuer != leaf.subject


def _names(names: tuple[x509.Name, ...]) -> str:
    return "; ".join(name.rfc4514_string() for name in names)
