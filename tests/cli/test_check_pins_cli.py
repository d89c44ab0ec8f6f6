"""`pinscope check-pins` against real TLS servers on 127.0.0.1 started by each test.

The command is run in-process through its own parser (`check_pins.add_parser` and `run`), so
the tests do not depend on how `pinscope.cli.main` wires the subcommand in.
"""

from __future__ import annotations

import argparse
import json
import plistlib
from pathlib import Path

import pytest

from pinscope.cli import check_pins
from tests.core import minting
from tests.core.endpoint.servers import ServerConfig, serving

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
