"""Password-based encryption as PKCS#5 and PKCS#12 define it: decrypt, and describe the scheme.

PKCS#12 files and encrypted PKCS#8 keys name their scheme with an AlgorithmIdentifier. This
module turns one into readable text for the reviewer ("PBES2, PBKDF2-HMAC-SHA256, 2048
iterations, AES-256-CBC") and decrypts with it. Modern schemes use cryptography; the legacy
ciphers PKCS#12 still carries (RC2-40, RC4, single DES) come from pycryptodomex, which pyjks
already needs.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import Camellia
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from pinscope.core import der
from pinscope.core.errors import DamagedInput, UnsupportedAlgorithm

PBES2 = "1.2.840.113549.1.5.13"
PBKDF2 = "1.2.840.113549.1.5.12"
PBMAC1 = "1.2.840.113549.1.5.14"
SCRYPT = "1.3.6.1.4.1.11591.4.11"

# PKCS#12 appendix B key derivation "purpose" bytes.
KDF_KEY = 1
KDF_IV = 2
KDF_MAC = 3

# Iteration counts beyond these are a denial of service, not a real file: OpenSSL writes 2,048,
# Java 10,000, and password guidance tops out near 600,000 for PBKDF2 (which runs in C). The
# PKCS#12 derivation runs in Python, about a second per million rounds.
MAX_ITERATIONS = 5_000_000
MAX_PKCS12_KDF_ITERATIONS = 1_000_000


@dataclass(frozen=True)
class _PKCS12Scheme:
    name: str
    cipher: str
    key_length: int


_PKCS12_SCHEMES = {
    "1.2.840.113549.1.12.1.1": _PKCS12Scheme("pbeWithSHAAnd128BitRC4", "rc4", 16),
    "1.2.840.113549.1.12.1.2": _PKCS12Scheme("pbeWithSHAAnd40BitRC4", "rc4", 5),
    "1.2.840.113549.1.12.1.3": _PKCS12Scheme("pbeWithSHAAnd3-KeyTripleDES-CBC", "3des", 24),
    "1.2.840.113549.1.12.1.4": _PKCS12Scheme("pbeWithSHAAnd2-KeyTripleDES-CBC", "3des", 16),
    "1.2.840.113549.1.12.1.5": _PKCS12Scheme("pbeWithSHAAnd128BitRC2-CBC", "rc2", 16),
    "1.2.840.113549.1.12.1.6": _PKCS12Scheme("pbeWithSHAAnd40BitRC2-CBC", "rc2", 5),
}

# PKCS#5 v1.5 PBES1: PBKDF1 with MD5 or SHA-1 and single DES or RC2-64.
_PBES1_SCHEMES = {
    "1.2.840.113549.1.5.3": ("pbeWithMD5AndDES-CBC", "md5", "des"),
    "1.2.840.113549.1.5.6": ("pbeWithMD5AndRC2-CBC", "md5", "rc2"),
    "1.2.840.113549.1.5.10": ("pbeWithSHA1AndDES-CBC", "sha1", "des"),
    "1.2.840.113549.1.5.11": ("pbeWithSHA1AndRC2-CBC", "sha1", "rc2"),
}

PRF_HASHES = {
    "1.2.840.113549.2.7": "sha1",
    "1.2.840.113549.2.8": "sha224",
    "1.2.840.113549.2.9": "sha256",
    "1.2.840.113549.2.10": "sha384",
    "1.2.840.113549.2.11": "sha512",
    "1.2.840.113549.2.12": "sha512_224",
    "1.2.840.113549.2.13": "sha512_256",
}

# PBES2 encryption schemes: OID -> (readable name, cipher, key length in bytes).
_PBES2_CIPHERS = {
    "2.16.840.1.101.3.4.1.2": ("AES-128-CBC", "aes", 16),
    "2.16.840.1.101.3.4.1.22": ("AES-192-CBC", "aes", 24),
    "2.16.840.1.101.3.4.1.42": ("AES-256-CBC", "aes", 32),
    "1.2.840.113549.3.7": ("DES-EDE3-CBC", "3des", 24),
    "1.3.14.3.2.7": ("DES-CBC", "des", 8),
    "1.2.392.200011.61.1.1.1.2": ("Camellia-128-CBC", "camellia", 16),
    "1.2.392.200011.61.1.1.1.3": ("Camellia-192-CBC", "camellia", 24),
    "1.2.392.200011.61.1.1.1.4": ("Camellia-256-CBC", "camellia", 32),
}

# Names for schemes Pinscope recognises but cannot decrypt, so the error can name them.
_KNOWN_UNSUPPORTED = {
    "1.2.410.200046.1.1.2": "ARIA-128-CBC",
    "1.2.410.200046.1.1.7": "ARIA-192-CBC",
    "1.2.410.200046.1.1.12": "ARIA-256-CBC",
    "1.2.840.113549.3.2": "RC2-CBC",
    "1.2.156.10197.1.104.2": "SM4-CBC",
    "1.2.643.7.1.1.5.1.1": "GOST R 34.12-2015 Magma",
    "1.2.643.7.1.1.5.2.1": "GOST R 34.12-2015 Kuznyechik",
}

HASH_NAMES = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "1.2.840.113549.2.5": "md5",
}


class DecryptionFailed(Exception):
    """The ciphertext did not decrypt to valid padding: almost always a wrong password."""


def unsupported_name(oid: str) -> str:
    """A name for an algorithm Pinscope does not implement, with its OID."""
    name = _KNOWN_UNSUPPORTED.get(oid)
    return f"{name} ({oid})" if name else f"the algorithm with OID {oid}"


def bmp_password(password: str | None) -> bytes:
    """A password as PKCS#12 feeds it to its KDF: UTF-16BE with a two-byte terminator.

    An absent password is the empty string of bytes, which is not the same as an empty password;
    OpenSSL tries both, and so does Pinscope.
    """
    if password is None:
        return b""
    return password.encode("utf-16-be") + b"\x00\x00"


def pkcs12_kdf(
    hash_name: str, password: bytes, salt: bytes, purpose: int, iterations: int, length: int
) -> bytes:
    """The key derivation of RFC 7292 appendix B.2."""
    digest = hashlib.new(hash_name)
    u, v = digest.digest_size, digest.block_size
    diversifier = bytes([purpose]) * v

    def stretch(data: bytes) -> bytes:
        if not data:
            return b""
        total = v * -(-len(data) // v)
        return (data * (total // len(data) + 1))[:total]

    block = bytearray(stretch(salt) + stretch(password))
    output = b""
    while len(output) < length:
        a = hashlib.new(hash_name, diversifier + bytes(block)).digest()
        for _ in range(iterations - 1):
            a = hashlib.new(hash_name, a).digest()
        output += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        for start in range(0, len(block), v):
            chunk = int.from_bytes(block[start : start + v], "big")
            block[start : start + v] = ((chunk + b + 1) % (1 << (8 * v))).to_bytes(v, "big")
    return output[:length]


def describe(algorithm: der.Element) -> str:
    """Readable text for a PBE AlgorithmIdentifier; never raises."""
    try:
        return _describe(algorithm)
    except (der.DERError, IndexError, ValueError):
        return "an unreadable encryption scheme"


def _describe(algorithm: der.Element) -> str:
    parts = algorithm.children()
    oid = parts[0].oid()
    if oid in _PKCS12_SCHEMES:
        iterations = parts[1].children()[1].integer()
        return f"{_PKCS12_SCHEMES[oid].name}, {iterations} iterations"
    if oid in _PBES1_SCHEMES:
        iterations = parts[1].children()[1].integer()
        return f"{_PBES1_SCHEMES[oid][0]}, {iterations} iterations"
    if oid == PBES2:
        kdf, scheme = parts[1].children()
        cipher_oid = scheme.children()[0].oid()
        cipher = _PBES2_CIPHERS.get(cipher_oid, (unsupported_name(cipher_oid),))[0]
        return f"PBES2, {describe_kdf(kdf)}, {cipher}"
    return unsupported_name(oid)


def describe_kdf(kdf: der.Element) -> str:
    """Readable text for a PBKDF2 or scrypt AlgorithmIdentifier."""
    kdf_parts = kdf.children()
    kdf_oid = kdf_parts[0].oid()
    if kdf_oid == PBKDF2:
        params = kdf_parts[1].children()
        prf = "sha1"
        for extra in params[2:]:
            if extra.is_universal(der.SEQUENCE):
                prf = PRF_HASHES.get(extra.children()[0].oid(), extra.children()[0].oid())
        return f"PBKDF2-HMAC-{prf.upper()}, {params[1].integer()} iterations"
    if kdf_oid == SCRYPT:
        params = kdf_parts[1].children()
        return f"scrypt (N={params[1].integer()}, r={params[2].integer()})"
    return unsupported_name(kdf_oid)


def decrypt(algorithm: der.Element, ciphertext: bytes, password: str | None) -> bytes:
    """Decrypt `ciphertext` protected with the scheme `algorithm` names.

    Raises:
        UnsupportedAlgorithm: the scheme is one Pinscope cannot decrypt; the message names it.
        DecryptionFailed: the padding was wrong, which means a wrong password.
        DamagedInput: the parameters are malformed.
    """
    try:
        parts = algorithm.children()
        oid = parts[0].oid()
        params = parts[1] if len(parts) > 1 else None
        if oid in _PKCS12_SCHEMES:
            return _decrypt_pkcs12(_PKCS12_SCHEMES[oid], _require(params), ciphertext, password)
        if oid in _PBES1_SCHEMES:
            return _decrypt_pbes1(oid, _require(params), ciphertext, password)
        if oid == PBES2:
            return _decrypt_pbes2(_require(params), ciphertext, password)
    except (der.DERError, IndexError) as error:
        raise DamagedInput(f"the encryption parameters are malformed: {error}") from error
    raise UnsupportedAlgorithm(
        f"encrypted with {unsupported_name(oid)}, which Pinscope cannot decrypt"
    )


def _require(params: der.Element | None) -> der.Element:
    if params is None:
        raise der.DERError("encryption parameters are missing")
    return params


def _iterations(element: der.Element, limit: int = MAX_ITERATIONS) -> int:
    count = element.integer()
    if not 0 < count <= limit:
        raise der.DERError(f"implausible iteration count {count}")
    return count


def _decrypt_pkcs12(
    scheme: _PKCS12Scheme, params: der.Element, ciphertext: bytes, password: str | None
) -> bytes:
    salt_element, count_element = params.children()[:2]
    salt, iterations = salt_element.octets(), _iterations(count_element, MAX_PKCS12_KDF_ITERATIONS)
    secret = bmp_password(password)
    key = pkcs12_kdf("sha1", secret, salt, KDF_KEY, iterations, scheme.key_length)
    if scheme.cipher == "rc4":
        return _legacy_cipher("rc4", key, b"", ciphertext)
    iv = pkcs12_kdf("sha1", secret, salt, KDF_IV, iterations, 8)
    if scheme.cipher == "3des" and len(key) == 16:
        key = key + key[:8]
    return _unpad(_legacy_cipher(scheme.cipher, key, iv, ciphertext), 8)


def _decrypt_pbes1(oid: str, params: der.Element, ciphertext: bytes, password: str | None) -> bytes:
    _, hash_name, cipher = _PBES1_SCHEMES[oid]
    salt_element, count_element = params.children()[:2]
    derived = (password or "").encode("utf-8") + salt_element.octets()
    for _ in range(_iterations(count_element)):
        derived = hashlib.new(hash_name, derived).digest()
    return _unpad(_legacy_cipher(cipher, derived[:8], derived[8:16], ciphertext), 8)


def _decrypt_pbes2(params: der.Element, ciphertext: bytes, password: str | None) -> bytes:
    kdf, scheme = params.children()[:2]
    cipher_oid = scheme.children()[0].oid()
    if cipher_oid not in _PBES2_CIPHERS:
        name = unsupported_name(cipher_oid)
        raise UnsupportedAlgorithm(
            f"encrypted with PBES2 and {name}, which Pinscope cannot decrypt"
        )
    _, cipher, key_length = _PBES2_CIPHERS[cipher_oid]
    iv = scheme.children()[1].octets()
    key = derive_pbes2_key(kdf, (password or "").encode("utf-8"), key_length)
    if cipher in ("aes", "camellia"):
        block_cipher = algorithms.AES(key) if cipher == "aes" else Camellia(key)
        if len(ciphertext) % 16:
            raise DecryptionFailed("ciphertext is not a whole number of blocks")
        decryptor = Cipher(block_cipher, modes.CBC(iv)).decryptor()
        return _unpad(decryptor.update(ciphertext) + decryptor.finalize(), 16)
    return _unpad(_legacy_cipher(cipher, key, iv, ciphertext), 8)


def derive_pbes2_key(kdf: der.Element, password: bytes, key_length: int) -> bytes:
    """Run the KDF of a PBES2 or PBMAC1 parameter block (PBKDF2 or scrypt).

    Raises:
        der.DERError: the parameters are malformed or name a key length other than `key_length`.
        UnsupportedAlgorithm: the KDF or its PRF is one Pinscope does not implement.
    """
    kdf_parts = kdf.children()
    kdf_oid = kdf_parts[0].oid()
    params = kdf_parts[1].children()
    salt = params[0].octets()
    if kdf_oid == SCRYPT:
        n, r, p = params[1].integer(), params[2].integer(), params[3].integer()
        if n > 1 << 20 or r > 32 or p > 16:
            raise UnsupportedAlgorithm(f"scrypt parameters N={n}, r={r}, p={p} are too costly")
        return Scrypt(salt=salt, length=key_length, n=n, r=r, p=p).derive(password)
    if kdf_oid != PBKDF2:
        raise UnsupportedAlgorithm(
            f"key derivation with {unsupported_name(kdf_oid)} is not supported"
        )

    iterations = _iterations(params[1])
    prf = "sha1"
    for extra in params[2:]:
        if extra.is_universal(der.INTEGER) and extra.integer() != key_length:
            raise der.DERError(
                f"the key length {extra.integer()} does not fit the cipher's {key_length} bytes"
            )
        elif extra.is_universal(der.SEQUENCE):
            prf_oid = extra.children()[0].oid()
            if prf_oid not in PRF_HASHES:
                raise UnsupportedAlgorithm(f"PBKDF2 with {unsupported_name(prf_oid)}")
            prf = PRF_HASHES[prf_oid]
    algorithm = _hash_algorithm(prf)
    return PBKDF2HMAC(algorithm, key_length, salt, iterations).derive(password)


def _hash_algorithm(name: str) -> hashes.HashAlgorithm:
    table: dict[str, Callable[[], hashes.HashAlgorithm]] = {
        "sha1": hashes.SHA1,
        "sha224": hashes.SHA224,
        "sha256": hashes.SHA256,
        "sha384": hashes.SHA384,
        "sha512": hashes.SHA512,
        "sha512_224": hashes.SHA512_224,
        "sha512_256": hashes.SHA512_256,
    }
    return table[name]()


def _legacy_cipher(cipher: str, key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    from Cryptodome.Cipher import ARC2, ARC4, DES, DES3

    if cipher == "rc4":
        return bytes(ARC4.new(key).decrypt(ciphertext))
    if len(ciphertext) % 8:
        raise DecryptionFailed("ciphertext is not a whole number of blocks")
    if cipher == "rc2":
        engine = ARC2.new(  # type: ignore[call-arg]  # the stub omits effective_keylen
            key, ARC2.MODE_CBC, iv=iv, effective_keylen=len(key) * 8
        )
    elif cipher == "des":
        engine = DES.new(key, DES.MODE_CBC, iv=iv)
    else:
        try:
            engine = DES3.new(key, DES3.MODE_CBC, iv=iv)
        except ValueError as error:  # the derived key degenerated to single DES
            raise DecryptionFailed(str(error)) from error
    return bytes(engine.decrypt(ciphertext))


def _unpad(data: bytes, block: int) -> bytes:
    if not data or len(data) % block:
        raise DecryptionFailed("ciphertext is not a whole number of blocks")
    pad = data[-1]
    if not 1 <= pad <= block or data[-pad:] != bytes([pad]) * pad:
        raise DecryptionFailed("bad padding")
    return data[:-pad]


def pkcs12_mac_matches(
    hash_name: str, password: bytes, salt: bytes, iterations: int, data: bytes, expected: bytes
) -> bool:
    """Check a PKCS#12 MacData HMAC with the appendix B key derivation."""
    size = hashlib.new(hash_name).digest_size
    key = pkcs12_kdf(hash_name, password, salt, KDF_MAC, iterations, size)
    return hmac.compare_digest(hmac.new(key, data, hash_name).digest(), expected)
