"""Public and private keys: what kind, how big, their SPKI pin, and whether two belong together."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

from pinscope.core import der, oids


@dataclass(frozen=True)
class PublicKeyDetails:
    """The facts about a public key a reviewer reads; never key material."""

    type: str
    """"RSA", "EC", "Ed25519", "Ed448", "DSA", or the algorithm's name for others."""
    size: int | None
    """Key size in bits; None when the algorithm is one cryptography cannot load."""
    curve: str | None
    """The named curve for EC keys (cryptography's name, such as "secp256r1"); None otherwise."""
    spki_sha256: str
    """Base64 SHA-256 of the DER SubjectPublicKeyInfo: the pin of this key."""


def spki_pin(spki_der: bytes) -> str:
    """The base64 SHA-256 of SubjectPublicKeyInfo bytes, as HPKP and every pinning library use."""
    return base64.b64encode(hashlib.sha256(spki_der).digest()).decode("ascii")


def spki_bytes(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def describe_public_key(key: PublicKeyTypes, spki_der: bytes | None = None) -> PublicKeyDetails:
    """Describe a loaded public key.

    Args:
        key: the key.
        spki_der: the SubjectPublicKeyInfo exactly as it was stored, when known; the pin is taken
            from these bytes rather than from a re-encoding.
    """
    pin = spki_pin(spki_der if spki_der is not None else spki_bytes(key))
    if isinstance(key, rsa.RSAPublicKey):
        return PublicKeyDetails("RSA", key.key_size, None, pin)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return PublicKeyDetails("EC", key.curve.key_size, key.curve.name, pin)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return PublicKeyDetails("Ed25519", 256, None, pin)
    if isinstance(key, ed448.Ed448PublicKey):
        return PublicKeyDetails("Ed448", 456, None, pin)
    if isinstance(key, x25519.X25519PublicKey):
        return PublicKeyDetails("X25519", 256, None, pin)
    if isinstance(key, x448.X448PublicKey):
        return PublicKeyDetails("X448", 448, None, pin)
    if isinstance(key, dsa.DSAPublicKey):
        return PublicKeyDetails("DSA", key.key_size, None, pin)
    return PublicKeyDetails(type(key).__name__, None, None, pin)


def describe_unloadable_spki(spki_der: bytes) -> PublicKeyDetails:
    """Describe a SubjectPublicKeyInfo whose algorithm cryptography cannot load (GOST, SM2...)."""
    try:
        algorithm = der.parse(spki_der).children()[0].children()[0].oid()
    except (der.DERError, IndexError):
        algorithm = "unknown"
    return PublicKeyDetails(
        oids.name_of(algorithm, oids.PUBLIC_KEY_ALGORITHMS), None, None, spki_pin(spki_der)
    )


def same_public_key(private_key: PrivateKeyTypes, public_key: PublicKeyTypes) -> bool:
    """True when `private_key` is the private half of `public_key`."""
    try:
        return spki_bytes(private_key.public_key()) == spki_bytes(public_key)
    except (ValueError, TypeError):
        return False
