"""One X.509 certificate, and everything a person reads about it, decoded once.

`Certificate` is cheap to create (fingerprints and the parsed object); `Certificate.details`
decodes the rest on first use, so a 10,000-certificate bundle opens before anyone looks inside.
"""

from __future__ import annotations

import base64
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
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from pinscope.core import der, oids
from pinscope.core.errors import DamagedInput
from pinscope.core.keys import PublicKeyDetails, describe_public_key, describe_unloadable_spki

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NameAttribute:
    """One attribute of a distinguished name, value as text with UTF-8 intact."""

    name: str
    oid: str
    value: str


@dataclass(frozen=True)
class OtherName:
    """A SAN otherName, such as a Windows UPN."""

    oid: str
    name: str
    value: str
    """The decoded string when the value is a string type, else its DER as hex."""


@dataclass(frozen=True)
class SubjectAltNames:
    dns: tuple[str, ...] = ()
    ip: tuple[str, ...] = ()
    uri: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    directory: tuple[str, ...] = ()
    registered_id: tuple[str, ...] = ()
    other: tuple[OtherName, ...] = ()

    def __bool__(self) -> bool:
        return any(
            (
                self.dns,
                self.ip,
                self.uri,
                self.email,
                self.directory,
                self.registered_id,
                self.other,
            )
        )


@dataclass(frozen=True)
class SCT:
    """An embedded Signed Certificate Timestamp."""

    log_id: str
    """Base64 of the log's key hash, as CT log lists write it."""
    timestamp: dt.datetime


@dataclass(frozen=True)
class ExtensionDetails:
    oid: str
    name: str
    critical: bool
    value: str
    """A readable rendering; hex of the DER value for extensions Pinscope does not know."""


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

    extensions = _read_extensions(parsed, problems)
    summary = _ExtensionSummary()
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
        return _lenient_name(raw)


def _lenient_name(raw: bytes) -> tuple[str, tuple[NameAttribute, ...]]:
    """A malformed name shown as well as it can be: bad text replaced, other types as #hex."""
    attributes = []
    parts = []
    try:
        for rdn in der.parse_exact(raw).children():
            for pair in rdn.children():
                oid_element, value_element = pair.children()[:2]
                oid = oid_element.oid()
                codec = _PLAIN_STRING_CODECS.get(value_element.number)
                if codec and not value_element.constructed:
                    value = value_element.content.decode(codec, errors="replace")
                    shown = _escape_value(value)
                else:  # RFC 4514 writes values of other types as # and their DER in hex
                    value = shown = "#" + value_element.raw.hex()
                attributes.append(
                    NameAttribute(oids.name_of(oid, oids.NAME_ATTRIBUTES), oid, value)
                )
                parts.append(f"{_RFC4514_NAMES.get(oid, oid)}={shown}")
    except (der.DERError, ValueError):
        pass
    return ",".join(reversed(parts)), tuple(attributes)


_name_cache: dict[bytes, tuple[str, tuple[NameAttribute, ...]]] = {}
_NAME_CACHE_LIMIT = 50_000


def describe_name(
    raw: bytes, parsed: x509.Certificate, which: str
) -> tuple[str, tuple[NameAttribute, ...]]:
    """A name's RFC 4514 string and attributes, shared between certificates with the same name.

    Issuer names repeat across a bundle; decoding each distinct encoding once keeps large files
    fast. `which` is "subject" or "issuer" of `parsed`, whose encoding is `raw`.
    """
    cached = _name_cache.get(raw)
    if cached is None:
        cached = _decode_plain_name(raw)
    if cached is None:
        name = parsed.subject if which == "subject" else parsed.issuer
        cached = (name.rfc4514_string(), name_attributes(name))
    if raw not in _name_cache:
        if len(_name_cache) >= _NAME_CACHE_LIMIT:
            _name_cache.clear()
        _name_cache[raw] = cached
    return cached


# Short names cryptography's rfc4514_string uses; every other attribute shows as its dotted OID.
_RFC4514_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
_PLAIN_STRING_CODECS = {
    der.UTF8_STRING: "utf-8",
    der.PRINTABLE_STRING: "ascii",
    der.IA5_STRING: "ascii",
    0x12: "ascii",  # NumericString
    0x1A: "ascii",  # VisibleString
    der.BMP_STRING: "utf-16-be",
}
_RFC4514_SPECIALS = str.maketrans(
    {
        "\\": "\\\\",
        '"': '\\"',
        "+": "\\+",
        ",": "\\,",
        ";": "\\;",
        "<": "\\<",
        ">": "\\>",
        "\0": "\\00",
    }
)


def _decode_plain_name(raw: bytes) -> tuple[str, tuple[NameAttribute, ...]] | None:
    """Decode a Name made only of ordinary string attributes, as cryptography would print it.

    Building cryptography's Name objects dominates the cost of large bundles; this reads the
    common case straight from DER and returns None for anything unusual, which then goes the
    slow, exact way.
    """
    try:
        rdns = []
        attributes = []
        for rdn in der.parse_exact(raw).children():
            parts = []
            for pair in rdn.children():
                oid_element, value_element = pair.children()
                codec = _PLAIN_STRING_CODECS.get(value_element.number)
                if codec is None or value_element.tag_class != der.CLASS_UNIVERSAL:
                    return None
                oid = oid_element.oid()
                value = value_element.content.decode(codec)
                attributes.append(
                    NameAttribute(oids.name_of(oid, oids.NAME_ATTRIBUTES), oid, value)
                )
                parts.append(f"{_RFC4514_NAMES.get(oid, oid)}={_escape_value(value)}")
            rdns.append("+".join(parts))
    except (der.DERError, ValueError):
        return None
    return ",".join(reversed(rdns)), tuple(attributes)


def _escape_value(value: str) -> str:
    if not value:
        return ""
    value = value.translate(_RFC4514_SPECIALS)
    if value[0] == "#" or (value[0] == " " and len(value) > 1):
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value


def name_attributes(name: x509.Name) -> tuple[NameAttribute, ...]:
    """The attributes of a name in the order they were encoded."""
    result = []
    for rdn in name.rdns:
        for attribute in rdn:
            oid = attribute.oid.dotted_string
            value = attribute.value
            text = value if isinstance(value, str) else value.hex()
            result.append(NameAttribute(oids.name_of(oid, oids.NAME_ATTRIBUTES), oid, text))
    return tuple(result)


def general_name_text(name: x509.GeneralName) -> str:
    """A general name the way OpenSSL prints it: `DNS:example.com`, `IP:10.0.0.0/8`..."""
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.IPAddress):
        return f"IP:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.DirectoryName):
        return f"DirName:{name.value.rfc4514_string()}"
    if isinstance(name, x509.RegisteredID):
        return f"RID:{name.value.dotted_string}"
    if isinstance(name, x509.OtherName):
        other = _other_name(name)
        return f"othername:{other.name}:{other.value}"
    return str(name)


class _RawExtension:
    """An extension cryptography could not decode, kept as its DER value."""

    def __init__(self, oid: str, critical: bool, value: bytes) -> None:
        self.oid = oid
        self.critical = critical
        self.value = value


def _read_extensions(
    parsed: x509.Certificate, problems: list[str]
) -> list[x509.Extension[x509.ExtensionType] | _RawExtension]:
    try:
        return list(parsed.extensions)
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as error:
        problems.append(f"The extensions could not be decoded ({error}); they are shown raw.")
        return _raw_extensions(parsed.tbs_certificate_bytes)


def _raw_extensions(tbs: bytes) -> list[x509.Extension[x509.ExtensionType] | _RawExtension]:
    result: list[x509.Extension[x509.ExtensionType] | _RawExtension] = []
    try:
        for field in der.parse_exact(tbs).children():
            if not field.is_context(3):
                continue
            for item in field.children()[0].children():
                parts = item.children()
                critical = len(parts) == 3 and parts[1].content == b"\xff"
                result.append(_RawExtension(parts[0].oid(), critical, parts[-1].octets()))
    except (der.DERError, IndexError):
        logger.debug("extensions unreadable even as raw DER")
    return result


def _other_name(name: x509.OtherName) -> OtherName:
    oid = name.type_id.dotted_string
    label = oids.name_of(oid, oids.OTHER_NAMES)
    try:
        element = der.parse_exact(name.value)
        if element.is_context(0) and element.constructed:  # some writers keep the [0] wrapper
            element = element.children()[0]
        if element.tag_class == der.CLASS_UNIVERSAL and element.number in (
            der.UTF8_STRING,
            der.IA5_STRING,
            der.PRINTABLE_STRING,
            der.BMP_STRING,
        ):
            return OtherName(oid, label, element.text())
    except (der.DERError, IndexError):
        pass
    return OtherName(oid, label, name.value.hex())


_KEY_USAGE_FLAGS = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)


class _ExtensionSummary:
    """Collects the fields a person reads from each extension, and renders each as text."""

    def __init__(self) -> None:
        self.san = SubjectAltNames()
        self.key_usage: tuple[str, ...] = ()
        self.extended_key_usage: tuple[str, ...] = ()
        self.is_ca = False
        self.path_length: int | None = None
        self.subject_key_id: str | None = None
        self.authority_key_id: str | None = None
        self.ocsp_urls: tuple[str, ...] = ()
        self.ca_issuer_urls: tuple[str, ...] = ()
        self.crl_urls: tuple[str, ...] = ()
        self.policies: tuple[str, ...] = ()
        self.permitted_subtrees: tuple[str, ...] = ()
        self.excluded_subtrees: tuple[str, ...] = ()
        self.scts: tuple[SCT, ...] = ()
        self.must_staple = False

    def absorb(
        self, extension: x509.Extension[x509.ExtensionType] | _RawExtension, problems: list[str]
    ) -> ExtensionDetails:
        if isinstance(extension, _RawExtension):
            name = oids.name_of(extension.oid, oids.EXTENSIONS)
            return ExtensionDetails(extension.oid, name, extension.critical, extension.value.hex())

        oid = extension.oid.dotted_string
        name = oids.name_of(oid, oids.EXTENSIONS)
        try:
            text = self._render(extension.value)
        except ValueError as error:
            problems.append(f"The {name} extension could not be read: {error}.")
            text = ""
        return ExtensionDetails(oid, name, extension.critical, text)

    def _render(self, value: x509.ExtensionType) -> str:
        if isinstance(value, x509.SubjectAlternativeName):
            self.san = subject_alt_names(value)
            return ", ".join(general_name_text(name) for name in value)
        if isinstance(value, x509.KeyUsage):
            self.key_usage = _key_usage(value)
            return ", ".join(self.key_usage)
        if isinstance(value, x509.ExtendedKeyUsage):
            self.extended_key_usage = tuple(
                oids.name_of(oid.dotted_string, oids.EXTENDED_KEY_USAGES) for oid in value
            )
            return ", ".join(self.extended_key_usage)
        if isinstance(value, x509.BasicConstraints):
            self.is_ca = value.ca
            self.path_length = value.path_length if value.ca else None
            limit = "" if value.path_length is None else f", pathlen:{value.path_length}"
            return f"CA:{'TRUE' if value.ca else 'FALSE'}{limit}"
        if isinstance(value, x509.SubjectKeyIdentifier):
            self.subject_key_id = value.digest.hex()
            return self.subject_key_id
        if isinstance(value, x509.AuthorityKeyIdentifier):
            self.authority_key_id = value.key_identifier.hex() if value.key_identifier else None
            parts = [f"keyid:{self.authority_key_id}"] if self.authority_key_id else []
            if value.authority_cert_serial_number is not None:
                parts.append(f"serial:{value.authority_cert_serial_number:x}")
            return ", ".join(parts)
        if isinstance(value, x509.AuthorityInformationAccess):
            return self._render_aia(value)
        if isinstance(value, x509.CRLDistributionPoints):
            self.crl_urls = tuple(
                general_name_text(name).removeprefix("URI:")
                for point in value
                for name in point.full_name or ()
            )
            return ", ".join(self.crl_urls)
        if isinstance(value, x509.CertificatePolicies):
            self.policies = tuple(
                _policy_text(info.policy_identifier.dotted_string) for info in value
            )
            return ", ".join(self.policies)
        if isinstance(value, x509.NameConstraints):
            self.permitted_subtrees = tuple(map(general_name_text, value.permitted_subtrees or ()))
            self.excluded_subtrees = tuple(map(general_name_text, value.excluded_subtrees or ()))
            return "; ".join(
                part
                for part in (
                    "permitted: " + ", ".join(self.permitted_subtrees)
                    if self.permitted_subtrees
                    else "",
                    "excluded: " + ", ".join(self.excluded_subtrees)
                    if self.excluded_subtrees
                    else "",
                )
                if part
            )
        if isinstance(value, x509.PrecertificateSignedCertificateTimestamps):
            self.scts = tuple(_sct(sct) for sct in value)
            return ", ".join(f"{sct.log_id} at {sct.timestamp.isoformat()}" for sct in self.scts)
        if isinstance(value, x509.TLSFeature):
            features = [feature.name for feature in value]
            self.must_staple = x509.TLSFeatureType.status_request in value
            return ", ".join(features)
        if isinstance(value, x509.UnrecognizedExtension):
            return value.value.hex()
        return _generic_text(value)

    def _render_aia(self, value: x509.AuthorityInformationAccess) -> str:
        ocsp, issuers = [], []
        for description in value:
            location = general_name_text(description.access_location).removeprefix("URI:")
            if description.access_method == AuthorityInformationAccessOID.OCSP:
                ocsp.append(location)
            elif description.access_method == AuthorityInformationAccessOID.CA_ISSUERS:
                issuers.append(location)
        self.ocsp_urls, self.ca_issuer_urls = tuple(ocsp), tuple(issuers)
        return ", ".join([f"OCSP:{url}" for url in ocsp] + [f"CA Issuers:{url}" for url in issuers])


def subject_alt_names(value: x509.SubjectAlternativeName) -> SubjectAltNames:
    """Sort a SAN extension's names by type."""
    found: dict[str, list[str]] = {
        "dns": [],
        "ip": [],
        "uri": [],
        "email": [],
        "dir": [],
        "rid": [],
    }
    other = []
    for name in value:
        if isinstance(name, x509.DNSName):
            found["dns"].append(name.value)
        elif isinstance(name, x509.IPAddress):
            found["ip"].append(str(name.value))
        elif isinstance(name, x509.UniformResourceIdentifier):
            found["uri"].append(name.value)
        elif isinstance(name, x509.RFC822Name):
            found["email"].append(name.value)
        elif isinstance(name, x509.DirectoryName):
            found["dir"].append(name.value.rfc4514_string())
        elif isinstance(name, x509.RegisteredID):
            found["rid"].append(name.value.dotted_string)
        elif isinstance(name, x509.OtherName):
            other.append(_other_name(name))
    return SubjectAltNames(
        dns=tuple(found["dns"]),
        ip=tuple(found["ip"]),
        uri=tuple(found["uri"]),
        email=tuple(found["email"]),
        directory=tuple(found["dir"]),
        registered_id=tuple(found["rid"]),
        other=tuple(other),
    )


def _key_usage(value: x509.KeyUsage) -> tuple[str, ...]:
    names = [label for attribute, label in _KEY_USAGE_FLAGS if getattr(value, attribute)]
    if value.key_agreement:
        if value.encipher_only:
            names.append("encipherOnly")
        if value.decipher_only:
            names.append("decipherOnly")
    return tuple(names)


def _policy_text(oid: str) -> str:
    name = oids.CERTIFICATE_POLICIES.get(oid)
    return f"{oid} ({name})" if name else oid


def _sct(sct: x509.certificate_transparency.SignedCertificateTimestamp) -> SCT:
    timestamp = sct.timestamp.replace(tzinfo=dt.UTC)
    return SCT(base64.b64encode(sct.log_id).decode("ascii"), timestamp)


def _generic_text(value: x509.ExtensionType) -> str:
    """Render the few remaining known types without a dedicated branch."""
    if value.oid == ExtensionOID.OCSP_NO_CHECK:
        return "present"
    if value.oid == ExtensionOID.INHIBIT_ANY_POLICY and isinstance(value, x509.InhibitAnyPolicy):
        return str(value.skip_certs)
    try:
        return value.public_bytes().hex()
    except (NotImplementedError, ValueError, AttributeError):
        return repr(value)
