"""iOS pin configurations: App Transport Security `NSPinnedDomains` and TrustKit (Swift, plist).

Also the checks other formats built on TrustKit share (react-native-ssl-public-key-pinning
uses TrustKit on iOS): domain names, the two-pin rule and the key types TrustKit can hash.
"""

from __future__ import annotations

import ipaddress
import logging
import plistlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pinscope.core.model import Finding, Severity
from pinscope.core.pins.formats.common import checked_value
from pinscope.core.pins.model import INTERMEDIATE, LEAF, ROOT, PinSet, Rendered, SPKIPin

__all__ = [
    "DomainEntry",
    "check_digests",
    "domain_entries",
    "ignored_option_findings",
    "render_ats",
    "render_trustkit_plist",
    "render_trustkit_swift",
    "trustkit_domain_refusal",
    "trustkit_minimum_refusal",
]

logger = logging.getLogger(__name__)

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_TRUSTKIT_MINIMUM_PINS = 2  # when kTSKEnforcePinning is YES, its default


# ---------------------------------------------------------------------------------------------
# Shared checks


@dataclass(frozen=True)
class DomainEntry:
    """One domain key of a configuration, as the platform must see it."""

    name: str
    """Lowercase, IDNA (punycode), no trailing dot, no wildcard."""
    include_subdomains: bool


def domain_entries(
    pin_set: PinSet, platform: str, subdomains_meaning: str
) -> tuple[list[DomainEntry], list[Finding]]:
    """The pin set's domains normalised for a platform without wildcard syntax.

    `*.example.com` becomes `example.com` with subdomains included, said in a finding.

    Args:
        pin_set: the pin set.
        platform: the platform's name, for messages ("App Transport Security").
        subdomains_meaning: what "include subdomains" covers there, completing "it covers ...".

    Raises:
        ValueError: no domain, or a value that is not a host name.
    """
    if not pin_set.domains:
        raise ValueError("the pin set has no domain to pin: give at least one with --domain")
    merged: dict[str, bool] = {}
    wildcards: list[str] = []
    for domain in pin_set.domains:
        name, wildcard = _normalise_domain(domain)
        if wildcard:
            wildcards.append(f"*.{name}")
        merged[name] = merged.get(name, False) or wildcard or pin_set.include_subdomains
    entries = [DomainEntry(name, include) for name, include in merged.items()]
    findings = [_wildcard_finding(w, platform, subdomains_meaning) for w in wildcards]
    return entries, findings


def _normalise_domain(domain: str) -> tuple[str, bool]:
    """The domain as a platform key, and whether it was written as a `*.` wildcard."""
    name = domain.strip().lower()
    if not name or "/" in name or ":" in name or any(c.isspace() for c in name):
        raise ValueError(
            f"{domain!r} is not a domain name: write the host alone, without scheme, port or path"
        )
    name = name.removesuffix(".")
    wildcard = name.startswith("*.")
    name = name.removeprefix("*.")
    if "*" in name:
        raise ValueError(f"{domain!r} has a wildcard that is not a whole leading label")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"{domain!r} is not a valid internationalised domain name") from error
    if not all(_LABEL.match(label) for label in name.split(".")):
        raise ValueError(f"{domain!r} is not a valid domain name")
    return name, wildcard


def _wildcard_finding(wildcard: str, platform: str, subdomains_meaning: str) -> Finding:
    base = wildcard.removeprefix("*.")
    return Finding(
        "pin.wildcard-domain",
        Severity.INFO,
        f"{wildcard} written as {base} with subdomains included",
        f"{platform} has no wildcard syntax: a key {wildcard} would never match. Including "
        f"subdomains of {base} covers {subdomains_meaning}, and {base} itself.",
        f"Check that {base} and the names it now covers serve a chain these pins match.",
    )


def check_digests(pins: Iterable[SPKIPin]) -> None:
    """Refuse pins that are not standard base64 of 32 bytes: platforms skip or crash on them.

    Raises:
        ValueError: naming the pin and what is wrong with it.
    """
    for pin in pins:
        checked_value(pin, "a SHA-256 pin is 32")


def ignored_option_findings(
    pin_set: PinSet,
    platform: str,
    *,
    expiry: bool = False,
    report_uri: bool = False,
    subdomains: bool = False,
) -> list[Finding]:
    """One info finding for each option of the pin set the platform has no place for.

    Keyword arguments name the options the platform does support.
    """
    ignored: list[str] = []
    if pin_set.expires is not None and not expiry:
        ignored.append(f"the expiration date {pin_set.expires.isoformat()}")
    if pin_set.report_uri is not None and not report_uri:
        ignored.append(f"the report URI {pin_set.report_uri}")
    if pin_set.include_subdomains and not subdomains:
        ignored.append("include subdomains")
    if not ignored:
        return []
    return [
        Finding(
            "pin.option-ignored",
            Severity.INFO,
            f"{platform} has no setting for {_join(ignored)}",
            f"{platform} configurations cannot express {_join(ignored)}; the export leaves it out.",
            "Handle it in the app if it matters (for example ship an update before pins expire).",
        )
    ]


def trustkit_minimum_refusal(pin_set: PinSet, platform: str) -> None:
    """Refuse a pin set TrustKit would refuse to start with (it enforces pinning by default).

    Raises:
        ValueError: fewer than two distinct pins.
    """
    count = len(pin_set.all_pins)
    if count < _TRUSTKIT_MINIMUM_PINS:
        raise ValueError(
            f"{platform} refuses to start with fewer than {_TRUSTKIT_MINIMUM_PINS} distinct "
            f"pins per domain when enforcing pinning, and this pin set has {count}: add a backup "
            "pin (--backup with a spare key, CSR or another CA)"
        )


def trustkit_domain_refusal(entries: Iterable[DomainEntry], platform: str) -> None:
    """Refuse domain keys TrustKit rejects as invalid: IP addresses, localhost, single labels.

    Raises:
        ValueError: naming the domain.
    """
    for entry in entries:
        try:
            ipaddress.ip_address(entry.name)
        except ValueError:
            pass
        else:
            raise ValueError(f"{platform} rejects IP address {entry.name} as a pinned domain")
        # TODO(#5): check against the public suffix list too (TrustKit rejects "co.uk" and
        # include-subdomains on any public suffix); only single labels are caught for now.
        if "." not in entry.name or entry.name.endswith(".localhost"):
            raise ValueError(
                f"{platform} rejects {entry.name!r} as a pinned domain: it needs a name under "
                "a public suffix, such as api.example.com"
            )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plist_text(document: dict[str, object]) -> str:
    return plistlib.dumps(document, sort_keys=False).decode("utf-8")


# ---------------------------------------------------------------------------------------------
# App Transport Security

_ATS = "App Transport Security"
_ATS_ONE_LABEL = "names exactly one label below it (a.example.com, not a.b.example.com)"


def render_ats(pin_set: PinSet) -> Rendered:
    """The `NSAppTransportSecurity` dictionary with `NSPinnedDomains`, as a whole plist document.

    Pins of CA certificates go to `NSPinnedCAIdentities`, leaf pins to `NSPinnedLeafIdentities`;
    a list with nothing in it is left out, never written empty.

    Raises:
        ValueError: no domain, an invalid domain or pin, or no pin at all.
    """
    check_digests(pin_set.all_pins)
    entries, findings = domain_entries(pin_set, _ATS, _ATS_ONE_LABEL)
    ca_pins, leaf_pins, placement = _ats_lists(pin_set)
    if not ca_pins and not leaf_pins:
        raise ValueError(f"{_ATS} needs at least one pin in NSPinnedDomains; the pin set has none")

    domains: dict[str, object] = {}
    for entry in entries:
        domain: dict[str, object] = {"NSIncludesSubdomains": entry.include_subdomains}
        if ca_pins:
            domain["NSPinnedCAIdentities"] = [{"SPKI-SHA256-BASE64": p.value} for p in ca_pins]
        if leaf_pins:
            domain["NSPinnedLeafIdentities"] = [{"SPKI-SHA256-BASE64": p.value} for p in leaf_pins]
        domains[entry.name] = domain
    text = _plist_text({"NSAppTransportSecurity": {"NSPinnedDomains": domains}})

    findings += placement
    findings += _ats_findings(pin_set, ca_pins, leaf_pins)
    findings += ignored_option_findings(pin_set, _ATS, subdomains=True)
    return Rendered(text, "ats-pinned-domains.plist", findings=tuple(findings))


def _ats_lists(pin_set: PinSet) -> tuple[list[SPKIPin], list[SPKIPin], list[Finding]]:
    """Pins split into the CA list and the leaf list, and what was decided without a role."""
    ca_pins: list[SPKIPin] = []
    leaf_pins: list[SPKIPin] = []
    guessed: list[SPKIPin] = []
    leaf_level = pin_set.level == LEAF or any(p.role == LEAF for p in pin_set.pins)
    for pin in pin_set.all_pins:
        if pin.role == LEAF:
            leaf_pins.append(pin)
        elif pin.role in (INTERMEDIATE, ROOT):
            ca_pins.append(pin)
        elif pin.certificate is not None:
            (ca_pins if pin.certificate.details.is_ca else leaf_pins).append(pin)
        else:
            guessed.append(pin)
            (leaf_pins if leaf_level else ca_pins).append(pin)

    findings: list[Finding] = []
    if guessed:
        target = "NSPinnedLeafIdentities" if leaf_level else "NSPinnedCAIdentities"
        checked = "the leaf certificate" if leaf_level else "CA certificates above the leaf"
        other = (
            "a CA key: pin at --level intermediate or root"
            if leaf_level
            else ("a spare server key: pin at --level leaf")
        )
        findings.append(
            Finding(
                "pin.ats-placement",
                Severity.INFO,
                f"{_join([p.source for p in guessed])} put in {target}",
                f"Nothing says whether {_join([p.value for p in guessed])} is a server or a CA "
                f"key, so it joins the other pins of this level in {target}, which ATS checks "
                f"against {checked} only.",
                f"If it is {other}.",
            )
        )
    return ca_pins, leaf_pins, findings


def _ats_findings(
    pin_set: PinSet,
    ca_pins: list[SPKIPin],
    leaf_pins: list[SPKIPin],
) -> list[Finding]:
    findings: list[Finding] = []
    if ca_pins and leaf_pins:
        findings.append(
            Finding(
                "pin.ats-both-lists",
                Severity.WARNING,
                "ATS requires a match in both the CA list and the leaf list",
                "The export has NSPinnedCAIdentities and NSPinnedLeafIdentities. When both are "
                "present ATS accepts a connection only if a CA certificate matches the first "
                "and the leaf matches the second, so a new leaf key breaks the app even though "
                "the CA pins still match.",
                "Pin CA keys only (--level intermediate or root), or the leaf only (--level leaf) "
                "with a backup leaf key, unless both checks are wanted.",
            )
        )
    leaf = pin_set.leaf
    for pin in ca_pins:
        if leaf is not None and pin.certificate == leaf:
            findings.append(
                Finding(
                    "pin.ats-ca-unmatchable",
                    Severity.ERROR,
                    f"{pin.source} can never match in NSPinnedCAIdentities",
                    "ATS checks the CA list against the certificates above the leaf of the "
                    f"chain it built; {pin.source} is the leaf itself (a one-certificate, "
                    "self-signed chain), so no connection passes the CA check.",
                    "Pin it as a leaf (--level leaf), or pin the CA that issues it.",
                    leaf.sha256,
                )
            )
    if pin_set.include_subdomains:  # a `*.` wildcard meant one label anyway
        findings.append(
            Finding(
                "pin.ats-one-level",
                Severity.WARNING,
                "NSIncludesSubdomains covers one extra label only",
                f"With NSIncludesSubdomains ATS pins the domain and {_ATS_ONE_LABEL}; deeper "
                "names are not pinned at all. Android, OkHttp's ** and TrustKit cover every "
                "depth.",
                "Add a domain entry for each deeper parent (b.example.com for a.b.example.com).",
            )
        )
    findings.append(
        Finding(
            "pin.platform-version",
            Severity.INFO,
            "NSPinnedDomains needs iOS 14 or macOS 11",
            "Older systems ignore NSPinnedDomains, so apps running there pin nothing.",
            "Raise the deployment target to iOS 14 / macOS 11, or pin in code for older ones.",
        )
    )
    return findings


# ---------------------------------------------------------------------------------------------
# TrustKit

_TRUSTKIT = "TrustKit"
_TRUSTKIT_ANY_DEPTH = "its subdomains at any depth"


class _Key(str):
    """A TrustKit configuration constant: written bare in Swift, as its string in a plist."""

    __slots__ = ()

    @property
    def plist_name(self) -> str:
        return self.removeprefix("k")


_SWIZZLE = _Key("kTSKSwizzleNetworkDelegates")
_PINNED_DOMAINS = _Key("kTSKPinnedDomains")
_INCLUDE_SUBDOMAINS = _Key("kTSKIncludeSubdomains")
_ENFORCE = _Key("kTSKEnforcePinning")
_EXPIRATION = _Key("kTSKExpirationDate")
_REPORT_URIS = _Key("kTSKReportUris")
_DISABLE_DEFAULT_REPORT = _Key("kTSKDisableDefaultReportUri")
_HASHES = _Key("kTSKPublicKeyHashes")


def render_trustkit_swift(pin_set: PinSet) -> Rendered:
    """The Swift dictionary for `TrustKit.initSharedInstance(withConfiguration:)`.

    Raises:
        ValueError: what TrustKit would refuse at start-up: fewer than two pins, an invalid pin,
            an IP address, localhost or a single-label domain.
    """
    config, findings = _trustkit_config(pin_set)
    text = (
        "import TrustKit\n"
        "\n"
        f"let trustKitConfig: [String: Any] = {_swift_literal(config, 0)}\n"
        "TrustKit.initSharedInstance(withConfiguration: trustKitConfig)\n"
    )
    return Rendered(text, "TrustKitConfig.swift", findings=tuple(findings))


def render_trustkit_plist(pin_set: PinSet) -> Rendered:
    """The `TSKConfiguration` dictionary for Info.plist, as a whole plist document.

    Raises:
        ValueError: as for `render_trustkit_swift`.
    """
    config, findings = _trustkit_config(pin_set)
    text = _plist_text({"TSKConfiguration": _plist_form(config)})
    return Rendered(text, "trustkit-configuration.plist", findings=tuple(findings))


def _trustkit_config(pin_set: PinSet) -> tuple[dict[str, object], list[Finding]]:
    """The configuration as nested dicts keyed by `_Key`s and domains, and its findings."""
    check_digests(pin_set.all_pins)
    trustkit_minimum_refusal(pin_set, _TRUSTKIT)
    entries, findings = domain_entries(pin_set, _TRUSTKIT, _TRUSTKIT_ANY_DEPTH)
    trustkit_domain_refusal(entries, _TRUSTKIT)

    domains: dict[str, object] = {}
    for entry in entries:
        domain: dict[str, object] = {_INCLUDE_SUBDOMAINS: entry.include_subdomains, _ENFORCE: True}
        if pin_set.expires is not None:
            domain[_EXPIRATION] = pin_set.expires.isoformat()
        if pin_set.report_uri is not None:
            domain[_REPORT_URIS] = [pin_set.report_uri]
        domain[_DISABLE_DEFAULT_REPORT] = True
        domain[_HASHES] = [pin.value for pin in pin_set.all_pins]
        domains[entry.name] = domain
    config: dict[str, object] = {_SWIZZLE: False, _PINNED_DOMAINS: domains}

    findings += _trustkit_notes(pin_set)
    return config, findings


def _trustkit_notes(pin_set: PinSet) -> list[Finding]:
    findings = [
        Finding(
            "pin.scope",
            Severity.INFO,
            "TrustKit checks only connections that reach its validator",
            "The configuration turns delegate swizzling off, so TrustKit pins nothing until "
            "the app's URLSession delegate passes each server-trust challenge to "
            "TSKPinningValidator. It is separate from ATS NSPinnedDomains.",
            "Call TrustKit.sharedInstance().pinningValidator.handle(challenge, "
            "completionHandler:) in urlSession(_:didReceive:completionHandler:), or set "
            "kTSKSwizzleNetworkDelegates to true.",
        )
    ]
    if pin_set.expires is not None:
        findings.append(
            Finding(
                "pin.expiry-fails-open",
                Severity.INFO,
                f"TrustKit stops pinning after {pin_set.expires.isoformat()} (UTC)",
                "kTSKExpirationDate is read as a UTC date, not the device's time zone; after "
                "it the domain is not pinned and any certificate the system trusts is accepted.",
                "Ship an update with fresh pins before that date.",
            )
        )
    return findings


def _swift_literal(value: object, indent: int) -> str:
    """A Swift literal for bools, strings, lists and dicts, with trailing commas."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Key):
        return str(value)
    if isinstance(value, str):
        return swift_string(value)
    inner = "    " * (indent + 1)
    if isinstance(value, list):
        items = [f"{inner}{_swift_literal(item, indent + 1)},\n" for item in value]
    elif isinstance(value, dict):
        items = [
            f"{inner}{_swift_literal(key, indent + 1)}: {_swift_literal(item, indent + 1)},\n"
            for key, item in value.items()
        ]
    else:
        raise TypeError(f"cannot write {type(value).__name__} as a Swift literal")
    return "[\n" + "".join(items) + "    " * indent + "]"


def swift_string(text: str) -> str:
    """A double-quoted Swift string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _plist_form(value: object) -> object:
    if isinstance(value, dict):
        return {
            key.plist_name if isinstance(key, _Key) else key: _plist_form(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_plist_form(item) for item in value]
    return value
