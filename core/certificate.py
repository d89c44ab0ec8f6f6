"""One X.509 certificate, and everything a person reads about it, decoded once.

`Certificate` is cheap to create (fingerprints and the parsed object); `Certificate.details`
decodes the rest on first use, so a 10,000-certificate bundle opens before anyone looks inside.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import warnings
from dataclasses import dataclass
from functools import cached_property

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.utils import CryptographyDeprecationWarning

from pinscope.core import der, oids
from pinscope.core.errors import DamagedInput
from pinscope.core.extensions import (
    SCT,
    ExtensionDetails,
    ExtensionSummary,
    SubjectAltNames,
    read_extensions,
)
from pinscope.core.keys import PublicKeyDetails, describe_public_key, describe_unloadable_spki
from pinscope.core.names import NameAttribute, describe_name, lenient_name

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CertificateDetails:
    """Everything shown about one certificate. Times are timezone-aware UTC."""

    version: int
    serial: int
    subject: str
    subject_attributes: tuple[NameAttribute, ...]
    issuer: str
    issuer_attributes: tuple[NameAttribute, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    public_key: PublicKeyDetails
    signature_algorithm: str
    signature_algorithm_oid: str
    san: SubjectAltNames
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    is_ca: bool
    path_length: int | None
    """The basicConstraints pathLenConstraint; None when absent (no limit) or not a CA."""
    subject_key_id: str | None
    authority_key_id: str | None
    ocsp_urls: tuple[str, ...]
    ca_issuer_urls: tuple[str, ...]
    crl_urls: tuple[str, ...]
    policies: tuple[str, ...]
    permitted_subtrees: tuple[str, ...]
    excluded_subtrees: tuple[str, ...]
    scts: tuple[SCT, ...]
    must_staple: bool
    extensions: tuple[ExtensionDetails, ...]
    decode_problems: tuple[str, ...]
    """Parts of the certificate that could not be decoded, each said in a sentence."""

    @property
    def common_name(self) -> str | None:
        for attribute in self.subject_attributes:
            if attribute.oid == "2.5.4.3":
                return attribute.value
        return None

    @property
    def self_issued(self) -> bool:
        return self.subject_attributes == self.issuer_attributes

    @property
    def self_signed(self) -> bool:
        """Issued by its own key: same name, and no key identifiers that say otherwise."""
        if not self.self_issued:
            return False
        return self.authority_key_id is None or self.authority_key_id == self.subject_key_id

    @property
    def spiffe_ids(self) -> tuple[str, ...]:
        return tuple(uri for uri in self.san.uri if uri.lower().startswith("spiffe://"))

    def seconds_left(self, now: dt.datetime) -> float:
        return (self.not_after - now).total_seconds()

    def short_name(self) -> str:
        """The common name, or the whole subject when it has none."""
        return self.common_name or self.subject or "(empty subject)"


class Certificate:
    """A parsed certificate with its fingerprints; `details` decodes the rest once, on demand."""

    __slots__ = ("__dict__", "der", "repairs", "sha1", "sha256", "tbs_fields", "x509")

    def __init__(self, der_bytes: bytes, parsed: x509.Certificate | None = None) -> None:
        """Raises ValueError when `der_bytes` cannot be read as a certificate even after repair."""
        self.der = der_bytes
        self.tbs_fields: dict[str, bytes] = read_tbs_fields(der_bytes)
        """The raw TBSCertificate fields by name: serial, issuer, subject, spki..."""
        self.repairs: tuple[str, ...] = ()
        """What had to be mended for cryptography to parse it, each said in a sentence."""
        if parsed is None:
            parsed, self.repairs = _parse(der_bytes, self.serial)
        self.x509 = parsed
        self.sha256 = hashlib.sha256(der_bytes).hexdigest()
        self.sha1 = hashlib.sha1(der_bytes).hexdigest()

    def __repr__(self) -> str:
        return f"<Certificate {self.sha256[:16]}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Certificate) and other.sha256 == self.sha256

    def __hash__(self) -> int:
        return hash(self.sha256)

    @cached_property
    def spki_der(self) -> bytes:
        """The SubjectPublicKeyInfo exactly as it appears in the signed certificate."""
        return self.tbs_fields["spki"]

    @cached_property
    def serial(self) -> int:
        """The serial number, which may be zero or negative in certificates that break RFC 5280.

        Read from the DER directly: cryptography warns about such serials, and Pinscope reports
        them as findings instead.
        """
        return der.parse(self.tbs_fields["serial"]).integer()

    @cached_property
    def short_name(self) -> str:
        """The subject's common name, or the whole subject: what lists show for it.

        Read from the subject alone, so that listing a large bundle decodes nothing else.
        """
        subject, attributes = _name_or_problem(self, "subject", [])
        common_name = next((a.value for a in attributes if a.oid == "2.5.4.3"), None)
        return common_name or subject or "(empty subject)"

    @cached_property
    def details(self) -> CertificateDetails:
        return describe_certificate(self)


_PARSE_PROBLEMS = {
    "ShortData": "the data ends early",
    "ExtraData": "extra bytes follow it",
    "UnexpectedTag": "a field has an unexpected type",
    "InvalidValue": "a field has an invalid value",
    "InvalidLength": "a length is invalid",
    "IntegerOverflow": "a number is too large",
    "EncodedDefault": "it is not valid DER (a default value is encoded)",
    "InvalidSetOrdering": "it is not valid DER (a SET is out of order)",
}
_PARSE_LOCATION = re.compile(r"location: \[([^\]]*)\]")


def load_certificate(data: bytes, what: str) -> Certificate:
    """Parse one DER certificate, or say in words why it is not one.

    Raises:
        DamagedInput: the bytes are truncated, not DER, or not a valid X.509 certificate.
    """
    try:
        der.parse_exact(data)
    except der.DERError as error:
        raise DamagedInput(f"{what} is truncated or damaged: {error}") from error
    try:
        return Certificate(data)
    except (der.DERError, IndexError) as error:
        raise DamagedInput(f"{what} is not a valid X.509 certificate: {error}") from error
    except x509.InvalidVersion as error:
        raise DamagedInput(
            f"{what} has an X.509 version ({error.parsed_version}) that does not exist"
        ) from error
    except ValueError as error:
        raise DamagedInput(
            f"{what} is not a valid X.509 certificate: {parse_problem(error)}"
        ) from error


def parse_problem(error: Exception) -> str:
    """A readable reason from cryptography's parser error, which is written for developers."""
    message = str(error)
    for kind, text in _PARSE_PROBLEMS.items():
        if kind in message:
            location = _PARSE_LOCATION.search(message)
            fields = location.group(1).replace('"', "").replace("::", ".") if location else ""
            return f"{text} (in {fields})" if fields else text
    return message.split("\n", 1)[0].rstrip(".")


def _parse(data: bytes, serial: int) -> tuple[x509.Certificate, tuple[str, ...]]:
    """Parse with cryptography, mending what it refuses but OpenSSL reads.

    cryptography warns about serial numbers that are zero or negative (and will refuse them),
    and refuses DER that encodes a default value or a version that does not exist. Such a
    certificate is parsed from a mended copy, for display only: fingerprints, the SPKI pin and
    the serial shown all come from the original bytes.
    """
    try:
        if serial > 0:
            return x509.load_der_x509_certificate(data), ()
        # Rare; catch_warnings changes process-wide state, so only for these.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            return x509.load_der_x509_certificate(data), ()
    except (ValueError, x509.InvalidVersion):
        mended, repairs = _mended(data)
        if not repairs and serial > 0:
            raise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return x509.load_der_x509_certificate(mended), repairs


def _mended(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """A copy with serial 1, version 3 and no explicit critical=FALSE, and what was changed.

    The serial is mended silently: it has a finding of its own (cert.negative-serial).
    """
    repairs = []
    tbs, *rest = der.parse_exact(data).children()
    fields = tbs.children()
    serial_index = 1 if fields[0].is_context(0) else 0
    mended = []
    for index, field in enumerate(fields):
        raw = field.raw
        if index == 0 and field.is_context(0):
            version = field.children()[0].integer()
            if version > 2:
                repairs.append(
                    f"It declares X.509 version {version + 1}, which does not exist; "
                    "it is shown as version 3."
                )
                raw = der.encode(0xA0, der.encode(der.INTEGER, b"\x02"))
        elif index == serial_index and field.integer() <= 0:
            raw = der.encode(der.INTEGER, b"\x01")
        elif field.is_context(3):
            raw, dropped = _without_explicit_false(field)
            if dropped:
                repairs.append(
                    "It writes the default critical=FALSE out in its extensions, which "
                    "DER forbids; strict parsers refuse it."
                )
        mended.append(raw)
    new_tbs = der.encode(0x30, b"".join(mended))
    return der.encode(0x30, new_tbs + b"".join(part.raw for part in rest)), tuple(repairs)


def _without_explicit_false(extensions: der.Element) -> tuple[bytes, bool]:
    kept = []
    dropped = False
    for extension in extensions.children()[0].children():
        parts = extension.children()
        if len(parts) == 3 and parts[1].is_universal(der.BOOLEAN) and parts[1].content == b"\x00":
            kept.append(der.encode(0x30, parts[0].raw + parts[2].raw))
            dropped = True
        else:
            kept.append(extension.raw)
    return der.encode(0xA3, der.encode(0x30, b"".join(kept))), dropped


def read_tbs_fields(certificate: bytes) -> dict[str, bytes]:
    """The raw TBSCertificate fields of a DER certificate by name (serial, issuer, spki...)."""
    outer = der.parse(certificate)
    return tbs_fields(der.parse(certificate, outer.content_start))


def tbs_fields(tbs: der.Element) -> dict[str, bytes]:
    """The raw fields of a TBSCertificate element by name: serial, issuer, subject, spki..."""
    fields = tbs.children()
    if fields and fields[0].is_context(0):
        fields = fields[1:]
    names = ("serial", "signature", "issuer", "validity", "subject", "spki")
    if len(fields) < len(names):
        raise der.DERError("TBSCertificate has too few fields")
    return {name: element.raw for name, element in zip(names, fields, strict=False)}


def describe_certificate(cert: Certificate) -> CertificateDetails:
    """Decode everything about `cert` that a person reads."""
    parsed = cert.x509
    problems: list[str] = []

    try:
        public_key = describe_public_key(parsed.public_key(), cert.spki_der)
    except (UnsupportedAlgorithm, ValueError):
        public_key = describe_unloadable_spki(cert.spki_der)

    extensions = read_extensions(parsed, problems)
    summary = ExtensionSummary()
    rendered = []
    for extension in extensions:
        rendered.append(summary.absorb(extension, problems))

    signature_oid = parsed.signature_algorithm_oid.dotted_string
    subject, subject_attributes = _name_or_problem(cert, "subject", problems)
    issuer, issuer_attributes = _name_or_problem(cert, "issuer", problems)
    return CertificateDetails(
        version=parsed.version.value + 1,
        serial=cert.serial,
        subject=subject,
        subject_attributes=subject_attributes,
        issuer=issuer,
        issuer_attributes=issuer_attributes,
        not_before=parsed.not_valid_before_utc,
        not_after=parsed.not_valid_after_utc,
        public_key=public_key,
        signature_algorithm=oids.name_of(signature_oid, oids.SIGNATURE_ALGORITHMS),
        signature_algorithm_oid=signature_oid,
        san=summary.san,
        key_usage=summary.key_usage,
        extended_key_usage=summary.extended_key_usage,
        is_ca=summary.is_ca,
        path_length=summary.path_length,
        subject_key_id=summary.subject_key_id,
        authority_key_id=summary.authority_key_id,
        ocsp_urls=summary.ocsp_urls,
        ca_issuer_urls=summary.ca_issuer_urls,
        crl_urls=summary.crl_urls,
        policies=summary.policies,
        permitted_subtrees=summary.permitted_subtrees,
        excluded_subtrees=summary.excluded_subtrees,
        scts=summary.scts,
        must_staple=summary.must_staple,
        extensions=tuple(rendered),
        decode_problems=tuple(problems),
    )


def _name_or_problem(
    cert: Certificate, which: str, problems: list[str]
) -> tuple[str, tuple[NameAttribute, ...]]:
    raw = cert.tbs_fields[which]
    try:
        return describe_name(raw, cert.x509, which)
    except (ValueError, TypeError) as error:
        problems.append(f"The {which} name could not be decoded ({parse_problem(error)}).")
        return lenient_name(raw)
