"""Certificate extensions: each decoded into the fields a person reads, and rendered as text."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from pinscope.core import der, oids

logger = logging.getLogger(__name__)


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


class RawExtension:
    """An extension cryptography could not decode, kept as its DER value."""

    def __init__(self, oid: str, critical: bool, value: bytes) -> None:
        self.oid = oid
        self.critical = critical
        self.value = value


def read_extensions(
    parsed: x509.Certificate, problems: list[str]
) -> list[x509.Extension[x509.ExtensionType] | RawExtension]:
    try:
        return list(parsed.extensions)
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as error:
        problems.append(f"The extensions could not be decoded ({error}); they are shown raw.")
        return _raw_extensions(parsed.tbs_certificate_bytes)


def _raw_extensions(tbs: bytes) -> list[x509.Extension[x509.ExtensionType] | RawExtension]:
    result: list[x509.Extension[x509.ExtensionType] | RawExtension] = []
    try:
        for field in der.parse_exact(tbs).children():
            if not field.is_context(3):
                continue
            for item in field.children()[0].children():
                parts = item.children()
                critical = len(parts) == 3 and parts[1].content == b"\xff"
                result.append(RawExtension(parts[0].oid(), critical, parts[-1].octets()))
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


class ExtensionSummary:
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
        self, extension: x509.Extension[x509.ExtensionType] | RawExtension, problems: list[str]
    ) -> ExtensionDetails:
        if isinstance(extension, RawExtension):
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
        renderer = _RENDERERS.get(type(value))
        if renderer is not None:
            return renderer(self, value)
        if isinstance(value, x509.UnrecognizedExtension):
            return value.value.hex()
        return _generic_text(value)

    def _san(self, value: x509.SubjectAlternativeName) -> str:
        self.san = subject_alt_names(value)
        return ", ".join(general_name_text(name) for name in value)

    def _key_usage(self, value: x509.KeyUsage) -> str:
        self.key_usage = _key_usage_names(value)
        return ", ".join(self.key_usage)

    def _extended_key_usage(self, value: x509.ExtendedKeyUsage) -> str:
        self.extended_key_usage = tuple(
            oids.name_of(oid.dotted_string, oids.EXTENDED_KEY_USAGES) for oid in value
        )
        return ", ".join(self.extended_key_usage)

    def _basic_constraints(self, value: x509.BasicConstraints) -> str:
        self.is_ca = value.ca
        self.path_length = value.path_length if value.ca else None
        limit = "" if value.path_length is None else f", pathlen:{value.path_length}"
        return f"CA:{'TRUE' if value.ca else 'FALSE'}{limit}"

    def _subject_key_id(self, value: x509.SubjectKeyIdentifier) -> str:
        self.subject_key_id = value.digest.hex()
        return self.subject_key_id

    def _authority_key_id(self, value: x509.AuthorityKeyIdentifier) -> str:
        self.authority_key_id = value.key_identifier.hex() if value.key_identifier else None
        parts = [f"keyid:{self.authority_key_id}"] if self.authority_key_id else []
        if value.authority_cert_serial_number is not None:
            parts.append(f"serial:{value.authority_cert_serial_number:x}")
        return ", ".join(parts)

    def _aia(self, value: x509.AuthorityInformationAccess) -> str:
        ocsp, issuers = [], []
        for description in value:
            location = general_name_text(description.access_location).removeprefix("URI:")
            if description.access_method == AuthorityInformationAccessOID.OCSP:
                ocsp.append(location)
            elif description.access_method == AuthorityInformationAccessOID.CA_ISSUERS:
                issuers.append(location)
        self.ocsp_urls, self.ca_issuer_urls = tuple(ocsp), tuple(issuers)
        return ", ".join([f"OCSP:{url}" for url in ocsp] + [f"CA Issuers:{url}" for url in issuers])

    def _crl_distribution_points(self, value: x509.CRLDistributionPoints) -> str:
        self.crl_urls = tuple(
            general_name_text(name).removeprefix("URI:")
            for point in value
            for name in point.full_name or ()
        )
        return ", ".join(self.crl_urls)

    def _policies(self, value: x509.CertificatePolicies) -> str:
        self.policies = tuple(_policy_text(info.policy_identifier.dotted_string) for info in value)
        return ", ".join(self.policies)

    def _name_constraints(self, value: x509.NameConstraints) -> str:
        self.permitted_subtrees = tuple(map(general_name_text, value.permitted_subtrees or ()))
        self.excluded_subtrees = tuple(map(general_name_text, value.excluded_subtrees or ()))
        parts = []
        if self.permitted_subtrees:
            parts.append("permitted: " + ", ".join(self.permitted_subtrees))
        if self.excluded_subtrees:
            parts.append("excluded: " + ", ".join(self.excluded_subtrees))
        return "; ".join(parts)

    def _scts(self, value: x509.PrecertificateSignedCertificateTimestamps) -> str:
        self.scts = tuple(_sct(sct) for sct in value)
        return ", ".join(f"{sct.log_id} at {sct.timestamp.isoformat()}" for sct in self.scts)

    def _tls_feature(self, value: x509.TLSFeature) -> str:
        self.must_staple = x509.TLSFeatureType.status_request in value
        return ", ".join(feature.name for feature in value)


# The extension types with fields of their own; the rest render generically.
_RENDERERS: dict[type[Any], Callable[[ExtensionSummary, Any], str]] = {
    x509.SubjectAlternativeName: ExtensionSummary._san,
    x509.KeyUsage: ExtensionSummary._key_usage,
    x509.ExtendedKeyUsage: ExtensionSummary._extended_key_usage,
    x509.BasicConstraints: ExtensionSummary._basic_constraints,
    x509.SubjectKeyIdentifier: ExtensionSummary._subject_key_id,
    x509.AuthorityKeyIdentifier: ExtensionSummary._authority_key_id,
    x509.AuthorityInformationAccess: ExtensionSummary._aia,
    x509.CRLDistributionPoints: ExtensionSummary._crl_distribution_points,
    x509.CertificatePolicies: ExtensionSummary._policies,
    x509.NameConstraints: ExtensionSummary._name_constraints,
    x509.PrecertificateSignedCertificateTimestamps: ExtensionSummary._scts,
    x509.TLSFeature: ExtensionSummary._tls_feature,
}


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


def _key_usage_names(value: x509.KeyUsage) -> tuple[str, ...]:
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
