"""The model every front end renders: sources, their entries, keys, pins and findings.

Frozen dataclasses with no knowledge of Qt, argparse or JSON. Certificates live in
`pinscope.core.certificate`; this module holds what surrounds them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from pinscope.core.certificate import Certificate
from pinscope.core.extensions import SubjectAltNames
from pinscope.core.keys import PublicKeyDetails, spki_pin

__all__ = [
    "CSRDetails",
    "Certificate",
    "Entry",
    "EntryType",
    "Finding",
    "Pin",
    "PrivateKeyDetails",
    "PublicKeyDetails",
    "SecretKeyDetails",
    "Severity",
    "Source",
]


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class EntryType(enum.StrEnum):
    CERTIFICATE_CHAIN = "certificate-chain"
    PRIVATE_KEY = "private-key"
    TRUSTED_CERTIFICATE = "trusted-certificate"
    CSR = "csr"
    PUBLIC_KEY = "public-key"
    SECRET_KEY = "secret-key"


@dataclass(frozen=True)
class Finding:
    """One problem, explained for a person: what, why it matters, and what to do."""

    code: str
    severity: Severity
    title: str
    detail: str
    remedy: str
    certificate: str | None = None
    """SHA-256 fingerprint (hex) of the certificate concerned; None when it concerns none."""


@dataclass(frozen=True)
class Pin:
    """A SHA-256 hash of a SubjectPublicKeyInfo, base64, and a description of what was hashed."""

    value: str
    source: str
    algorithm: str = "sha256"


@dataclass(frozen=True)
class PrivateKeyDetails:
    """A private key as stored, without its secret parts."""

    public_key: PublicKeyDetails | None
    """The matching public key; None while the key is still encrypted (no password for it)."""
    format: str
    """How it was stored: "pkcs8", "pkcs8-encrypted", "traditional", "traditional-encrypted"."""
    protection: str | None = None
    """The encryption scheme, readable ("PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC"); None if plain."""
    matches_certificate: bool | None = None
    """Whether it belongs to the entry's first certificate; None when there is no certificate."""
    key: PrivateKeyTypes | None = field(default=None, repr=False, compare=False)
    """The decrypted key, kept in memory only to present a client certificate; never shown,
    logged or written. None while the key is still encrypted."""


@dataclass(frozen=True)
class CSRDetails:
    """A PKCS#10 certificate signing request."""

    subject: str
    public_key: PublicKeyDetails
    signature_algorithm: str
    signature_valid: bool
    """False when the signature is wrong or uses an algorithm Pinscope cannot check."""
    san: SubjectAltNames = field(default_factory=SubjectAltNames)
    sha256: str = ""


@dataclass(frozen=True)
class SecretKeyDetails:
    """A symmetric key held in a keystore; only its algorithm and size are shown."""

    algorithm: str
    size: int | None
    """Key size in bits; None while the entry is still encrypted."""


@dataclass(frozen=True)
class Entry:
    """One thing in a source: a keystore alias, a file's chain, a key, a CSR."""

    alias: str
    type: EntryType
    certificates: tuple[Certificate, ...] = ()
    private_key: PrivateKeyDetails | None = None
    public_key: PublicKeyDetails | None = None
    csr: CSRDetails | None = None
    secret_key: SecretKeyDetails | None = None

    @cached_property
    def pins(self) -> tuple[Pin, ...]:
        """The SPKI pin of every certificate and key in the entry, each value once."""
        pins = [
            Pin(spki_pin(cert.spki_der), f"certificate {cert.details.subject}")
            for cert in self.certificates
        ]
        if self.private_key is not None and self.private_key.public_key is not None:
            pins.append(Pin(self.private_key.public_key.spki_sha256, "private key"))
        if self.csr is not None:
            pins.append(
                Pin(self.csr.public_key.spki_sha256, f"certificate request {self.csr.subject}")
            )
        if self.public_key is not None:
            pins.append(Pin(self.public_key.spki_sha256, "public key"))
        unique: dict[str, Pin] = {}
        for pin in pins:
            unique.setdefault(pin.value, pin)
        return tuple(unique.values())


@dataclass(frozen=True)
class Source:
    """Everything read from one input."""

    name: str
    kind: str
    """"file", "endpoint" or "text"."""
    format: str
    """One of the DESIGN.md formats: "pem", "der", "pkcs7", "pkcs12", "jks", ..."""
    entries: tuple[Entry, ...] = ()
    findings: tuple[Finding, ...] = ()
    protection: dict[str, object] = field(default_factory=dict)
    """How the container is protected (PKCS#12 MAC and bag encryption, keystore integrity)."""

    def certificates(self) -> list[Certificate]:
        """Every certificate of every entry, in order, each once."""
        seen: set[str] = set()
        result = []
        for entry in self.entries:
            for cert in entry.certificates:
                if cert.sha256 not in seen:
                    seen.add(cert.sha256)
                    result.append(cert)
        return result
