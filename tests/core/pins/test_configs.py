"""Reading pin configurations back: every format as its platform documents it, and bad input."""

from __future__ import annotations

import datetime as dt
import json
import plistlib
from pathlib import Path

import pytest

from pinscope.core.errors import DamagedInput, EmptyInput, UnsupportedFormat
from pinscope.core.pins import configs
from pinscope.core.pins.configs import read_config

PRIMARY = "nG4IxWtpnU/QnrRL/GKWfvBiJpgkPZGWnPp0accFtB0="
BACKUP = "NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="
CA = "GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU="
HEX_FINGERPRINT = "9a2f2770f904e9018db169f47a020ffaf38f5b98f45738252b701b08d4fe6f8b"

ANDROID = f"""<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
    <domain-config>
        <domain includeSubdomains="true">example.com</domain>
        <pin-set expiration="2027-06-30">
            <pin digest="SHA-256">{PRIMARY}</pin>
            <!-- backup key, not yet deployed -->
            <pin digest="SHA-256">{BACKUP}</pin>
        </pin-set>
        <domain-config>
            <domain>legacy.example.com</domain>
        </domain-config>
        <domain-config>
            <domain>open.example.com</domain>
            <pin-set/>
        </domain-config>
    </domain-config>
    <debug-overrides>
        <trust-anchors>
            <certificates src="user" />
        </trust-anchors>
    </debug-overrides>
</network-security-config>
"""

TRUSTKIT_ANDROID = f"""<network-security-config>
    <domain-config>
        <domain includeSubdomains="true">example.com</domain>
        <pin-set expiration="2027-06-30">
            <pin digest="SHA-256">{PRIMARY}</pin>
            <pin digest="SHA-256">{BACKUP}</pin>
        </pin-set>
        <trustkit-config enforcePinning="true" disableDefaultReportUri="true">
            <report-uri>https://reports.example.com/pin-failure</report-uri>
        </trustkit-config>
    </domain-config>
    <domain-config>
        <domain>other.example.net</domain>
        <pin-set><pin digest="SHA-256">{CA}</pin></pin-set>
        <trustkit-config/>
    </domain-config>
</network-security-config>
"""

ATS = {
    "NSAppTransportSecurity": {
        "NSPinnedDomains": {
            "example.com": {
                "NSIncludesSubdomains": True,
                "NSPinnedCAIdentities": [
                    {"SPKI-SHA256-BASE64": CA},
                    {"SPKI-SHA256-BASE64": BACKUP},
                ],
            },
            "leaf.example.org": {"NSPinnedLeafIdentities": [{"SPKI-SHA256-BASE64": PRIMARY}]},
        }
    }
}

TRUSTKIT_PLIST = {
    "TSKConfiguration": {
        "TSKSwizzleNetworkDelegates": False,
        "TSKPinnedDomains": {
            "example.com": {
                "TSKIncludeSubdomains": True,
                "TSKExpirationDate": "2027-06-30",
                "TSKPublicKeyHashes": [PRIMARY, BACKUP],
            },
            "report.example.com": {
                "TSKEnforcePinning": False,
                "TSKPublicKeyHashes": [CA, BACKUP],
            },
        },
    }
}

KOTLIN = f"""
val pinner = CertificatePinner.Builder()
    .add("api.example.com",
         "sha256/{PRIMARY}",
         "sha256/{BACKUP}")
    .add("**.example.net", "sha256/{CA}") // CA of https://example.net
    // .add("old.example.com", "sha256/{CA}")
    .build()
val client = OkHttpClient.Builder().certificatePinner(pinner).build()
"""

JAVA = f"""
CertificatePinner pinner = new CertificatePinner.Builder()
    .add("*.Example.com", "sha256/{PRIMARY}")
    .add("*.example.com", "sha256/{BACKUP}")
    .build();
"""


def test_android_network_security_config_with_nesting_and_expiry() -> None:
    config = read_config(ANDROID.encode(), "network_security_config.xml")

    assert config.platform == configs.ANDROID
    top, legacy, opened = config.domains
    assert (top.pattern, top.include_subdomains) == ("example.com", True)
    assert top.pins == (PRIMARY, BACKUP)
    assert top.expires == dt.date(2027, 6, 30)
    assert legacy.pins == (PRIMARY, BACKUP)  # inherited from the parent
    assert legacy.expires == dt.date(2027, 6, 30)
    assert opened.pins == ()  # an empty pin-set turns pinning off
    assert config.findings == ()


def test_trustkit_android_enforce_pinning_defaults_to_false() -> None:
    config = read_config(TRUSTKIT_ANDROID.encode(), "network_security_config.xml")

    assert config.platform == configs.TRUSTKIT_ANDROID
    assert [d.enforce for d in config.domains] == [True, False]


@pytest.mark.parametrize("binary", [False, True], ids=["xml", "binary"])
def test_info_plist_with_ats_pinned_domains_keeps_ca_and_leaf_lists_apart(binary: bool) -> None:
    fmt = plistlib.FMT_BINARY if binary else plistlib.FMT_XML
    config = read_config(plistlib.dumps(ATS, fmt=fmt), "Info.plist")

    assert config.platform == configs.IOS_ATS
    ca_domain, leaf_domain = config.domains
    assert ca_domain.include_subdomains
    assert (ca_domain.ca_pins, ca_domain.leaf_pins) == ((CA, BACKUP), ())
    assert ca_domain.has_ca_list and not ca_domain.has_leaf_list
    assert (leaf_domain.ca_pins, leaf_domain.leaf_pins) == ((), (PRIMARY,))
    assert not leaf_domain.include_subdomains


def test_an_ats_fragment_as_exporters_print_it() -> None:
    fragment = plistlib.dumps(ATS).decode()
    inner = fragment.split("<dict>", 1)[1].rsplit("</dict>", 1)[0]

    config = read_config(inner.encode(), "fragment.plist")

    assert config.platform == configs.IOS_ATS
    assert [d.pattern for d in config.domains] == ["example.com", "leaf.example.org"]


def test_trustkit_plist() -> None:
    config = read_config(plistlib.dumps(TRUSTKIT_PLIST), "Info.plist")

    assert config.platform == configs.TRUSTKIT_IOS
    main, report = config.domains
    assert main.pins == (PRIMARY, BACKUP)
    assert main.expires == dt.date(2027, 6, 30)
    assert main.enforce is True  # the iOS default
    assert report.enforce is False


GOLDEN = Path(__file__).parent / "golden"

TRUSTKIT_SWIFT = f"""
import TrustKit

// kTSKPinnedDomains: ["ignored.example": ...] in a comment does not count
let trustKitConfig: [String: Any] = [
    kTSKSwizzleNetworkDelegates: false,
    kTSKPinnedDomains: [
        "Example.com": [
            kTSKIncludeSubdomains: true,
            kTSKExpirationDate: "2027-06-30",
            kTSKReportUris: ["https://reports.example.com/pin-failure"],
            kTSKPublicKeyHashes: [
                "{PRIMARY}", // primary
                /* backup */ "{BACKUP}",
            ],
        ],
        "report.example.com": [
            kTSKEnforcePinning: false,
            kTSKPublicKeyHashes: ["{CA}", "{BACKUP}"]
        ],
        "skip.example.com": [kTSKExcludeSubdomainFromParentPolicy: true],
        "odd.example.com": [
            kTSKPublicKeyHashes: [primaryPin, "{BACKUP}"],
            kTSKEnforcePinning: flag,
        ],
    ],
]
TrustKit.initSharedInstance(withConfiguration: trustKitConfig)
"""


def test_trustkit_swift_golden_reads_back() -> None:
    config = read_config((GOLDEN / "trustkit-ios.swift").read_bytes(), "TrustKitConfig.swift")

    assert config.platform == configs.TRUSTKIT_IOS
    (domain,) = config.domains
    assert (domain.pattern, domain.include_subdomains) == ("example.com", True)
    assert domain.pins == (CA, BACKUP)
    assert domain.expires == dt.date(2027, 6, 30)
    assert domain.enforce is True
    assert config.findings == ()


def test_trustkit_swift_with_comments_constants_and_variables() -> None:
    config = read_config(TRUSTKIT_SWIFT.encode(), "AppDelegate.swift")

    main, report, odd = config.domains  # the excluded subdomain pins nothing
    assert (main.pattern, main.pins, main.expires) == (
        "example.com",
        (PRIMARY, BACKUP),
        dt.date(2027, 6, 30),
    )
    assert report.enforce is False
    assert odd.pins == (BACKUP,)
    assert odd.enforce is True  # a variable is not `false`
    (finding,) = config.findings
    assert finding.code == "pin.not-spki"
    assert "primaryPin" in finding.detail
    assert finding.severity == "error"  # TrustKit crashes at start-up


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('let c = [kTSKPinnedDomains: ["a.example": [kTSKPublicKeyHashes: [', "ends"),
        ("let c = [kTSKPinnedDomains: domains]", "not a dictionary literal"),
        ('let c = [kTSKPinnedDomains: ["a.example": ["x" "y"]]]', "line 1: expected"),
    ],
    ids=["truncated", "variable", "syntax"],
)
def test_trustkit_swift_that_cannot_be_read(text: str, message: str) -> None:
    with pytest.raises(DamagedInput, match=message):
        read_config(text.encode(), "Config.swift")


def test_envoy_golden_reads_back_as_leaf_pins_for_its_sni() -> None:
    config = read_config((GOLDEN / "envoy.yaml").read_bytes(), "envoy.yaml")

    assert config.platform == configs.ENVOY
    (domain,) = config.domains
    assert domain.pattern == "api.example.com"
    assert domain.pins == (PRIMARY, BACKUP)
    assert config.findings == ()


def test_envoy_clusters_in_json_and_certificate_hashes() -> None:
    def cluster(sni: str | None, context: dict[str, object]) -> dict[str, object]:
        typed = {"common_tls_context": {"validation_context": context}}
        if sni is not None:
            typed["sni"] = sni
        return {"transport_socket": {"typed_config": typed}}

    document = {
        "clusters": [
            cluster("a.example.com", {"verify_certificate_spki": [PRIMARY]}),
            cluster(
                None,
                {
                    "match_typed_subject_alt_names": [
                        {"san_type": "DNS", "matcher": {"exact": "B.example.com"}}
                    ],
                    "verify_certificate_spki": [BACKUP, HEX_FINGERPRINT],
                    "verify_certificate_hash": [HEX_FINGERPRINT],
                },
            ),
        ]
    }
    config = read_config(json.dumps(document).encode(), "envoy.json")

    assert config.platform == configs.ENVOY
    assert [(d.pattern, d.pins) for d in config.domains] == [
        ("a.example.com", (PRIMARY,)),
        ("b.example.com", (BACKUP,)),
    ]
    not_spki, hashes = config.findings
    assert (not_spki.code, not_spki.severity) == ("pin.not-spki", "error")
    assert "Envoy refuses to load the configuration" in not_spki.detail
    assert (hashes.code, hashes.severity) == ("pin.invalid-config", "warning")
    assert "verify_certificate_hash" in hashes.title


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"validation_context:\n  verify_certificate_hash: ['{HEX_FINGERPRINT}']\n", "hash"),
        ("validation_context:\n  verify_certificate_spki: [\n", "not readable YAML"),
    ],
    ids=["hash-only", "yaml"],
)
def test_envoy_that_cannot_be_checked(text: str, message: str) -> None:
    with pytest.raises(DamagedInput, match=message):
        read_config(text.encode(), "envoy.yaml")


def test_okhttp_kotlin_ignores_comments_and_keeps_patterns() -> None:
    config = read_config(KOTLIN.encode(), "Pinning.kt")

    assert config.platform == configs.OKHTTP
    api, net = config.domains
    assert (api.pattern, api.pins, api.include_subdomains) == (
        "api.example.com",
        (PRIMARY, BACKUP),
        False,
    )
    assert (net.pattern, net.pins, net.include_subdomains) == ("**.example.net", (CA,), True)


def test_okhttp_java_combines_calls_for_one_pattern() -> None:
    config = read_config(JAVA.encode(), "Pinning.java")

    (domain,) = config.domains
    assert domain.pattern == "*.example.com"
    assert domain.pins == (PRIMARY, BACKUP)


@pytest.mark.parametrize(
    "text",
    [
        f"sha256//{PRIMARY};sha256//{BACKUP}",
        f"curl --pinnedpubkey 'sha256//{PRIMARY};sha256//{BACKUP}' https://api.example.com/",
    ],
    ids=["bare", "command"],
)
def test_curl_pin_string(text: str) -> None:
    config = read_config(text.encode(), "pins.txt")

    assert config.platform == configs.CURL
    (domain,) = config.domains
    assert domain.pins == (PRIMARY, BACKUP)
    assert domain.pattern in ("", "api.example.com")


def test_hpkp_header() -> None:
    header = (
        f'Public-Key-Pins: pin-sha256="{PRIMARY}"; pin-sha256="{BACKUP}"; max-age=5184000; '
        'includeSubDomains; report-uri="https://reports.example.com/hpkp"'
    )
    config = read_config(header.encode(), "header.txt")

    assert config.platform == configs.HPKP
    (domain,) = config.domains
    assert domain.pins == (PRIMARY, BACKUP)
    assert domain.include_subdomains
    assert config.findings == ()


def test_hpkp_without_max_age_is_reported() -> None:
    config = read_config(f'pin-sha256="{PRIMARY}"'.encode(), "header.txt")

    assert [f.code for f in config.findings] == ["pin.invalid-config"]


def test_pinscope_json_with_pins_and_backups() -> None:
    document = (
        '{"pinscope": "1", "domains": ["api.example.com", "example.net"], '
        '"include_subdomains": true, "expires": "2027-01-31", "level": "intermediate", '
        f'"pins": [{{"algorithm": "sha256", "value": "{CA}", "role": "intermediate"}}], '
        f'"backups": [{{"value": "{BACKUP}"}}, "sha256/{PRIMARY}"]}}'
    )
    config = read_config(document.encode(), "pins.json")

    assert config.platform == configs.JSON
    assert [d.pattern for d in config.domains] == ["api.example.com", "example.net"]
    assert config.domains[0].pins == (CA, BACKUP, PRIMARY)
    assert config.domains[0].expires == dt.date(2027, 1, 31)
    assert config.domains[0].include_subdomains


def test_a_hex_fingerprint_in_android_pins_is_not_spki_and_fatal() -> None:
    xml = ANDROID.replace(BACKUP, HEX_FINGERPRINT)
    config = read_config(xml.encode(), "nsc.xml")

    (finding,) = config.findings
    assert finding.code == "pin.not-spki"
    assert finding.severity == "error"
    assert "fingerprint" in finding.detail
    assert config.domains[0].pins == (PRIMARY,)


def test_android_structure_errors_are_findings() -> None:
    xml = ANDROID.replace('digest="SHA-256">' + BACKUP, 'digest="SHA256">' + BACKUP)
    xml = xml.replace("<domain>legacy.example.com", "<domain>example.com")
    config = read_config(xml.encode(), "nsc.xml")

    titles = [f.title for f in config.findings]
    assert any("Unsupported pin digest" in t for t in titles)
    assert any("configured twice" in t for t in titles)


def test_entities_are_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        "<network-security-config>&a;</network-security-config>"
    )
    with pytest.raises(DamagedInput, match="entities"):
        read_config(bomb.encode(), "nsc.xml")


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", EmptyInput, "empty"),
        (b"hello world", UnsupportedFormat, "Network Security Config"),
        (b"<network-security-config><domain-config>", DamagedInput, "not well-formed"),
        (b'{"pins": [', DamagedInput, "not valid JSON"),
        (b'{"name": "x"}', UnsupportedFormat, "not a Pinscope pin set"),
        (b"<plist><dict><key>a</key></dict></plist>", DamagedInput, "property list"),
        (plistlib.dumps({"CFBundleName": "App"}), UnsupportedFormat, "NSPinnedDomains"),
        (b"\xff\xfe\x00garbage", UnsupportedFormat, "not UTF-8"),
        (b"<network-security-config/>", DamagedInput, "no pinned domain"),
    ],
    ids=["empty", "text", "xml", "json", "json-other", "plist", "plist-other", "binary", "none"],
)
def test_unreadable_input_says_what_was_expected(
    data: bytes, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        read_config(data, "input")
