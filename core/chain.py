"""Certification paths: build each path from a leaf to a trust anchor, pick the one a client
would use, and validate it for a host name or a client at a given time.

Paths are built from the certificates as given (any order, duplicates, strays) plus the anchors
of the trust stores, linking a certificate to an issuer only when the issuer's key verifies its
signature, so cross-signed roots give several paths. The chosen path is then checked twice: by
Pinscope's own reading, which can say in words what is wrong, and by the strict RFC 5280 / Web
PKI validator of `cryptography.x509.verification`. When the two disagree, both verdicts are kept.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError
from OpenSSL import crypto

from pinscope.core import oids
from pinscope.core.certificate import Certificate
from pinscope.core.trust import TrustStore

if TYPE_CHECKING:
    from pinscope.core.aia import Fetched, IssuerFetcher

logger = logging.getLogger(__name__)

MAX_DEPTH = 8
SERVER = "server"
CLIENT = "client"

__all__ = ["CLIENT", "SERVER", "CertificationPath", "Validation", "build_paths", "validate"]

# What OpenSSL's verification codes (include/openssl/x509_vfy.h) mean, in words; the verdict
# is keyed on the number, never on OpenSSL's own text.
OPENSSL_CODES = {
    2: "the issuer of a certificate in the chain is missing",
    7: "a certificate's signature does not verify with its issuer's key",
    9: "a certificate in the chain is not valid yet",
    10: "a certificate in the chain has expired",
    18: "the certificate is self-signed and not trusted",
    19: "the chain ends at a self-signed root that is not trusted",
    20: "the issuer of a certificate is neither sent nor trusted",
    21: "the first certificate's issuer cannot be found",
    22: "the chain is too long",
    24: "a certificate acting as a CA is not marked as a CA",
    25: "a CA's path length constraint is exceeded",
    26: "a certificate is not allowed for this purpose",
    28: "the root is not trusted for this purpose",
    32: "the issuer's key usage does not allow signing certificates",
    34: "a critical extension is not understood",
    43: "the chain breaks a CA's name constraints",
    47: "a name is outside a CA's permitted subtrees",
    48: "a name is inside a CA's excluded subtrees",
    66: "the end-entity key is too small",
    67: "a CA key is too small",
    68: "a CA signature uses too weak a digest",
    79: "the certificate breaks RFC 5280's encoding rules",
}


@dataclass(frozen=True)
class CertificationPath:
    """A leaf and its issuers in order; complete when it ends at a trust anchor."""

    certificates: tuple[Certificate, ...]
    anchor: Certificate | None = None
    """The trust anchor the path ends at; None when it stops short of any store."""
    store: TrustStore | None = None
    """The store the anchor belongs to; None when the path is not anchored."""

    @property
    def complete(self) -> bool:
        return self.anchor is not None

    @property
    def last(self) -> Certificate:
        return self.certificates[-1]


@dataclass(frozen=True)
class Validation:
    """The verdict on one leaf: the path a client would build, and what is wrong with it."""

    trusted: bool
    purpose: str
    """"server" or "client": the policy the leaf was checked under."""
    host: str | None
    """The DNS name or IP address checked; None when no name was given."""
    at: dt.datetime
    path: CertificationPath
    alternatives: tuple[CertificationPath, ...]
    """Other complete paths (cross-signed roots), best first."""
    errors: tuple[str, ...]
    """Why the leaf is not trusted, each said in a sentence; empty when it is."""
    strict_error: str | None
    """The strict validator's own message when it rejected the path; None when it accepted it
    or was not run (no complete path)."""
    openssl_error: int | None = None
    """OpenSSL's verification code (X509_V_ERR_*) when it rejected the path; None when it
    accepted it or was not run (no complete path)."""
    fetched: tuple[Certificate, ...] = ()
    """Issuers downloaded from AIA URLs (`--fetch-missing`) to complete the path."""
    fetch_attempts: tuple[Fetched, ...] = ()
    """Every AIA download tried for this leaf, with its outcome."""
    given: tuple[Certificate, ...] = ()
    """The certificates that came with the leaf, without it."""
    stores: tuple[TrustStore, ...] = ()
    """The trust stores consulted, most preferred first; empty with `--trust-store none`."""

    @property
    def store(self) -> TrustStore | None:
        return self.path.store

    @property
    def openssl_reason(self) -> str | None:
        """OpenSSL's verdict in words; None when it accepted the path."""
        if self.openssl_error is None:
            return None
        return _openssl_meaning(self.openssl_error)


def _openssl_meaning(code: int) -> str:
    meaning = OPENSSL_CODES.get(code, "the chain does not verify")
    return f"{meaning} (OpenSSL verification code {code})"


def purpose_of(leaf: Certificate) -> str:
    """Client when the leaf's only extended key usage is clientAuth; server otherwise."""
    return CLIENT if leaf.details.extended_key_usage == ("clientAuth",) else SERVER


def build_paths(
    leaf: Certificate, given: Sequence[Certificate], stores: Sequence[TrustStore]
) -> list[CertificationPath]:
    """Every path from `leaf` through `given` to an anchor of `stores`, plus the dead ends.

    Args:
        leaf: where each path starts.
        given: the other certificates that came with it, in any order.
        stores: the trust stores whose anchors may end a path.

    Returns:
        Complete paths and paths that stop short, in the order they were found.
    """
    by_subject: dict[bytes, list[Certificate]] = {}
    for cert in given:
        by_subject.setdefault(cert.tbs_fields["subject"], []).append(cert)
    finder = _PathFinder(by_subject, stores)
    finder.walk([leaf])
    return finder.paths


def choose_path(paths: Sequence[CertificationPath]) -> CertificationPath:
    """The path a client would use: anchored first, then shortest, then the longest-lived anchor;
    without any anchored path, the one that gets furthest."""
    complete = [path for path in paths if path.complete]
    if complete:
        return min(complete, key=_preference)
    return max(paths, key=lambda path: len(path.certificates))


def _preference(path: CertificationPath) -> tuple[int, float]:
    anchor = path.anchor
    expiry = anchor.x509.not_valid_after_utc.timestamp() if anchor is not None else 0.0
    return (len(path.certificates), -expiry)


def validate(
    leaf: Certificate,
    given: Sequence[Certificate],
    stores: Sequence[TrustStore],
    host: str | None = None,
    at: dt.datetime | None = None,
    fetcher: IssuerFetcher | None = None,
    purpose: str | None = None,
) -> Validation:
    """Build the paths for `leaf`, choose one, and judge it.

    Args:
        leaf: the end-entity certificate.
        given: the certificates that came with it (the rest of a file or of a handshake).
        stores: trust stores, most preferred first.
        host: the DNS name or IP address a client would connect to, if known.
        at: the moment to judge validity at; now when None.
        fetcher: downloads missing issuers from AIA URLs when given (`--fetch-missing`).
        purpose: SERVER or CLIENT; decided from the leaf's extended key usage when None.
    """
    moment = at or dt.datetime.now(dt.UTC)
    others = [cert for cert in given if cert.sha256 != leaf.sha256]
    paths = build_paths(leaf, others, stores)
    chosen = choose_path(paths)
    purpose = purpose or purpose_of(leaf)

    fetched: list[Certificate] = []
    attempts_before = len(fetcher.attempts) if fetcher is not None else 0
    while fetcher is not None and _worth_fetching(chosen, stores):
        found = [c for c in fetcher.issuers_of(chosen.last) if c not in fetched and c not in others]
        if not found:
            break
        fetched.extend(found)
        paths = build_paths(leaf, [*others, *fetched], stores)
        chosen = choose_path(paths)
    attempts = tuple(fetcher.attempts[attempts_before:]) if fetcher is not None else ()
    others = [*others, *fetched]

    errors = [
        *_path_errors(chosen, stores),
        *_time_errors(chosen, moment),
        *_purpose_errors(leaf, purpose),
    ]
    if host is not None and not host_matches(host, leaf):
        errors.append(f"\u201c{leaf.short_name}\u201d is not valid for {host}: {_names_of(leaf)}.")

    # Both validators judge a complete path. One refusing it is a caveat the checks report;
    # both refusing it, with nothing above to say why, is the verdict.
    strict_error = openssl_error = None
    if chosen.complete:
        strict_error = _strict_verdict(chosen, others, purpose, host, moment)
        openssl_error = _openssl_verdict(chosen, others, moment)
        if strict_error is not None and openssl_error is not None and not errors:
            errors.append(
                f"Neither validator accepts the path: the strict RFC 5280 profile says "
                f"{strict_error}; OpenSSL says {_openssl_meaning(openssl_error)}."
            )
    alternatives = tuple(
        sorted((p for p in paths if p.complete and p is not chosen), key=_preference)
    )
    trusted = chosen.complete and not errors
    return Validation(
        trusted,
        purpose,
        host,
        moment,
        chosen,
        alternatives,
        tuple(errors),
        strict_error,
        openssl_error,
        tuple(fetched),
        attempts,
        tuple(others),
        tuple(stores),
    )


def _worth_fetching(path: CertificationPath, stores: Sequence[TrustStore]) -> bool:
    """Whether the path stops short at a certificate that is not a root."""
    return bool(stores) and not path.complete and not self_signed(path.last)


def host_matches(host: str, leaf: Certificate) -> bool:
    """Whether `host` is one of the leaf's subject alternative names (RFC 6125 wildcards)."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        return any(ipaddress.ip_address(ip) == address for ip in leaf.details.san.ip)
    wanted = host.rstrip(".").lower()
    return any(_dns_matches(pattern.lower(), wanted) for pattern in leaf.details.san.dns)


def _dns_matches(pattern: str, host: str) -> bool:
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    host_label, _, host_rest = host.partition(".")
    return bool(host_label) and host_rest == pattern[2:] and "." in host_rest


def _names_of(leaf: Certificate) -> str:
    names = [*leaf.details.san.dns, *leaf.details.san.ip]
    if not names:
        return "it has no subject alternative names at all"
    return "it names " + ", ".join(names)


def _path_errors(path: CertificationPath, stores: Sequence[TrustStore]) -> list[str]:
    if path.complete:
        return []
    last = path.last
    where = _stores_text(stores)
    if self_signed(last):
        return [f"The chain ends at \u201c{last.short_name}\u201d, which is in none of {where}."]
    issuer = last.details.issuer or "(an empty name)"
    return [
        f"The chain stops at \u201c{last.short_name}\u201d: the certificate of its issuer "
        f"({issuer}) is neither in the chain nor in {where}."
    ]


def _stores_text(stores: Sequence[TrustStore]) -> str:
    if not stores:
        return "the trust stores (none was used)"
    return " or ".join(store.label for store in stores)


def _purpose_errors(leaf: Certificate, purpose: str) -> list[str]:
    """The leaf's extendedKeyUsage leaves out the purpose: every client refuses it then."""
    usages = leaf.details.extended_key_usage
    needed = "clientAuth" if purpose == CLIENT else "serverAuth"
    if not usages or needed in usages or "anyExtendedKeyUsage" in usages:
        return []
    role = "a TLS client" if purpose == CLIENT else "a TLS server"
    return [
        f"\u201c{leaf.short_name}\u201d may not be used as {role}: its extendedKeyUsage lists "
        f"{', '.join(usages)}, without {needed}."
    ]


def _time_errors(path: CertificationPath, at: dt.datetime) -> list[str]:
    errors = []
    for cert in path.certificates:
        details = cert.details
        if at > details.not_after:
            errors.append(f"\u201c{cert.short_name}\u201d expired on {details.not_after:%Y-%m-%d}.")
        elif at < details.not_before:
            errors.append(
                f"\u201c{cert.short_name}\u201d is not valid before {details.not_before:%Y-%m-%d}."
            )
    return errors


def _strict_verdict(
    path: CertificationPath,
    others: Sequence[Certificate],
    purpose: str,
    host: str | None,
    at: dt.datetime,
) -> str | None:
    """cryptography's verdict on the path's anchor, or None when it accepts."""
    assert path.anchor is not None
    leaf = path.certificates[0]
    builder = PolicyBuilder().store(Store([path.anchor.x509])).time(at)
    intermediates = [cert.x509 for cert in others]
    try:
        if purpose == CLIENT:
            builder.build_client_verifier().verify(leaf.x509, intermediates)
            return None
        subject = _verifier_subject(host, leaf)
        if subject is None:
            return "the certificate names no host (no DNS or IP subject alternative name)"
        builder.build_server_verifier(subject).verify(leaf.x509, intermediates)
    except VerificationError as error:
        return strict_reason(str(error), path.certificates)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        logger.debug("strict validation could not run: %s", error)
        return f"it could not be checked ({error})"
    return None


_PROCESSING = re.compile(
    r"\s*\(encountered processing <Certificate\(subject=<Name\((.*?)\)>.*\)>\)$"
)
_INVALID_EXTENSION = re.compile(r"invalid extension: ([0-9.]+): (.*)")
_STRICT_PHRASES = {
    "Certificate is missing required extension": "the {extension} extension, which the profile "
    "requires, is missing",
    "Certificate extension has incorrect criticality": "the {extension} extension is marked "
    "critical where the profile forbids it, or not critical where it must be",
    "all candidates exhausted with no interior errors": "no path to the trust anchor satisfies "
    "the profile",
    "required EKU not found": "the extendedKeyUsage does not allow this purpose",
    "cert is not valid at validation time": "a certificate is outside its validity period",
    "basicConstraints.cA must not be asserted in an EE certificate": "the end-entity certificate "
    "says CA:TRUE",
    "leaf certificate has no matching subjectAltName": "no subjectAltName of the leaf matches "
    "the host",
}


def strict_reason(message: str, path: Sequence[Certificate] = ()) -> str:
    """cryptography's verification message, said in words and naming the certificate concerned.

    The phrases known today are rephrased; one not known is kept as cryptography wrote it.
    """
    text = message.removeprefix("validation failed: ").removeprefix("candidates exhausted: ")
    concerned = None
    if (match := _PROCESSING.search(text)) is not None:
        text = text[: match.start()]
        concerned = next(
            (c.short_name for c in path if c.x509.subject.rfc4514_string() == match.group(1)),
            match.group(1),
        )
    extension = ""
    if (match := _INVALID_EXTENSION.fullmatch(text)) is not None:
        extension = oids.name_of(match.group(1), oids.EXTENSIONS)
        text = match.group(2)
    phrase = _STRICT_PHRASES.get(text)
    if phrase is not None:
        text = phrase.format(extension=extension)
    elif extension:
        text = f"{extension} extension: {text}"
    return f"{text} (in \u201c{concerned}\u201d)" if concerned else text


def _verifier_subject(host: str | None, leaf: Certificate) -> x509.DNSName | x509.IPAddress | None:
    """The name to verify: the host asked for, else the leaf's own first name."""
    if host is None:
        names = leaf.details.san
        host = names.dns[0] if names.dns else (names.ip[0] if names.ip else None)
        if host is None:
            return None
        host = host.replace("*", "wildcard", 1)
    try:
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return x509.DNSName(host.rstrip("."))


def _openssl_verdict(
    path: CertificationPath, others: Sequence[Certificate], at: dt.datetime
) -> int | None:
    """OpenSSL's verification code for the path's anchor and the other certificates, or None
    when OpenSSL accepts it. Partial chains are allowed, as curl and most clients set them."""
    assert path.anchor is not None
    store = crypto.X509Store()
    store.add_cert(crypto.X509.from_cryptography(path.anchor.x509))
    store.set_flags(crypto.X509StoreFlags.PARTIAL_CHAIN)
    store.set_time(at.astimezone(dt.UTC))
    untrusted = [crypto.X509.from_cryptography(cert.x509) for cert in others]
    leaf = crypto.X509.from_cryptography(path.certificates[0].x509)
    try:
        crypto.X509StoreContext(store, leaf, untrusted).verify_certificate()
    except crypto.X509StoreContextError as error:
        code = error.errors[0] if error.errors else None
        return code if isinstance(code, int) else -1
    except crypto.Error as error:
        logger.debug("OpenSSL could not verify: %s", error)
        return -1
    return None


def self_signed(cert: Certificate) -> bool:
    """Whether the certificate names itself as issuer and its own key verifies its signature."""
    return cert.tbs_fields["issuer"] == cert.tbs_fields["subject"] and issued_by(cert, cert)


def issued_by(cert: Certificate, issuer: Certificate) -> bool:
    """Whether `issuer` names `cert`'s issuer and its key verifies `cert`'s signature.

    The signature is checked with the issuer's key directly rather than through
    `verify_directly_issued_by`, which refuses SHA-1 and MD5 signatures outright: a chain
    signed with them must still be built, so that its weak signatures can be reported.
    """
    if cert.tbs_fields["issuer"] != issuer.tbs_fields["subject"]:
        return False
    signed = cert.x509
    try:
        key = issuer.x509.public_key()
        data, signature = signed.tbs_certificate_bytes, signed.signature
        if isinstance(key, rsa.RSAPublicKey):
            # cryptography names no parameters for the MD5 and MD2 RSA signatures: PKCS#1 v1.5.
            padding_ = signed.signature_algorithm_parameters or padding.PKCS1v15()
            if not isinstance(padding_, padding.PSS | padding.PKCS1v15):
                return False
            key.verify(signature, data, padding_, _hash_of(signed))
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(_hash_of(signed)))
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(signature, data, _hash_of(signed))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _hash_of(cert: x509.Certificate) -> hashes.HashAlgorithm:
    algorithm = cert.signature_hash_algorithm
    if algorithm is None:
        raise UnsupportedAlgorithm("the signature names no hash")
    return algorithm


class _PathFinder:
    """Depth-first search from a leaf towards the anchors; each signature checked once."""

    def __init__(
        self, by_subject: dict[bytes, list[Certificate]], stores: Sequence[TrustStore]
    ) -> None:
        self.by_subject = by_subject
        self.stores = stores
        self.paths: list[CertificationPath] = []
        self._signed: dict[tuple[str, str], bool] = {}

    def walk(self, path: list[Certificate]) -> None:
        current = path[-1]
        store = self._anchoring_store(current)
        if store is not None:
            self.paths.append(CertificationPath(tuple(path), current, store))
            return
        issuers = [] if len(path) >= MAX_DEPTH else self._issuers(current, path)
        if not issuers:
            self.paths.append(CertificationPath(tuple(path)))
            return
        for issuer in issuers:
            self.walk([*path, issuer])

    def _anchoring_store(self, cert: Certificate) -> TrustStore | None:
        return next((store for store in self.stores if store.contains(cert)), None)

    def _issuers(self, cert: Certificate, path: list[Certificate]) -> list[Certificate]:
        on_path = {member.sha256 for member in path}
        candidates = list(self.by_subject.get(cert.tbs_fields["issuer"], ()))
        for store in self.stores:
            candidates.extend(store.find_issuers(cert))
        found: dict[str, Certificate] = {}
        for candidate in candidates:
            if candidate.sha256 not in on_path and self._checked(cert, candidate):
                found.setdefault(candidate.sha256, candidate)
        return list(found.values())

    def _checked(self, cert: Certificate, issuer: Certificate) -> bool:
        key = (cert.sha256, issuer.sha256)
        if key not in self._signed:
            self._signed[key] = issued_by(cert, issuer)
        return self._signed[key]
