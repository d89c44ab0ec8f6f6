"""PKCS#12 (.p12, .pfx) files, including Java's PKCS#12 keystores and truststores.

cryptography's loader returns one key and drops the rest, and says nothing about how the file is
protected; a Java keystore holds several keys and a reviewer wants the MAC and ciphers named.
So the container is walked here (RFC 7292): the MAC is checked, every safe is decrypted, every
bag is listed, keys are paired with certificates by localKeyId or public key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from pinscope.core import der
from pinscope.core.certificate import Certificate, load_certificate
from pinscope.core.errors import DamagedInput, UnsupportedAlgorithm, WrongPassword
from pinscope.core.model import Entry, EntryType, Finding, SecretKeyDetails, Severity, Source
from pinscope.core.sources import pbe
from pinscope.core.sources.assemble import (
    LoadedKey,
    chain_alias,
    chain_from,
    damaged_item,
    group_chains,
    key_matches,
    key_mismatch_finding,
)
from pinscope.core.sources.keyfiles import load_private_key_der
from pinscope.core.sources.passwords import Passwords

logger = logging.getLogger(__name__)

DATA = "1.2.840.113549.1.7.1"
SIGNED_DATA = "1.2.840.113549.1.7.2"
ENVELOPED_DATA = "1.2.840.113549.1.7.3"
ENCRYPTED_DATA = "1.2.840.113549.1.7.6"

KEY_BAG = "1.2.840.113549.1.12.10.1.1"
SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
CERT_BAG = "1.2.840.113549.1.12.10.1.3"
CRL_BAG = "1.2.840.113549.1.12.10.1.4"
SECRET_BAG = "1.2.840.113549.1.12.10.1.5"
SAFE_CONTENTS_BAG = "1.2.840.113549.1.12.10.1.6"
X509_CERTIFICATE = "1.2.840.113549.1.9.22.1"

FRIENDLY_NAME = "1.2.840.113549.1.9.20"
LOCAL_KEY_ID = "1.2.840.113549.1.9.21"
JAVA_TRUSTED_KEY_USAGE = "2.16.840.1.113894.746875.1.1"

_SECRET_KEY_ALGORITHMS = {
    "2.16.840.1.101.3.4.1": "AES",
    "1.2.840.113549.3.7": "DESede",
    "1.3.14.3.2.7": "DES",
    "1.2.840.113549.2.7": "HmacSHA1",
    "1.2.840.113549.2.9": "HmacSHA256",
    "1.2.840.113549.2.10": "HmacSHA384",
    "1.2.840.113549.2.11": "HmacSHA512",
}

_MAX_NESTING = 8

# Says whether a password (None: no password at all) opens the file's MAC.
_PasswordCheck = Callable[[str | None], bool]


def looks_like_pkcs12(top: der.Element) -> bool:
    """A PFX: SEQUENCE { INTEGER 3, ContentInfo, ... }."""
    try:
        parts = top.children()
        return (
            len(parts) in (2, 3)
            and parts[0].is_universal(der.INTEGER)
            and parts[0].integer() == 3
            and parts[1].is_universal(der.SEQUENCE)
        )
    except der.DERError:
        return False


@dataclass
class _Bag:
    kind: str
    friendly_name: str | None
    local_key_id: bytes | None
    java_trusted: bool
    protection: str | None = None
    certificate: Certificate | None = None
    key: LoadedKey | None = None
    secret: SecretKeyDetails | None = None


@dataclass
class _Reader:
    passwords: Passwords
    password: str | None = None
    """The password proven by the MAC, or the one to try when there is no MAC."""
    certificate_protection: dict[str, None] = field(default_factory=dict)
    key_protection: dict[str, None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    bags: list[_Bag] = field(default_factory=list)


def load_pkcs12(data: bytes, name: str, passwords: Passwords) -> Source:
    """Read a PKCS#12 file.

    Raises:
        WrongPassword, PasswordRequired, UnsupportedAlgorithm, DamagedInput.
    """
    try:
        pfx = der.parse(data).children()
        auth_safe = pfx[1].children()
        content_type = auth_safe[0].oid()
        if content_type == SIGNED_DATA:
            raise UnsupportedAlgorithm(
                "this PKCS#12 file uses public-key integrity mode (signedData), "
                "which Pinscope does not read"
            )
        if content_type != DATA:
            raise DamagedInput(f"the PKCS#12 content has an unexpected type {content_type}")
        safe_bytes = auth_safe[1].children()[0].octets()
        reader = _Reader(passwords)
        mac = pfx[2] if len(pfx) > 2 else None
        mac_text = _check_mac(reader, mac, safe_bytes)
        for content_info in der.parse_exact(safe_bytes).children():
            _read_content_info(reader, content_info)
    except (der.DERError, IndexError, ValueError, OverflowError) as error:
        raise DamagedInput(f"the PKCS#12 structure is damaged: {error}") from error

    entries, findings = _entries(reader.bags)
    protection: dict[str, object] = {
        "mac": mac_text,
        "certificates": list(reader.certificate_protection) or ["none"],
        "keys": list(reader.key_protection) or ["none"],
    }
    return Source(
        name, "file", "pkcs12", tuple(entries), tuple(reader.findings + findings), protection
    )


def _check_mac(reader: _Reader, mac: der.Element | None, safe_bytes: bytes) -> str:
    """Verify the MAC with the right password and remember it; return the MAC's description."""
    if mac is None:
        reader.password = reader.passwords.known()
        reader.findings.append(
            Finding(
                code="source.no-integrity",
                severity=Severity.INFO,
                title="The PKCS#12 file has no MAC",
                detail="Nothing protects this file against modification: it carries no password "
                "MAC. Java writes truststores this way on purpose.",
                remedy="If the file should be protected, export it again with a password.",
            )
        )
        return "none"

    parts = mac.children()
    digest_info = parts[0].children()
    algorithm = digest_info[0].children()
    expected = digest_info[1].octets()
    salt = parts[1].octets()
    iterations = parts[2].integer() if len(parts) > 2 else 1
    algorithm_oid = algorithm[0].oid()

    if algorithm_oid == pbe.PBMAC1:
        check, text = _pbmac1(algorithm[1], safe_bytes, expected)
    else:
        hash_name = pbe.HASH_NAMES.get(algorithm_oid)
        if hash_name is None:
            raise UnsupportedAlgorithm(
                f"the PKCS#12 MAC uses {pbe.unsupported_name(algorithm_oid)}, "
                "which Pinscope cannot check"
            )
        if not 0 < iterations <= pbe.MAX_PKCS12_KDF_ITERATIONS:
            raise DamagedInput(f"the PKCS#12 MAC has an implausible iteration count {iterations}")

        def check(password: str | None) -> bool:
            secret = pbe.bmp_password(password)
            return pbe.pkcs12_mac_matches(hash_name, secret, salt, iterations, safe_bytes, expected)

        text = f"HMAC-{hash_name.upper()}, {iterations} iterations"

    reader.password = _find_password(reader.passwords, check)
    return text


def _find_password(passwords: Passwords, check: _PasswordCheck) -> str | None:
    if passwords.given:
        candidates: list[str | None] = [passwords.password]
        if passwords.password == "":
            candidates.append(None)
        for candidate in candidates:
            if check(candidate):
                return candidate
        raise WrongPassword()
    for candidate in (None, ""):
        if check(candidate):
            return candidate
    password = passwords.require("this PKCS#12 file")
    if check(password):
        return password
    raise WrongPassword()


def _pbmac1(params: der.Element, data: bytes, expected: bytes) -> tuple[_PasswordCheck, str]:
    """PBMAC1 (RFC 9579): PBKDF2 over the UTF-8 password, then HMAC."""
    kdf, scheme = params.children()[:2]
    prf_oid = scheme.children()[0].oid()
    prf = pbe.PRF_HASHES.get(prf_oid)
    if prf is None:
        name = pbe.unsupported_name(prf_oid)
        raise UnsupportedAlgorithm(f"the PKCS#12 MAC uses PBMAC1 with {name}")
    size = hashlib.new(prf).digest_size

    def check(password: str | None) -> bool:
        key = pbe.derive_pbes2_key(kdf, (password or "").encode("utf-8"), size)
        return hmac.compare_digest(hmac.new(key, data, prf).digest(), expected)

    return check, f"PBMAC1, {pbe.describe_kdf(kdf)}, HMAC-{prf.upper()}"


def _read_content_info(reader: _Reader, content_info: der.Element) -> None:
    parts = content_info.children()
    content_type = parts[0].oid()
    if content_type == DATA:
        safe = der.parse_exact(parts[1].children()[0].octets())
        _read_safe_contents(reader, safe, "none", 0)
        return
    if content_type == ENCRYPTED_DATA:
        encrypted = parts[1].children()[0].children()[1].children()
        algorithm = encrypted[1]
        ciphertext = encrypted[2].octets() if len(encrypted) > 2 else b""
        plaintext = _decrypt(reader, algorithm, ciphertext, "the certificates")
        _read_safe_contents(reader, der.parse_exact(plaintext), pbe.describe(algorithm), 0)
        return
    if content_type == ENVELOPED_DATA:
        raise UnsupportedAlgorithm(
            "part of this PKCS#12 file is encrypted to a recipient's public key (envelopedData), "
            "which Pinscope does not read"
        )
    raise DamagedInput(f"the PKCS#12 file holds content of unknown type {content_type}")


def _decrypt(reader: _Reader, algorithm: der.Element, ciphertext: bytes, what: str) -> bytes:
    candidates: list[str | None] = [reader.password]
    if reader.password is None:
        candidates.append("")
    for candidate in candidates:
        try:
            return pbe.decrypt(algorithm, ciphertext, candidate)
        except pbe.DecryptionFailed:
            continue
    if reader.passwords.known() is None and reader.password is None:
        reader.password = reader.passwords.require("this PKCS#12 file")
        try:
            return pbe.decrypt(algorithm, ciphertext, reader.password)
        except pbe.DecryptionFailed:
            pass
    logger.debug("%s could not be decrypted", what)
    raise WrongPassword()


def _read_safe_contents(reader: _Reader, safe: der.Element, scheme: str, depth: int) -> None:
    """Read the bags of one safe; `scheme` is how the safe itself is encrypted ("none")."""
    if depth > _MAX_NESTING:
        raise DamagedInput("the PKCS#12 bags are nested too deeply")
    for bag in safe.children():
        parts = bag.children()
        bag_id = parts[0].oid()
        value = parts[1].children()[0]
        attributes = _attributes(parts[2]) if len(parts) > 2 else {}
        if bag_id == SAFE_CONTENTS_BAG:
            _read_safe_contents(reader, value, scheme, depth + 1)
            continue
        record = _Bag(
            kind=bag_id,
            friendly_name=_friendly_name(attributes),
            local_key_id=attributes[LOCAL_KEY_ID][0].octets()
            if LOCAL_KEY_ID in attributes
            else None,
            java_trusted=JAVA_TRUSTED_KEY_USAGE in attributes,
            protection=scheme,
        )
        _read_bag(reader, record, value)
        reader.bags.append(record)


def _read_bag(reader: _Reader, record: _Bag, value: der.Element) -> None:
    if record.kind == CERT_BAG:
        cert_parts = value.children()
        if cert_parts[0].oid() != X509_CERTIFICATE:
            reader.findings.append(_skipped_bag(f"a certificate of type {cert_parts[0].oid()}"))
            return
        cert_der = cert_parts[1].children()[0].octets()
        try:
            record.certificate = load_certificate(cert_der, "a certificate in the PKCS#12 file")
        except DamagedInput as error:  # the other bags still show
            reader.findings.append(damaged_item(str(error)))
            return
        reader.certificate_protection[record.protection or "none"] = None
    elif record.kind == KEY_BAG:
        reader.key_protection[record.protection or "none"] = None
        safe_scheme = None if record.protection == "none" else record.protection
        record.key = _private_key(value.raw, "pkcs8", safe_scheme, record)
    elif record.kind == SHROUDED_KEY_BAG:
        record.protection = pbe.describe(value.children()[0])
        reader.key_protection[record.protection] = None
        plain = _decrypt_key(reader, value)
        record.key = _private_key(plain, "pkcs8-encrypted", record.protection, record)
    elif record.kind == SECRET_BAG:
        record.secret, scheme = _secret(reader, value)
        reader.key_protection[scheme or record.protection or "none"] = None
    else:
        kind = "a CRL" if record.kind == CRL_BAG else f"a bag of type {record.kind}"
        reader.findings.append(_skipped_bag(kind))


def _decrypt_key(reader: _Reader, encrypted_info: der.Element) -> bytes:
    parts = encrypted_info.children()
    return _decrypt(reader, parts[0], parts[1].octets(), "a private key")


def _private_key(pkcs8: bytes, fmt: str, protection: str | None, record: _Bag) -> LoadedKey:
    key = load_private_key_der(pkcs8, "a private key in the PKCS#12 file")
    return LoadedKey(key, fmt, protection, record.friendly_name, record.local_key_id)


def _secret(reader: _Reader, value: der.Element) -> tuple[SecretKeyDetails, str | None]:
    """A secret key and its own protection; Java wraps it as a shrouded PKCS#8 structure."""
    parts = value.children()
    inner = parts[1].children()[0]
    if parts[0].oid() != SHROUDED_KEY_BAG:
        return SecretKeyDetails(parts[0].oid(), None), None
    wrapped = der.parse_exact(inner.octets()) if not inner.constructed else inner
    plain = der.parse_exact(_decrypt_key(reader, wrapped)).children()
    algorithm_oid = plain[1].children()[0].oid()
    algorithm = _SECRET_KEY_ALGORITHMS.get(algorithm_oid, algorithm_oid)
    scheme = pbe.describe(wrapped.children()[0])
    return SecretKeyDetails(algorithm, len(plain[2].octets()) * 8), scheme


def _skipped_bag(kind: str) -> Finding:
    return Finding(
        code="source.skipped-block",
        severity=Severity.INFO,
        title="Part of the PKCS#12 file was skipped",
        detail=f"The file holds {kind}, which Pinscope does not read. Everything else was read.",
        remedy="Nothing to do unless you expected it to be shown.",
    )


def _attributes(attribute_set: der.Element) -> dict[str, list[der.Element]]:
    result: dict[str, list[der.Element]] = {}
    for attribute in attribute_set.children():
        parts = attribute.children()
        result[parts[0].oid()] = parts[1].children()
    return result


def _friendly_name(attributes: dict[str, list[der.Element]]) -> str | None:
    values = attributes.get(FRIENDLY_NAME)
    return values[0].text() if values else None


def _entries(bags: list[_Bag]) -> tuple[list[Entry], list[Finding]]:
    certificates = [bag for bag in bags if bag.certificate is not None]
    pool = [bag.certificate for bag in certificates if bag.certificate is not None]
    used: set[str] = set()
    entries: list[Entry] = []
    findings: list[Finding] = []

    for bag in bags:
        if bag.key is not None:
            entry, finding = _key_entry(bag.key, certificates, pool)
            entries.append(entry)
            used.update(cert.sha256 for cert in entry.certificates)
            if finding:
                findings.append(finding)
        elif bag.secret is not None:
            entries.append(
                Entry(
                    bag.friendly_name or "secret key", EntryType.SECRET_KEY, secret_key=bag.secret
                )
            )

    loose = [bag for bag in certificates if bag.certificate and bag.certificate.sha256 not in used]
    for bag in [b for b in loose if b.java_trusted]:
        assert bag.certificate is not None
        alias = bag.friendly_name or bag.certificate.short_name
        entries.append(Entry(alias, EntryType.TRUSTED_CERTIFICATE, (bag.certificate,)))
    others = [bag.certificate for bag in loose if not bag.java_trusted and bag.certificate]
    names = {bag.certificate.sha256: bag.friendly_name for bag in loose if bag.certificate}
    for group in group_chains(others):
        alias = names.get(group[0].sha256) or chain_alias(group)
        entries.append(Entry(alias, EntryType.CERTIFICATE_CHAIN, tuple(group)))
    return entries, findings


def _key_entry(
    loaded: LoadedKey, certificates: list[_Bag], pool: list[Certificate]
) -> tuple[Entry, Finding | None]:
    """A key with its certificate (by localKeyId, else by public key) and that one's issuers."""
    leaf = None
    if loaded.local_key_id is not None:
        leaf = next(
            (bag.certificate for bag in certificates if bag.local_key_id == loaded.local_key_id),
            None,
        )
    if leaf is None and loaded.key is not None:
        leaf = next((cert for cert in pool if key_matches(loaded.key, cert)), None)
    alias = loaded.label or (leaf.short_name if leaf else "private key")
    if leaf is None:
        return Entry(alias, EntryType.PRIVATE_KEY, private_key=loaded.details(None)), None

    matches = loaded.key is not None and key_matches(loaded.key, leaf)
    chain = chain_from(leaf, pool)
    entry = Entry(alias, EntryType.PRIVATE_KEY, tuple(chain), private_key=loaded.details(matches))
    return entry, None if matches else key_mismatch_finding(leaf, loaded.label)
