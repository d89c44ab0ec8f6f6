"""Read an existing pin configuration back into one neutral form, whatever platform wrote it.

Recognised from the content, never the file name: Android Network Security Config XML (with or
without TrustKit-Android's `<trustkit-config>`), an Info.plist (XML, binary or a fragment) with
`NSAppTransportSecurity/NSPinnedDomains` or `TSKConfiguration`, TrustKit's Swift configuration
dictionary, OkHttp `CertificatePinner` source in Kotlin or Java, a curl `--pinnedpubkey` hash
string, an HPKP `Public-Key-Pins` header, an Envoy TLS context with `verify_certificate_spki`
(YAML or JSON) and Pinscope's own JSON pin document.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import plistlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from pinscope.core.errors import DamagedInput, EmptyInput, UnsupportedFormat
from pinscope.core.model import Finding, Severity

__all__ = [
    "ANDROID",
    "CURL",
    "ENVOY",
    "HPKP",
    "IOS_ATS",
    "JSON",
    "OKHTTP",
    "PLATFORMS",
    "TRUSTKIT_ANDROID",
    "TRUSTKIT_IOS",
    "PinConfig",
    "PinnedDomain",
    "read_config",
]

logger = logging.getLogger(__name__)

ANDROID = "android"
TRUSTKIT_ANDROID = "trustkit-android"
OKHTTP = "okhttp"
IOS_ATS = "ios-ats"
TRUSTKIT_IOS = "trustkit-ios"
CURL = "curl"
HPKP = "hpkp"
ENVOY = "envoy"
JSON = "json"

PLATFORMS = {
    ANDROID: "Android Network Security Config",
    TRUSTKIT_ANDROID: "TrustKit for Android",
    OKHTTP: "OkHttp CertificatePinner",
    IOS_ATS: "iOS App Transport Security (NSPinnedDomains)",
    TRUSTKIT_IOS: "TrustKit for iOS (TSKConfiguration)",
    CURL: "curl --pinnedpubkey",
    HPKP: "HPKP Public-Key-Pins header",
    ENVOY: "Envoy verify_certificate_spki",
    JSON: "Pinscope JSON pin set",
}
"""Every platform `read_config` recognises, with the name people know it by."""

EXPECTED = (
    "expected an Android Network Security Config or TrustKit-Android XML file, an Info.plist "
    "with NSPinnedDomains or TSKConfiguration, a TrustKit Swift configuration, OkHttp "
    "CertificatePinner source, a curl sha256//… pin string, a Public-Key-Pins header, an Envoy "
    "TLS context with verify_certificate_spki or a Pinscope JSON pin set"
)

_DIGEST_LENGTH = 32
_DANGEROUS_XML = re.compile(rb"<!ENTITY|<!DOCTYPE[^>]*\[", re.IGNORECASE)


@dataclass(frozen=True)
class PinnedDomain:
    """One host pattern of a configuration and the pins that apply to it."""

    pattern: str
    """The host or pattern as written (`api.example.com`, `*.example.com`, `**.example.com`);
    empty for formats that name no host (a curl pin string, an HPKP header)."""
    include_subdomains: bool
    pins: tuple[str, ...]
    """Every pin of the entry, base64 SPKI SHA-256 (for iOS ATS: the CA list then the leaf
    list). Values that are not 32-byte digests are left out and reported as findings."""
    expires: dt.date | None
    """The pin set's expiration date; None when it never expires."""
    platform: str
    ca_pins: tuple[str, ...] = ()
    """iOS ATS `NSPinnedCAIdentities`; empty for other platforms and when absent."""
    leaf_pins: tuple[str, ...] = ()
    """iOS ATS `NSPinnedLeafIdentities`; empty for other platforms and when absent."""
    enforce: bool | None = None
    """TrustKit's enforce-pinning flag as configured (defaults applied); None where the platform
    has no such switch."""
    has_ca_list: bool = False
    """iOS ATS: whether `NSPinnedCAIdentities` is present (an empty list never matches)."""
    has_leaf_list: bool = False
    """iOS ATS: whether `NSPinnedLeafIdentities` is present."""

    @property
    def host(self) -> str:
        """The pattern without its wildcard: the apex `*.`/`**.` patterns hang under."""
        return self.pattern.removeprefix("**.").removeprefix("*.")

    @property
    def label(self) -> str:
        if not self.pattern:
            return "(any host)"
        return f"{self.pattern} and subdomains" if self.include_subdomains else self.pattern


@dataclass(frozen=True)
class PinConfig:
    """A configuration read back: its platform, its domains and what is wrong with it as read."""

    platform: str
    """One of PLATFORMS."""
    domains: tuple[PinnedDomain, ...]
    findings: tuple[Finding, ...] = ()
    name: str = ""

    @property
    def platform_name(self) -> str:
        return PLATFORMS.get(self.platform, self.platform)


def read_config(data: bytes, name: str) -> PinConfig:
    """Read a pin configuration, whichever of the supported formats it is.

    Args:
        data: the file's content.
        name: how to refer to it in messages.

    Returns:
        The platform, one `PinnedDomain` per configured host pattern, and findings about
        entries the platform itself would reject or ignore.

    Raises:
        EmptyInput: there is nothing in `data`.
        UnsupportedFormat: the content is none of the formats (the message lists them).
        DamagedInput: the format was recognised but could not be read.
    """
    if not data.strip():
        raise EmptyInput(f"{name} is empty; {EXPECTED}")
    findings: list[Finding] = []
    platform, domains = _read(data, name, findings)
    if not domains:
        raise DamagedInput(f"{name} is a {PLATFORMS[platform]} configuration with no pinned domain")
    logger.debug("read %s as %s with %d domains", name, platform, len(domains))
    return PinConfig(platform, tuple(domains), tuple(findings), name)


def _read(data: bytes, name: str, findings: list[Finding]) -> tuple[str, list[PinnedDomain]]:
    if data.startswith(b"bplist"):
        return _read_plist(_load_plist(data, name), name, findings)
    text = _decode(data, name)
    stripped = text.lstrip("\ufeff \t\r\n")
    if _ENVOY_KEYS.search(text):
        return ENVOY, _read_envoy(text, name, findings)
    if stripped.startswith(("{", "[")):
        return JSON, _read_json(stripped, name, findings)
    if stripped.startswith("<"):
        if "<network-security-config" in text:
            return _read_android(data, name, findings)
        if "NSAppTransportSecurity" in text or "TSKConfiguration" in text or "<plist" in text:
            return _read_plist(_load_plist(_as_plist_document(text), name), name, findings)
    if _SWIFT_PINNED_DOMAINS.search(text):
        return TRUSTKIT_IOS, _read_trustkit_swift(text, name, findings)
    if re.search(r"\.add\s*\(", text) and ("sha256/" in text or "sha1/" in text):
        return OKHTTP, _read_okhttp(text, name, findings)
    if re.search(r"pin-sha256\s*=", text, re.IGNORECASE):
        return HPKP, _read_hpkp(text, name, findings)
    if "sha256//" in text:
        return CURL, _read_curl(text, name, findings)
    raise UnsupportedFormat(f"{name} is not a pin configuration Pinscope reads; {EXPECTED}")


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnsupportedFormat(
            f"{name} is neither text nor a binary plist (byte {error.start} is not UTF-8); "
            f"{EXPECTED}"
        ) from error


# ---- pins ------------------------------------------------------------------------------------


def _valid_pins(
    values: Sequence[str], where: str, platform: str, findings: list[Finding]
) -> tuple[str, ...]:
    """The values that are 32-byte base64 digests, each once; a finding for each other one."""
    pins: dict[str, None] = {}
    for raw in values:
        value = raw.strip()
        problem = _pin_problem(value)
        if problem is None:
            pins[value] = None
        else:
            findings.append(_not_spki(value, problem, where, platform))
    return tuple(pins)


def _pin_problem(value: str) -> str | None:
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "it is not base64"
    if len(digest) != _DIGEST_LENGTH:
        return f"it decodes to {len(digest)} bytes, not the 32 of a SHA-256"
    return None


_REJECTS_BAD_PINS = {
    ANDROID: "Android rejects the whole file, so every HTTPS connection of the app fails",
    TRUSTKIT_ANDROID: "Android rejects the whole file, so every HTTPS connection of the app fails",
    TRUSTKIT_IOS: "TrustKit throws an exception at start-up and the app crashes",
    OKHTTP: "OkHttp accepts it but it can never match",
    IOS_ATS: "ATS skips it silently",
    ENVOY: "Envoy refuses to load the configuration",
}


def _not_spki(value: str, problem: str, where: str, platform: str) -> Finding:
    consequence = _REJECTS_BAD_PINS.get(platform, "it can never match")
    fatal = platform in (ANDROID, TRUSTKIT_ANDROID, TRUSTKIT_IOS, ENVOY)
    looks_hex = re.fullmatch(r"[0-9A-Fa-f:]{40,}", value) is not None
    hint = " It looks like a hex certificate fingerprint." if looks_hex else ""
    return Finding(
        "pin.not-spki",
        Severity.ERROR if fatal else Severity.WARNING,
        f"A pin of {where} is not an SPKI SHA-256",
        f"“{value[:60]}” is not a pin: {problem}.{hint} {consequence}.",
        "Replace it with the base64 SHA-256 of the key's SubjectPublicKeyInfo "
        "(`pinscope pins SOURCE` computes it).",
    )


def _invalid(title: str, detail: str, remedy: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding("pin.invalid-config", severity, title, detail, remedy)


def _parse_date(text: str | None, where: str, findings: list[Finding]) -> dt.date | None:
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        findings.append(
            _invalid(
                f"The expiration date of {where} cannot be read",
                f"“{text}” is not a yyyy-MM-dd date; the pins are treated as never expiring.",
                "Write the date as yyyy-MM-dd, for example 2027-06-30.",
                Severity.WARNING,
            )
        )
        return None


# ---- XML: Android and TrustKit-Android ---------------------------------------------------------


def _parse_xml(data: bytes, name: str) -> ET.Element:
    if _DANGEROUS_XML.search(data):
        raise DamagedInput(f"{name} declares XML entities or a DTD subset, which is refused")
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        raise DamagedInput(f"{name} is not well-formed XML: {error}") from error


def _read_android(
    data: bytes, name: str, findings: list[Finding]
) -> tuple[str, list[PinnedDomain]]:
    root = _parse_xml(data, name)
    if root.tag != "network-security-config":
        raise UnsupportedFormat(
            f"{name} is XML whose root is <{root.tag}>, not <network-security-config>; {EXPECTED}"
        )
    trustkit = root.find(".//trustkit-config") is not None
    platform = TRUSTKIT_ANDROID if trustkit else ANDROID
    for forbidden in ("base-config", "debug-overrides"):
        for element in root.findall(forbidden):
            if element.find("pin-set") is not None:
                findings.append(
                    _invalid(
                        f"pin-set inside <{forbidden}>",
                        f"Android allows <pin-set> only in <domain-config>; it rejects the "
                        f"file (“pin-set element not allowed in {forbidden}”), so every HTTPS "
                        "connection fails.",
                        "Move the pins into a <domain-config> naming the domains.",
                    )
                )
    domains: list[PinnedDomain] = []
    for element in root.findall("domain-config"):
        domains.extend(_android_domains(element, _Inherited(), platform, findings))
    _report_duplicates(domains, findings)
    return platform, domains


@dataclass(frozen=True)
class _Inherited:
    pins: tuple[str, ...] = ()
    expires: dt.date | None = None
    enforce: bool | None = None


def _android_domains(
    element: ET.Element, parent: _Inherited, platform: str, findings: list[Finding]
) -> Iterator[PinnedDomain]:
    names = element.findall("domain")
    where = ", ".join((d.text or "").strip() for d in names) or "a domain-config"
    pin_sets = element.findall("pin-set")
    if len(pin_sets) > 1:
        findings.append(
            _invalid(
                f"Several pin-sets for {where}",
                "Android rejects the file (“Multiple pin-set elements not allowed”), so every "
                "HTTPS connection fails.",
                "Merge the pins into one <pin-set>.",
            )
        )
    inherited = parent
    if pin_sets:
        inherited = _android_pin_set(pin_sets[0], where, platform, findings, parent)
    trustkit = element.find("trustkit-config")
    if trustkit is not None:
        enforce = trustkit.get("enforcePinning", "false").strip().lower() == "true"
        inherited = _Inherited(inherited.pins, inherited.expires, enforce)
    elif platform == TRUSTKIT_ANDROID and inherited.enforce is None:
        inherited = _Inherited(inherited.pins, inherited.expires, False)

    if not names:
        findings.append(
            _invalid(
                "A domain-config without a domain",
                "Android rejects the file (“No domain elements in domain-config”), so every "
                "HTTPS connection fails.",
                "Add a <domain> element or remove the <domain-config>.",
            )
        )
    for domain in names:
        pattern = (domain.text or "").strip().lower().rstrip(".")
        subdomains = domain.get("includeSubdomains", "false").strip().lower() == "true"
        yield PinnedDomain(
            pattern,
            subdomains,
            inherited.pins,
            inherited.expires,
            platform,
            enforce=inherited.enforce,
        )
    for child in element.findall("domain-config"):
        yield from _android_domains(child, inherited, platform, findings)


def _android_pin_set(
    pin_set: ET.Element, where: str, platform: str, findings: list[Finding], parent: _Inherited
) -> _Inherited:
    values = []
    for pin in pin_set.findall("pin"):
        digest = pin.get("digest", "")
        if digest.upper() != "SHA-256":
            findings.append(
                _invalid(
                    f"Unsupported pin digest for {where}",
                    f"digest=“{digest}”: Android accepts only “SHA-256” and rejects the file "
                    "(“Unsupported pin digest algorithm”), so every HTTPS connection fails.",
                    'Write digest="SHA-256" and a base64 SHA-256 SPKI pin.',
                )
            )
            continue
        values.append(pin.text or "")
    pins = _valid_pins(values, where, platform, findings)
    expiration = pin_set.get("expiration")
    return _Inherited(pins, _parse_date(expiration, where, findings), parent.enforce)


def _report_duplicates(domains: Sequence[PinnedDomain], findings: list[Finding]) -> None:
    seen: set[str] = set()
    for domain in domains:
        if domain.pattern in seen:
            findings.append(
                _invalid(
                    f"{domain.pattern} is configured twice",
                    "Android rejects the file (“has already been specified”), so every HTTPS "
                    "connection fails.",
                    "Keep one <domain> element per host.",
                )
            )
        seen.add(domain.pattern)


# ---- property lists: iOS ATS and TrustKit ------------------------------------------------------


def _as_plist_document(text: str) -> bytes:
    """A whole plist, wrapping a fragment (`<key>…</key><dict>…</dict>`) as exporters print it."""
    if "<plist" in text:
        return text.lstrip("\ufeff \t\r\n").encode("utf-8")
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", text).strip()
    if body.startswith("<key>"):
        body = f"<dict>{body}</dict>"
    return f'<plist version="1.0">{body}</plist>'.encode()


def _load_plist(data: bytes, name: str) -> Any:
    if _DANGEROUS_XML.search(data):
        raise DamagedInput(f"{name} declares XML entities or a DTD subset, which is refused")
    try:
        return plistlib.loads(data)
    except (plistlib.InvalidFileException, ValueError, ET.ParseError) as error:
        raise DamagedInput(f"{name} is not a readable property list: {error}") from error
    except Exception as error:  # expat raises its own ExpatError for malformed XML
        raise DamagedInput(f"{name} is not a readable property list: {error}") from error


def _read_plist(
    document: Any, name: str, findings: list[Finding]
) -> tuple[str, list[PinnedDomain]]:
    if not isinstance(document, dict):
        raise UnsupportedFormat(f"{name} is a property list but not a dictionary; {EXPECTED}")
    ats = document.get("NSAppTransportSecurity")
    if isinstance(ats, dict) and isinstance(ats.get("NSPinnedDomains"), dict):
        return IOS_ATS, list(_ats_domains(ats["NSPinnedDomains"], findings))
    trustkit = document.get("TSKConfiguration")
    if isinstance(trustkit, dict):
        return TRUSTKIT_IOS, list(_trustkit_domains(trustkit, findings))
    if isinstance(document.get("NSPinnedDomains"), dict):
        return IOS_ATS, list(_ats_domains(document["NSPinnedDomains"], findings))
    if isinstance(document.get("TSKPinnedDomains"), dict):
        return TRUSTKIT_IOS, list(_trustkit_domains(document, findings))
    raise UnsupportedFormat(
        f"{name} is a property list without NSAppTransportSecurity/NSPinnedDomains or "
        f"TSKConfiguration; {EXPECTED}"
    )


def _ats_domains(pinned: Mapping[str, Any], findings: list[Finding]) -> Iterator[PinnedDomain]:
    for pattern, entry in pinned.items():
        if not isinstance(entry, dict):
            continue
        ca = _ats_identities(entry.get("NSPinnedCAIdentities"), pattern, findings)
        leaf = _ats_identities(entry.get("NSPinnedLeafIdentities"), pattern, findings)
        has_ca = "NSPinnedCAIdentities" in entry
        has_leaf = "NSPinnedLeafIdentities" in entry
        if not has_ca and not has_leaf:
            findings.append(
                _invalid(
                    f"{pattern} has neither NSPinnedCAIdentities nor NSPinnedLeafIdentities",
                    "ATS needs at least one of the two lists to pin a domain.",
                    "Add NSPinnedCAIdentities (recommended) with at least two keys.",
                    Severity.WARNING,
                )
            )
        yield PinnedDomain(
            str(pattern).strip().lower(),
            entry.get("NSIncludesSubdomains") is True,
            tuple(dict.fromkeys((*ca, *leaf))),
            None,
            IOS_ATS,
            ca_pins=ca,
            leaf_pins=leaf,
            has_ca_list=has_ca,
            has_leaf_list=has_leaf,
        )


def _ats_identities(value: Any, where: str, findings: list[Finding]) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    texts = [str(item.get("SPKI-SHA256-BASE64", "")) for item in value if isinstance(item, dict)]
    return _valid_pins(texts, where, IOS_ATS, findings)


def _trustkit_domains(
    configuration: Mapping[str, Any], findings: list[Finding]
) -> Iterator[PinnedDomain]:
    pinned = configuration.get("TSKPinnedDomains")
    if not isinstance(pinned, dict):
        return
    for pattern, entry in pinned.items():
        if not isinstance(entry, dict) or "kSKExcludeSubdomainFromParentPolicy" in entry:
            continue
        hashes = entry.get("TSKPublicKeyHashes")
        texts = [str(item) for item in hashes] if isinstance(hashes, list) else []
        pins = _valid_pins(texts, pattern, TRUSTKIT_IOS, findings)
        enforce = entry.get("TSKEnforcePinning", True) is not False
        expires = entry.get("TSKExpirationDate")
        when = expires.date() if isinstance(expires, dt.datetime) else None
        if isinstance(expires, str):
            when = _parse_date(expires, pattern, findings)
        yield PinnedDomain(
            str(pattern).strip().lower(),
            entry.get("TSKIncludeSubdomains") is True,
            pins,
            when,
            TRUSTKIT_IOS,
            enforce=enforce,
        )


# ---- TrustKit Swift source ---------------------------------------------------------------------

_SWIFT_PINNED_DOMAINS = re.compile(r'\bkTSKPinnedDomains\b|"TSKPinnedDomains"')
_SWIFT_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<comment>//[^\n]*|/\*.*?\*/)'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<number>-?\d[\d_.]*)|(?P<space>\s+)|(?P<other>.)",
    re.DOTALL,
)
_SWIFT_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "'": "'", "\\": "\\"}
_SWIFT_EXCLUDE = "kTSKExcludeSubdomainFromParentPolicy"


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int


class _SwiftLiteral:
    """A reader of Swift array and dictionary literals: strings, Booleans, numbers, constants.

    Anything else (a variable, a call, a cast) reads as None, so one unusual value does not hide
    the rest of the configuration.
    """

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.tokens = list(_swift_tokens(text))
        self.index = 0

    def value_after(self, key_index: int) -> Any:
        """The value of the `key: value` pair whose key is token `key_index`."""
        self.index = key_index + 1
        self._expect(":")
        return self._value()

    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            last = self.tokens[-1].line if self.tokens else 1
            raise DamagedInput(
                f"{self.name} ends (line {last}) inside the TrustKit configuration literal"
            )
        self.index += 1
        return token

    def _expect(self, text: str) -> None:
        token = self._next()
        if token.text != text:
            raise DamagedInput(
                f"{self.name} line {token.line}: expected “{text}” in the TrustKit "
                f"configuration, found “{token.text}”"
            )

    def _value(self) -> Any:
        token = self._next()
        if token.text == "[":
            return self._collection(token)
        if token.kind == "string":
            return _swift_string(token.text)
        if token.kind == "word" and token.text in ("true", "false"):
            return token.text == "true"
        if token.kind == "word":
            return _SwiftConstant(token.text.rsplit(".", 1)[-1])
        self._skip_expression()
        return None

    def _collection(self, opening: _Token) -> Any:
        if self._peek_text() == ":":  # `[:]`, the empty dictionary
            self.index += 1
            self._expect("]")
            return {}
        items: list[Any] = []
        pairs: dict[Any, Any] = {}
        while self._peek_text() != "]":
            item = self._value()
            if self._peek_text() == ":":
                self.index += 1
                pairs[_swift_key(item)] = self._value()
            else:
                items.append(item)
            if self._peek_text() == ",":
                self.index += 1
            elif self._peek_text() != "]":
                token = self._next()
                raise DamagedInput(
                    f"{self.name} line {token.line}: expected “,” or “]” in the literal opened "
                    f"on line {opening.line}, found “{token.text}”"
                )
        self.index += 1
        return pairs if pairs else items

    def _peek_text(self) -> str | None:
        token = self._peek()
        return token.text if token is not None else None

    def _skip_expression(self) -> None:
        depth = 0
        while (token := self._peek()) is not None:
            if depth == 0 and token.text in (",", "]", ":"):
                return
            if token.text in ("[", "("):
                depth += 1
            elif token.text in ("]", ")"):
                depth -= 1
            self.index += 1


@dataclass(frozen=True)
class _SwiftConstant:
    """A bare identifier in the literal: a TrustKit constant, or something Pinscope cannot read."""

    name: str

    def __str__(self) -> str:
        return self.name


def _swift_tokens(text: str) -> Iterator[_Token]:
    line = 1
    for match in _SWIFT_TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield _Token(kind, match.group(), line)
        line += match.group().count("\n")


def _swift_string(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: _SWIFT_ESCAPES.get(m.group(1), m.group(1)), body)


def _swift_key(key: Any) -> Any:
    """The Info.plist spelling of a key: `kTSKPublicKeyHashes` is `TSKPublicKeyHashes`."""
    if not isinstance(key, _SwiftConstant):
        return key
    if key.name == _SWIFT_EXCLUDE:
        return "kSKExcludeSubdomainFromParentPolicy"  # the literal TrustKit's source holds
    return key.name.removeprefix("k") if key.name.startswith("kTSK") else key.name


def _read_trustkit_swift(text: str, name: str, findings: list[Finding]) -> list[PinnedDomain]:
    literal = _SwiftLiteral(text, name)
    key_index = next(
        (
            i
            for i, token in enumerate(literal.tokens)
            if token.text in ("kTSKPinnedDomains", '"TSKPinnedDomains"')
            and i + 1 < len(literal.tokens)
            and literal.tokens[i + 1].text == ":"
        ),
        None,
    )
    if key_index is None:
        raise DamagedInput(f"{name} names kTSKPinnedDomains but gives it no value")
    pinned = literal.value_after(key_index)
    if not isinstance(pinned, dict):
        raise DamagedInput(
            f"{name}: kTSKPinnedDomains is not a dictionary literal of domains; Pinscope reads "
            "the literal itself, not a variable"
        )
    return list(_trustkit_domains({"TSKPinnedDomains": pinned}, findings))


# ---- OkHttp source -----------------------------------------------------------------------------

_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_ADD_CALL = re.compile(r"\.add\s*\(")
_CODE_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)


def _read_okhttp(text: str, name: str, findings: list[Finding]) -> list[PinnedDomain]:
    code = _without_comments(text)
    by_pattern: dict[str, list[str]] = {}
    for match in _ADD_CALL.finditer(code):
        arguments = _call_arguments(code, match.end())
        strings = _STRING.findall(arguments)
        if len(strings) < 2 or not any(s.startswith(("sha256/", "sha1/")) for s in strings[1:]):
            continue
        pattern = strings[0].strip().lower()
        _check_okhttp_pattern(pattern, findings)
        by_pattern.setdefault(pattern, []).extend(strings[1:])
    if not by_pattern:
        raise DamagedInput(f'{name} has no CertificatePinner .add("host", "sha256/…") call')
    return [_okhttp_domain(pattern, values, findings) for pattern, values in by_pattern.items()]


def _without_comments(code: str) -> str:
    """The source with its comments removed; `//` inside a string literal is kept."""
    return _CODE_TOKEN.sub(lambda m: m.group(0) if m.group(0).startswith('"') else " ", code)


def _call_arguments(code: str, start: int) -> str:
    """The text between `(` at `start - 1` and its closing parenthesis, strings respected."""
    depth, index, quoted = 1, start, False
    while index < len(code) and depth:
        char = code[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        index += 1
    return code[start : index - 1]


def _check_okhttp_pattern(pattern: str, findings: list[Finding]) -> None:
    rest = pattern.removeprefix("**.").removeprefix("*.")
    if "*" in rest or "://" in pattern or "/" in pattern:
        findings.append(
            _invalid(
                f"OkHttp refuses the pattern “{pattern}”",
                "A pattern is a host name, `*.` plus a host (one label) or `**.` plus a host "
                "(any depth); anything else throws “Unexpected pattern” or “Invalid pattern” "
                "when the CertificatePinner is built.",
                "Write the bare host name, without scheme, path or inner wildcards.",
            )
        )


def _okhttp_domain(pattern: str, values: Sequence[str], findings: list[Finding]) -> PinnedDomain:
    sha256 = []
    for value in values:
        if value.startswith("sha256/"):
            sha256.append(value.removeprefix("sha256/"))
        elif value.startswith("sha1/"):
            findings.append(
                _invalid(
                    f"A SHA-1 pin for {pattern}",
                    f"“{value}” is a legacy SHA-1 pin; Pinscope checks SHA-256 pins only, so "
                    "it is not counted.",
                    "Replace it with the sha256/ pin of the same key.",
                    Severity.WARNING,
                )
            )
        else:
            findings.append(
                _invalid(
                    f"OkHttp refuses a pin of {pattern}",
                    f"“{value[:60]}” does not start with sha256/ or sha1/; OkHttp throws "
                    "“pins must start with 'sha256/' or 'sha1/'”.",
                    "Prefix the base64 SPKI SHA-256 with sha256/.",
                )
            )
    pins = _valid_pins(sha256, pattern, OKHTTP, findings)
    subdomains = pattern.startswith(("*.", "**."))
    return PinnedDomain(pattern, subdomains, pins, None, OKHTTP)


# ---- curl and HPKP -----------------------------------------------------------------------------

_CURL_HASH = re.compile(r"sha256//([^;'\"\s]*)")
_URL_HOST = re.compile(r"https://([^/:\s'\"]+)")


def _read_curl(text: str, name: str, findings: list[Finding]) -> list[PinnedDomain]:
    values = _CURL_HASH.findall(text)
    pins = _valid_pins(values, "the curl pin string", CURL, findings)
    host = _URL_HOST.search(text)
    pattern = host.group(1).lower() if host else ""
    return [PinnedDomain(pattern, False, pins, None, CURL)]


_HPKP_PIN = re.compile(r'pin-sha256\s*=\s*"([^"]*)"', re.IGNORECASE)
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def _read_hpkp(text: str, name: str, findings: list[Finding]) -> list[PinnedDomain]:
    values = _HPKP_PIN.findall(text)
    pins = _valid_pins(values, "the Public-Key-Pins header", HPKP, findings)
    if _MAX_AGE.search(text) is None and "report-only" not in text.lower():
        findings.append(
            _invalid(
                "The Public-Key-Pins header has no max-age",
                "RFC 7469 requires max-age; a user agent ignores the header without it.",
                "Add max-age=SECONDS (about 60 days at most).",
            )
        )
    subdomains = re.search(r"\bincludeSubDomains\b", text, re.IGNORECASE) is not None
    return [PinnedDomain("", subdomains, pins, None, HPKP)]


# ---- Envoy -------------------------------------------------------------------------------------

_ENVOY_KEYS = re.compile(r"\bverify_certificate_(?:spki|hash)\b")


def _read_envoy(text: str, name: str, findings: list[Finding]) -> list[PinnedDomain]:
    """One domain per validation context with pins, named by its cluster's SNI or SAN matcher."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise DamagedInput(f"{name} is not readable YAML or JSON{line}: {error}") from error

    domains = []
    for context, sni in _envoy_contexts(documents, None):
        spki = context.get("verify_certificate_spki")
        values = [str(v) for v in spki] if isinstance(spki, list) else []
        pattern = (sni or _envoy_exact_san(context) or "").strip().lower().rstrip(".")
        where = f"the Envoy context for {pattern or 'its cluster'}"
        pins = _valid_pins(values, where, ENVOY, findings)
        if context.get("verify_certificate_hash"):
            findings.append(
                _invalid(
                    f"{where} also lists verify_certificate_hash",
                    "Those are SHA-256 fingerprints of whole certificates, not key pins; Envoy "
                    "accepts a leaf matching either list, and Pinscope checks only the SPKI pins.",
                    "Prefer verify_certificate_spki: a fingerprint changes at every renewal.",
                    Severity.WARNING,
                )
            )
        if pins:
            domains.append(PinnedDomain(pattern, False, pins, None, ENVOY))
    if not domains:
        raise DamagedInput(
            f"{name} is an Envoy configuration without a usable verify_certificate_spki list "
            "(Pinscope checks SPKI pins, not verify_certificate_hash fingerprints)"
        )
    return domains


def _envoy_contexts(node: Any, sni: str | None) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    """Every mapping holding Envoy pins, with the `sni` of the TLS context around it."""
    if isinstance(node, list):
        for item in node:
            yield from _envoy_contexts(item, sni)
    elif isinstance(node, dict):
        own = node.get("sni")
        sni = own if isinstance(own, str) and own else sni
        if "verify_certificate_spki" in node or "verify_certificate_hash" in node:
            yield node, sni
        for value in node.values():
            yield from _envoy_contexts(value, sni)


def _envoy_exact_san(context: Mapping[str, Any]) -> str | None:
    for key in ("match_typed_subject_alt_names", "match_subject_alt_names"):
        matchers = context.get(key)
        for item in matchers if isinstance(matchers, list) else []:
            matcher = item.get("matcher", item) if isinstance(item, dict) else None
            if isinstance(matcher, dict) and isinstance(matcher.get("exact"), str):
                return str(matcher["exact"])
    return None


# ---- Pinscope JSON -----------------------------------------------------------------------------


def _read_json(text: str, name: str, findings: list[Finding]) -> list[PinnedDomain]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DamagedInput(
            f"{name} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
    if isinstance(document, list):
        sets = document
    elif isinstance(document, dict) and isinstance(document.get("pin_sets"), list):
        sets = document["pin_sets"]
    else:
        sets = [document]
    domains: list[PinnedDomain] = []
    for item in sets:
        if isinstance(item, dict):
            domains.extend(_json_domains(item, findings))
    if not domains and not any(isinstance(s, dict) and "pins" in s for s in sets):
        raise UnsupportedFormat(
            f'{name} is JSON but not a Pinscope pin set (no "domains" and "pins"); {EXPECTED}'
        )
    return domains


def _json_domains(document: Mapping[str, Any], findings: list[Finding]) -> Iterator[PinnedDomain]:
    subdomains = bool(document.get("include_subdomains", document.get("includeSubdomains")))
    expires_text = document.get("expires", document.get("expiration"))
    expires = _parse_date(str(expires_text), "the JSON pin set", findings) if expires_text else None
    values = [*_json_pins(document.get("pins")), *_json_pins(document.get("backups"))]
    pins = _valid_pins(values, "the JSON pin set", JSON, findings)
    for entry in _json_list(document.get("domains", document.get("domain"))):
        if isinstance(entry, str):
            yield PinnedDomain(entry.strip().lower(), subdomains, pins, expires, JSON)
        elif isinstance(entry, dict):
            own = [*_json_pins(entry.get("pins")), *_json_pins(entry.get("backups"))]
            own_pins = _valid_pins(own, "the JSON pin set", JSON, findings) if own else pins
            pattern = str(entry.get("domain", entry.get("pattern", entry.get("name", ""))))
            yield PinnedDomain(
                pattern.strip().lower(),
                bool(entry.get("include_subdomains", subdomains)),
                own_pins,
                expires,
                JSON,
            )


def _json_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _json_pins(value: Any) -> list[str]:
    pins = []
    for item in _json_list(value):
        if isinstance(item, str):
            pins.append(item.removeprefix("sha256/"))
        elif isinstance(item, dict):
            text = item.get("value", item.get("pin", item.get("spki_sha256")))
            if isinstance(text, str):
                pins.append(text.removeprefix("sha256/"))
    return pins
