"""curl, HPKP, Envoy, Go, JSON and CSV: golden files, what leaf-only consumers are given, and a
real pin consumer, `curl --pinnedpubkey`, against a TLS server started on 127.0.0.1.

Regenerate the golden files with PINSCOPE_REGENERATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import io
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pinscope.core.certificate import Certificate
from pinscope.core.keys import spki_pin
from pinscope.core.pins.formats import render
from pinscope.core.pins.formats.data import CSV_COLUMNS, render_csv, render_json
from pinscope.core.pins.formats.servers import (
    DEFAULT_HPKP_MAX_AGE,
    render_curl,
    render_envoy,
    render_go,
    render_hpkp,
)
from pinscope.core.pins.model import BACKUP, INTERMEDIATE, LEAF, ROOT, PinSet, SPKIPin
from tests.core import minting
from tests.core.endpoint.servers import HTTP_OK, ServerConfig, serving
from tests.core.pins.test_formats_android_okhttp import (
    BACKUP_PIN,
    CA,
    PRIMARY,
    assert_golden,
    fixed_pin_set,
)

CURL_PIN_MISMATCH = 90  # CURLE_SSL_PINNEDPUBKEYNOTMATCH


def certificate_pin(issued: minting.Issued, role: str) -> SPKIPin:
    certificate = Certificate(issued.der)
    return SPKIPin(
        spki_pin(certificate.spki_der),
        f"certificate {certificate.short_name}",
        role,
        certificate,
        certificate.details.public_key,
    )


def minted_pin_set(chain: minting.Chain, level: str, **changes: object) -> PinSet:
    """The pin set `pinscope pins` would make for `chain` at `level`, with a spare key."""
    by_level = {
        LEAF: [certificate_pin(chain.leaf, LEAF)],
        INTERMEDIATE: [certificate_pin(chain.intermediate, INTERMEDIATE)],
        ROOT: [certificate_pin(chain.root, ROOT)],
    }
    pins = by_level.get(level) or [pin for pins in by_level.values() for pin in pins]
    spare = minting.new_key()
    pin_set = PinSet(
        domains=("pins.loopback.test",),
        pins=tuple(pins),
        backups=(SPKIPin(minting.spki_pin(spare), "private key spare.key", BACKUP),),
        chain=tuple(Certificate(issued.der) for issued in chain.leaf_first),
        level=level,
    )
    return dataclasses.replace(pin_set, **changes)  # type: ignore[arg-type]


# --- golden files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format_name", "golden"),
    [
        ("curl", "curl.txt"),
        ("envoy", "envoy.yaml"),
        ("go", "pins.go"),
        ("json", "pins.json"),
        ("csv", "pins.csv"),
    ],
)
def test_golden(format_name: str, golden: str) -> None:
    assert_golden(golden, render(format_name, fixed_pin_set()).text)


def test_golden_hpkp() -> None:
    rendered = render_hpkp(fixed_pin_set(include_subdomains=True), today=dt.date(2027, 6, 1))

    assert_golden("hpkp.txt", rendered.text)


# --- curl: leaf key only, and a real curl deciding --------------------------------------


def test_curl_gets_the_leaf_pin_and_backups_only() -> None:
    rendered = render_curl(fixed_pin_set())

    assert rendered.text == f"--pinnedpubkey 'sha256//{PRIMARY};sha256//{BACKUP_PIN}'\n"
    (finding,) = rendered.findings
    assert finding.code == "pin.leaf-only-consumer"
    assert finding.title == "curl checks only the server's own key: 1 CA pin left out"
    assert "certificate CN=Example Issuing CA" in finding.detail


def test_curl_pins_the_chain_leaf_when_the_level_gave_ca_pins() -> None:
    chain = minting.mint_chain("pins.loopback.test")
    rendered = render_curl(minted_pin_set(chain, INTERMEDIATE))

    assert f"sha256//{chain.leaf.pin};" in rendered.text
    assert chain.intermediate.pin not in rendered.text
    (finding,) = rendered.findings
    assert "Pinned instead: the leaf key" in finding.detail
    assert finding.certificate == chain.leaf.sha256


def test_curl_drops_a_backup_that_is_a_ca_certificate() -> None:
    chain = minting.mint_chain("pins.loopback.test")
    other_ca = certificate_pin(minting.mint_chain(prefix="Other").root, BACKUP)

    rendered = render_curl(minted_pin_set(chain, LEAF, backups=(other_ca,)))

    assert rendered.text == f"--pinnedpubkey 'sha256//{chain.leaf.pin}'\n"
    assert "Other Root CA" in rendered.findings[0].detail


def test_curl_refuses_a_pin_set_of_ca_pins_without_a_chain() -> None:
    ca_only = PinSet(domains=("a.example",), pins=(SPKIPin(CA, "CA", INTERMEDIATE),))

    with pytest.raises(ValueError, match="only the server's own"):
        render_curl(ca_only)


def test_curl_with_only_leaf_pins_still_says_it_is_leaf_only() -> None:
    (finding,) = render_curl(fixed_pin_set(pins=(SPKIPin(PRIMARY, "leaf", LEAF),))).findings

    assert finding.severity == "info" and "left out" not in finding.title


@pytest.fixture
def pinned_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A TLS server on 127.0.0.1 for pins.loopback.test, its chain, and a root.pem for curl."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    chain = minting.mint_chain("pins.loopback.test")
    config = ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate],
        key=chain.leaf.key,
        http_reply=HTTP_OK,
    )
    (tmp_path / "root.pem").write_bytes(chain.root.pem)
    with serving(config) as server:
        yield server, chain, tmp_path / "root.pem"


def run_curl(port: int, root_pem: Path, pin_argument: str) -> subprocess.CompletedProcess[str]:
    host = f"pins.loopback.test:{port}"
    command = [
        "curl",
        "--silent",
        "--show-error",
        "--max-time",
        "20",
        "--noproxy",
        "*",
        "--cacert",
        str(root_pem),
        "--resolve",
        f"{host}:127.0.0.1",
        *shlex.split(pin_argument),
        f"https://{host}/",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_real_curl_accepts_the_exported_pin(pinned_server) -> None:  # type: ignore[no-untyped-def]
    server, chain, root_pem = pinned_server
    argument = render_curl(minted_pin_set(chain, "all")).text

    result = run_curl(server.port, root_pem, argument)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok"


def test_real_curl_refuses_a_wrong_pin(pinned_server) -> None:  # type: ignore[no-untyped-def]
    server, _chain, root_pem = pinned_server
    wrong = PinSet(domains=("pins.loopback.test",), pins=(SPKIPin(PRIMARY, "other key", LEAF),))

    result = run_curl(server.port, root_pem, render_curl(wrong).text)

    assert result.returncode == CURL_PIN_MISMATCH, result.stderr


def test_real_curl_never_matches_a_ca_pin(pinned_server) -> None:  # type: ignore[no-untyped-def]
    # Why CA pins are left out: curl compares the leaf's key and nothing else.
    server, chain, root_pem = pinned_server

    result = run_curl(server.port, root_pem, f"--pinnedpubkey 'sha256//{chain.intermediate.pin}'")

    assert result.returncode == CURL_PIN_MISMATCH, result.stderr


# --- HPKP ---------------------------------------------------------------------------------


def test_hpkp_header_directives() -> None:
    rendered = render_hpkp(fixed_pin_set(report_uri='https://r.example/"x"'))

    header = rendered.text.splitlines()[-1]
    assert header.startswith(f'Public-Key-Pins: pin-sha256="{PRIMARY}"; pin-sha256="{CA}"; ')
    assert f'pin-sha256="{BACKUP_PIN}"' in header
    assert "max-age=" in header and "includeSubDomains" not in header
    assert header.endswith('report-uri="https://r.example/\\"x\\""')
    assert rendered.text.startswith("# Deprecated")
    assert [f.code for f in rendered.findings] == ["pin.deprecated-format"]


def test_hpkp_max_age_counts_to_the_expiry_date_or_defaults() -> None:
    dated = render_hpkp(fixed_pin_set(), today=dt.date(2027, 6, 20)).text
    undated = render_hpkp(fixed_pin_set(expires=None)).text

    assert f"max-age={10 * 86400}" in dated
    assert f"max-age={DEFAULT_HPKP_MAX_AGE};" in undated


def test_hpkp_refuses_an_expiry_that_is_not_after_today() -> None:
    with pytest.raises(ValueError, match="not after"):
        render_hpkp(fixed_pin_set(), today=dt.date(2027, 6, 30))


def test_hpkp_refuses_a_pin_set_without_a_backup_outside_the_chain() -> None:
    chain = minting.mint_chain("pins.loopback.test")
    in_chain_backup = certificate_pin(chain.root, BACKUP)

    with pytest.raises(ValueError, match="backup pin that matches no certificate"):
        render_hpkp(minted_pin_set(chain, LEAF, backups=(in_chain_backup,)))


def test_hpkp_refuses_a_report_uri_that_would_split_the_header() -> None:
    with pytest.raises(ValueError, match="control characters"):
        render_hpkp(fixed_pin_set(expires=None, report_uri="https://r.example/\r\nX-Evil: 1"))


# --- Envoy --------------------------------------------------------------------------------


def test_envoy_yaml_parses_and_lists_leaf_spki_only() -> None:
    rendered = render_envoy(fixed_pin_set())

    document = yaml.safe_load(rendered.text)
    tls = document["transport_socket"]["typed_config"]
    assert tls["@type"].endswith("v3.UpstreamTlsContext")
    assert tls["sni"] == "api.example.com"
    context = tls["common_tls_context"]["validation_context"]
    assert context["verify_certificate_spki"] == [PRIMARY, BACKUP_PIN]
    assert all(len(value) == 44 for value in context["verify_certificate_spki"])
    assert context["trusted_ca"] == {"filename": "<ca-bundle.pem>"}
    assert context["match_typed_subject_alt_names"] == [
        {"san_type": "DNS", "matcher": {"exact": "api.example.com"}},
        {"san_type": "DNS", "matcher": {"suffix": ".example.net"}},
    ]
    assert rendered.findings[0].code == "pin.leaf-only-consumer"


def test_envoy_refuses_an_unpadded_pin() -> None:
    with pytest.raises(ValueError, match=r"44 characters|base64"):
        render_envoy(fixed_pin_set(pins=(SPKIPin(PRIMARY.rstrip("="), "pasted", LEAF),)))


# --- Go -----------------------------------------------------------------------------------


def test_go_checks_every_pin_over_the_verified_chains() -> None:
    text = render_go(fixed_pin_set()).text

    for value in (PRIMARY, CA, BACKUP_PIN):
        assert f'\t"{value}": true,' in text
    assert "func VerifyPins(rawCerts [][]byte, verifiedChains [][]*x509.Certificate) error" in text
    assert "sha256.Sum256(cert.RawSubjectPublicKeyInfo)" in text
    assert "VerifyConnection: func(cs tls.ConnectionState) error" in text
    assert text.count("{") == text.count("}") and text.count("(") == text.count(")")


def test_go_comments_cannot_break_out_of_their_line() -> None:
    nasty = SPKIPin(PRIMARY, "key\n}\nfunc evil() {", LEAF)

    text = render_go(fixed_pin_set(pins=(nasty,))).text

    assert "\nfunc evil" not in text


# --- JSON and CSV -------------------------------------------------------------------------


def test_json_carries_certificates_and_keys() -> None:
    chain = minting.mint_chain("pins.loopback.test")
    pin_set = minted_pin_set(chain, "all", expires=dt.date(2030, 1, 2), include_subdomains=True)

    document = json.loads(render_json(pin_set).text)

    assert document["domains"] == ["pins.loopback.test"]
    assert document["include_subdomains"] is True
    assert document["expires"] == "2030-01-02"
    assert [pin["role"] for pin in document["pins"]] == [LEAF, INTERMEDIATE, ROOT]
    leaf = document["pins"][0]
    assert leaf["value"] == chain.leaf.pin
    assert leaf["hex"] == base64.b64decode(chain.leaf.pin).hex()
    assert leaf["certificate"]["subject"] == chain.leaf.subject
    assert leaf["certificate"]["sha256"] == chain.leaf.sha256
    expected_end = chain.leaf.certificate.not_valid_after_utc.isoformat()
    assert leaf["certificate"]["not_after"] == expected_end
    assert leaf["public_key"]["type"] == "EC"
    (backup,) = document["backups"]
    assert backup["certificate"] is None and backup["role"] == BACKUP


def test_csv_has_one_row_per_pin_and_defuses_formulas() -> None:
    pin_set = fixed_pin_set(
        pins=(SPKIPin(PRIMARY, '=HYPERLINK("http://x")', LEAF),), domains=("a.example",)
    )

    rows = list(csv.DictReader(io.StringIO(render_csv(pin_set).text)))

    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(row["list"], row["value"]) for row in rows] == [
        ("pin", PRIMARY),
        ("backup", BACKUP_PIN),
    ]
    assert rows[0]["source"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["hex"] == bytes.fromhex(rows[0]["hex"]).hex()
