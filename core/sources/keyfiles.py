"""Private keys, public keys and CSRs: decoding, decrypting and describing them.

Shared by the PEM, DER, PKCS#12 and keystore loaders, so every key error reads the same.
"""

from __future__ import annotations

import hashlib
import re

from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from pinscope.core import der, oids
from pinscope.core.certificate import parse_problem
from pinscope.core.errors import DamagedInput, UnsupportedAlgorithm, WrongPassword
from pinscope.core.extensions import SubjectAltNames, subject_alt_names
from pinscope.core.keys import PublicKeyDetails, describe_public_key, describe_unloadable_spki
from pinscope.core.model import CSRDetails
from pinscope.core.sources import pbe
from pinscope.core.sources.assemble import LoadedKey
from pinscope.core.sources.passwords import Passwords


def load_private_key_der(data: bytes, what: str) -> PrivateKeyTypes:
    """Load an unencrypted PKCS#8 or traditional (RSA, EC, DSA) private key from DER.

    Raises:
        UnsupportedAlgorithm: the key type is one cryptography cannot load.
        DamagedInput: the bytes are not a private key.
    """
    try:
        return serialization.load_der_private_key(data, password=None)
    except crypto_exceptions.UnsupportedAlgorithm as error:
        raise UnsupportedAlgorithm(f"{what} uses a key type Pinscope cannot read") from error
    except (ValueError, TypeError) as error:
        raise DamagedInput(f"{what} is damaged or is not a private key") from error


def load_encrypted_pkcs8(data: bytes, passwords: Passwords, what: str) -> LoadedKey:
    """Decrypt an EncryptedPrivateKeyInfo (PKCS#8 with PBES1 or PBES2).

    Raises:
        PasswordRequired, WrongPassword, UnsupportedAlgorithm, DamagedInput.
    """
    try:
        parts = der.parse_exact(data).children()
        algorithm, ciphertext = parts[0], parts[1].octets()
    except (der.DERError, IndexError) as error:
        raise DamagedInput(f"{what} is damaged: {error}") from error

    protection = pbe.describe(algorithm)
    password = passwords.require(what)
    try:
        plain = pbe.decrypt(algorithm, ciphertext, password)
        der.parse_exact(plain)
    except (pbe.DecryptionFailed, der.DERError) as error:
        raise WrongPassword() from error
    key = load_private_key_der(plain, what)
    return LoadedKey(key, "pkcs8-encrypted", protection)


def encrypted_pkcs8_protection(data: bytes) -> str:
    """The scheme of an EncryptedPrivateKeyInfo, for when it cannot be decrypted."""
    try:
        return pbe.describe(der.parse_exact(data).children()[0])
    except (der.DERError, IndexError):
        return "an unreadable encryption scheme"


_DEK_INFO = re.compile(r"^\s*([A-Za-z0-9-]+)\s*,")


def load_traditional_encrypted(
    pem_block: bytes, headers: dict[str, str], passwords: Passwords, what: str
) -> LoadedKey:
    """Decrypt an OpenSSL "traditional" encrypted key (Proc-Type: 4,ENCRYPTED with DEK-Info).

    Raises:
        PasswordRequired, WrongPassword, UnsupportedAlgorithm, DamagedInput.
    """
    match = _DEK_INFO.match(headers.get("DEK-Info", ""))
    cipher = match.group(1).upper() if match else "an unnamed cipher"
    iv = headers.get("DEK-Info", "").partition(",")[2].strip()
    # cryptography panics (an uncatchable-looking BaseException) on a short IV; check it first.
    expected = 32 if cipher.startswith("AES") else 16
    if len(iv) != expected or any(c not in "0123456789abcdefABCDEF" for c in iv):
        raise DamagedInput(
            f"{what} has a damaged DEK-Info header: its IV is not {expected} hex digits"
        )
    protection = f"{cipher}, OpenSSL traditional encryption (MD5-based key derivation)"
    password = passwords.require(what)
    try:
        key = serialization.load_pem_private_key(pem_block, password=password.encode("utf-8"))
    except crypto_exceptions.UnsupportedAlgorithm as error:
        raise UnsupportedAlgorithm(
            f"{what} is encrypted with {cipher}, which Pinscope cannot decrypt"
        ) from error
    except (ValueError, TypeError) as error:
        raise WrongPassword() from error
    return LoadedKey(key, "traditional-encrypted", protection)


def describe_public_key_der(data: bytes, what: str) -> PublicKeyDetails:
    """Describe a SubjectPublicKeyInfo (or PKCS#1 RSAPublicKey) in DER; the pin hashes `data`.

    Raises:
        UnsupportedAlgorithm, DamagedInput.
    """
    try:
        key = serialization.load_der_public_key(data)
    except crypto_exceptions.UnsupportedAlgorithm as error:
        raise UnsupportedAlgorithm(f"{what} uses a key type Pinscope cannot read") from error
    except (ValueError, TypeError) as error:
        raise DamagedInput(f"{what} is damaged or is not a public key") from error
    spki = data if _is_spki(data) else None
    return describe_public_key(key, spki)


def _is_spki(data: bytes) -> bool:
    try:
        return der.parse_exact(data).children()[0].is_universal(der.SEQUENCE)
    except (der.DERError, IndexError):
        return False


def _csr_signature_valid(csr: x509.CertificateSigningRequest) -> bool:
    """False when the signature is wrong or cannot be checked (an algorithm cryptography lacks)."""
    try:
        return csr.is_signature_valid
    except (crypto_exceptions.UnsupportedAlgorithm, ValueError):
        return False


def describe_csr(data: bytes, what: str = "the certificate request") -> CSRDetails:
    """Decode a PKCS#10 request from DER.

    Raises:
        UnsupportedAlgorithm, DamagedInput.
    """
    try:
        csr = x509.load_der_x509_csr(data)
        subject = csr.subject.rfc4514_string()
        signature_oid = csr.signature_algorithm_oid.dotted_string
        signature_valid = _csr_signature_valid(csr)
    except x509.InvalidVersion as error:
        raise DamagedInput(
            f"{what} has a version ({error.parsed_version}) that does not exist"
        ) from error
    except (ValueError, TypeError) as error:
        raise DamagedInput(f"{what} is damaged: {parse_problem(error)}") from error

    try:
        spki = der.parse_exact(data).children()[0].children()[2].raw
    except (der.DERError, IndexError) as error:
        raise DamagedInput(f"{what} is damaged: {error}") from error
    try:
        public_key = describe_public_key(csr.public_key(), spki)
    except (crypto_exceptions.UnsupportedAlgorithm, ValueError):
        public_key = describe_unloadable_spki(spki)  # GOST, SM2...: still named and pinned

    try:
        extension = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        san = subject_alt_names(extension.value)
    except (x509.ExtensionNotFound, ValueError):
        san = SubjectAltNames()

    return CSRDetails(
        subject=subject,
        public_key=public_key,
        signature_algorithm=oids.name_of(signature_oid, oids.SIGNATURE_ALGORITHMS),
        signature_valid=signature_valid,
        san=san,
        sha256=hashlib.sha256(data).hexdigest(),
    )
