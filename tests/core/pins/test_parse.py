"""Pins pasted in every shape people copy them from, and what is not a pin."""

from __future__ import annotations

import base64
import hashlib

import pytest

from pinscope.core.certificate import Certificate
from pinscope.core.model import Severity
from pinscope.core.pins.model import INTERMEDIATE, LEAF, ROOT
from pinscope.core.pins.parse import parse_pins
from tests.core import minting

# The placeholders of pin-formats.md: SHA-256 of fixed strings, not of keys.
PRIMARY = "nG4IxWtpnU/QnrRL/GKWfvBiJpgkPZGWnPp0accFtB0="
BACKUP = "NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="
CA = "GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU="
PRIMARY_HEX = "9c6e08c56b699d4fd09eb44bfc62967ef0622698243d91969cfa7469c705b41d"


def _colons(hex_digits: str) -> str:
    return ":".join(hex_digits[i : i + 2] for i in range(0, len(hex_digits), 2))


@pytest.mark.parametrize(
    "pasted",
    [
        pytest.param(PRIMARY, id="base64"),
        pytest.param(f"  {PRIMARY}\n", id="base64-spaces"),
        pytest.param(PRIMARY.rstrip("="), id="base64-unpadded"),
        pytest.param(PRIMARY.replace("/", "_").replace("+", "-"), id="base64-url-safe"),
        pytest.param(f"sha256/{PRIMARY}", id="okhttp"),
        pytest.param(f"sha256//{PRIMARY}", id="curl-one"),
        pytest.param(f"* public key hash: sha256//{PRIMARY}", id="curl-verbose"),
        pytest.param(f'pin-sha256="{PRIMARY}"', id="hpkp"),
        pytest.param(f"b'{PRIMARY}'", id="bytes-base64"),
        pytest.param(f"kTSKPublicKeyHashes: @[@\"b'{PRIMARY}'\"]", id="trustkit-helper"),
        pytest.param(repr(bytes.fromhex(PRIMARY_HEX)), id="bytes-digest"),
        pytest.param(
            "Testing SSL Pin <" + " ".join(PRIMARY_HEX[i : i + 8] for i in range(0, 64, 8)) + ">",
            id="trustkit-log",
        ),
    ],
)
def test_every_single_pin_shape(pasted: str) -> None:
    result = parse_pins(pasted)

    assert [pin.value for pin in result.pins] == [PRIMARY]
    assert result.pins[0].source.startswith("pasted ")
    assert result.findings == ()


@pytest.mark.parametrize(
    ("pasted", "likeness"),
    [
        pytest.param(_colons(PRIMARY_HEX).upper(), "openssl x509 -fingerprint", id="openssl"),
        pytest.param(f"SHA256 Fingerprint={_colons(PRIMARY_HEX).upper()}", "openssl x509", id="="),
        pytest.param(_colons(PRIMARY_HEX), "the way certificate fingerprints", id="colons"),
        pytest.param(PRIMARY_HEX, "may be", id="hex"),
        pytest.param(PRIMARY_HEX.upper(), "may be", id="hex-upper"),
    ],
)
def test_hex_with_nothing_loaded_is_kept_but_may_be_a_fingerprint(
    pasted: str, likeness: str
) -> None:
    result = parse_pins(pasted)

    assert [pin.value for pin in result.pins] == [PRIMARY]
    (finding,) = result.findings
    assert finding.code == "pin.not-spki"
    assert finding.severity == Severity.WARNING
    assert finding.certificate is None
    assert likeness in finding.title + finding.detail
    assert "kept as a pin" in finding.detail
    assert "pinscope pins CERT --format json" in finding.remedy
    assert "openssl pkey -pubin -outform DER" in finding.remedy


def test_colon_hex_is_called_a_fingerprint_more_surely_than_plain_hex() -> None:
    colons = parse_pins(_colons(PRIMARY_HEX).upper()).findings[0]
    plain = parse_pins(PRIMARY_HEX).findings[0]

    assert "looks like a certificate fingerprint" in colons.title
    assert "most likely" in colons.detail
    assert "may be a certificate fingerprint" in plain.title
    assert "nothing loaded tells which" in plain.detail


@pytest.mark.parametrize("layout", ["hex", "colons"])
def test_hex_of_a_loaded_certificates_key_is_a_plain_pin(layout: str) -> None:
    chain = minting.mint_chain()
    cert = Certificate(chain.leaf.der)
    digest = base64.b64decode(chain.leaf.pin).hex()
    pasted = digest if layout == "hex" else _colons(digest).upper()

    result = parse_pins(pasted, [cert])

    assert [pin.value for pin in result.pins] == [chain.leaf.pin]
    assert result.pins[0].certificate == cert
    assert result.findings == ()


def test_curl_list_gives_every_pin() -> None:
    result = parse_pins(f"sha256//{PRIMARY};sha256//{BACKUP}")

    assert [pin.value for pin in result.pins] == [PRIMARY, BACKUP]


def test_hpkp_header_with_several_pins() -> None:
    header = (
        f'Public-Key-Pins: pin-sha256="{PRIMARY}"; pin-sha256="{BACKUP}"; max-age=5184000; '
        'includeSubDomains; report-uri="https://reports.example.com/hpkp"'
    )

    assert [pin.value for pin in parse_pins(header).pins] == [PRIMARY, BACKUP]


def test_okhttp_failure_message_gives_the_peer_chain_with_roles() -> None:
    message = f"""javax.net.ssl.SSLPeerUnverifiedException: Certificate pinning failure!
  Peer certificate chain:
    sha256/{PRIMARY}: CN=api.example.com
    sha256/{BACKUP}: CN=Let's Encrypt Authority X3,O=Let's Encrypt,C=US
    sha256/{CA}: CN=ISRG Root X1, O=Internet Security Research Group, C=US
  Pinned certificates for api.example.com:
    sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
    at okhttp3.CertificatePinner.check(CertificatePinner.kt:200)"""

    result = parse_pins(message)

    assert [(pin.value, pin.role) for pin in result.pins] == [
        (PRIMARY, LEAF),
        (BACKUP, INTERMEDIATE),
        (CA, ROOT),
    ]
    assert result.host == "api.example.com"
    assert "CN=api.example.com" in result.pins[0].source
    assert "OkHttp" in result.pins[0].source


def test_trustkit_android_failure_block() -> None:
    message = f"""Pin verification failed
  Configured pins: {CA}
  Peer certificate chain:
    {PRIMARY} - CN=api.example.com
    {BACKUP} - CN=Example CA"""

    result = parse_pins(message)

    assert [(pin.value, pin.role) for pin in result.pins] == [(PRIMARY, LEAF), (BACKUP, ROOT)]


def test_a_pasted_pin_is_tied_to_the_loaded_certificate_it_belongs_to() -> None:
    chain = minting.mint_chain()
    cert = Certificate(chain.leaf.der)

    result = parse_pins(chain.leaf.pin, [cert])

    assert result.pins[0].certificate == cert


@pytest.mark.parametrize("layout", ["hex", "colons", "base64"])
def test_a_certificate_fingerprint_is_not_a_pin(layout: str) -> None:
    chain = minting.mint_chain()
    cert = Certificate(chain.leaf.der)
    fingerprint = {
        "hex": cert.sha256,
        "colons": _colons(cert.sha256).upper(),
        "base64": base64.b64encode(bytes.fromhex(cert.sha256)).decode(),
    }[layout]

    result = parse_pins(f"SHA256 Fingerprint={fingerprint}", [cert])

    assert result.pins == ()
    (finding,) = result.findings
    assert finding.code == "pin.not-spki"
    assert finding.severity == Severity.ERROR
    assert finding.certificate == cert.sha256
    assert "CN=www.minted.test" in finding.detail
    assert chain.leaf.pin in finding.remedy


def test_sha1_values_are_named() -> None:
    chain = minting.mint_chain()
    cert = Certificate(chain.leaf.der)
    spki_sha1 = hashlib.sha1(cert.spki_der).digest()

    fingerprint = parse_pins(cert.sha1, [cert]).findings[0]
    legacy = parse_pins("sha1/" + base64.b64encode(spki_sha1).decode(), [cert]).findings[0]
    unknown = parse_pins("ab" * 20).findings[0]

    assert fingerprint.code == "pin.sha1" and "SHA-1 fingerprint" in fingerprint.detail
    assert "legacy OkHttp sha1/ pin" in legacy.detail
    assert unknown.code == "pin.sha1" and "20 bytes" in unknown.detail


def test_a_prefixed_value_of_the_wrong_length_is_a_finding() -> None:
    result = parse_pins("sha256/QUJD")

    assert result.pins == ()
    assert result.findings[0].code == "pin.not-spki"
    assert "3 bytes" in result.findings[0].detail


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("", "empty"),
        ("hello world", r"expected base64 \(44 characters\)"),
        ("9c6e08c56b", "10 hex digits"),
        ("QUJDREVG", "decodes to 6 bytes"),
    ],
)
def test_garbage_says_what_it_is(pasted: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_pins(pasted)
