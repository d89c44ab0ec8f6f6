"""PEM text: many blocks, any labels, with whatever text tools put around them.

Blocks are found by their BEGIN and END lines, so `Bag Attributes`, `subject=` lines, comments
and CRLF endings around them do not matter. A block that cannot be decoded becomes a finding
naming its number, label and line; the blocks around it still load.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pinscope.core import der
from pinscope.core.certificate import Certificate, load_certificate
from pinscope.core.errors import (
    DamagedInput,
    LoadError,
    PasswordRequired,
    UnsupportedFormat,
    WrongPassword,
)
from pinscope.core.model import CSRDetails, Finding, PublicKeyDetails, Severity, Source
from pinscope.core.sources import keyfiles, pkcs7
from pinscope.core.sources.assemble import LoadedKey, assemble_loose
from pinscope.core.sources.passwords import Passwords

_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9][A-Z0-9 #._/-]*)-----")
_BASE64_BODY = re.compile(rb"[A-Za-z0-9+/=\s]*")

CERTIFICATE_LABELS = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"}
_SILENT_LABELS = {"EC PARAMETERS", "DH PARAMETERS", "DSA PARAMETERS", "X9.42 DH PARAMETERS"}


@dataclass
class PEMBlock:
    """One BEGIN/END block; `error` says why its body could not be decoded."""

    index: int
    label: str
    start: int
    end: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None


def contains_pem(data: bytes) -> bool:
    return _BEGIN.search(data) is not None


def split_pem(data: bytes) -> list[PEMBlock]:
    """Every BEGIN block in `data`, decoded, in order."""
    blocks: list[PEMBlock] = []
    match = _BEGIN.search(data)
    while match is not None:
        label = match.group(1)
        end_marker = b"-----END " + label + b"-----"
        end = data.find(end_marker, match.end())
        next_match = _BEGIN.search(data, match.end())
        block = PEMBlock(len(blocks) + 1, label.decode("ascii"), match.start(), match.end())

        if end < 0 or (next_match is not None and next_match.start() < end):
            block.end = next_match.start() if next_match else len(data)
            block.error = f"it has no \u201c-----END {block.label}-----\u201d line: it is truncated"
        else:
            block.end = end + len(end_marker)
            _decode_body(block, data[match.end() : end])
        blocks.append(block)
        match = next_match
    return blocks


def _decode_body(block: PEMBlock, text: bytes) -> None:
    text = text.strip()
    if b":" in text.split(b"\n", 1)[0]:
        header_text, _, text = text.replace(b"\r\n", b"\n").partition(b"\n\n")
        for line in header_text.decode("ascii", "replace").splitlines():
            key, _, value = line.partition(":")
            block.headers[key.strip()] = value.strip()
    if not _BASE64_BODY.fullmatch(text):
        block.error = "its body contains characters that are not base64"
        return
    try:
        block.body = binascii.a2b_base64(text)
    except binascii.Error as error:
        block.error = f"its base64 is incomplete ({error})"
        return
    if not block.body:
        block.error = "it is empty"


@dataclass
class _Collected:
    certs: list[Certificate] = field(default_factory=list)
    keys: list[LoadedKey] = field(default_factory=list)
    csrs: list[CSRDetails] = field(default_factory=list)
    public_keys: list[PublicKeyDetails] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    locked_keys: list[PEMBlock] = field(default_factory=list)
    by_der: dict[bytes, Certificate] = field(default_factory=dict)
    """Certificates already read: a repeated one is the same object, decoded once."""


def load_pem(data: bytes, name: str, passwords: Passwords, kind: str = "file") -> Source:
    """Read every block of a PEM file into one source."""
    blocks = split_pem(data)
    collected = collect_blocks(data, blocks, passwords)
    entries, findings = assemble_loose(
        collected.certs, collected.keys, collected.csrs, collected.public_keys
    )
    fmt = _format_of(blocks)
    return Source(name, kind, fmt, tuple(entries), tuple(collected.findings + findings))


_SINGLE_PURPOSE = {
    "PKCS7": "pkcs7",
    "CMS": "pkcs7",
    "CERTIFICATE REQUEST": "csr",
    "NEW CERTIFICATE REQUEST": "csr",
    "PUBLIC KEY": "public-key",
    "RSA PUBLIC KEY": "public-key",
    "PRIVATE KEY": "private-key",
    "ENCRYPTED PRIVATE KEY": "private-key",
    "RSA PRIVATE KEY": "private-key",
    "EC PRIVATE KEY": "private-key",
    "DSA PRIVATE KEY": "private-key",
}


def _format_of(blocks: list[PEMBlock]) -> str:
    """ "pkcs7", "csr", "public-key" or "private-key" for a file of only that; else "pem"."""
    kinds = {_SINGLE_PURPOSE.get(b.label, "pem") for b in blocks if b.label not in _SILENT_LABELS}
    return kinds.pop() if len(kinds) == 1 else "pem"


def collect_blocks(
    data: bytes, blocks: list[PEMBlock], passwords: Passwords, part_of_more: bool = False
) -> _Collected:
    """Decode each block; damaged ones become findings. Encrypted keys ask for a password.

    Args:
        data: the whole text the blocks were found in.
        blocks: its blocks, from `split_pem`.
        passwords: for encrypted keys.
        part_of_more: the text is one value among others (a Secret's tls.key beside its
            tls.crt): nothing readable in it is then a finding, not an error.

    Raises:
        DamagedInput: no block could be read; the first damaged block says why.
        UnsupportedFormat: the blocks are all of kinds Pinscope does not read (CRLs...).
        PasswordRequired: the file holds nothing but a key no password was given for.
    """
    collected = _Collected()
    for block in blocks:
        if block.error is None:
            try:
                _collect(data, block, passwords, collected)
            except PasswordRequired:
                collected.locked_keys.append(block)
            except WrongPassword:
                raise  # the user gave a password and it is wrong: say so, not "damaged block"
            except LoadError as error:
                block.error = str(error)
        if block.error is not None:
            collected.findings.append(damaged_block(data, block, block.error))

    readable = collected.certs or collected.keys or collected.csrs or collected.public_keys
    if collected.locked_keys:
        if not readable and not part_of_more:
            raise PasswordRequired("the encrypted private key")
        for block in collected.locked_keys:
            collected.keys.append(LoadedKey(None, _locked_format(block), _locked_protection(block)))
            collected.findings.append(_key_locked(data, block))
    if not readable and not part_of_more:
        _raise_for_nothing_readable(data, blocks)
    return collected


def _raise_for_nothing_readable(data: bytes, blocks: list[PEMBlock]) -> None:
    damaged = [block for block in blocks if block.error is not None]
    if damaged:
        first = damaged[0]
        more = f" (and {len(damaged) - 1} more damaged blocks)" if len(damaged) > 1 else ""
        raise DamagedInput(f"no block could be read: {_where(data, first)}: {first.error}{more}")
    labels = ", ".join(sorted({block.label for block in blocks})) or "no blocks"
    raise UnsupportedFormat(
        f"the PEM text holds only {labels}, and no certificate, key or certificate request"
    )


def _collect(data: bytes, block: PEMBlock, passwords: Passwords, out: _Collected) -> None:
    handler = _HANDLERS.get(block.label)
    if handler is not None:
        handler(data, block, passwords, out)
    elif block.label not in _SILENT_LABELS:
        out.findings.append(
            Finding(
                code="source.skipped-block",
                severity=Severity.INFO,
                title=f"A {block.label} block was skipped",
                detail=f"{_where(data, block)} holds a {block.label}, which Pinscope does not "
                "read. The other blocks were read.",
                remedy="Nothing to do unless you expected this block to be shown.",
            )
        )


def _certificate(data: bytes, block: PEMBlock, passwords: Passwords, out: _Collected) -> None:
    body = block.body
    if block.label == "TRUSTED CERTIFICATE":  # OpenSSL appends trust settings after the cert
        try:
            body = der.parse(body).raw
        except der.DERError as error:
            raise LoadError(f"the certificate is truncated or damaged ({error})") from error
    cert = out.by_der.get(body)
    if cert is None:
        cert = out.by_der[body] = load_certificate(body, "the certificate")
    out.certs.append(cert)


def _private_key(data: bytes, block: PEMBlock, passwords: Passwords, out: _Collected) -> None:
    what = f"the private key in block {block.index}"
    if block.label == "ENCRYPTED PRIVATE KEY":
        out.keys.append(keyfiles.load_encrypted_pkcs8(block.body, passwords, what))
    elif "ENCRYPTED" in block.headers.get("Proc-Type", ""):
        pem_text = data[block.start : block.end]
        out.keys.append(
            keyfiles.load_traditional_encrypted(pem_text, block.headers, passwords, what)
        )
    else:
        fmt = "pkcs8" if block.label == "PRIVATE KEY" else "traditional"
        out.keys.append(LoadedKey(keyfiles.load_private_key_der(block.body, what), fmt))


def _csr(data: bytes, block: PEMBlock, passwords: Passwords, out: _Collected) -> None:
    out.csrs.append(keyfiles.describe_csr(block.body, f"the request in block {block.index}"))


def _public_key(data: bytes, block: PEMBlock, passwords: Passwords, out: _Collected) -> None:
    what = f"the public key in block {block.index}"
    out.public_keys.append(keyfiles.describe_public_key_der(block.body, what))


def _pkcs7(data: bytes, block: PEMBlock, passwords: Passwords, out: _Collected) -> None:
    certs, problems = pkcs7.certificates(block.body)
    out.certs.extend(certs)
    out.findings.extend(damaged_block(data, block, problem) for problem in problems)


_Handler = Callable[[bytes, PEMBlock, Passwords, _Collected], None]
_HANDLERS: dict[str, _Handler] = {
    **{label: _certificate for label in CERTIFICATE_LABELS},
    "CERTIFICATE REQUEST": _csr,
    "NEW CERTIFICATE REQUEST": _csr,
    "PUBLIC KEY": _public_key,
    "RSA PUBLIC KEY": _public_key,
    "PRIVATE KEY": _private_key,
    "ENCRYPTED PRIVATE KEY": _private_key,
    "RSA PRIVATE KEY": _private_key,
    "EC PRIVATE KEY": _private_key,
    "DSA PRIVATE KEY": _private_key,
    "PKCS7": _pkcs7,
    "CMS": _pkcs7,
}


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _where(data: bytes, block: PEMBlock) -> str:
    return f"Block {block.index} ({block.label}, line {_line_of(data, block.start)})"


def damaged_block(data: bytes, block: PEMBlock, reason: str) -> Finding:
    return Finding(
        code="source.damaged-block",
        severity=Severity.ERROR,
        title=f"Block {block.index} ({block.label}) could not be read",
        detail=f"{_where(data, block)}: {reason}. The other blocks of the file were read.",
        remedy="Copy this block again from where it came from: everything between its BEGIN and "
        "END lines must be intact.",
    )


def _locked_format(block: PEMBlock) -> str:
    return "pkcs8-encrypted" if block.label == "ENCRYPTED PRIVATE KEY" else "traditional-encrypted"


def _locked_protection(block: PEMBlock) -> str | None:
    if block.label == "ENCRYPTED PRIVATE KEY":
        return keyfiles.encrypted_pkcs8_protection(block.body)
    return block.headers.get("DEK-Info", "").split(",")[0] or None


def _key_locked(data: bytes, block: PEMBlock) -> Finding:
    return Finding(
        code="source.key-not-decrypted",
        severity=Severity.INFO,
        title="The private key is encrypted and was not opened",
        detail=f"{_where(data, block)} is an encrypted private key and no password was given, "
        "so it was not checked against the certificates. The certificates were read.",
        remedy="Give the key's password (--password on the command line) to check the key too.",
    )
