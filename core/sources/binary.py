"""DER files: tell a certificate from a CSR, a key, a PKCS#7 bundle or a PKCS#12 by structure."""

from __future__ import annotations

from pinscope.core import der
from pinscope.core.certificate import load_certificate
from pinscope.core.errors import DamagedInput, UnsupportedFormat
from pinscope.core.model import Source
from pinscope.core.sources import keyfiles, pkcs7, pkcs12
from pinscope.core.sources.assemble import LoadedKey, assemble_loose, damaged_item
from pinscope.core.sources.passwords import Passwords

_PBE_OIDS = ("1.2.840.113549.1.5.", "1.2.840.113549.1.12.1.")


def classify(top: der.Element) -> str:
    """Name the DER structure: certificate, csr, crl, pkcs7, pkcs12, public-key, private-key,
    encrypted-private-key, damaged (inner lengths do not add up) or unknown."""
    try:
        return _classify(top)
    except (der.DERError, IndexError):
        return "damaged"


def _classify(top: der.Element) -> str:
    if pkcs7.is_signed_data(top):
        return "pkcs7"
    if pkcs12.looks_like_pkcs12(top):
        return "pkcs12"
    parts = top.children()
    shape = [(part.tag_class, part.number) for part in parts]
    universal = [number if tag_class == der.CLASS_UNIVERSAL else -1 for tag_class, number in shape]

    if universal[:3] == [der.SEQUENCE, der.SEQUENCE, der.BIT_STRING] and len(parts) == 3:
        inner = parts[0].children()
        if any(
            field.is_universal(der.UTC_TIME) or field.is_universal(der.GENERALIZED_TIME)
            for field in inner[:4]
        ):
            return "crl"  # thisUpdate comes right after the issuer; a certificate has validity
        return "csr" if len(inner) == 4 and inner[0].is_universal(der.INTEGER) else "certificate"
    if universal == [der.SEQUENCE, der.BIT_STRING]:
        return "public-key"
    if universal == [der.SEQUENCE, der.OCTET_STRING]:
        algorithm = parts[0].children()[0]
        if algorithm.is_universal(der.OID) and algorithm.oid().startswith(_PBE_OIDS):
            return "encrypted-private-key"
    if universal[:3] == [der.INTEGER, der.SEQUENCE, der.OCTET_STRING]:
        return "private-key"  # PKCS#8
    if universal[:2] == [der.INTEGER, der.OCTET_STRING]:
        return "private-key"  # traditional EC
    if len(universal) >= 6 and all(number == der.INTEGER for number in universal):
        return "private-key"  # traditional RSA or DSA
    if universal == [der.INTEGER, der.INTEGER]:
        return "public-key"  # PKCS#1 RSAPublicKey
    return "unknown"


def load_der(data: bytes, name: str, passwords: Passwords, kind: str = "file") -> Source:
    """Read a DER file of any supported type.

    Raises:
        DamagedInput: it starts like DER but is truncated or corrupt.
        UnsupportedFormat: it is DER, but of no type Pinscope reads.
    """
    try:
        top = der.parse(data)
    except der.DERError as error:
        raise DamagedInput(
            f"the data looks like DER (ASN.1) but is truncated or damaged: {error}"
        ) from error
    structure = classify(top)
    if structure == "crl":
        raise UnsupportedFormat(
            "the file is a certificate revocation list (CRL), which Pinscope does not read"
        )
    if structure == "damaged":
        raise DamagedInput(
            "the data looks like DER (ASN.1) but is damaged inside: its lengths do not add up"
        )

    if structure == "pkcs12":
        return pkcs12.load_pkcs12(data, name, passwords)
    if structure == "pkcs7":
        certs, problems = pkcs7.certificates(data)
        entries, _ = assemble_loose(certs, [], [], [])
        findings = tuple(damaged_item(problem) for problem in problems)
        return Source(name, kind, "pkcs7", tuple(entries), findings)

    body = top.raw
    if structure == "certificate":
        cert = load_certificate(body, "the DER certificate")
        entries, _ = assemble_loose([cert], [], [], [])
        return Source(name, kind, "der", tuple(entries))
    if structure == "csr":
        entries, _ = assemble_loose([], [], [keyfiles.describe_csr(body)], [])
        return Source(name, kind, "csr", tuple(entries))
    if structure == "public-key":
        public_key = keyfiles.describe_public_key_der(body, "the public key")
        entries, _ = assemble_loose([], [], [], [public_key])
        return Source(name, kind, "public-key", tuple(entries))
    if structure in ("private-key", "encrypted-private-key"):
        entries, _ = assemble_loose([], [_private_key(body, structure, passwords)], [], [])
        return Source(name, kind, "private-key", tuple(entries))
    raise UnsupportedFormat(
        "expected a certificate, CSR, key, PKCS#7 or PKCS#12 file, found DER (ASN.1) data of "
        f"another kind ({len(top.raw)} bytes, starting with {top.raw[:8].hex(' ')})"
    )


def _private_key(body: bytes, structure: str, passwords: Passwords) -> LoadedKey:
    if structure == "encrypted-private-key":
        return keyfiles.load_encrypted_pkcs8(body, passwords, "the encrypted private key")
    parts = der.parse(body).children()
    fmt = "pkcs8" if parts[1].is_universal(der.SEQUENCE) else "traditional"
    return LoadedKey(keyfiles.load_private_key_der(body, "the private key"), fmt)
