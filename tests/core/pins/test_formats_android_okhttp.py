"""Android Network Security Config, TrustKit-Android and OkHttp snippets: golden files, XML
round trips, the domains each platform can and cannot match, and source that compiles.

Golden pin sets are built from the fixed placeholder pins of pin-formats.md, so the files never
change by chance. Regenerate them with PINSCOPE_REGENERATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pinscope.core.certificate import Certificate
from pinscope.core.keys import spki_pin
from pinscope.core.pins.formats import render
from pinscope.core.pins.formats.android import (
    MANIFEST_LINE,
    render_android,
    render_trustkit_android,
)
from pinscope.core.pins.formats.okhttp import render_java, render_kotlin
from pinscope.core.pins.model import BACKUP, INTERMEDIATE, LEAF, PinSet, SPKIPin
from tests.core import minting

GOLDEN = Path(__file__).parent / "golden"

PRIMARY = "nG4IxWtpnU/QnrRL/GKWfvBiJpgkPZGWnPp0accFtB0="
BACKUP_PIN = "NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="
CA = "GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU="
LEAF_FINGERPRINT_HEX = "9a2f2770f904e9018db169f47a020ffaf38f5b98f45738252b701b08d4fe6f8b"


def assert_golden(name: str, text: str) -> None:
    """`text` equals golden/`name`; with PINSCOPE_REGENERATE_GOLDEN=1, rewrite the file."""
    path = GOLDEN / name
    if os.environ.get("PINSCOPE_REGENERATE_GOLDEN") == "1":
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"no golden file {path}; run with PINSCOPE_REGENERATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8")


def fixed_pin_set(**changes: object) -> PinSet:
    """A leaf pin, an intermediate pin and a backup: the placeholders of pin-formats.md."""
    pin_set = PinSet(
        domains=("api.example.com", "*.example.net"),
        pins=(
            SPKIPin(PRIMARY, "certificate CN=api.example.com", LEAF),
            SPKIPin(CA, "certificate CN=Example Issuing CA", INTERMEDIATE),
        ),
        backups=(SPKIPin(BACKUP_PIN, "private key backup.key", BACKUP),),
        expires=dt.date(2027, 6, 30),
        report_uri="https://reports.example.com/pin-failure?app=demo&v=2",
    )
    return dataclasses.replace(pin_set, **changes)  # type: ignore[arg-type]


# --- golden files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format_name", "golden"),
    [
        ("android", "android.xml"),
        ("trustkit-android", "trustkit-android.xml"),
        ("okhttp-kotlin", "okhttp.kt"),
        ("okhttp-java", "okhttp.java"),
    ],
)
def test_golden(format_name: str, golden: str) -> None:
    assert_golden(golden, render(format_name, fixed_pin_set()).text)


def test_golden_include_subdomains() -> None:
    pin_set = fixed_pin_set(domains=("api.example.com",), include_subdomains=True, expires=None)

    assert_golden("android-subdomains.xml", render_android(pin_set).text)
    assert_golden("okhttp-subdomains.kt", render_kotlin(pin_set).text)


# --- Android: well-formed XML, exactly what the platform parses ----------------------------


def test_android_round_trips_through_an_xml_parser() -> None:
    rendered = render_android(fixed_pin_set())

    root = ET.fromstring(rendered.text.encode("utf-8"))
    assert root.tag == "network-security-config"
    (config,) = root.findall("domain-config")
    domains = {d.text: d.get("includeSubdomains") for d in config.findall("domain")}
    assert domains == {"api.example.com": "false", "example.net": "true"}
    (pin_set,) = config.findall("pin-set")
    assert pin_set.get("expiration") == "2027-06-30"
    assert [(p.get("digest"), p.text) for p in pin_set.findall("pin")] == [
        ("SHA-256", PRIMARY),
        ("SHA-256", CA),
        ("SHA-256", BACKUP_PIN),
    ]
    assert root.find("debug-overrides") is None, "debug-overrides is offered as a comment only"
    assert MANIFEST_LINE in rendered.text
    assert rendered.filename == "network_security_config.xml"


def test_android_widens_a_wildcard_to_the_apex_and_says_so() -> None:
    rendered = render_android(fixed_pin_set(domains=("*.Example.NET.",)))

    domain = ET.fromstring(rendered.text).find("domain-config/domain")
    assert domain is not None
    assert (domain.text, domain.get("includeSubdomains")) == ("example.net", "true")
    (finding,) = rendered.findings
    assert finding.code == "pin.subdomain-depth"
    assert "*.Example.NET" in finding.title and "every depth" in finding.detail


def test_android_writes_each_domain_once_with_the_broader_flag() -> None:
    rendered = render_android(fixed_pin_set(domains=("example.net", "*.example.net", "**.x.org")))

    domains = ET.fromstring(rendered.text).findall("domain-config/domain")
    assert [(d.text, d.get("includeSubdomains")) for d in domains] == [
        ("example.net", "true"),
        ("x.org", "true"),
    ]


def test_android_writes_international_names_as_punycode() -> None:
    rendered = render_android(fixed_pin_set(domains=("Bücher.example",)))

    domain = ET.fromstring(rendered.text).find("domain-config/domain")
    assert domain is not None and domain.text == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("domain", "reason"),
    [
        ("api.*.example.com", "wildcards"),
        ("https://api.example.com/", "without scheme or port"),
        ("api.example.com:8443", "without scheme or port"),
        ("bad name.example.com", "not a valid host name"),
        ("<api>.example.com", "not a valid host name"),
    ],
)
def test_android_refuses_a_domain_it_could_never_match(domain: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        render_android(fixed_pin_set(domains=(domain,)))


def test_android_refuses_no_domain() -> None:
    with pytest.raises(ValueError, match="at least one domain"):
        render_android(fixed_pin_set(domains=()))


@pytest.mark.parametrize(
    "value", [LEAF_FINGERPRINT_HEX, PRIMARY.rstrip("="), "not base64!", PRIMARY[:-4] + "===="]
)
def test_android_refuses_a_pin_that_is_not_a_sha256(value: str) -> None:
    # Android fails to parse such a file, and then every HTTPS connection of the app fails.
    with pytest.raises(ValueError, match=r"base64|32"):
        render_android(fixed_pin_set(pins=(SPKIPin(value, "pasted value"),)))


def test_android_escapes_text_and_keeps_comments_well_formed() -> None:
    nasty = SPKIPin(PRIMARY, "certificate CN=a--b & <c> -->\n\x01", LEAF)

    text = render_android(fixed_pin_set(pins=(nasty,))).text

    ET.fromstring(text)  # a "--" left inside a comment would make this raise
    assert "a- -b & <c> - ->" in text


def test_android_pins_real_keys_with_their_certificate_expiry() -> None:
    chain = minting.mint_chain("api.minted.test")
    leaf = Certificate(chain.leaf.der)
    pin = SPKIPin(spki_pin(leaf.spki_der), "certificate CN=api.minted.test", LEAF, leaf)

    text = render_android(PinSet(domains=("api.minted.test",), pins=(pin,))).text

    element = ET.fromstring(text).find("domain-config/pin-set/pin")
    assert element is not None and element.text == chain.leaf.pin
    assert f"certificate expires {leaf.details.not_after:%Y-%m-%d}" in text
    assert "expiration" not in text


# --- TrustKit-Android ---------------------------------------------------------------------


def test_trustkit_android_adds_the_trustkit_config_element() -> None:
    root = ET.fromstring(render_trustkit_android(fixed_pin_set()).text)

    trustkit = root.find("domain-config/trustkit-config")
    assert trustkit is not None
    assert trustkit.get("enforcePinning") == "true"
    assert trustkit.get("disableDefaultReportUri") == "true"
    report_uri = trustkit.find("report-uri")
    assert report_uri is not None
    assert report_uri.text == "https://reports.example.com/pin-failure?app=demo&v=2"
    assert len(root.findall("domain-config/pin-set/pin")) == 3


def test_trustkit_android_without_report_uri_has_no_report_uri_element() -> None:
    root = ET.fromstring(render_trustkit_android(fixed_pin_set(report_uri=None)).text)

    assert root.find("domain-config/trustkit-config/report-uri") is None


def test_trustkit_android_refuses_fewer_than_two_distinct_pins() -> None:
    # "Less than two pins were supplied for domain ... This might brick your App"
    one = fixed_pin_set(
        pins=(SPKIPin(PRIMARY, "certificate", LEAF),),
        backups=(SPKIPin(PRIMARY, "the same key again", BACKUP),),
    )

    with pytest.raises(ValueError, match="at least 2 distinct pins, found 1"):
        render_trustkit_android(one)


@pytest.mark.parametrize("domain", ["192.0.2.10", "localhost"])
def test_trustkit_android_refuses_what_its_domain_validator_refuses(domain: str) -> None:
    with pytest.raises(ValueError, match="TrustKit-Android"):
        render_trustkit_android(fixed_pin_set(domains=(domain,)))


# --- OkHttp -------------------------------------------------------------------------------


def test_okhttp_patterns_follow_okhttp_rules() -> None:
    rendered = render_kotlin(
        fixed_pin_set(domains=("API.Example.com.", "*.example.net", "**.example.org"))
    )

    assert '"api.example.com",' in rendered.text
    assert '"*.example.net",' in rendered.text
    assert '"**.example.org",' in rendered.text
    assert "OkHttp 4.3+" in rendered.text
    (finding,) = rendered.findings
    assert finding.code == "pin.subdomain-depth" and "*.example.net" in finding.title


def test_okhttp_include_subdomains_becomes_double_star() -> None:
    rendered = render_java(fixed_pin_set(domains=("example.com",), include_subdomains=True))

    assert '"**.example.com",' in rendered.text
    assert rendered.findings == ()


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("https://api.example.com", "Invalid pattern"),
        ("api.example.com:443", "Invalid pattern"),
        ("api.*.example.com", "Unexpected pattern"),
        ("*api.example.com", "not a valid host name|Unexpected pattern"),
    ],
)
def test_okhttp_refuses_what_okhttp_throws_on(domain: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_kotlin(fixed_pin_set(domains=(domain,)))


def test_okhttp_refuses_a_fingerprint_that_okhttp_would_silently_never_match() -> None:
    hex_as_base64 = LEAF_FINGERPRINT_HEX  # decodes as base64 to 48 junk bytes
    with pytest.raises(ValueError, match="48 bytes"):
        render_java(fixed_pin_set(pins=(SPKIPin(hex_as_base64, "pasted value"),)))


def test_okhttp_every_pin_appears_with_sha256_prefix_under_every_pattern() -> None:
    text = render_kotlin(fixed_pin_set()).text

    for value in (PRIMARY, CA, BACKUP_PIN):
        assert text.count(f'"sha256/{value}"') == 2


@pytest.mark.parametrize("renderer", [render_kotlin, render_java])
def test_okhttp_snippets_have_balanced_quotes_and_brackets(renderer: object) -> None:
    nasty = SPKIPin(PRIMARY, 'key "x" (y) $z \\u000a {', LEAF)
    text = renderer(fixed_pin_set(pins=(nasty,))).text  # type: ignore[operator]

    assert_balanced(text)


def test_kotlin_and_java_string_literals_escape_what_they_must() -> None:
    from pinscope.core.pins.formats import okhttp

    assert okhttp._kotlin_string('a"b\\c$d') == '"a\\"b\\\\c\\$d"'
    assert okhttp._java_string('a"b\\c$d') == '"a\\"b\\\\c$d"'
    assert okhttp._java_string("é😀") == '"\\u00e9\\ud83d\\ude00"'


def test_java_snippet_compiles_against_okhttp_signatures(tmp_path: Path) -> None:
    javac = shutil.which("javac")
    if javac is None:
        pytest.skip("javac is not installed")
    nasty = SPKIPin(PRIMARY, 'key "x" (y) \\u000a } {', LEAF)
    text = render_java(fixed_pin_set(pins=(nasty,))).text
    imports = [line for line in text.splitlines() if line.startswith("import ")]
    body = [line for line in text.splitlines() if not line.startswith("import ")]

    stubs = tmp_path / "okhttp3"
    stubs.mkdir()
    (stubs / "CertificatePinner.java").write_text(_PINNER_STUB)
    (stubs / "OkHttpClient.java").write_text(_CLIENT_STUB)
    snippet = tmp_path / "Snippet.java"
    snippet.write_text(
        "\n".join([*imports, "class Snippet {", "  static void pin() {", *body, "  }", "}"])
    )

    result = subprocess.run(
        [javac, "-d", str(tmp_path / "out"), str(snippet), *map(str, stubs.glob("*.java"))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


_PINNER_STUB = """\
package okhttp3;
public final class CertificatePinner {
  public static final class Builder {
    public Builder add(String pattern, String... pins) { return this; }
    public CertificatePinner build() { return new CertificatePinner(); }
  }
}
"""
_CLIENT_STUB = """\
package okhttp3;
public class OkHttpClient {
  public static final class Builder {
    public Builder certificatePinner(CertificatePinner pinner) { return this; }
    public OkHttpClient build() { return new OkHttpClient(); }
  }
}
"""


def assert_balanced(source: str) -> None:
    """Every string literal closes on its line and (), {} and [] nest, comments aside."""
    pairs = {")": "(", "}": "{", "]": "["}
    stack: list[str] = []
    for number, line in enumerate(source.splitlines(), 1):
        index = 0
        while index < len(line):
            char = line[index]
            if line.startswith("//", index):
                break
            if char == '"':
                index += 1
                while index < len(line) and line[index] != '"':
                    index += 2 if line[index] == "\\" else 1
                assert index < len(line), f"string not closed on line {number}: {line}"
            elif char in "({[":
                stack.append(char)
            elif char in pairs:
                assert stack and stack.pop() == pairs[char], f"unbalanced on line {number}"
            index += 1
    assert not stack, f"unclosed {stack}"
