"""iOS pin formats: ATS NSPinnedDomains and TrustKit (Swift, plist) against golden files and
the rules of the pin-formats reference, sections 3 and 4.

Regenerate the golden files with `PINSCOPE_REGENERATE_GOLDEN=1 pytest tests/core/pins`.
"""

from __future__ import annotations

import datetime as dt
import os
import plistlib
from pathlib import Path

import pytest

from pinscope.core.certificate import Certificate
from pinscope.core.keys import PublicKeyDetails, spki_pin
from pinscope.core.model import Severity
from pinscope.core.pins.formats import render
from pinscope.core.pins.model import BACKUP, INTERMEDIATE, LEAF, ROOT, PinSet, SPKIPin
from pinscope.core.pins.safety import check_pin_set
from pinscope.core.sources import load_path
from tests.conftest import DATA

GOLDEN = Path(__file__).parent / "golden"

# The reference's placeholders: SHA-256 of fixed ASCII strings, not of real keys.
PRIMARY = "nG4IxWtpnU/QnrRL/GKWfvBiJpgkPZGWnPp0accFtB0="
BACKUP_PIN = "NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="
CA = "GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU="

# The reference's example in section 3.1, as a whole plist document.
SPEC_ATS_EXAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>NSAppTransportSecurity</key>
<dict>
    <key>NSPinnedDomains</key>
    <dict>
        <key>example.com</key>
        <dict>
            <key>NSIncludesSubdomains</key>
            <true/>
            <key>NSPinnedCAIdentities</key>
            <array>
                <dict>
                    <key>SPKI-SHA256-BASE64</key>
                    <string>GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU=</string>
                </dict>
                <dict>
                    <key>SPKI-SHA256-BASE64</key>
                    <string>NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ=</string>
                </dict>
            </array>
        </dict>
    </dict>
</dict>
</dict></plist>
"""


# ---------------------------------------------------------------------------------------------
# Helpers shared with test_formats_mobile


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/core/pins/golden/NAME, or rewrite it when asked to."""
    path = GOLDEN / name
    if os.environ.get("PINSCOPE_REGENERATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from its golden file"


def assert_balanced(text: str, quotes: str) -> None:
    """Brackets pair up and string literals close on their line; `//` comments are skipped."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        quote: str | None = None
        index = 0
        while index < len(line):
            char = line[index]
            if quote is not None:
                if char == "\\":
                    index += 1
                elif char == quote:
                    quote = None
            elif char in quotes:
                quote = char
            elif line.startswith("//", index):
                break
            elif char in "([{":
                stack.append(char)
            elif char in pairs:
                assert stack and stack.pop() == pairs[char], f"line {number}: {line}"
            index += 1
        assert quote is None, f"line {number}: unclosed string: {line}"
    assert not stack, f"unclosed {stack}"


def placeholder_pin_set(**changes: object) -> PinSet:
    """The reference's example: a CA pin and a backup for example.com and its subdomains."""
    fields: dict[str, object] = {
        "domains": ("example.com",),
        "pins": (SPKIPin(CA, "certificate CN=Demo CA", INTERMEDIATE),),
        "backups": (SPKIPin(BACKUP_PIN, "private key backup.key", BACKUP),),
        "include_subdomains": True,
        "expires": dt.date(2027, 6, 30),
        "report_uri": "https://reports.example.com/pin-failure",
    }
    fields.update(changes)
    return PinSet(**fields)  # type: ignore[arg-type]


def chain_certificates() -> tuple[Certificate, ...]:
    """The committed test chain: leaf (EC P-256), issuing CA (EC P-256), root (RSA 2048)."""
    return load_path(DATA / "chain.pem").entries[0].certificates


def certificate_pin(cert: Certificate, role: str) -> SPKIPin:
    return SPKIPin(
        spki_pin(cert.spki_der),
        f"certificate {cert.details.subject}",
        role,
        cert,
        cert.details.public_key,
    )


def chain_pin_set(level: str = "all", **changes: object) -> PinSet:
    """Pins of the committed chain at `level`, with a spare key as backup."""
    chain = chain_certificates()
    roles = dict(zip(chain, (LEAF, INTERMEDIATE, ROOT), strict=True))
    chosen = [c for c in chain if level in ("all", roles[c])]
    fields: dict[str, object] = {
        "domains": ("api.example.test", "*.api.example.test"),
        "pins": tuple(certificate_pin(c, roles[c]) for c in chosen),
        "backups": (SPKIPin(BACKUP_PIN, "private key backup.key", BACKUP),),
        "chain": chain,
        "level": level,
    }
    fields.update(changes)
    return PinSet(**fields)  # type: ignore[arg-type]


def codes(findings: object) -> list[str]:
    assert isinstance(findings, tuple)
    return [finding.code for finding in findings]


# ---------------------------------------------------------------------------------------------
# App Transport Security


def test_ats_matches_the_reference_example() -> None:
    rendered = render("ios-ats", placeholder_pin_set())

    assert plistlib.loads(rendered.text.encode()) == plistlib.loads(SPEC_ATS_EXAMPLE)
    assert_golden("ios-ats.plist", rendered.text)


def test_ats_keeps_ca_and_leaf_identities_apart_and_warns_that_both_must_match() -> None:
    pin_set = chain_pin_set("all")
    leaf, issuer, root = pin_set.chain

    rendered = render("ios-ats", pin_set)

    document = plistlib.loads(rendered.text.encode())
    domain = document["NSAppTransportSecurity"]["NSPinnedDomains"]["api.example.test"]
    ca_list = [item["SPKI-SHA256-BASE64"] for item in domain["NSPinnedCAIdentities"]]
    leaf_list = [item["SPKI-SHA256-BASE64"] for item in domain["NSPinnedLeafIdentities"]]
    assert ca_list == [spki_pin(issuer.spki_der), spki_pin(root.spki_der)]
    assert leaf_list == [spki_pin(leaf.spki_der), BACKUP_PIN]  # the spare key joins the leaf
    assert "pin.ats-both-lists" in codes(rendered.findings)
    assert "pin.ats-placement" in codes(rendered.findings)  # the spare key's list was a choice
    assert_golden("ios-ats-leaf-and-ca.plist", rendered.text)


def test_ats_writes_only_the_list_it_has_and_types_survive_plistlib() -> None:
    rendered = render("ios-ats", chain_pin_set("leaf", domains=("API.Example.Test.",)))

    document = plistlib.loads(rendered.text.encode())
    domains = document["NSAppTransportSecurity"]["NSPinnedDomains"]
    assert list(domains) == ["api.example.test"]
    entry = domains["api.example.test"]
    assert entry["NSIncludesSubdomains"] is False
    assert "NSPinnedCAIdentities" not in entry  # never an empty array
    assert isinstance(entry["NSPinnedLeafIdentities"], list)
    assert all(isinstance(i["SPKI-SHA256-BASE64"], str) for i in entry["NSPinnedLeafIdentities"])
    assert "pin.ats-both-lists" not in codes(rendered.findings)


def test_ats_says_include_subdomains_covers_one_label() -> None:
    rendered = render("ios-ats", placeholder_pin_set())

    one_level = [f for f in rendered.findings if f.code == "pin.ats-one-level"]
    assert len(one_level) == 1
    assert "one" in one_level[0].title
    assert "a.b.example.com" in one_level[0].detail


def test_ats_turns_a_wildcard_into_the_parent_with_subdomains() -> None:
    rendered = render("ios-ats", placeholder_pin_set(domains=("*.example.com",)))

    domains = plistlib.loads(rendered.text.encode())["NSAppTransportSecurity"]["NSPinnedDomains"]
    assert list(domains) == ["example.com"]
    assert domains["example.com"]["NSIncludesSubdomains"] is True
    assert "*" not in rendered.text
    assert "pin.wildcard-domain" in codes(rendered.findings)


def test_ats_reports_a_ca_pin_that_is_the_self_signed_leaf() -> None:
    root = chain_certificates()[2]
    pin_set = PinSet(("example.com",), (certificate_pin(root, ROOT),), chain=(root,))

    rendered = render("ios-ats", pin_set)

    unmatchable = [f for f in rendered.findings if f.code == "pin.ats-ca-unmatchable"]
    assert [f.severity for f in unmatchable] == [Severity.ERROR]
    assert unmatchable[0].certificate == root.sha256


def test_ats_says_it_has_no_expiry_or_report_uri() -> None:
    rendered = render("ios-ats", placeholder_pin_set())

    ignored = [f for f in rendered.findings if f.code == "pin.option-ignored"]
    assert len(ignored) == 1
    assert "2027-06-30" in ignored[0].title
    assert "reports.example.com" in ignored[0].title


@pytest.mark.parametrize(
    ("domains", "reason"),
    [
        ((), "no domain"),
        (("https://example.com/",), "not a domain name"),
        (("example.com:443",), "not a domain name"),
        (("a.*.example.com",), "wildcard"),
        (("exa mple.com",), "not a domain name"),
    ],
)
def test_ats_refuses_what_is_not_a_domain(domains: tuple[str, ...], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        render("ios-ats", placeholder_pin_set(domains=domains))


def test_ats_refuses_no_pins_and_invalid_pins() -> None:
    with pytest.raises(ValueError, match="at least one pin"):
        render("ios-ats", placeholder_pin_set(pins=(), backups=()))
    short = SPKIPin("AAAA", "pasted value")
    with pytest.raises(ValueError, match="3 bytes; a SHA-256 pin is 32"):
        render("ios-ats", placeholder_pin_set(backups=(short,)))


# ---------------------------------------------------------------------------------------------
# TrustKit


def test_trustkit_swift_golden_and_balanced() -> None:
    rendered = render("trustkit-ios", placeholder_pin_set())

    assert_golden("trustkit-ios.swift", rendered.text)
    assert_balanced(rendered.text, '"')
    for constant in (
        "kTSKSwizzleNetworkDelegates: false",
        "kTSKPinnedDomains",
        "kTSKIncludeSubdomains: true",
        "kTSKEnforcePinning: true",
        'kTSKExpirationDate: "2027-06-30"',
        "kTSKReportUris",
        "kTSKPublicKeyHashes",
    ):
        assert constant in rendered.text
    assert "TrustKit.initSharedInstance(withConfiguration: trustKitConfig)" in rendered.text


def test_trustkit_plist_round_trips_with_the_string_keys() -> None:
    rendered = render("trustkit-plist", placeholder_pin_set())

    assert_golden("trustkit-plist.plist", rendered.text)
    config = plistlib.loads(rendered.text.encode())["TSKConfiguration"]
    assert config["TSKSwizzleNetworkDelegates"] is False
    domain = config["TSKPinnedDomains"]["example.com"]
    assert domain == {
        "TSKIncludeSubdomains": True,
        "TSKEnforcePinning": True,
        "TSKExpirationDate": "2027-06-30",
        "TSKReportUris": ["https://reports.example.com/pin-failure"],
        "TSKDisableDefaultReportUri": True,
        "TSKPublicKeyHashes": [CA, BACKUP_PIN],
    }


def test_trustkit_says_expiry_is_utc_and_fails_open() -> None:
    rendered = render("trustkit-ios", placeholder_pin_set())

    expiry = [f for f in rendered.findings if f.code == "pin.expiry-fails-open"]
    assert len(expiry) == 1
    assert "UTC" in expiry[0].title


@pytest.mark.parametrize("name", ["trustkit-ios", "trustkit-plist"])
def test_trustkit_refuses_fewer_than_two_distinct_pins(name: str) -> None:
    one_pin = placeholder_pin_set(backups=())
    same_twice = placeholder_pin_set(backups=(SPKIPin(CA, "pasted value"),))

    for pin_set in (one_pin, same_twice):
        with pytest.raises(ValueError, match="fewer than 2 distinct pins"):
            render(name, pin_set)


@pytest.mark.parametrize("domain", ["localhost", "192.0.2.7", "intranet"])
def test_trustkit_refuses_domains_it_rejects(domain: str) -> None:
    with pytest.raises(ValueError, match=f"rejects .*{domain}"):
        render("trustkit-ios", placeholder_pin_set(domains=(domain,)))


@pytest.mark.parametrize(
    ("key", "unsupported"),
    [
        (PublicKeyDetails("Ed25519", 256, None, PRIMARY), True),
        (PublicKeyDetails("EC", 521, "secp521r1", PRIMARY), True),
        (PublicKeyDetails("RSA", 8192, None, PRIMARY), True),
        (PublicKeyDetails("RSA", 3072, None, PRIMARY), False),
        (PublicKeyDetails("EC", 384, "secp384r1", PRIMARY), False),
    ],
)
def test_trustkit_flags_keys_it_cannot_hash(key: PublicKeyDetails, unsupported: bool) -> None:
    backup = SPKIPin(PRIMARY, "private key spare.key", BACKUP, public_key=key)

    pin_set = placeholder_pin_set(backups=(backup,))
    rendered = render("trustkit-ios", pin_set)

    # The safety checks own the verdict on key types; the format itself says nothing more.
    flagged = [f for f in check_pin_set(pin_set, "trustkit-ios") if f.code == "pin.unsupported-key"]
    assert len(flagged) == unsupported
    assert "pin.unsupported-key" not in codes(rendered.findings)
    if unsupported:
        assert flagged[0].severity == Severity.WARNING
        assert "spare.key" in flagged[0].title + flagged[0].detail


def test_trustkit_accepts_the_committed_chain_keys() -> None:
    rendered = render("trustkit-ios", chain_pin_set("intermediate"))

    assert "pin.unsupported-key" not in codes(rendered.findings)
    assert '"api.example.test": [' in rendered.text
    assert "*" not in rendered.text


def test_swift_strings_are_escaped() -> None:
    rendered = render("trustkit-ios", placeholder_pin_set(report_uri='https://r.example/"x\\y'))

    assert '"https://r.example/\\"x\\\\y"' in rendered.text
    assert_balanced(rendered.text, '"')
