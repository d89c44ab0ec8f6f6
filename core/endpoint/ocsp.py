"""Stapled OCSP responses: what the server stapled, and what a client that checks it concludes.

`parse_staple` decodes the DER a server staples in its handshake (RFC 6066 status_request) and
judges it against the server's certificate and that certificate's issuer: does it speak of this
certificate, and did the issuer (or a responder the issuer delegated to) sign it. It never
raises: bytes that do not parse give an `OCSPStaple` with `error` set. `staple_findings` turns
the result into findings, including a Must-Staple certificate served without a staple.

cryptography has no one-call OCSP verifier, so the signature is checked here with the public
key of the issuer or of a delegated responder certificate included in the response.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from pinscope.core import der as asn1
from pinscope.core.model import Finding, Severity

logger = logging.getLogger(__name__)

RESPONSE_STATUS_NAMES = {
    ocsp.OCSPResponseStatus.SUCCESSFUL: "successful",
    ocsp.OCSPResponseStatus.MALFORMED_REQUEST: "malformed-request",
    ocsp.OCSPResponseStatus.INTERNAL_ERROR: "internal-error",
    ocsp.OCSPResponseStatus.TRY_LATER: "try-later",
    ocsp.OCSPResponseStatus.SIG_REQUIRED: "sig-required",
    ocsp.OCSPResponseStatus.UNAUTHORIZED: "unauthorized",
}

CERT_STATUS_NAMES = {
    ocsp.OCSPCertStatus.GOOD: "good",
    ocsp.OCSPCertStatus.REVOKED: "revoked",
    ocsp.OCSPCertStatus.UNKNOWN: "unknown",
}

# Errors cryptography raises from a response whose structure parsed but whose content it
# cannot use (an unknown hash or signature algorithm, a duplicate extension...).
_DECODING_ERRORS = (ValueError, TypeError, UnsupportedAlgorithm)


@dataclass(frozen=True)
class OCSPStaple:
    """An OCSP response a server stapled, decoded and judged. Times are timezone-aware UTC.

    When the bytes do not parse, `error` says why and every other field but `size` is None.
    """

    size: int
    """The length of the DER, in bytes."""
    response_status: str | None = None
    """"successful", "malformed-request", "internal-error", "try-later", "sig-required" or
    "unauthorized"; None when the bytes do not parse."""
    cert_status: str | None = None
    """"good", "revoked" or "unknown"; None when the response is not successful."""
    produced_at: dt.datetime | None = None
    """When the responder signed the response; None when the response is not successful."""
    this_update: dt.datetime | None = None
    """When the status was known to be correct; None when the response is not successful."""
    next_update: dt.datetime | None = None
    """When newer information will be available; None when the response has no nextUpdate
    (the responder always has newer information) or is not successful."""
    revocation_time: dt.datetime | None = None
    """When the certificate was revoked; None unless `cert_status` is "revoked"."""
    revocation_reason: str | None = None
    """The CRLReason as RFC 5280 spells it ("keyCompromise", "superseded"...); None unless
    revoked, or when the response gives no reason."""
    responder: str | None = None
    """The responder's name (RFC 4514) or "key hash <hex>" (SHA-1 of its public key); None
    when the response is not successful."""
    serial: int | None = None
    """The serial number of the certificate the response speaks of; None when it is not
    successful."""
    matches_leaf: bool | None = None
    """Whether the response speaks of the leaf: its CertID's serial number and issuer name and
    key hashes match the leaf and its issuer. False as soon as the serial differs; None when
    no leaf was given, the issuer is unknown (and the serial matches), the CertID uses a hash
    Pinscope cannot compute, or the response is not successful."""
    signature_valid: bool | None = None
    """Whether the signature verifies with the issuer's key, or with the key of a responder
    certificate included in the response that the issuer signed and gave id-kp-OCSPSigning;
    None when the issuer is unknown, the signature algorithm is not supported, or the response
    is not successful (unsuccessful responses carry no signature)."""
    signature_check: str | None = None
    """How `signature_valid` was decided, as a clause ("verified with the issuer's key");
    None when the response is not successful or does not parse."""
    error: str | None = None
    """Why the bytes are not an OCSP response; None when they parse."""


def parse_staple(
    der: bytes, leaf: x509.Certificate | None, issuer: x509.Certificate | None
) -> OCSPStaple:
    """Decode a stapled OCSP response and judge it against `leaf` and `issuer`.

    Args:
        der: what the server stapled (the bytes pyOpenSSL's OCSP client callback gets).
        leaf: the server's certificate; None when it is unknown (`matches_leaf` is then None).
        issuer: the leaf's issuer, from the chain sent or the path built; None when unknown
            (`matches_leaf` and `signature_valid` are then None).

    Returns:
        The decoded staple; never raises, garbage gives a staple with `error` set.
    """
    try:
        response = ocsp.load_der_ocsp_response(der)
        status = RESPONSE_STATUS_NAMES[response.response_status]
        if status != "successful":
            return _unsuccessful(status, len(der))
        return _successful(response, len(der), leaf, issuer)
    except (*_DECODING_ERRORS, KeyError) as error:
        logger.debug("stapled OCSP response of %d bytes does not parse: %s", len(der), error)
        return _unparseable(der, error)


def has_must_staple(cert: x509.Certificate) -> bool:
    """Whether `cert` carries the TLS Feature extension with status_request (OCSP Must-Staple)."""
    try:
        feature = cert.extensions.get_extension_for_class(x509.TLSFeature).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return x509.TLSFeatureType.status_request in feature


# ---- decoding ------------------------------------------------------------------------------


def _unparseable(der_bytes: bytes, error: Exception) -> OCSPStaple:
    return OCSPStaple(size=len(der_bytes), error=_parse_problem(der_bytes, error))


def _unsuccessful(status: str, size: int) -> OCSPStaple:
    return OCSPStaple(size=size, response_status=status)


def _parse_problem(der_bytes: bytes, error: Exception) -> str:
    """Why `der_bytes` is not an OCSP response, said for a person."""
    if not der_bytes:
        return "the stapled response is empty"
    try:
        asn1.parse_exact(der_bytes)
    except asn1.DERError as problem:
        return f"the {len(der_bytes)} bytes are not one complete DER structure ({problem})"
    text = str(error)
    if text.startswith("error parsing asn1"):  # cryptography's parser names ASN.1 internals
        return f"the {len(der_bytes)} bytes are DER but not the structure of an OCSPResponse"
    return f"the {len(der_bytes)} bytes are not a usable OCSPResponse: {text}"


def _successful(
    response: ocsp.OCSPResponse,
    size: int,
    leaf: x509.Certificate | None,
    issuer: x509.Certificate | None,
) -> OCSPStaple:
    single = _single_response(response, leaf)
    revoked = single.certificate_status == ocsp.OCSPCertStatus.REVOKED
    reason = single.revocation_reason if revoked else None
    signature_valid, signature_check = _check_signature(response, issuer)
    return OCSPStaple(
        size=size,
        response_status="successful",
        cert_status=CERT_STATUS_NAMES[single.certificate_status],
        produced_at=response.produced_at_utc,
        this_update=single.this_update_utc,
        next_update=single.next_update_utc,
        revocation_time=single.revocation_time_utc if revoked else None,
        revocation_reason=reason.value if reason is not None else None,
        responder=_responder(response),
        serial=single.serial_number,
        matches_leaf=_matches_leaf(single, leaf, issuer),
        signature_valid=signature_valid,
        signature_check=signature_check,
    )


def _single_response(
    response: ocsp.OCSPResponse, leaf: x509.Certificate | None
) -> ocsp.OCSPSingleResponse:
    """The SingleResponse about the leaf's serial, or the first one when none is."""
    singles = list(response.responses)
    if not singles:
        raise ValueError("the response holds no SingleResponse")
    if leaf is not None:
        for single in singles:
            if single.serial_number == leaf.serial_number:
                return single
    return singles[0]


def _responder(response: ocsp.OCSPResponse) -> str:
    if response.responder_name is not None:
        return response.responder_name.rfc4514_string()
    key_hash = response.responder_key_hash or b""
    return f"key hash {key_hash.hex()}"


def _matches_leaf(
    single: ocsp.OCSPSingleResponse,
    leaf: x509.Certificate | None,
    issuer: x509.Certificate | None,
) -> bool | None:
    if leaf is None:
        return None
    if single.serial_number != leaf.serial_number:
        return False
    if issuer is None:
        return None
    try:
        # The request builder computes the CertID hashes exactly as a client would send them.
        expected = (
            ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, single.hash_algorithm).build()
        )
    except _DECODING_ERRORS:
        return None
    return (
        expected.issuer_name_hash == single.issuer_name_hash
        and expected.issuer_key_hash == single.issuer_key_hash
    )


# ---- the signature ---------------------------------------------------------------------------


def _check_signature(
    response: ocsp.OCSPResponse, issuer: x509.Certificate | None
) -> tuple[bool | None, str]:
    """(signature_valid, signature_check) for `response`."""
    if issuer is None:
        return None, "not checked: the issuer's certificate is unknown"
    issuer_name = _short_name(issuer)
    unsupported = (
        "not checked: Pinscope cannot verify the signature algorithm"
        f" {response.signature_algorithm_oid.dotted_string}"
    )
    try:
        algorithm = response.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None, unsupported

    verdict = _response_signed_by(response, issuer, algorithm)
    if verdict is None:
        return None, unsupported
    if verdict:
        return True, f"verified with the key of the issuer, {issuer_name}"

    # Not the issuer's key: a delegated responder must be included in the response.
    for candidate in response.certificates:
        if not _response_signed_by(response, candidate, algorithm):
            continue
        signer = _short_name(candidate)
        if not _issued_by(candidate, issuer):
            return False, (
                f"it is signed by {signer}, a responder certificate that {issuer_name} did not"
                " issue, so the issuer did not delegate OCSP to it"
            )
        if not _has_ocsp_signing(candidate):
            return False, (
                f"it is signed by {signer}, which {issuer_name} issued without the OCSPSigning"
                " extended key usage, so the issuer did not delegate OCSP to it"
            )
        return True, f"verified with the key of {signer}, a responder {issuer_name} delegated to"

    return False, (
        f"neither the key of the issuer, {issuer_name}, nor a responder certificate included in"
        " the response verifies it"
    )


def _response_signed_by(
    response: ocsp.OCSPResponse,
    cert: x509.Certificate,
    algorithm: hashes.HashAlgorithm | None,
) -> bool | None:
    """Whether `cert`'s key verifies the response; None when the key cannot be used."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return None
    rsa_padding = _response_padding(response, algorithm)
    return _verifies(key, response.signature, response.tbs_response_bytes, algorithm, rsa_padding)


def _response_padding(
    response: ocsp.OCSPResponse, algorithm: hashes.HashAlgorithm | None
) -> padding.AsymmetricPadding:
    # The response object exposes no PSS parameters: assume MGF1 with the signature's own hash
    # and let the salt length be read from the signature, as nearly every PSS signer does.
    if response.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS and algorithm:
        return padding.PSS(mgf=padding.MGF1(algorithm), salt_length=padding.PSS.AUTO)
    return padding.PKCS1v15()


def _verifies(
    key: CertificatePublicKeyTypes,
    signature: bytes,
    data: bytes,
    algorithm: hashes.HashAlgorithm | None,
    rsa_padding: padding.AsymmetricPadding,
) -> bool | None:
    """Whether `key` verifies `signature` over `data`; None when the key type is unsupported."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        elif algorithm is None:
            return False  # an EdDSA signature, and this key is not an EdDSA key
        elif isinstance(key, rsa.RSAPublicKey):
            if not isinstance(rsa_padding, padding.PSS | padding.PKCS1v15):
                return None
            key.verify(signature, data, rsa_padding, algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, data, algorithm)
        else:
            return None
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer` names `cert`'s issuer and its key verifies `cert`'s signature.

    Checked by hand rather than with `verify_directly_issued_by`, which refuses SHA-1
    signatures that older responder certificates still carry.
    """
    if cert.issuer != issuer.subject:
        return False
    try:
        algorithm = cert.signature_hash_algorithm
        parameters = cert.signature_algorithm_parameters
        key = issuer.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return False
    rsa_padding = parameters if isinstance(parameters, padding.PSS) else padding.PKCS1v15()
    verdict = _verifies(key, cert.signature, cert.tbs_certificate_bytes, algorithm, rsa_padding)
    return verdict is True


def _has_ocsp_signing(cert: x509.Certificate) -> bool:
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in usages


# ---- findings --------------------------------------------------------------------------------


def staple_findings(
    staple: OCSPStaple | None,
    leaf: x509.Certificate | None,
    now: dt.datetime,
    must_staple: bool,
) -> list[Finding]:
    """The findings about what a server stapled (or did not) for its certificate `leaf`.

    A good, fresh staple for the leaf, signed by its issuer or a delegated responder, raises
    nothing; neither does an absent staple unless the leaf requires one. Fields that could not
    be judged (None) raise nothing either.

    Args:
        staple: the parsed staple; None when the server stapled nothing (pyOpenSSL's callback
            got empty bytes).
        leaf: the server's certificate, named in the findings; None when unknown.
        now: the moment to judge freshness at, timezone-aware.
        must_staple: whether the leaf requires a staple (see `has_must_staple`).

    Returns:
        Findings with the codes tls.must-staple-missing, tls.ocsp-unparseable,
        tls.ocsp-unsuccessful, tls.ocsp-revoked, tls.ocsp-status-unknown,
        tls.ocsp-not-for-this-certificate, tls.ocsp-bad-signature and tls.ocsp-stale.
    """
    about = _About(leaf, must_staple)
    if staple is None:
        return [_must_staple_missing(about)] if must_staple else []
    if staple.error is not None:
        return [_unparseable_finding(staple, about)]
    if staple.response_status != "successful":
        return [_unsuccessful_finding(staple, about)]

    findings = []
    if staple.matches_leaf is not False:
        if staple.cert_status == "revoked":
            findings.append(_revoked(staple, about))
        elif staple.cert_status == "unknown":
            findings.append(_status_unknown(staple, about))
    else:
        findings.append(_not_for_this_certificate(staple, about, leaf))
    if staple.signature_valid is False:
        findings.append(_bad_signature(staple, about))
    fresh_until = staple.next_update
    if staple.matches_leaf is not False and fresh_until is not None and fresh_until < now:
        findings.append(_stale(staple, about, now))
    return findings


class _About:
    """The certificate findings concern: its name for titles and its fingerprint."""

    def __init__(self, leaf: x509.Certificate | None, must_staple: bool) -> None:
        self.name = f"\u201c{_short_name(leaf)}\u201d" if leaf is not None else "the certificate"
        self.sha256 = leaf.fingerprint(hashes.SHA256()).hex() if leaf is not None else None
        self.must_staple = must_staple

    def finding(
        self, code: str, severity: Severity, title: str, detail: str, remedy: str
    ) -> Finding:
        return Finding(code, severity, title, detail, remedy, certificate=self.sha256)

    @property
    def must_staple_note(self) -> str:
        if not self.must_staple:
            return ""
        return (
            " The certificate requires OCSP stapling (Must-Staple), so Firefox refuses the"
            " connection."
        )


_STAPLING_SETUP = (
    "nginx: ssl_stapling on with a resolver; Apache: SSLUseStapling On with an"
    " SSLStaplingCache; HAProxy: ocsp-update on"
)


def _must_staple_missing(about: _About) -> Finding:
    return about.finding(
        "tls.must-staple-missing",
        Severity.ERROR,
        f"{about.name} requires OCSP stapling, but the server stapled nothing",
        "The certificate carries the TLS Feature extension with status_request (OCSP"
        " Must-Staple). Pinscope asked for a stapled OCSP response and the server sent none."
        " Firefox refuses such a connection (MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING).",
        f"Turn OCSP stapling on ({_STAPLING_SETUP}) and check that the server can reach the"
        " OCSP responder named in the certificate; or reissue the certificate without"
        " Must-Staple.",
    )


def _unparseable_finding(staple: OCSPStaple, about: _About) -> Finding:
    return about.finding(
        "tls.ocsp-unparseable",
        Severity.WARNING,
        "The server staples something that is not an OCSP response",
        f"The server stapled {staple.size} bytes in reply to Pinscope's status request, but"
        f" {staple.error}. Clients ignore such a staple or abort the handshake with alert 113"
        f" (bad_certificate_status_response).{about.must_staple_note}",
        "If the staple comes from a file configured by hand (nginx ssl_stapling_file, a"
        " HAProxy .ocsp file), regenerate it as a DER OCSP response (openssl ocsp -respout);"
        " otherwise let the server fetch responses itself.",
    )


_UNSUCCESSFUL_MEANINGS = {
    "malformed-request": "the responder could not read the server's request",
    "internal-error": "the responder failed internally",
    "try-later": "the responder is overloaded or not ready",
    "sig-required": "the responder wants signed requests",
    "unauthorized": "the responder does not answer for this certificate, usually because the"
    " server asked another CA's responder",
}


def _unsuccessful_finding(staple: OCSPStaple, about: _About) -> Finding:
    status = staple.response_status or "unknown"
    meaning = _UNSUCCESSFUL_MEANINGS.get(status, "the responder did not answer")
    return about.finding(
        "tls.ocsp-unsuccessful",
        Severity.WARNING,
        f"The stapled OCSP response is an error (\u201c{status}\u201d), not a status",
        f"The server stapled an OCSP response whose status is \u201c{status}\u201d: {meaning}."
        " Such a response says nothing about the certificate, and a server should not staple"
        f" it; a successful response was expected.{about.must_staple_note}",
        "Have the server staple only successful responses; check that it queries the OCSP"
        " responder named in the certificate's Authority Information Access extension.",
    )


_REASON_WORDS = {
    "unspecified": "no reason given",
    "keyCompromise": "key compromise",
    "cACompromise": "CA compromise",
    "affiliationChanged": "affiliation changed",
    "superseded": "superseded",
    "cessationOfOperation": "cessation of operation",
    "certificateHold": "on hold",
    "privilegeWithdrawn": "privilege withdrawn",
    "aACompromise": "attribute authority compromise",
    "removeFromCRL": "removed from CRL",
}


def _revoked(staple: OCSPStaple, about: _About) -> Finding:
    when = f" on {_date(staple.revocation_time)}" if staple.revocation_time else ""
    reason = _REASON_WORDS.get(staple.revocation_reason or "", staple.revocation_reason)
    because = f" (reason: {reason})" if reason else ""
    new_key = (
        " with a new key" if staple.revocation_reason in ("keyCompromise", "cACompromise") else ""
    )
    return about.finding(
        "tls.ocsp-revoked",
        Severity.ERROR,
        f"The server's own OCSP staple says {about.name} is revoked",
        f"The OCSP response the server stapled, from {_responder_phrase(staple)}, says the"
        f" certificate with serial {_serial(staple.serial)} was revoked{when}{because}. Clients"
        " that read the staple refuse the connection.",
        f"Replace the certificate now: issue a new one{new_key} and install it with its chain.",
    )


def _status_unknown(staple: OCSPStaple, about: _About) -> Finding:
    return about.finding(
        "tls.ocsp-status-unknown",
        Severity.WARNING,
        f"The OCSP responder does not know {about.name}",
        f"The OCSP response the server stapled, from {_responder_phrase(staple)}, gives the status"
        f" \u201cunknown\u201d for serial {_serial(staple.serial)}: the responder has no record"
        " of the certificate. Clients that check the staple may refuse the connection; a"
        " \u201cgood\u201d status was expected.",
        "Check that the server queries the responder of the CA that issued this certificate"
        " (the OCSP URL in its Authority Information Access); a certificate issued minutes"
        " ago may not be known yet, so fetch the staple again later.",
    )


def _not_for_this_certificate(
    staple: OCSPStaple, about: _About, leaf: x509.Certificate | None
) -> Finding:
    if leaf is not None and staple.serial != leaf.serial_number:
        found = (
            f"speaks of serial {_serial(staple.serial)}, but the server's certificate has"
            f" serial {_serial(leaf.serial_number)}"
        )
    else:
        found = (
            "has the certificate's serial number, but its issuer name and key hashes do not"
            " match the certificate's issuer"
        )
    return about.finding(
        "tls.ocsp-not-for-this-certificate",
        Severity.ERROR,
        f"The stapled OCSP response is not about {about.name}",
        f"The OCSP response the server stapled {found}. Clients that check the staple may"
        " abort the handshake with alert 113 (bad_certificate_status_response).",
        "The server staples a response kept from a previous certificate, or one meant for"
        " another certificate it serves. Make it fetch a fresh response after installing the"
        " certificate; if the staple comes from a file, regenerate it for this certificate.",
    )


def _bad_signature(staple: OCSPStaple, about: _About) -> Finding:
    return about.finding(
        "tls.ocsp-bad-signature",
        Severity.ERROR,
        "The stapled OCSP response is not signed by the certificate's CA",
        f"The OCSP response the server stapled, from {_responder_phrase(staple)}, should be signed"
        " by the certificate's issuer or by a responder certificate the issuer gave"
        f" id-kp-OCSPSigning, but {staple.signature_check}. Clients that check the staple"
        " abort the handshake with alert 113 (bad_certificate_status_response).",
        "Have the server fetch its responses from the OCSP responder named in the"
        " certificate's Authority Information Access extension; check that the issuer"
        " certificate the server sends is the one that issued the leaf.",
    )


def _stale(staple: OCSPStaple, about: _About, now: dt.datetime) -> Finding:
    assert staple.next_update is not None
    produced = f", produced {_date(staple.produced_at)}," if staple.produced_at else ""
    return about.finding(
        "tls.ocsp-stale",
        Severity.ERROR,
        f"The OCSP response stapled for {about.name} expired {_ago(now - staple.next_update)}",
        f"The stapled response{produced} was valid until {_date(staple.next_update)} (its"
        f" nextUpdate); it is now {_date(now)}. The server keeps stapling an old response."
        " Clients that check the staple refuse an expired one or abort with alert 113"
        f" (bad_certificate_status_response).{about.must_staple_note}",
        "Check that the server can reach the OCSP responder named in the certificate (DNS,"
        " firewall, proxy) and refreshes its staple; restarting it fetches a new response.",
    )


def _responder_phrase(staple: OCSPStaple) -> str:
    responder = staple.responder or ""
    if responder.startswith("key hash "):
        return f"the responder whose key hash is {responder.removeprefix('key hash ')}"
    return f"the responder {responder}"


def _short_name(cert: x509.Certificate) -> str:
    """The certificate's common name, or its whole subject when it has none."""
    try:
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if names and isinstance(names[0].value, str):
            return names[0].value
        return cert.subject.rfc4514_string() or "(empty subject)"
    except ValueError:
        return "(unreadable subject)"


def _serial(serial: int | None) -> str:
    return f"{serial:x}" if serial is not None else "(none)"


def _date(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "(unknown)"


def _ago(span: dt.timedelta) -> str:
    if span < dt.timedelta(hours=1):
        return "less than an hour ago"
    if span < dt.timedelta(days=2):
        hours = int(span.total_seconds() // 3600)
        return "1 hour ago" if hours == 1 else f"{hours} hours ago"
    return f"{span.days} days ago"
