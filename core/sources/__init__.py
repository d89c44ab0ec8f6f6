"""Loaders that turn bytes into the Pinscope model; the format is read from the bytes.

`load_bytes` is the one entry point for files, standard input and pasted text: it sniffs the
format (never the file name), hands the bytes to the right reader, and turns anything a
third-party parser raises into a `LoadError` whose message is fit for the user.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import replace
from pathlib import Path

from pinscope.core import der
from pinscope.core.errors import EmptyInput, LoadError, UnsupportedFormat
from pinscope.core.model import Finding, Severity, Source
from pinscope.core.sources import binary, pem
from pinscope.core.sources.passwords import PasswordPrompt, Passwords

__all__ = ["PasswordPrompt", "Passwords", "load_bytes", "load_path"]

logger = logging.getLogger(__name__)

# Keystore magic numbers: JKS, JCEKS; Bouncy Castle stores start with their version, 1 or 2.
_JAVA_MAGIC = (b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce")
_BOUNCY_CASTLE_VERSIONS = (b"\x00\x00\x00\x01", b"\x00\x00\x00\x02")
_MANIFEST_KEYS = re.compile(rb'^\s*(?:"?apiVersion"?|"?kind"?)\s*:\s*"?[A-Za-z]', re.MULTILINE)
_BASE64_TEXT = re.compile(rb"[A-Za-z0-9+/=\r\n]{16,}")  # no spaces: those are words
_UTF8_BOM = b"\xef\xbb\xbf"
MAX_INPUT_BYTES = 256 * 1024 * 1024


def load_path(path: str | Path, passwords: Passwords | None = None) -> Source:
    """Read a file from disk.

    Raises:
        LoadError: the file cannot be opened or read as any supported format.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise LoadError(f"{path} is a folder, not a file")
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise LoadError(f"cannot open {path}: {error.strerror or error}") from error
    if len(data) > MAX_INPUT_BYTES:
        raise LoadError(f"{path} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    return load_bytes(data, str(path), passwords)


def load_bytes(
    data: bytes, name: str, passwords: Passwords | None = None, kind: str = "file"
) -> Source:
    """Read any supported format from bytes.

    Args:
        data: the file's content.
        name: how to refer to it in the result and in messages.
        passwords: passwords to use, and who to ask when one is needed.
        kind: "file" or "text" (pasted), as the JSON document reports it.

    Raises:
        EmptyInput, UnsupportedFormat, DamagedInput, WrongPassword, PasswordRequired,
        UnsupportedAlgorithm: all subclasses of LoadError.
    """
    passwords = passwords if passwords is not None else Passwords()
    try:
        source = _load(_normalise_text_encoding(data), name, passwords, kind)
    except UnsupportedFormat as error:
        if not str(error):
            raise UnsupportedFormat(_describe_unknown(data)) from error
        raise
    if source.kind != kind:  # keystores and Secrets are files to their readers; pasted text too
        source = replace(source, kind=kind)
    if not source.entries and not source.findings:
        return replace(source, findings=(_empty_container(source),))
    return source


def _load(data: bytes, name: str, passwords: Passwords, kind: str) -> Source:
    if not data.strip():
        raise EmptyInput(f"{name} is empty" if data == b"" else f"{name} holds only whitespace")
    logger.debug("loading %s (%d bytes)", name, len(data))

    # pyjks and PyYAML are imported only when a file needs them: they slow every start-up.
    if data[:4] in _JAVA_MAGIC:
        from pinscope.core.sources import keystore

        return keystore.load_java_keystore(data, name, passwords)
    if data[:4] in _BOUNCY_CASTLE_VERSIONS and _looks_like_bouncy_castle(data):
        from pinscope.core.sources import keystore

        return keystore.load_bouncy_castle(data, name, passwords)
    # "0" (0x30) also starts text such as `0 s:CN = ...` that openssl prints above PEM blocks.
    if data[0] == 0x30 and not (pem.contains_pem(data) and not _is_whole_der(data)):
        return binary.load_der(data, name, passwords, kind)
    # A Secret's stringData holds PEM text, so the manifest check comes first; it wants
    # `apiVersion:` or `kind:` keys, which no PEM bundle's comments carry.
    if _MANIFEST_KEYS.search(data[:65536]) or (
        not pem.contains_pem(data) and _looks_like_manifest(data)
    ):
        from pinscope.core.sources import kubernetes

        return kubernetes.load_kubernetes(data, name, passwords, _nested)
    if pem.contains_pem(data):
        return pem.load_pem(data, name, passwords, kind)
    if _BASE64_TEXT.fullmatch(data.strip()):
        return _load_bare_base64(data, name, passwords, kind)
    raise UnsupportedFormat()  # described by load_bytes, from the bytes as given


def _empty_container(source: Source) -> Finding:
    return Finding(
        code="source.empty",
        severity=Severity.WARNING,
        title="The file holds nothing to show",
        detail=f"The {source.format} file was read, but it holds no certificates, keys or "
        "requests.",
        remedy="Check that this is the file you meant; it may have been exported without its "
        "content.",
    )


def _is_whole_der(data: bytes) -> bool:
    try:
        der.parse_exact(data)
    except der.DERError:
        return False
    return True


def _looks_like_bouncy_castle(data: bytes) -> bool:
    """Version 1 or 2, then a salt of a plausible length and a positive iteration count."""
    salt_length = int.from_bytes(data[4:8], "big")
    if not 0 < salt_length <= 256 or len(data) < 12 + salt_length:
        return False
    iterations = int.from_bytes(data[8 + salt_length : 12 + salt_length], "big")
    return iterations > 0


def _looks_like_manifest(text: bytes) -> bool:
    """YAML or JSON that may hold a Kubernetes Secret."""
    head = text.lstrip()[:4096]
    return head.startswith((b"{", b"apiVersion", b"kind", b"---", b"#")) or b"tls.crt" in head


def _nested(data: bytes, name: str, passwords: Passwords) -> Source:
    return load_bytes(data, name, passwords)


def _normalise_text_encoding(data: bytes) -> bytes:
    """Strip a UTF-8 byte order mark; re-encode UTF-16 text (Windows PowerShell writes it)."""
    if data.startswith(_UTF8_BOM):
        return data[len(_UTF8_BOM) :]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return data
    return data


def _load_bare_base64(data: bytes, name: str, passwords: Passwords, kind: str) -> Source:
    """Base64 without PEM armour, as people paste it from a web page or a config file."""
    try:
        decoded = base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise UnsupportedFormat(
            "the text is neither PEM nor valid base64 of a DER certificate or key"
        ) from error
    if not decoded or decoded[0] != 0x30:
        raise UnsupportedFormat("the text is base64, but not of a certificate, key or keystore")
    return load_bytes(decoded, name, passwords, kind)


def _describe_unknown(data: bytes) -> str:
    sample = data[:64]
    printable = sum(32 <= byte < 127 or byte in (9, 10, 13) for byte in sample)
    if printable == len(sample):
        first_line = data.strip().split(b"\n", 1)[0][:60].decode("ascii", "replace")
        return (
            "expected a certificate, key, CSR or keystore (PEM, DER, PKCS#7, PKCS#12, JKS, "
            f"BKS or a Kubernetes Secret), found text starting \u201c{first_line}\u201d"
        )
    return (
        "expected a certificate, key, CSR or keystore (PEM, DER, PKCS#7, PKCS#12, JKS, BKS or a "
        f"Kubernetes Secret), found binary data starting with {data[:8].hex(' ')}"
    )
