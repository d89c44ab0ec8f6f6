"""Make a backup key pair and its CSR, so a backup pin exists before its certificate does.

The key is written as PKCS#8 encrypted with the user's passphrase (never unencrypted unless they
ask for exactly that), with mode 0600, atomically and without replacing an existing file. The
CSR is PEM. The pin to ship now is the SHA-256 of the key's SubjectPublicKeyInfo, the same value
the CSR and the future certificate give (pin-formats.md §0.1, §17.6).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pinscope.core.files import write_new_file
from pinscope.core.keys import describe_public_key
from pinscope.core.pins.model import BACKUP, SPKIPin

__all__ = ["ALGORITHMS", "BackupKey", "new_backup_key", "parse_san"]

logger = logging.getLogger(__name__)

ALGORITHMS = ("ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096")
"""The key types every pinning platform can hash (TrustKit's list)."""

_PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class BackupKey:
    """What `new_backup_key` wrote, and the pin to ship now."""

    key_path: Path
    csr_path: Path
    pin: SPKIPin
    algorithm: str
    encrypted: bool


def new_backup_key(
    out_dir: str | Path,
    algorithm: str = "ec-p256",
    subject: str | None = None,
    sans: Sequence[str] = (),
    passphrase: str | None = None,
    encrypt: bool = True,
    now: dt.datetime | None = None,
) -> BackupKey:
    """Generate a backup key pair in `out_dir`: an encrypted key file, a CSR, and its pin.

    Args:
        out_dir: the folder to write into; created when missing.
        algorithm: one of ALGORITHMS.
        subject: the CSR's subject as an RFC 4514 string ("CN=api.example.com,O=Example");
            "CN=<first DNS SAN>" or "CN=Pinscope backup key" when None.
        sans: subjectAltName entries, "DNS:name" or "IP:address".
        passphrase: encrypts the key file; required unless `encrypt` is False.
        encrypt: False writes the key unencrypted, only when the user asked for that.
        now: names the files by date; the current time when None.

    Raises:
        ValueError: an unknown algorithm, a bad subject or SAN, or no passphrase.
        FileExistsError: a file of the same name is already there (nothing is replaced).
        OSError: the folder or files cannot be written.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(
            f"unknown algorithm {algorithm!r}; expected one of {', '.join(ALGORITHMS)}"
        )
    if encrypt and not passphrase:
        raise ValueError("a passphrase is needed to encrypt the backup key")
    names = [parse_san(san) for san in sans]
    name = _subject(subject, names)

    key = _generate(algorithm)
    csr = _csr(key, name, names)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    key_path = folder / f"backup-{algorithm}-{stamp}.key"
    csr_path = folder / f"backup-{algorithm}-{stamp}.csr"

    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if encrypt and passphrase
        else serialization.NoEncryption()
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    write_new_file(key_path, key_pem)
    try:
        write_new_file(csr_path, csr.public_bytes(serialization.Encoding.PEM), mode=0o644)
    except BaseException:
        key_path.unlink(missing_ok=True)
        raise
    logger.debug("wrote backup key %s and CSR %s", key_path, csr_path)

    details = describe_public_key(key.public_key())
    pin = SPKIPin(details.spki_sha256, f"backup key {key_path.name}", BACKUP, None, details)
    return BackupKey(key_path, csr_path, pin, algorithm, encrypted=encrypt)


def parse_san(text: str) -> x509.GeneralName:
    """`DNS:name` or `IP:address` (a bare name counts as DNS) as a subjectAltName entry."""
    kind, _, value = text.partition(":")
    if not value:
        kind, value = "DNS", text
    kind = kind.strip().upper()
    value = value.strip()
    if kind == "DNS" and value:
        return x509.DNSName(value.lower())
    if kind == "IP":
        try:
            return x509.IPAddress(ipaddress.ip_address(value))
        except ValueError as error:
            raise ValueError(f"{text!r} is not an IP address") from error
    raise ValueError(f"unsupported subjectAltName {text!r}; expected DNS:name or IP:address")


def _generate(algorithm: str) -> _PrivateKey:
    if algorithm == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=int(algorithm[4:]))


def _subject(subject: str | None, names: Sequence[x509.GeneralName]) -> x509.Name:
    if subject:
        try:
            return x509.Name.from_rfc4514_string(subject)
        except ValueError as error:
            raise ValueError(f"{subject!r} is not a subject such as CN=api.example.com") from error
    dns = [name.value for name in names if isinstance(name, x509.DNSName)]
    common_name = dns[0] if dns else "Pinscope backup key"
    return x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name)])


def _csr(
    key: _PrivateKey, name: x509.Name, names: Sequence[x509.GeneralName]
) -> x509.CertificateSigningRequest:
    builder = x509.CertificateSigningRequestBuilder().subject_name(name)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(key, hashes.SHA256())
