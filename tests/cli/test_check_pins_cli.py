"""`pinscope check-pins` against real TLS servers on 127.0.0.1 started by each test.

The command is run in-process through its own parser (`check_pins.add_parser` and `run`), so
the tests do not depend on how `pinscope.cli.main` wires the subcommand in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import plistlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from pinscope.cli import check_pins
from tests.core import minting
from tests.core.endpoint.servers import ServerConfig, serving
from tests.core.pins.loopback import RedirectingProxy, connects_asked

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
HOST = "pins.cli.test"
SPARE = "NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain(HOST, prefix="CheckPins")


@pytest.fixture
def roots(tmp_path: Path, chain: minting.Chain) -> Path:
    path = tmp_path / "root.pem"
    path.write_bytes(chain.root.pem)
    return path


def server(chain: minting.Chain) -> ServerConfig:
    return ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate], key=chain.leaf.key
    )


def nsc(tmp_path: Path, *pins: str) -> Path:
    body = "".join(f'<pin digest="SHA-256">{pin}</pin>' for pin in pins)
    path = tmp_path / "network_security_config.xml"
    path.write_text(
        "<network-security-config><domain-config>"
        f'<domain includeSubdomains="true">{HOST}</domain>'
        f"<pin-set>{body}</pin-set></domain-config></network-security-config>"
    )
    return path


def check_pins_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="pinscope")
    commands = parser.add_subparsers(dest="command")
    check_pins.add_parser(commands)
    status = check_pins.run(parser.parse_args(["check-pins", *map(str, args)]))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return status, captured.out, captured.err


def against(port: int, roots: Path, *args: str | Path) -> list[str | Path]:
    return [f"127.0.0.1:{port}", "--sni", HOST, "--trust", roots, "--timeout", "3", *args]


def test_a_root_pin_matches_the_live_server_that_never_sends_the_root(
    tmp_path: Path, chain: minting.Chain, roots: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = nsc(tmp_path, chain.root.pin, SPARE)
    with serving(server(chain)) as live:
        port = live.port
        status, out, _ = check_pins_cli(capsys, config, *against(port, roots))

    assert status == EXIT_OK
    assert f"✔ {HOST} and subdomains" in out
    assert f"checked     127.0.0.1:{port} as {HOST}" in out
    assert "CheckPins Root CA (from trust store)" in out
    assert "the app would connect: the root “CheckPins Root CA”" in out
    assert "every domain checked would connect" in out


def test_a_wrong_pin_exits_1_with_the_reason(
    tmp_path: Path, chain: minting.Chain, roots: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = nsc(tmp_path, SPARE)
    with serving(server(chain)) as live:
        status, out, _ = check_pins_cli(capsys, config, *against(live.port, roots))

    assert status == EXIT_FINDINGS
    assert "✖ " in out
    assert "the app would refuse, because no pin is the key" in out
    assert "pin.mismatch" in out


def test_ios_leaf_list_with_a_ca_key_fails_in_json(
    tmp_path: Path, chain: minting.Chain, roots: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plist = {
        "NSAppTransportSecurity": {
            "NSPinnedDomains": {
                HOST: {"NSPinnedLeafIdentities": [{"SPKI-SHA256-BASE64": chain.intermediate.pin}]}
            }
        }
    }
    config = tmp_path / "Info.plist"
    config.write_bytes(plistlib.dumps(plist, fmt=plistlib.FMT_BINARY))
    with serving(server(chain)) as live:
        status, out, _ = check_pins_cli(capsys, config, *against(live.port, roots, "--json"))

    assert status == EXIT_FINDINGS
    document = json.loads(out)
    assert document["config"]["platform"] == "ios-ats"
    (domain,) = document["domains"]
    assert domain["connects"] is False
    assert domain["matches"][0]["list"] == "NSPinnedLeafIdentities"
    assert domain["matches"][0]["counts"] is False
    assert [link["role"] for link in domain["chain"]] == ["leaf", "intermediate", "root"]


def test_rotation_preview_with_next(
    tmp_path: Path, chain: minting.Chain, roots: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renewed = minting.mint_leaf(chain.intermediate, HOST)
    next_cert = tmp_path / "next.pem"
    next_cert.write_bytes(renewed.pem)
    leaf_pinned = nsc(tmp_path, chain.leaf.pin, SPARE)

    with serving(server(chain)) as live:
        status, out, _ = check_pins_cli(
            capsys, leaf_pinned, *against(live.port, roots, "--next", next_cert)
        )

    assert status == EXIT_FINDINGS
    assert f"after deploying {next_cert}: would refuse" in out


def test_curl_pin_string_against_the_server(
    tmp_path: Path, chain: minting.Chain, roots: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "curl.txt"
    config.write_text(f"--pinnedpubkey 'sha256//{chain.leaf.pin};sha256//{SPARE}'\n")
    with serving(server(chain)) as live:
        status, out, _ = check_pins_cli(capsys, config, *against(live.port, roots))

    assert status == EXIT_OK
    assert "(any host)" in out


def test_an_unreadable_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "notes.txt"
    config.write_text("just some notes\n")

    status, out, err = check_pins_cli(capsys, config, tmp_path / "none.pem")

    assert status == EXIT_UNREADABLE
    assert out == ""
    assert "not a pin configuration Pinscope reads; expected an Android" in err


def test_a_refused_connection_exits_2(
    tmp_path: Path, chain: minting.Chain, roots: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(server(chain)) as live:
        port = live.port
    config = nsc(tmp_path, chain.root.pin, SPARE)

    status, _, err = check_pins_cli(capsys, config, *against(port, roots))

    assert status == EXIT_UNREADABLE
    assert f"127.0.0.1:{port}" in err


# ---- no SOURCE: each configured domain, reached through --connect-to ---------------------------

ALPHA = "alpha.pins.test"
BETA = "beta.pins.test"


@dataclass(frozen=True)
class TwoSites:
    alpha: minting.Chain
    beta: minting.Chain
    """Its leaf names the apex and `*.beta.pins.test`, as the OkHttp pattern `*.` needs."""
    roots: Path


@pytest.fixture
def two_sites(tmp_path: Path) -> TwoSites:
    alpha = minting.mint_chain(ALPHA, prefix="Alpha")
    beta_root = minting.mint_ca("Beta Root CA")
    beta_issuer = minting.mint_ca("Beta Issuing CA", issuer=beta_root, path_length=0)
    beta_leaf = minting.mint_leaf(beta_issuer, BETA, dns=[BETA, f"*.{BETA}"])
    roots = tmp_path / "roots.pem"
    roots.write_bytes(alpha.root.pem + beta_root.pem)
    return TwoSites(alpha, minting.Chain(beta_root, beta_issuer, beta_leaf), roots)


def strict_server(chain: minting.Chain, name: str) -> ServerConfig:
    """A server that refuses a ClientHello whose SNI is not `name`."""
    return ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate],
        key=chain.leaf.key,
        sni_names=[name],
    )


def okhttp_config(tmp_path: Path, alpha_pin: str, beta_pin: str) -> Path:
    path = tmp_path / "Pinning.kt"
    path.write_text(
        "CertificatePinner.Builder()\n"
        f'    .add("{ALPHA}", "sha256/{alpha_pin}", "sha256/{SPARE}")\n'
        f'    .add("*.{BETA}", "sha256/{beta_pin}", "sha256/{SPARE}")\n'
        "    .build()\n"
    )
    return path


def test_without_source_each_domain_is_checked_through_connect_to(
    tmp_path: Path, two_sites: TwoSites, capsys: pytest.CaptureFixture[str]
) -> None:
    config = okhttp_config(tmp_path, two_sites.alpha.root.pin, two_sites.beta.intermediate.pin)
    with (
        serving(strict_server(two_sites.alpha, ALPHA)) as alpha,
        serving(strict_server(two_sites.beta, BETA)) as beta,
    ):
        alpha_port, beta_port = alpha.port, beta.port
        status, out, err = check_pins_cli(
            capsys,
            config,
            "--connect-to",
            f"{ALPHA}:443:127.0.0.1:{alpha.port}",
            "--connect-to",
            f"{BETA}:443:127.0.0.1:{beta.port}",
            "--trust",
            two_sites.roots,
            "--timeout",
            "3",
        )

    assert status == EXIT_OK, out + err
    assert f"checked     {ALPHA}:443 via 127.0.0.1:{alpha_port} as {ALPHA}" in out
    # The `*.` pattern is checked on its apex, which stands for the hosts it covers.
    assert (
        f"✔ *.{BETA} and subdomains\n    checked     {BETA}:443 via 127.0.0.1:{beta_port}\n" in out
    )
    assert "the intermediate “Beta Issuing CA” is pinned" in out
    assert "every domain checked would connect" in out


def test_connect_to_a_server_whose_keys_are_not_pinned_exits_1(
    tmp_path: Path, two_sites: TwoSites, capsys: pytest.CaptureFixture[str]
) -> None:
    config = okhttp_config(tmp_path, two_sites.alpha.root.pin, two_sites.alpha.root.pin)
    with (
        serving(strict_server(two_sites.alpha, ALPHA)) as alpha,
        serving(strict_server(two_sites.beta, BETA)) as beta,
    ):
        beta_port = beta.port
        status, out, _ = check_pins_cli(
            capsys,
            config,
            "--json",
            "--connect-to",
            f"{ALPHA}:443:127.0.0.1:{alpha.port}",
            "--connect-to",
            f"{BETA}::127.0.0.1:{beta.port}",
            "--trust",
            two_sites.roots,
            "--timeout",
            "3",
        )

    assert status == EXIT_FINDINGS
    alpha_verdict, beta_verdict = json.loads(out)["domains"]
    assert alpha_verdict["connects"] is True
    assert (beta_verdict["source"], beta_verdict["connects"]) == (
        f"{BETA}:443 via 127.0.0.1:{beta_port}",
        False,
    )


def test_connect_to_also_redirects_an_endpoint_source(
    tmp_path: Path, two_sites: TwoSites, capsys: pytest.CaptureFixture[str]
) -> None:
    config = okhttp_config(tmp_path, two_sites.alpha.root.pin, SPARE)
    with serving(strict_server(two_sites.alpha, ALPHA)) as alpha:
        alpha_port = alpha.port
        status, out, err = check_pins_cli(
            capsys,
            config,
            f"{ALPHA}:8443",
            "--connect-to",
            f":8443:127.0.0.1:{alpha.port}",
            "--trust",
            two_sites.roots,
            "--timeout",
            "3",
        )

    assert status == EXIT_OK, out + err
    assert f"checked     127.0.0.1:{alpha_port} as {ALPHA}" in out


@pytest.mark.parametrize(
    "value", ["127.0.0.1:4433", "a.test:443:127.0.0.1:99999", "a.test:x:127.0.0.1:443"]
)
def test_a_malformed_connect_to_is_a_usage_error(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = nsc(tmp_path, SPARE)
    parser = argparse.ArgumentParser(prog="pinscope")
    check_pins.add_parser(parser.add_subparsers(dest="command"))

    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["check-pins", str(config), "--connect-to", value])

    assert exited.value.code == EXIT_UNREADABLE
    err = capsys.readouterr().err
    assert "--connect-to" in err
    assert "HOST:PORT:ADDRESS:PORT" in err or "between 1 and 65535" in err


# ---- cross-signed paths and expiry in the report -----------------------------------------------


def test_a_path_dependent_verdict_is_shown_per_path_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = dt.datetime.now(dt.UTC)
    root_a = minting.mint_ca("Report Root A", not_after=now + dt.timedelta(days=3650))
    root_b = minting.mint_ca("Report Root B", not_after=now + dt.timedelta(days=365))
    key = minting.new_key()
    under_a = minting.mint_ca("Report Issuing CA", issuer=root_a, key=key, path_length=0)
    under_b = minting.mint_ca("Report Issuing CA", issuer=root_b, key=key, path_length=0)
    leaf = minting.mint_leaf(under_a, HOST)
    served = tmp_path / "served.pem"
    served.write_bytes(leaf.pem + under_a.pem + under_b.pem)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(root_a.pem + root_b.pem)
    soon = (now.date() + dt.timedelta(days=20)).isoformat()
    config = tmp_path / "nsc.xml"
    config.write_text(
        f'<network-security-config><domain-config><domain>{HOST}</domain><pin-set expiration="'
        f'{soon}"><pin digest="SHA-256">{root_a.pin}</pin><pin digest="SHA-256">{SPARE}</pin>'
        "</pin-set></domain-config></network-security-config>"
    )

    status, out, _ = check_pins_cli(capsys, config, served, "--trust", roots)

    assert status == EXIT_FINDINGS
    assert f"⚠ {HOST}\n" in out
    assert "    path        connects through the root “Report Root A”" in out
    assert "    path        refuses through the cross-signed root “Report Root B”" in out
    assert "devices that build that path will refuse" in out
    assert "pin.path-dependent" in out
    assert f"    expires     {soon} (in 20 days)" in out
    assert "pin.expired: The pins of" in out

    _, as_json, _ = check_pins_cli(capsys, config, served, "--trust", roots, "--json")
    (domain,) = json.loads(as_json)["domains"]
    assert domain["depends_on_path"] is True
    assert [(p["anchor"], p["cross_signed"], p["connects"]) for p in domain["paths"]] == [
        ("Report Root A", False, True),
        ("Report Root B", True, False),
    ]
    assert domain["days_left"] == 20


# ---- no SOURCE: how configured domains are contacted ------------------------------------------


def nsc_domains(tmp_path: Path, pin: str, *domains: str) -> Path:
    """An Android config with one entry per domain, each pinning `pin` and the spare."""
    entries = "".join(
        f"<domain-config><domain>{domain}</domain><pin-set>"
        f'<pin digest="SHA-256">{pin}</pin><pin digest="SHA-256">{SPARE}</pin>'
        "</pin-set></domain-config>"
        for domain in domains
    )
    path = tmp_path / "network_security_config.xml"
    path.write_text(f"<network-security-config>{entries}</network-security-config>")
    return path


def proxy_environment(
    monkeypatch: pytest.MonkeyPatch, proxy: RedirectingProxy, no_proxy: str
) -> None:
    """https_proxy names the loopback proxy; no_proxy lists `no_proxy`."""
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("no_proxy", no_proxy)
    for variable in ("HTTPS_PROXY", "NO_PROXY"):
        monkeypatch.delenv(variable, raising=False)


def test_a_configuration_naming_no_host_needs_a_source(
    tmp_path: Path, chain: minting.Chain, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "curl.txt"
    config.write_text(f"--pinnedpubkey 'sha256//{chain.leaf.pin};sha256//{SPARE}'\n")

    status, out, err = check_pins_cli(capsys, config)

    assert status == EXIT_UNREADABLE
    assert out == ""
    assert err == (
        f"pinscope: check-pins: {config} names no host (curl --pinnedpubkey); give the server "
        "or its certificate to check it against\n"
    )


def test_without_source_no_proxy_is_matched_against_each_domain(
    tmp_path: Path,
    chain: minting.Chain,
    roots: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = nsc_domains(tmp_path, chain.intermediate.pin, HOST, "localhost")
    with serving(server(chain)) as live, RedirectingProxy(live.port) as proxy:
        proxy_environment(monkeypatch, proxy, no_proxy="localhost")
        status, out, _ = check_pins_cli(capsys, config, "--trust", roots, "--timeout", "3")

    # Through the proxy for the domain, directly (and refused) for the one no_proxy lists.
    assert connects_asked(proxy) == [f"{HOST}:443"]
    assert f"✔ {HOST}\n" in out
    assert "✖ localhost\n" in out
    assert status == EXIT_UNREADABLE


def test_without_source_starttls_is_not_spoken_to_configured_domains(
    tmp_path: Path,
    chain: minting.Chain,
    roots: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = nsc_domains(tmp_path, chain.intermediate.pin, HOST)
    with serving(server(chain)) as live, RedirectingProxy(live.port) as proxy:
        proxy_environment(monkeypatch, proxy, no_proxy="")
        status, out, err = check_pins_cli(
            capsys, config, "--starttls", "smtp", "--trust", roots, "--timeout", "3"
        )

    assert connects_asked(proxy) == [f"{HOST}:443"]
    assert status == EXIT_OK, out + err
    assert "every domain checked would connect" in out
