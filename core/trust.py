"""Trust stores: the certificates a client trusts, from Mozilla's list, the system or a file."""

from __future__ import annotations

import functools
import logging
import os
import re
import ssl
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import certifi

from pinscope.core import der
from pinscope.core.certificate import Certificate, load_certificate
from pinscope.core.errors import LoadError, PasswordRequired
from pinscope.core.model import EntryType, Source
from pinscope.core.sources import Passwords, load_path
from pinscope.core.sources.pem import CERTIFICATE_LABELS, split_pem

logger = logging.getLogger(__name__)

STORE_NAMES = ("mozilla", "system", "none")
"""The values `load_trust_stores` accepts for its `store` argument."""

BUNDLE_PATHS = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL, CentOS
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # Fedora, RHEL (the source of the above)
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # Alpine, the BSDs, macOS
)
"""PEM bundles of the system's roots, in the order they are looked for."""

CERT_DIRECTORIES = ("/etc/ssl/certs", "/etc/pki/tls/certs")
"""Folders of one-certificate files (OpenSSL's hashed directories), looked for after bundles."""

_MACOS_KEYCHAINS = (
    "/System/Library/Keychains/SystemRootCertificates.keychain",
    "/Library/Keychains/System.keychain",
)
_MACOS_TIMEOUT_SECONDS = 10
_SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1"
_HASH_LINK = re.compile(r"[0-9a-f]{8}\.r?[0-9]+")


@dataclass(frozen=True)
class TrustStore:
    """A set of trust anchors under one name.

    Attributes:
        name: "mozilla", "system" or "custom".
        label: how a sentence names it: "the Mozilla store (certifi 2025.1.31)", "the trust
            file roots.jks".
        anchors: its certificates, in the order they were read.
    """

    name: str
    label: str
    anchors: tuple[Certificate, ...]

    @cached_property
    def _by_subject(self) -> dict[bytes, list[Certificate]]:
        """The anchors by the DER of their subject name, built on first use."""
        index: dict[bytes, list[Certificate]] = {}
        for anchor in self.anchors:
            index.setdefault(anchor.tbs_fields["subject"], []).append(anchor)
        return index

    @cached_property
    def _sha256s(self) -> frozenset[str]:
        return frozenset(anchor.sha256 for anchor in self.anchors)

    def find_issuers(self, cert: Certificate) -> list[Certificate]:
        """The anchors whose subject name is, byte for byte, the issuer name of `cert`."""
        return list(self._by_subject.get(cert.tbs_fields["issuer"], ()))

    def contains(self, cert: Certificate) -> bool:
        """Whether `cert` is one of the anchors, or the same name and key as one.

        A root re-issued with the same name and key (a new validity period, say) is the same
        trust anchor to a client, so it counts.
        """
        if cert.sha256 in self._sha256s:
            return True
        namesakes = self._by_subject.get(cert.tbs_fields["subject"], ())
        return any(anchor.spki_der == cert.spki_der for anchor in namesakes)


def load_trust_stores(
    store: str | None, custom: Sequence[str] = (), passwords: Passwords | None = None
) -> list[TrustStore]:
    """The trust stores to validate against: the custom files first, then the named store.

    Args:
        store: "mozilla", "system" or "none"; None for the default, which is the system store,
            or Mozilla's when the system has none. With `custom` files and no `store`, only
            the files are used, as curl does with --cacert.
        custom: paths of trust files (PEM, DER, PKCS#7, PKCS#12, Java keystores...); each
            becomes a store of its own.
        passwords: for trust files that are password protected.

    Raises:
        LoadError: `store` is not a known name, the system store was asked for and none was
            found, or a trust file cannot be read or holds no certificates.
    """
    wanted = store.strip().lower() if store is not None else None
    if wanted is not None and wanted not in STORE_NAMES:
        raise LoadError(
            f"unknown trust store \u201c{store}\u201d: expected one of {', '.join(STORE_NAMES)}"
        )

    passwords = passwords if passwords is not None else Passwords()
    stores = [load_trust_file(path, passwords.for_source(path)) for path in custom]

    if wanted == "mozilla":
        stores.append(mozilla_store())
    elif wanted == "system":
        stores.append(_required_system_store())
    elif wanted is None and not custom:
        stores.append(default_store())
    return stores


def default_store() -> TrustStore:
    """The system store, or Mozilla's when the system has none (or an empty one)."""
    system = system_store()
    if system is not None and system.anchors:
        return system
    logger.debug("no system trust store found; using the Mozilla store")
    return mozilla_store()


def load_trust_file(path: str, passwords: Passwords | None = None) -> TrustStore:
    """Every certificate of one file, as a store named "custom".

    Raises:
        LoadError: the file cannot be read (the message names it as the trust file), or it
            holds no certificates.
    """
    try:
        source = load_path(path, passwords)
    except LoadError as error:
        raise _as_trust_file_error(error, path) from error

    anchors = tuple(source.certificates())
    if not anchors:
        raise LoadError(
            f"the trust file {path} holds no certificates (it holds {_contents(source)})"
        )
    for finding in source.findings:
        logger.info("trust file %s: %s", path, finding.title)
    logger.debug("trust file %s: %d certificates", path, len(anchors))
    return TrustStore("custom", f"the trust file {Path(path).name}", anchors)


def _as_trust_file_error(error: LoadError, path: str) -> LoadError:
    """The same error, said of the trust file: the loaders' messages may not name it."""
    if isinstance(error, PasswordRequired):
        return PasswordRequired(f"the trust file {path}")
    reason, shown = str(error), str(Path(path))  # load_path names the file so
    if reason.startswith(f"{shown} "):
        reason = "it" + reason[len(shown) :]
    reason = reason.replace(f"cannot open {shown}:", "cannot open it:")
    message = f"cannot read the trust file {path}: {reason}"
    try:
        return type(error)(message)
    except TypeError:  # a subclass whose constructor takes something else
        return LoadError(message)


_ENTRY_WORDS = {
    EntryType.PRIVATE_KEY: "a private key",
    EntryType.PUBLIC_KEY: "a public key",
    EntryType.CSR: "a certificate request",
    EntryType.SECRET_KEY: "a secret key",
}


def _contents(source: Source) -> str:
    """What a source without certificates holds, in words: "a private key and a public key"."""
    kinds = dict.fromkeys(_ENTRY_WORDS.get(entry.type, str(entry.type)) for entry in source.entries)
    return " and ".join(kinds) if kinds else "nothing Pinscope reads"


def _required_system_store() -> TrustStore:
    system = system_store()
    if system is None or not system.anchors:
        raise LoadError(
            "no system trust store was found (no CA bundle in SSL_CERT_FILE, SSL_CERT_DIR or "
            "the usual places); use the Mozilla store or a trust file instead"
        )
    return system


# ---- Mozilla ---------------------------------------------------------------------------------


@functools.cache
def mozilla_store() -> TrustStore:
    """Mozilla's roots, as the installed certifi package ships them."""
    anchors = _pem_certificates(certifi.contents().encode("ascii"), "certifi")
    return TrustStore("mozilla", f"the Mozilla store (certifi {certifi.__version__})", anchors)


# ---- the system --------------------------------------------------------------------------------


@functools.cache
def system_store() -> TrustStore | None:
    """The operating system's trusted roots; None when none could be found."""
    if sys.platform == "win32":
        return _windows_store()
    if sys.platform == "darwin":
        return _macos_store()
    return _linux_store(os.environ)


def _linux_store(env: Mapping[str, str]) -> TrustStore | None:
    """The first bundle or certificate folder found that holds certificates.

    SSL_CERT_FILE and SSL_CERT_DIR come first, as they do for OpenSSL, then OpenSSL's own
    defaults, then the places distributions put their bundles.
    """
    defaults = ssl.get_default_verify_paths()
    env_folders = env.get("SSL_CERT_DIR", "").split(os.pathsep)
    return (
        _linux_bundle([env.get("SSL_CERT_FILE")])
        or _linux_directory(env_folders)
        or _linux_bundle([defaults.openssl_cafile, *BUNDLE_PATHS])
        or _linux_directory([defaults.openssl_capath, *CERT_DIRECTORIES])
    )


def _linux_bundle(paths: Iterable[str | None]) -> TrustStore | None:
    """A store from the first of `paths` that is a PEM file holding certificates."""
    for path in _unique(paths):
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            logger.debug("no trust bundle at %s: %s", path, error.strerror or error)
            continue
        anchors = _pem_certificates(data, path)
        if anchors:
            logger.debug("system trust bundle %s: %d certificates", path, len(anchors))
            return TrustStore("system", f"the system store ({path})", anchors)
        logger.debug("trust bundle %s holds no certificates", path)
    return None


def _linux_directory(paths: Iterable[str | None]) -> TrustStore | None:
    """A store from the first of `paths` that is a folder of certificate files (*.pem, *.crt,
    and OpenSSL's hash links such as 5ad8a5d6.0)."""
    for path in _unique(paths):
        folder = Path(path)
        if not folder.is_dir():
            continue
        anchors = _folder_certificates(folder)
        if anchors:
            logger.debug("system trust folder %s: %d certificates", path, len(anchors))
            return TrustStore("system", f"the system store ({path})", anchors)
    return None


def _folder_certificates(folder: Path) -> tuple[Certificate, ...]:
    read: set[Path] = set()
    found: dict[str, Certificate] = {}
    for file in sorted(folder.iterdir()):
        if not (file.suffix in (".pem", ".crt") or _HASH_LINK.fullmatch(file.name)):
            continue
        try:
            real = file.resolve()
            if real in read or not real.is_file():
                continue  # the hash links point at the named files
            read.add(real)
            data = real.read_bytes()
        except OSError as error:
            logger.debug("skipped %s: %s", file, error.strerror or error)
            continue
        for cert in _pem_certificates(data, str(file)) or _der_certificate(data, str(file)):
            found.setdefault(cert.sha256, cert)
    return tuple(found.values())


def _windows_store() -> TrustStore | None:
    """The roots Windows trusts for TLS servers: its ROOT store ("Trusted Root Certification
    Authorities"), without certificates whose trust is limited to other purposes."""
    try:
        entries = ssl.enum_certificates("ROOT")  # type: ignore[attr-defined,unused-ignore]
    except (AttributeError, OSError) as error:
        logger.debug("cannot read the Windows ROOT store: %s", error)
        return None
    anchors: dict[str, Certificate] = {}
    for data, encoding, trust in entries:
        if encoding != "x509_asn" or not (trust is True or _SERVER_AUTH_OID in trust):
            continue
        for cert in _der_certificate(data, "a certificate of the Windows ROOT store"):
            anchors.setdefault(cert.sha256, cert)
    if not anchors:
        return None
    label = "the system store (Windows, Trusted Root Certification Authorities)"
    return TrustStore("system", label, tuple(anchors.values()))


def _macos_store() -> TrustStore | None:
    """The certificates of the macOS system keychains, as `security` prints them."""
    # TODO(#3): trust settings (`security dump-trust-settings -d`) are not read, so a root an
    # administrator distrusted still counts, and every certificate of System.keychain does.
    anchors: dict[str, Certificate] = {}
    for keychain in _MACOS_KEYCHAINS:
        for cert in _pem_certificates(_macos_keychain_pem(keychain), keychain):
            anchors.setdefault(cert.sha256, cert)
    if not anchors:
        return None
    return TrustStore(
        "system", "the system store (macOS system keychains)", tuple(anchors.values())
    )


def _macos_keychain_pem(keychain: str) -> bytes:
    """Every certificate of `keychain` as PEM; empty when `security` cannot list them."""
    command = ["/usr/bin/security", "find-certificate", "-a", "-p", keychain]
    try:
        result = subprocess.run(
            command, capture_output=True, timeout=_MACOS_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.debug("cannot list %s: %s", keychain, error)
        return b""
    if result.returncode != 0:
        logger.debug(
            "security could not list %s (exit %d): %s",
            keychain,
            result.returncode,
            result.stderr.decode("utf-8", "replace").strip(),
        )
        return b""
    return result.stdout


# ---- reading certificates ----------------------------------------------------------------------


def _pem_certificates(data: bytes, where: str) -> tuple[Certificate, ...]:
    """Every readable certificate block of PEM text; the others are logged and skipped."""
    certificates = []
    for block in split_pem(data):
        if block.label not in CERTIFICATE_LABELS:
            continue
        if block.error is not None:
            logger.debug("%s: skipped block %d: %s", where, block.index, block.error)
            continue
        body = block.body
        if block.label == "TRUSTED CERTIFICATE":  # OpenSSL appends trust settings to the DER
            try:
                body = der.parse(body).raw
            except der.DERError as error:
                logger.debug("%s: skipped block %d: %s", where, block.index, error)
                continue
        certificates.extend(_der_certificate(body, f"{where}, block {block.index}"))
    return tuple(certificates)


def _der_certificate(data: bytes, where: str) -> list[Certificate]:
    """The certificate `data` holds, or nothing (logged) when it is not one."""
    if not data.startswith(b"\x30"):
        return []
    try:
        return [load_certificate(data, where)]
    except LoadError as error:
        logger.debug("skipped a certificate: %s", error)
        return []


def _unique(paths: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(path for path in paths if path))
