"""Read pins pasted in any shape people copy them from (pin-formats.md §2.3, §4.2, §11, §17.1).

Recognised: bare base64 (padded or not, standard or URL-safe), hex with or without colons in
either case, `sha256/…` and `sha256//…;sha256//…`, `pin-sha256="…"` (several per header),
`b'…'` (the bytes repr TrustKit's Python 3 helper prints, of base64 text or of the raw digest),
OkHttp's "Certificate pinning failure!" message, TrustKit-Android's "Pin verification failed"
block, TrustKit's NSData hex log groups and curl's `public key hash:` line.

A value that is the SHA-256 of a whole loaded certificate rather than of its
SubjectPublicKeyInfo is reported as `pin.not-spki` (an error) and does not become a pin; so is a
value of the wrong length, and a 20-byte SHA-1 value is reported as `pin.sha1`. A 64-digit hex
value that no loaded certificate explains is kept as a pin but also reported as `pin.not-spki`
(a warning): hex with colons is what `openssl x509 -fingerprint -sha256` prints, so it is most
likely a certificate fingerprint; plain hex could be either.
"""

from __future__ import annotations

import ast
import base64
import binascii
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pinscope.core.certificate import Certificate
from pinscope.core.keys import spki_pin
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.model import INTERMEDIATE, LEAF, ROOT, SPKIPin

__all__ = ["PastedPins", "parse_pins"]

_B64 = r"[A-Za-z0-9+/_-]{43}=?"
_EDGE_BEFORE = r"(?<![A-Za-z0-9+/_-])"
_EDGE_AFTER = r"(?![A-Za-z0-9+/=_-])"

# One alternative per shape, tried left to right at each position: the prefixed shapes first,
# so that their base64 is not read again as a bare value.
_TOKEN = re.compile(
    r"""
      pin-sha256\s*[=:]\s*"?(?P<hpkp>[A-Za-z0-9+/_=-]+)"?
    | (?P<prefix>sha256|sha1)//?(?P<prefixed>[A-Za-z0-9+/_=-]+)
    | b(?P<bytes>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | <(?P<nsdata>[0-9a-fA-F]{8}(?:\s+[0-9a-fA-F]{1,8})+)>
    | (?<![0-9A-Fa-f:])(?P<colons>[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){19,31})(?![0-9A-Fa-f:])
    | (?<![0-9A-Za-z])(?P<hex>[0-9A-Fa-f]{64}|[0-9A-Fa-f]{40})(?![0-9A-Za-z])
    | """
    + _EDGE_BEFORE
    + r"(?P<b64>"
    + _B64
    + r")"
    + _EDGE_AFTER,
    re.VERBOSE,
)

_OKHTTP_PEER = re.compile(r"^\s*sha256/(?P<value>\S+?):?\s+(?P<subject>.*\S)\s*$")
_TRUSTKIT_PEER = re.compile(r"^\s*(?P<value>[A-Za-z0-9+/]{43}=)\s+-\s+(?P<subject>.*\S)\s*$")
_URL_SAFE = str.maketrans("-_", "+/")
_PINNED_FOR = re.compile(r"Pinned certificates for (?P<host>[^\s:]+)\s*:")
_HEX_COLONS = "hex-colons"
_HEX_PLAIN = "hex-plain"
_SPKI_RECIPE = (
    "openssl x509 -in cert.pem -noout -pubkey | openssl pkey -pubin -outform DER "
    "| openssl dgst -sha256 -binary | openssl base64 -A"
)


@dataclass(frozen=True)
class PastedPins:
    """The pins found in pasted text, and what is wrong with what was pasted."""

    pins: tuple[SPKIPin, ...]
    findings: tuple[Finding, ...] = ()
    host: str | None = None
    """The host an OkHttp failure message names ("Pinned certificates for HOST"); None when
    the text names none."""


@dataclass(frozen=True)
class _Value:
    digest: bytes
    shown: str
    """The value as pasted, for messages."""
    shape: str
    subject: str | None = None
    role: str | None = None
    layout: str | None = None
    """_HEX_COLONS or _HEX_PLAIN for a value pasted as hex (it may be a fingerprint); None for
    every other shape."""


def parse_pins(
    text: str, certificates: Sequence[Certificate] = (), what: str = "pasted"
) -> PastedPins:
    """Every pin in `text`, whatever shape it was pasted in.

    Args:
        text: what the user pasted or gave with `--backup`.
        certificates: certificates loaded alongside, so that a certificate fingerprint pasted
            by mistake can be named.
        what: how the pins' `source` begins ("pasted", "backup").

    Raises:
        ValueError: the text holds nothing that reads as a pin; the message says what it is.
    """
    values, host = _failure_message(text)
    if not values:
        values = list(_tokens(text))
    if not values:
        raise ValueError(_not_a_pin(text))

    pins: dict[str, SPKIPin] = {}
    findings: list[Finding] = []
    for value in values:
        finding = _judge(value, certificates)
        if finding is not None:
            findings.append(finding)
            continue
        pin = base64.b64encode(value.digest).decode("ascii")
        source = f"{what} {value.shape}" + (f" ({value.subject})" if value.subject else "")
        owner = _owner(pin, certificates)
        if owner is None and value.layout is not None:
            findings.append(_fingerprint_like_finding(value))
        pins.setdefault(pin, SPKIPin(pin, source, value.role, owner))
    return PastedPins(tuple(pins.values()), tuple(findings), host)


def _failure_message(text: str) -> tuple[list[_Value], str | None]:
    """The peer chain of an OkHttp or TrustKit-Android failure message, leaf first."""
    if "Peer certificate chain" not in text:
        return [], None
    peers: list[tuple[str, str]] = []
    shape = "TrustKit-Android failure message"
    in_chain = False
    for line in text.splitlines():
        if "Peer certificate chain" in line:
            in_chain = True
            continue
        if not in_chain:
            continue
        okhttp = _OKHTTP_PEER.match(line)
        trustkit = _TRUSTKIT_PEER.match(line)
        if okhttp is not None:
            shape = "OkHttp failure message"
            peers.append((okhttp["value"], okhttp["subject"]))
        elif trustkit is not None:
            peers.append((trustkit["value"], trustkit["subject"]))
        elif line.strip():
            in_chain = False  # "Pinned certificates for …:" or the stack trace
    found = _PINNED_FOR.search(text)
    values = [
        _Value(_decode_base64(value), value, shape, subject, _role(index, len(peers)))
        for index, (value, subject) in enumerate(peers)
    ]
    return [value for value in values if value.digest], found["host"] if found else None


def _role(index: int, length: int) -> str:
    if index == 0:
        return LEAF
    return ROOT if index == length - 1 else INTERMEDIATE


def _tokens(text: str) -> Iterator[_Value]:
    for match in _TOKEN.finditer(text):
        shown = match.group(0)
        if match["hpkp"] is not None:
            yield _Value(_decode_base64(match["hpkp"]), shown, "pin-sha256 value")
        elif match["prefixed"] is not None:
            shape = f"{match['prefix']}/ value"
            yield _Value(_decode_base64(match["prefixed"]), shown, shape)
        elif match["bytes"] is not None:
            yield _bytes_repr(match["bytes"], shown)
        elif match["nsdata"] is not None:
            digits = "".join(match["nsdata"].split())
            yield _Value(_decode_hex(digits), shown, "TrustKit log value")
        elif match["colons"] is not None:
            yield _Value(_decode_hex(match["colons"]), shown, "hex value", layout=_HEX_COLONS)
        elif match["hex"] is not None:
            yield _Value(_decode_hex(match["hex"]), shown, "hex value", layout=_HEX_PLAIN)
        else:
            yield _Value(_decode_base64(match["b64"]), shown, "base64 value")


def _bytes_repr(literal: str, shown: str) -> _Value:
    """`b'…'`: the base64 text of a pin, or the raw 32-byte digest, as Python prints bytes."""
    try:
        content = ast.literal_eval("b" + literal)
    except (ValueError, SyntaxError):
        return _Value(b"", shown, "bytes value")
    assert isinstance(content, bytes)
    if len(content) in (20, 32):
        return _Value(content, shown, "bytes value")
    return _Value(_decode_base64(content.decode("latin-1")), shown, "bytes value")


def _decode_base64(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not; b"" when it is not base64."""
    cleaned = text.strip().strip("\"'").translate(_URL_SAFE).rstrip("=")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _decode_hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text.replace(":", ""))
    except ValueError:
        return b""


def _judge(value: _Value, certificates: Sequence[Certificate]) -> Finding | None:
    """Why `value` is not an SPKI SHA-256 pin; None when it can be one."""
    digest = value.digest
    if len(digest) == 20:
        return _sha1_finding(value, certificates)
    if len(digest) != 32:
        return Finding(
            "pin.not-spki",
            Severity.ERROR,
            "A pasted value is not a SHA-256 pin",
            f"{_short(value.shown)} decodes to {len(digest)} bytes; a SHA-256 pin has 32 "
            "(44 characters of base64, or 64 hex digits).",
            "Paste the whole value; compute pins from the certificate or key instead.",
        )
    for cert in certificates:
        if digest.hex() == cert.sha256:
            return _fingerprint_finding(value, cert)
    return None


def _fingerprint_finding(value: _Value, cert: Certificate) -> Finding:
    name = cert.details.subject or cert.short_name
    right = spki_pin(cert.spki_der)
    return Finding(
        "pin.not-spki",
        Severity.ERROR,
        "A certificate fingerprint was given where a key pin belongs",
        f"{_short(value.shown)} is the SHA-256 fingerprint of the whole certificate {name} "
        "(what `openssl x509 -fingerprint -sha256` prints), not the SHA-256 of its public key "
        "(SubjectPublicKeyInfo). Pinning libraries hash the key, so this value never matches, "
        "and it would change at every renewal anyway.",
        f"Use the key pin of {name} instead: {right}",
        cert.sha256,
    )


def _fingerprint_like_finding(value: _Value) -> Finding:
    """A 64-digit hex value no loaded certificate explains: kept, but most likely the output of
    `openssl x509 -fingerprint -sha256` (pin-formats.md §0.1, §16.1)."""
    if value.layout == _HEX_COLONS:
        upper = value.shown.upper() == value.shown
        likeness = (
            "is written exactly as `openssl x509 -fingerprint -sha256` prints a certificate "
            "fingerprint (upper-case hex with colons)"
            if upper
            else "is hex with colons, the way certificate fingerprints are shown"
        )
        title = "A pasted value looks like a certificate fingerprint"
        doubt = "It is most likely the SHA-256 of a whole certificate"
    else:
        likeness = "is plain hex, as `sha256sum` or `openssl dgst -sha256` print any hash"
        title = "A pasted hex value may be a certificate fingerprint"
        doubt = (
            "It may be the SHA-256 of a whole certificate or of its public key; "
            "nothing loaded tells which"
        )
    return Finding(
        "pin.not-spki",
        Severity.WARNING,
        title,
        f"{_short(value.shown)} {likeness}. {doubt}, not of its public key "
        "(SubjectPublicKeyInfo), which is what pinning libraries hash: a fingerprint never "
        "matches, and it changes at every renewal anyway. It is kept as a pin in case it is "
        "the hex SHA-256 of a key.",
        "Load the certificate beside it to tell for sure, or take the SPKI pin from the "
        f"certificate itself: `pinscope pins CERT --format json`, or `{_SPKI_RECIPE}`.",
    )


def _sha1_finding(value: _Value, certificates: Sequence[Certificate]) -> Finding:
    digest = value.digest.hex()
    owner = ""
    for cert in certificates:
        name = cert.details.subject or cert.short_name
        if cert.sha1 == digest:
            owner = f" It is the SHA-1 fingerprint of the whole certificate {name}."
        elif hashlib.sha1(cert.spki_der).hexdigest() == digest:
            owner = f" It is the legacy OkHttp sha1/ pin of the key of {name}."
    return Finding(
        "pin.sha1",
        Severity.ERROR,
        "A pasted value is a SHA-1 hash, not a SHA-256 pin",
        f"{_short(value.shown)} is 20 bytes long: a SHA-1 hash.{owner} Only OkHttp still "
        "accepts SHA-1 pins, as a legacy option; every other platform needs SHA-256.",
        "Compute the SHA-256 pin from the certificate or key (`pinscope pins FILE`).",
    )


def _owner(pin: str, certificates: Sequence[Certificate]) -> Certificate | None:
    return next((cert for cert in certificates if spki_pin(cert.spki_der) == pin), None)


def _not_a_pin(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        return "no pin given: the text is empty"
    shown = _short(stripped)
    if re.fullmatch(r"[0-9A-Fa-f:\s]+", stripped):
        digits = len(re.sub(r"[:\s]", "", stripped))
        return f"{shown} is not a pin: it has {digits} hex digits, a SHA-256 pin has 64"
    decoded = _decode_base64(stripped.split(":")[-1].split("/")[-1])
    if decoded:
        size = len(decoded)
        return f"{shown} is not a pin: its base64 decodes to {size} bytes, a SHA-256 pin has 32"
    return (
        f"{shown} is not a pin: expected base64 (44 characters), hex (64 digits), sha256/…, "
        'pin-sha256="…" or an OkHttp "Certificate pinning failure!" message'
    )


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")
