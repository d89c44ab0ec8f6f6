"""Mobile pin formats: React Native, Alamofire and Flutter against golden files and the rules
of the pin-formats reference, sections 6, 7.1 and 8.1.

Regenerate the golden files with `PINSCOPE_REGENERATE_GOLDEN=1 pytest tests/core/pins`.
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509

from pinscope.core.model import Severity
from pinscope.core.pins.formats import render
from pinscope.core.pins.model import BACKUP, INTERMEDIATE, LEAF, ROOT, PinSet, SPKIPin
from tests.core.pins.test_formats_ios import (
    BACKUP_PIN,
    CA,
    PRIMARY,
    assert_balanced,
    assert_golden,
    certificate_pin,
    chain_certificates,
    chain_pin_set,
    codes,
    placeholder_pin_set,
)

# ---------------------------------------------------------------------------------------------
# React Native


def test_react_native_golden_and_balanced() -> None:
    rendered = render("react-native", placeholder_pin_set())

    assert_golden("react-native.js", rendered.text)
    assert_balanced(rendered.text, "'\"")
    assert "initializeSslPinning({" in rendered.text
    assert f"'{CA}'," in rendered.text
    assert "sha256/" not in rendered.text  # the library adds the prefix itself
    assert "includeSubdomains: true," in rendered.text
    assert "expirationDate: '2027-06-30'," in rendered.text


def test_react_native_leaves_out_what_is_not_set() -> None:
    pin_set = placeholder_pin_set(include_subdomains=False, expires=None, report_uri=None)

    rendered = render("react-native", pin_set)

    assert "includeSubdomains: false," in rendered.text
    assert "expirationDate" not in rendered.text
    assert "pin.option-ignored" not in codes(rendered.findings)


def test_react_native_says_the_report_uri_is_ignored() -> None:
    rendered = render("react-native", placeholder_pin_set())

    ignored = [f for f in rendered.findings if f.code == "pin.option-ignored"]
    assert len(ignored) == 1
    assert "report URI" in ignored[0].title


def test_react_native_refuses_one_pin_because_ios_uses_trustkit() -> None:
    with pytest.raises(ValueError, match=r"on iOS .*fewer than 2 distinct pins"):
        render("react-native", placeholder_pin_set(backups=()))


def test_react_native_refuses_an_ip_address() -> None:
    with pytest.raises(ValueError, match=r"rejects IP address 192\.0\.2\.1"):
        render("react-native", placeholder_pin_set(domains=("192.0.2.1",)))


# ---------------------------------------------------------------------------------------------
# Alamofire


def test_alamofire_bundles_der_certificates_of_the_pins() -> None:
    pin_set = chain_pin_set("all")

    rendered = render("alamofire", pin_set)

    assert sorted(rendered.files) == [
        "intermediate-Pinscope-Test-Issuing-CA.cer",
        "leaf-api.example.test.cer",
        "root-Pinscope-Test-Root.cer",
    ]
    for data in rendered.files.values():
        x509.load_der_x509_certificate(data)  # DER, which SecCertificateCreateWithData needs
    assert set(rendered.files.values()) == {cert.der for cert in pin_set.chain}


def test_alamofire_snippet_golden_and_balanced() -> None:
    rendered = render("alamofire", chain_pin_set("all"))

    assert_golden("alamofire.swift", rendered.text)
    assert_balanced(rendered.text, '"')
    assert '"api.example.test": PublicKeysTrustEvaluator(),' in rendered.text
    assert "ServerTrustManager(evaluators: evaluators)" in rendered.text
    assert "*" not in rendered.text.split("let evaluators")[1]


def test_alamofire_says_keys_without_certificates_are_not_bundled() -> None:
    rendered = render("alamofire", chain_pin_set("all"))

    not_bundled = [f for f in rendered.findings if f.code == "pin.not-bundled"]
    assert len(not_bundled) == 1
    assert "backup.key" in not_bundled[0].title
    assert "SecKeyCreateWithData" in not_bundled[0].remedy


def test_alamofire_says_unlisted_and_wildcard_hosts_fail() -> None:
    rendered = render("alamofire", chain_pin_set("all"))

    exact = [f for f in rendered.findings if f.code == "pin.exact-host"]
    assert any("*.api.example.test" in f.title for f in exact)
    assert any("allHostsMustBeEvaluated" in f.detail for f in exact)


def test_alamofire_pins_a_lone_self_signed_certificate_by_its_bytes() -> None:
    root = chain_certificates()[2]
    pin_set = PinSet(("example.com",), (certificate_pin(root, ROOT),), chain=(root,))

    rendered = render("alamofire", pin_set)

    assert "PinnedCertificatesTrustEvaluator(acceptSelfSignedCertificates: true)" in rendered.text
    assert list(rendered.files.values()) == [root.der]


def test_alamofire_refuses_pins_without_any_certificate() -> None:
    with pytest.raises(ValueError, match="none of the pins has a certificate"):
        render("alamofire", placeholder_pin_set())


def test_alamofire_refuses_only_wildcard_domains() -> None:
    with pytest.raises(ValueError, match="exact host names only"):
        render("alamofire", chain_pin_set("all", domains=("*.api.example.test",)))


# ---------------------------------------------------------------------------------------------
# Flutter


def colon_fingerprint(der: bytes) -> str:
    """SHA-256 of the whole certificate as the plugin's README writes it: AB:CD:..."""
    fingerprint = hashlib.sha256(der).hexdigest().upper()
    return ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2))


def test_flutter_writes_the_whole_leaf_certificate_fingerprint() -> None:
    pin_set = chain_pin_set("all")
    leaf = pin_set.chain[0]

    rendered = render("flutter", pin_set)

    assert f"'{colon_fingerprint(leaf.der)}'," in rendered.text
    assert certificate_pin(leaf, LEAF).value not in rendered.text  # not the SPKI pin
    assert_golden("flutter.dart", rendered.text)
    assert_balanced(rendered.text, "'")


def test_flutter_warns_that_it_pins_the_whole_certificate() -> None:
    rendered = render("flutter", chain_pin_set("leaf"))

    whole = [f for f in rendered.findings if f.code == "pin.whole-certificate"]
    assert [f.severity for f in whole] == [Severity.WARNING]
    assert "renewal" in whole[0].title


def test_flutter_drops_ca_pins_and_bare_keys_and_says_so() -> None:
    rendered = render("flutter", chain_pin_set("all"))

    dropped = [f for f in rendered.findings if f.code == "pin.dropped"]
    assert len(dropped) == 1
    assert "3 pin(s)" in dropped[0].title
    assert "Pinscope Test Issuing CA" in dropped[0].detail
    assert "backup.key" in dropped[0].detail
    assert rendered.text.count("', //") == 1  # one fingerprint: the leaf's


def test_flutter_refuses_without_a_leaf_certificate() -> None:
    with pytest.raises(ValueError, match="no leaf certificate"):
        render("flutter", placeholder_pin_set())
    issuer = chain_certificates()[1]
    ca_only = PinSet(("example.com",), (certificate_pin(issuer, INTERMEDIATE),))
    with pytest.raises(ValueError, match="no leaf certificate"):
        render("flutter", ca_only)


def test_flutter_keeps_a_backup_leaf_certificate() -> None:
    chain = chain_certificates()
    other_leaf = SPKIPin(PRIMARY, "certificate of the next leaf", BACKUP, chain[0])
    pin_set = PinSet(
        ("example.com",), (SPKIPin(BACKUP_PIN, "pasted value", LEAF),), backups=(other_leaf,)
    )

    rendered = render("flutter", pin_set)

    assert f"'{colon_fingerprint(chain[0].der)}'," in rendered.text
    assert "pin.dropped" in codes(rendered.findings)  # the pasted leaf pin has no certificate


def test_flutter_comments_stay_on_one_line() -> None:
    pin_set = chain_pin_set("leaf", domains=("api.example.test\nfinal evil = 1;",))

    rendered = render("flutter", pin_set)

    assert not any(line.startswith("final evil") for line in rendered.text.splitlines())
