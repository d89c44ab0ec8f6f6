"""Java keystores: JKS and JCEKS (Sun), BKS and UBER (Bouncy Castle), read through pyjks.

Java's PKCS#12 keystores are PKCS#12 files and are read by `pinscope.core.sources.pkcs12`.
"""

from __future__ import annotations

import logging
import struct
import warnings
from typing import Any

import jks
from jks import bks

from pinscope.core import der
from pinscope.core.certificate import Certificate, load_certificate
from pinscope.core.errors import DamagedInput, UnsupportedAlgorithm, WrongPassword
from pinscope.core.model import (
    Entry,
    EntryType,
    Finding,
    PrivateKeyDetails,
    SecretKeyDetails,
    Severity,
    Source,
)
from pinscope.core.sources.assemble import LoadedKey, key_matches, key_mismatch_finding
from pinscope.core.sources.keyfiles import describe_public_key_der, load_private_key_der
from pinscope.core.sources.passwords import Passwords

logger = logging.getLogger(__name__)

# javaobj (under pyjks, for JCEKS secret keys) logs a state dump at ERROR level for every damaged
# object it meets; Pinscope reports the damage itself, so that dump would only be noise.
logging.getLogger("javaobj").setLevel(logging.CRITICAL)

JKS_MAGIC = b"\xfe\xed\xfe\xed"
JCEKS_MAGIC = b"\xce\xce\xce\xce"

_KEY_PROTECTION = {
    "jks": "JKS key protection (SHA-1 keystream, Sun proprietary)",
    "jceks": "PBEWithMD5AndTripleDES (Sun JCE)",
    "bks": "pbeWithSHAAnd3-KeyTripleDES-CBC",
    "uber": "pbeWithSHAAnd3-KeyTripleDES-CBC",
}
_INTEGRITY = {
    "jks": "SHA-1 digest keyed with the store password",
    "jceks": "SHA-1 digest keyed with the store password",
    "bks": "HMAC-SHA1 keyed with the store password",
    "uber": "whole store encrypted with pbeWithSHAAndTwofish-CBC, SHA-1 checksum",
}

# Java's defaults are in the thousands (JCEKS: 200,000 in recent JDKs; BKS: 1,024).
MAX_KEY_ITERATIONS = 1_000_000

# pyjks (and javaobj beneath it) are third-party parsers: on malformed input they raise struct,
# index, unicode, runtime and even NameError. Everything they raise for bad bytes becomes
# DamagedInput here.
_PARSER_ERRORS = (
    jks.util.KeystoreException,
    struct.error,
    IndexError,
    ValueError,
    KeyError,
    TypeError,
    NameError,
    AttributeError,
    UnicodeError,
    OverflowError,
    EOFError,
    RuntimeError,  # javaobj, deserialising JCEKS sealed objects
    OSError,
)


def load_java_keystore(data: bytes, name: str, passwords: Passwords) -> Source:
    """Read a JKS or JCEKS keystore.

    Without a password the certificates can still be read (keytool does the same), but the
    store's integrity cannot be checked and keys cannot be decrypted; a store holding keys
    therefore asks for its password.
    """
    store_type = "jks" if data[:4] == JKS_MAGIC else "jceks"
    label = f"this {store_type.upper()} keystore"
    findings: list[Finding] = []

    store = _parse_java(data, passwords.known())
    if passwords.known() is None:
        if store.private_keys or store.secret_keys:
            store = _parse_java(data, passwords.require(label))
        else:
            findings.append(_integrity_not_checked(label))

    entries: list[Entry] = []
    for alias, entry in store.entries.items():
        entries.append(_java_entry(alias, entry, store_type, passwords, findings))
    protection: dict[str, object] = {
        "integrity": _INTEGRITY[store_type] if passwords.known() is not None else "not checked",
        "keys": _KEY_PROTECTION[store_type],
    }
    return Source(name, "file", store_type, tuple(entries), tuple(findings), protection)


def load_bouncy_castle(data: bytes, name: str, passwords: Passwords) -> Source:
    """Read a BKS (v1 or v2) or UBER keystore; both need the store password."""
    _check_store_iterations(data)
    password = passwords.require("this BKS or UBER keystore")
    store_type = "bks"
    try:
        store = bks.BksKeyStore.loads(data, password, try_decrypt_keys=False)
    except jks.util.KeystoreSignatureException as error:
        raise WrongPassword() from error
    except _PARSER_ERRORS as bks_error:
        problem = _parser_problem(bks_error)
        if data[:4] != b"\x00\x00\x00\x01":  # UBER exists only as version 1
            raise DamagedInput(f"the BKS keystore is damaged: {problem}") from bks_error
        store_type = "uber"
        try:
            store = _load_uber(data, password)
        except (jks.util.KeystoreSignatureException, jks.util.DecryptionFailureException) as error:
            raise WrongPassword() from error
        except _PARSER_ERRORS as error:
            raise DamagedInput(f"the BKS/UBER keystore is damaged: {problem}") from error

    findings: list[Finding] = []
    entries = [
        _bks_entry(alias, entry, store_type, passwords, findings)
        for alias, entry in store.entries.items()
    ]
    protection: dict[str, object] = {
        "integrity": _INTEGRITY[store_type],
        "keys": _KEY_PROTECTION[store_type],
        "version": getattr(store, "version", None),
    }
    return Source(name, "file", store_type, tuple(entries), tuple(findings), protection)


def _parser_problem(error: BaseException) -> str:
    """Say what pyjks tripped over without its internals ("unpack_from requires a buffer...")."""
    cause = error.args[0] if error.args else None  # pyjks wraps struct.error in its own
    if isinstance(error, struct.error | EOFError | IndexError) or isinstance(cause, struct.error):
        return "it ends early (the file is truncated)"
    if isinstance(cause, str) and ("found 0 bytes" in cause or "multiple of" in cause):
        return "it ends early or has bytes missing (the file is truncated)"
    if isinstance(error, jks.util.DuplicateAliasException):
        return "two entries have the same alias"
    if isinstance(error, jks.util.UnsupportedKeystoreVersionException):
        return "its version is not one Java writes"
    return "its entries do not have the structure a keystore's entries have"


def _load_uber(data: bytes, password: str) -> Any:
    """UBER needs Twofish from the `twofish` package, which imports the `imp` module: deprecated
    on Python 3.11 and gone from 3.12."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", ResourceWarning)  # it leaves its library file open
            return bks.UberKeyStore.loads(data, password, try_decrypt_keys=False)
    except ImportError as error:
        raise UnsupportedAlgorithm(
            "this looks like an UBER keystore, which is encrypted with Twofish; the twofish "
            "package Pinscope uses for it does not load on this Python"
        ) from error


def _check_store_iterations(data: bytes) -> None:
    """BKS and UBER headers: version, salt, iteration count. pyjks would run any count."""
    try:
        (salt_length,) = struct.unpack_from(">I", data, 4)
        (iterations,) = struct.unpack_from(">I", data, 8 + salt_length)
    except struct.error as error:
        raise DamagedInput(
            "the BKS/UBER keystore is truncated: its header is incomplete"
        ) from error
    _check_iterations(iterations, "the keystore")


def _check_iterations(iterations: int, what: str) -> None:
    if not 0 < iterations <= MAX_KEY_ITERATIONS:
        raise DamagedInput(
            f"{what} claims {iterations} key derivation rounds; real keystores use at most a few "
            "hundred thousand, so the file is damaged or hostile"
        )


def _entry_iterations(entry: Any) -> int | None:
    """The key derivation rounds protecting an encrypted entry, read before pyjks runs them."""
    encrypted = getattr(entry, "_encrypted", None)
    try:
        if isinstance(entry, jks.PrivateKeyEntry) and isinstance(encrypted, bytes):
            algorithm = der.parse(encrypted).children()[0].children()
            if len(algorithm) > 1 and algorithm[1].is_universal(der.SEQUENCE):
                return algorithm[1].children()[1].integer()
            return None  # JKS's own key protection has no rounds
        if isinstance(entry, jks.SecretKeyEntry) and encrypted is not None:
            params = bytes(b & 0xFF for b in encrypted.encodedParams)
            return der.parse(params).children()[1].integer()
        if isinstance(entry, bks.BksSealedKeyEntry) and isinstance(encrypted, bytes):
            (salt_length,) = struct.unpack_from(">I", encrypted, 0)
            return int(struct.unpack_from(">I", encrypted, 4 + salt_length)[0])
    except (der.DERError, IndexError, AttributeError, TypeError, struct.error):
        return None
    return None


def _parse_java(data: bytes, password: str | None) -> Any:
    try:
        # Keys are decrypted afterwards, one by one, once their round counts are checked.
        return jks.KeyStore.loads(data, password, try_decrypt_keys=False)
    except jks.util.KeystoreSignatureException as error:
        raise WrongPassword() from error
    except _PARSER_ERRORS as error:
        raise DamagedInput(f"the keystore is damaged: {_parser_problem(error)}") from error


def _integrity_not_checked(label: str) -> Finding:
    return Finding(
        code="source.integrity-not-checked",
        severity=Severity.INFO,
        title="Keystore read without its password",
        detail=f"No password was given, so {label} was read without checking that it is "
        "unmodified. Its certificates are shown as stored.",
        remedy="Give the store password to check the keystore's integrity.",
    )


def _java_entry(
    alias: str, entry: Any, store_type: str, passwords: Passwords, findings: list[Finding]
) -> Entry:
    if isinstance(entry, jks.TrustedCertEntry):
        return Entry(alias, EntryType.TRUSTED_CERTIFICATE, (_certificate(entry.cert, alias),))
    if isinstance(entry, jks.PrivateKeyEntry):
        chain = [_certificate(cert_der, alias) for _, cert_der in entry.cert_chain]
        return _key_entry(alias, entry, chain, store_type, passwords, findings)
    if isinstance(entry, jks.SecretKeyEntry):
        if not _decrypt_entry(entry, passwords):
            findings.append(_key_not_decrypted(alias, passwords))
            return Entry(alias, EntryType.SECRET_KEY, secret_key=SecretKeyDetails("unknown", None))
        return Entry(
            alias,
            EntryType.SECRET_KEY,
            secret_key=SecretKeyDetails(str(entry.algorithm), int(entry.key_size)),
        )
    raise DamagedInput(f"the keystore entry {alias!r} has an unknown type")


def _bks_entry(
    alias: str, entry: Any, store_type: str, passwords: Passwords, findings: list[Finding]
) -> Entry:
    chain = [_certificate(item.cert, alias) for item in entry.cert_chain or ()]
    if isinstance(entry, bks.BksTrustedCertEntry):
        return Entry(alias, EntryType.TRUSTED_CERTIFICATE, (_certificate(entry.cert, alias),))
    if isinstance(entry, bks.BksSecretKeyEntry):
        return Entry(
            alias, EntryType.SECRET_KEY, secret_key=SecretKeyDetails("opaque secret", None)
        )
    if not _decrypt_entry(entry, passwords):
        findings.append(_key_not_decrypted(alias, passwords))
        return Entry(
            alias,
            EntryType.PRIVATE_KEY,
            tuple(chain),
            private_key=PrivateKeyDetails(None, store_type, _KEY_PROTECTION[store_type]),
        )

    key_type = entry.type
    if key_type == bks.KEY_TYPE_PRIVATE:
        return _key_entry(alias, entry, chain, store_type, passwords, findings)
    if key_type == bks.KEY_TYPE_SECRET:
        size = len(entry.key) * 8 if getattr(entry, "key", None) else None
        return Entry(
            alias, EntryType.SECRET_KEY, secret_key=SecretKeyDetails(str(entry.algorithm), size)
        )
    return Entry(
        alias,
        EntryType.PUBLIC_KEY,
        tuple(chain),
        public_key=describe_public_key_der(entry.encoded, f"the public key {alias!r}"),
    )


def _key_entry(
    alias: str,
    entry: Any,
    chain: list[Certificate],
    store_type: str,
    passwords: Passwords,
    findings: list[Finding],
) -> Entry:
    protection = _KEY_PROTECTION[store_type]
    if not _decrypt_entry(entry, passwords):
        findings.append(_key_not_decrypted(alias, passwords))
        details = PrivateKeyDetails(None, store_type, protection, None)
        return Entry(alias, EntryType.PRIVATE_KEY, tuple(chain), private_key=details)

    key = load_private_key_der(entry.pkey_pkcs8, f"the private key {alias!r}")
    loaded = LoadedKey(key, store_type, protection, alias)
    matches = key_matches(key, chain[0]) if chain else None
    if matches is False:
        findings.append(key_mismatch_finding(chain[0], alias))
    return Entry(alias, EntryType.PRIVATE_KEY, tuple(chain), private_key=loaded.details(matches))


def _decrypt_entry(entry: Any, passwords: Passwords) -> bool:
    """Decrypt a key entry: with the key password, the store password, then by asking a person.

    False when none opens it; the caller reports that entry and shows the rest of the store.
    """
    if entry.is_decrypted():
        return True
    iterations = _entry_iterations(entry)
    if iterations is not None:
        _check_iterations(iterations, f"the key entry {entry.alias!r}")
    if any(_try_decrypt(entry, candidate) for candidate in passwords.key_candidates(entry.alias)):
        return True
    answer = passwords.ask(f"the key of alias {entry.alias!r}")
    return answer is not None and _try_decrypt(entry, answer)


def _try_decrypt(entry: Any, password: str) -> bool:
    try:
        entry.decrypt(password)
    except (jks.util.DecryptionFailureException, ValueError):
        return False
    except _PARSER_ERRORS as error:
        raise DamagedInput(f"the key entry {entry.alias!r} is damaged ({error})") from error
    return True


def _key_not_decrypted(alias: str, passwords: Passwords) -> Finding:
    wrong = passwords.key_password is not None or alias in passwords.alias_passwords
    title = "wrong password for" if wrong else "no password for"
    return Finding(
        code="source.key-not-decrypted",
        severity=Severity.INFO,
        title=f"The key of \u201c{alias}\u201d was not opened: {title} it",
        detail=f"The private key under alias \u201c{alias}\u201d is protected by a password other "
        "than the ones given, so it was not decrypted and could not be checked against its "
        "certificate. Its certificates are shown.",
        remedy="Give the key's own password (--key-password on the command line) to check the "
        "key too.",
    )


def _certificate(data: bytes, alias: str) -> Certificate:
    return load_certificate(bytes(data), f"the certificate under alias {alias!r}")
