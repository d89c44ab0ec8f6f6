"""Mint certificates, keys and CSRs for tests with cryptography's builders, fresh for each test.

Nothing here touches the disk or the network. A test asks for the certificates its scenario
needs (a CA, a leaf with chosen extensions, a CSR for a key) and writes them out in whatever
shape it is testing: PEM, DER, PKCS#7, a Kubernetes Secret.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
)

KEY_KINDS = ("rsa-2048", "rsa-3072", "ec-p256", "ec-p384", "ed25519", "ed448")

SCT_LIST_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")


def new_key(kind: str = "ec-p256") -> PrivateKey:
    """A new private key of `kind`, one of KEY_KINDS ("rsa-2048", "ec-p256", "ed25519"...)."""
    if kind.startswith("rsa-"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[4:]))
    if kind == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "ed448":
        return ed448.Ed448PrivateKey.generate()
    raise ValueError(f"unknown key kind {kind!r}; expected one of {KEY_KINDS}")


def name(common_name: str | None = None, *attributes: x509.NameAttribute[str]) -> x509.Name:
    """A distinguished name: the given attributes, then the common name, each its own RDN."""
    cn = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)] if common_name else []
    return x509.Name([*attributes, *cn])


def signature_hash(key: PrivateKey) -> hashes.SHA256 | None:
    """The hash to sign with: none for EdDSA keys, SHA-256 otherwise."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return None
    return hashes.SHA256()


def spki_der(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def spki_pin(key: PrivateKey) -> str:
    """base64(sha256(SubjectPublicKeyInfo DER)), computed here independently of Pinscope."""
    return base64.b64encode(hashlib.sha256(spki_der(key)).digest()).decode("ascii")


@dataclass(frozen=True)
class Issued:
    """A minted certificate and the private key of its subject."""

    certificate: x509.Certificate
    key: PrivateKey

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.der).hexdigest()

    @property
    def pin(self) -> str:
        return spki_pin(self.key)

    def key_pem(self, password: bytes | None = None, traditional: bool = False) -> bytes:
        return key_pem(self.key, password, traditional)


def key_pem(key: PrivateKey, password: bytes | None = None, traditional: bool = False) -> bytes:
    """The key as PEM: PKCS#8 (PBES2 when a password is given) or traditional PKCS#1/SEC1."""
    fmt = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if traditional
        else serialization.PrivateFormat.PKCS8
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password is not None
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption)


def key_der(key: PrivateKey, traditional: bool = False) -> bytes:
    fmt = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if traditional
        else serialization.PrivateFormat.PKCS8
    )
    return key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def mint_certificate(
    subject: x509.Name,
    *,
    key: PrivateKey | None = None,
    issuer: Issued | None = None,
    serial: int | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    key_identifiers: bool = True,
) -> Issued:
    """One certificate, signed by `issuer` (self-signed when None), with exactly `extensions`.

    Args:
        subject: the subject name.
        key: the subject's key; a new P-256 key when None.
        issuer: the issuing certificate and key; the certificate is self-signed when None.
        serial: the serial number; random when None.
        not_before, not_after: validity; from an hour ago for thirty days when None.
        extensions: (extension value, critical) pairs, added in this order.
        key_identifiers: add subjectKeyIdentifier (and authorityKeyIdentifier when issued).
    """
    key = key if key is not None else new_key()
    signer = issuer.key if issuer is not None else key
    issuer_name = issuer.certificate.subject if issuer is not None else subject
    start = not_before if not_before is not None else _now() - dt.timedelta(hours=1)
    end = not_after if not_after is not None else start + dt.timedelta(days=30)

    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
    )
    for value, critical in extensions:
        builder = builder.add_extension(value, critical=critical)
    if key_identifiers:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        if issuer is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                critical=False,
            )

    certificate = builder.sign(signer, signature_hash(signer))
    return Issued(certificate, key)


def mint_ca(
    common_name: str,
    issuer: Issued | None = None,
    path_length: int | None = None,
    key: PrivateKey | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Issued:
    """A CA certificate: critical basicConstraints CA:TRUE and keyUsage keyCertSign, cRLSign."""
    extensions = [
        (x509.BasicConstraints(ca=True, path_length=path_length), True),
        (ca_key_usage(), True),
    ]
    return mint_certificate(
        name(common_name, x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pinscope Minted")),
        key=key,
        issuer=issuer,
        extensions=extensions,
        not_before=not_before,
        not_after=not_after,
    )


def mint_leaf(
    issuer: Issued,
    common_name: str,
    dns: Sequence[str] | None = None,
    key: PrivateKey | None = None,
    extra: Iterable[tuple[x509.ExtensionType, bool]] = (),
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Issued:
    """A TLS server certificate for `common_name` (also its only DNS SAN unless `dns` says)."""
    names = [x509.DNSName(n) for n in (dns if dns is not None else [common_name])]
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
    ]
    if names:
        extensions.append((x509.SubjectAlternativeName(names), False))
    return mint_certificate(
        name(common_name),
        key=key,
        issuer=issuer,
        extensions=[*extensions, *extra],
        not_before=not_before,
        not_after=not_after,
    )


@dataclass(frozen=True)
class Chain:
    """A root, an intermediate it issued, and a leaf the intermediate issued."""

    root: Issued
    intermediate: Issued
    leaf: Issued

    @property
    def leaf_first(self) -> tuple[Issued, Issued, Issued]:
        return (self.leaf, self.intermediate, self.root)


def mint_chain(leaf_name: str = "www.minted.test", prefix: str = "Minted") -> Chain:
    """A three-certificate chain with distinct names made from `prefix`."""
    root = mint_ca(f"{prefix} Root CA")
    intermediate = mint_ca(f"{prefix} Issuing CA", issuer=root, path_length=0)
    leaf = mint_leaf(intermediate, leaf_name)
    return Chain(root, intermediate, leaf)


def ca_key_usage() -> x509.KeyUsage:
    return key_usage(key_cert_sign=True, crl_sign=True)


def key_usage(**flags: bool) -> x509.KeyUsage:
    """A KeyUsage with the named flags set (cryptography's attribute names) and the rest off."""
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    unknown = set(flags) - set(names)
    if unknown:
        raise ValueError(f"unknown key usage flags {sorted(unknown)}")
    return x509.KeyUsage(**{flag: flags.get(flag, False) for flag in names})


def mint_csr(
    key: PrivateKey, common_name: str, dns: Sequence[str] = ()
) -> x509.CertificateSigningRequest:
    """A PKCS#10 request for `key` with a CN and optional DNS SANs."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(name(common_name))
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dns]), critical=False
        )
    return builder.sign(key, signature_hash(key))


def csr_pem(csr: x509.CertificateSigningRequest) -> bytes:
    return csr.public_bytes(serialization.Encoding.PEM)


def csr_der(csr: x509.CertificateSigningRequest) -> bytes:
    return csr.public_bytes(serialization.Encoding.DER)


def pem_block(label: str, body: bytes) -> bytes:
    """Armour `body` as a PEM block with 64-column lines."""
    encoded = base64.b64encode(body).decode("ascii")
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return (
        "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"
    ).encode("ascii")


def sct_list_extension(
    scts: Sequence[tuple[bytes, dt.datetime]],
) -> x509.UnrecognizedExtension:
    """An embedded SCT list extension (RFC 6962 3.3), built by hand.

    cryptography can parse SignedCertificateTimestampList but has no builder for it, so the
    TLS encoding is written here and wrapped in the OCTET STRING the extension value holds.
    Each SCT has a dummy ECDSA-SHA256 signature: nothing in Pinscope verifies it.

    Args:
        scts: (32-byte log id, timestamp) pairs.
    """
    encoded = []
    for log_id, timestamp in scts:
        if len(log_id) != 32:
            raise ValueError("an SCT log id is 32 bytes")
        millis = int(timestamp.timestamp() * 1000)
        signature = b"\x30\x06\x02\x01\x01\x02\x01\x01"
        body = (
            b"\x00"  # version v1
            + log_id
            + struct.pack(">Q", millis)
            + struct.pack(">H", 0)  # no extensions
            + b"\x04\x03"  # SHA-256, ECDSA
            + struct.pack(">H", len(signature))
            + signature
        )
        encoded.append(struct.pack(">H", len(body)) + body)
    tls_list = b"".join(encoded)
    tls_list = struct.pack(">H", len(tls_list)) + tls_list
    return x509.UnrecognizedExtension(SCT_LIST_OID, _der_octet_string(tls_list))


def _der_octet_string(content: bytes) -> bytes:
    return b"\x04" + _der_length(len(content)) + content


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    digits = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(digits)]) + digits


def der_utf8_string(text: str) -> bytes:
    """A DER UTF8String, as an otherName value holds it (a UPN, for instance)."""
    content = text.encode("utf-8")
    return b"\x0c" + _der_length(len(content)) + content


# ---- certificates the builders refuse to make ----------------------------------------------


def with_serial(issued: Issued, serial: int, issuer: Issued | None = None) -> bytes:
    """`issued` re-encoded with any serial, zero and negative included, and signed again.

    CertificateBuilder insists on a positive serial; certificates in the wild do not. The TBS
    is edited in DER and signed with the issuer's key (the subject's own when self-signed), so
    the result is a properly signed certificate.
    """
    tbs, algorithm, _ = _children(issued.der)
    fields = _children(tbs)
    index = 1 if fields[0][0] == 0xA0 else 0  # skip the [0] version
    fields[index] = _der_tlv(0x02, _der_integer_content(serial))
    new_tbs = _der_tlv(0x30, b"".join(fields))
    signature = _sign((issuer or issued).key, new_tbs)
    return _der_tlv(0x30, new_tbs + algorithm + _der_tlv(0x03, b"\x00" + signature))


def _der_integer_content(value: int) -> bytes:
    """The shortest two's-complement encoding of `value`, as DER requires."""
    length = 1
    while True:
        try:
            return value.to_bytes(length, "big", signed=True)
        except OverflowError:
            length += 1


def _sign(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return key.sign(data)
    raise TypeError(f"cannot sign with {type(key).__name__}")


def _children(element: bytes) -> list[bytes]:
    """The raw TLVs inside one constructed DER element (definite lengths only)."""
    content = _content(element)
    result = []
    while content:
        size = _tlv_size(content)
        result.append(content[:size])
        content = content[size:]
    return result


def _content(element: bytes) -> bytes:
    header = _header_size(element)
    return element[header : _tlv_size(element)]


def _header_size(element: bytes) -> int:
    first = element[1]
    return 2 if first < 0x80 else 2 + (first & 0x7F)


def _tlv_size(element: bytes) -> int:
    first = element[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    return 2 + count + int.from_bytes(element[2 : 2 + count], "big")


def _der_tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content
