"""`pinscope pins` and `pinscope new-backup-key`, run through their own argument parsers.

The parsers are built here with `add_parsers` until cli/main.py wires them in.
"""

from __future__ import annotations

import argparse
import json
import socket
import stat
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from pinscope.cli import pins as cli
from tests.core import minting
from tests.core.endpoint.servers import ServerConfig, serving


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pinscope")
    cli.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    if args.command == "pins":
        return cli.run_pins(args)
    return cli.run_new_backup_key(args)


@pytest.fixture
def chain_files(tmp_path: Path) -> tuple[minting.Chain, Path, Path]:
    chain = minting.mint_chain("api.minted.test")
    sent = tmp_path / "fullchain.pem"
    sent.write_bytes(chain.leaf.pem + chain.intermediate.pem)
    root = tmp_path / "root.pem"
    root.write_bytes(chain.root.pem)
    return chain, sent, root


@pytest.fixture
def spare_key(tmp_path: Path) -> tuple[str, Path]:
    key = minting.new_key()
    path = tmp_path / "spare.key"
    path.write_bytes(minting.key_pem(key))
    return minting.spki_pin(key), path


def _pins_in(xml_text: str) -> list[str]:
    root = ET.fromstring(xml_text.split("\n", 1)[1] if xml_text.startswith("<?") else xml_text)
    return [pin.text or "" for pin in root.iter("pin")]


def test_android_config_with_intermediate_and_backup(
    chain_files: tuple[minting.Chain, Path, Path],
    spare_key: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    chain, sent, root = chain_files
    spare_pin, spare_path = spare_key

    status = _run(
        ["pins", str(sent), "--format", "android", "--trust", str(root),
         "--backup", str(spare_path)]
    )  # fmt: skip

    out, err = capsys.readouterr()
    assert status == 0
    assert _pins_in(out) == [chain.intermediate.pin, spare_pin]
    assert "api.minted.test" in out
    assert "intermediate CA plus a backup" in err
    assert "[pin." not in err


def test_root_level_pins_the_root_the_file_does_not_hold(
    chain_files: tuple[minting.Chain, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    chain, sent, root = chain_files

    status = _run(
        ["pins", str(sent), "--format", "android", "--trust", str(root), "--level", "root",
         "--backup", chain.leaf.pin]
    )  # fmt: skip

    assert status == 0
    assert _pins_in(capsys.readouterr().out) == [chain.root.pin, chain.leaf.pin]


def test_findings_go_to_stderr_and_errors_exit_1(
    chain_files: tuple[minting.Chain, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, sent, root = chain_files

    status = _run(
        ["pins", str(sent), "--format", "android", "--trust", str(root), "--level", "leaf",
         "--expires", "2001-01-01"]
    )  # fmt: skip

    out, err = capsys.readouterr()
    assert status == 1
    assert "<pin-set" in out  # still exported
    for code in ("pin.no-backup", "pin.leaf-only", "pin.expired"):
        assert f"[{code}]" in err


def test_output_the_platform_rejects_is_not_written(
    chain_files: tuple[minting.Chain, Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, sent, root = chain_files
    out_file = tmp_path / "Info.plist"

    status = _run(
        ["pins", str(sent), "--format", "trustkit-plist", "--trust", str(root),
         "--out", str(out_file)]
    )  # fmt: skip

    assert status == 2
    assert not out_file.exists()
    assert "nothing written: TrustKit refuses" in capsys.readouterr().err


def test_out_writes_the_file_and_leaves_no_temporary(
    chain_files: tuple[minting.Chain, Path, Path],
    spare_key: tuple[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chain, sent, root = chain_files
    out_dir = tmp_path / "res"
    out_dir.mkdir()
    out_file = out_dir / "network_security_config.xml"
    out_file.write_text("old")

    status = _run(
        ["pins", str(sent), "--format", "android", "--trust", str(root),
         "--backup", str(spare_key[1]), "--out", str(out_file)]
    )  # fmt: skip

    assert status == 0
    assert capsys.readouterr().out == ""
    assert _pins_in(out_file.read_text())[0] == chain.intermediate.pin
    assert [p.name for p in out_dir.iterdir()] == [out_file.name]


def test_a_pasted_fingerprint_backup_is_an_error(
    chain_files: tuple[minting.Chain, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    chain, sent, root = chain_files
    fingerprint = minting.mint_ca("x").sha256  # a fingerprint of nothing loaded: still 32 bytes
    leaf_fingerprint = chain.leaf.sha256

    status = _run(
        ["pins", str(sent), "--format", "android", "--trust", str(root),
         "--backup", leaf_fingerprint, "--backup", fingerprint]
    )  # fmt: skip

    err = capsys.readouterr().err
    assert status == 1
    assert "[pin.not-spki]" in err and "CN=api.minted.test" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["pins", "missing.pem", "--format", "android"],
        ["pins", "SOURCE", "--format", "android", "--backup", "not a pin"],
    ],
)
def test_unreadable_input_exits_2(
    argv: list[str],
    chain_files: tuple[minting.Chain, Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [str(chain_files[1]) if item == "SOURCE" else item for item in argv]

    assert _run(argv) == 2
    assert "pinscope: " in capsys.readouterr().err


def test_pins_from_a_loopback_endpoint_use_its_host_and_built_chain(
    chain_files: tuple[minting.Chain, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    chain = minting.mint_chain("localhost")
    root = chain_files[2]
    root.write_bytes(chain.root.pem)
    config = ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate], key=chain.leaf.key
    )

    with serving(config) as server:
        status = _run(
            ["pins", f"localhost:{server.port}", "--format", "android", "--trust", str(root),
             "--level", "all", "--timeout", "5"]
        )  # fmt: skip

    out, err = capsys.readouterr()
    assert status == 0, err
    assert _pins_in(out) == [chain.leaf.pin, chain.intermediate.pin, chain.root.pin]
    assert ">localhost</domain>" in out


def test_new_backup_key_prints_only_the_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKUP_PASSPHRASE", "never-shown-passphrase")

    status = _run(
        ["new-backup-key", "--out", str(tmp_path), "--algorithm", "ec-p384",
         "--san", "DNS:api.example.com", "--password-env", "BACKUP_PASSPHRASE"]
    )  # fmt: skip

    out, err = capsys.readouterr()
    (key_file,) = tmp_path.glob("*.key")
    assert status == 0
    assert len(out.strip()) == 44 and out.strip().endswith("=")
    assert "never-shown-passphrase" not in out + err
    assert "PRIVATE KEY" not in out + err
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_new_backup_key_needs_a_passphrase_or_an_explicit_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pinscope.cli.main import UsageError

    with pytest.raises(UsageError, match="--no-encryption"):
        _run(["new-backup-key", "--out", str(tmp_path)])
    assert list(tmp_path.iterdir()) == []

    assert _run(["new-backup-key", "--out", str(tmp_path), "--no-encryption"]) == 0
    assert "NOT encrypted" in capsys.readouterr().err


def _json_out(out: str) -> dict[str, Any]:
    document = json.loads(out)
    assert isinstance(document, dict)
    return document


def test_backup_from_an_endpoint_pins_its_built_chain(
    chain_files: tuple[minting.Chain, Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chain, sent, root = chain_files
    new = minting.mint_chain("localhost", prefix="Migration")  # the server being moved to
    new_root = tmp_path / "new-root.pem"
    new_root.write_bytes(new.root.pem)
    config = ServerConfig(
        chain=[new.leaf.certificate, new.intermediate.certificate], key=new.leaf.key
    )

    with serving(config) as server:
        status = _run(
            ["pins", str(sent), "--format", "json", "--trust", str(root),
             "--trust", str(new_root), "--backup", f"localhost:{server.port}",
             "--timeout", "5"]
        )  # fmt: skip

    out, err = capsys.readouterr()
    document = _json_out(out)
    backups = document["backups"]
    assert status == 0, err
    assert [pin["value"] for pin in document["pins"]] == [chain.intermediate.pin]
    assert [pin["value"] for pin in backups] == [new.leaf.pin, new.intermediate.pin, new.root.pin]
    assert {pin["role"] for pin in backups} == {"backup"}
    assert backups[2]["source"].startswith("backup root certificate CN=")
    assert document["domains"] == ["api.minted.test"]  # the backup endpoint is not a domain


def test_a_backup_endpoint_that_cannot_be_reached_exits_2(
    chain_files: tuple[minting.Chain, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, sent, root = chain_files
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    status = _run(
        ["pins", str(sent), "--format", "android", "--trust", str(root),
         "--backup", f"127.0.0.1:{port}", "--timeout", "5"]
    )  # fmt: skip

    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert f"backup 127.0.0.1:{port}" in err


def test_a_backup_key_file_is_labelled_by_its_name(
    chain_files: tuple[minting.Chain, Path, Path],
    spare_key: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, sent, root = chain_files

    status = _run(
        ["pins", str(sent), "--format", "json", "--trust", str(root),
         "--backup", str(spare_key[1])]
    )  # fmt: skip

    (backup,) = _json_out(capsys.readouterr().out)["backups"]
    assert status == 0
    assert backup["value"] == spare_key[0]
    assert backup["source"] == "backup key spare.key"


def test_a_pasted_colon_hex_backup_is_kept_with_a_fingerprint_warning(
    chain_files: tuple[minting.Chain, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, sent, root = chain_files
    unknown = minting.mint_ca("Elsewhere").sha256  # a certificate that is not loaded
    colons = ":".join(unknown[i : i + 2] for i in range(0, 64, 2)).upper()

    status = _run(
        ["pins", str(sent), "--format", "json", "--trust", str(root), "--backup", colons]
    )  # fmt: skip

    out, err = capsys.readouterr()
    assert status == 0  # a warning, not an error
    assert [pin["hex"] for pin in _json_out(out)["backups"]] == [unknown]
    assert "pinscope: warning: [pin.not-spki]" in err
    assert "pinscope pins CERT --format json" in err


def test_trustkit_key_findings_are_said_once_per_certificate(
    spare_key: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chain = minting.mint_chain()
    leaf = minting.mint_leaf(chain.intermediate, "api.minted.test", key=minting.new_key("ed25519"))
    sent = tmp_path / "ed25519.pem"
    sent.write_bytes(leaf.pem + chain.intermediate.pem)
    root = tmp_path / "root.pem"
    root.write_bytes(chain.root.pem)

    status = _run(
        ["pins", str(sent), "--format", "trustkit-ios", "--trust", str(root),
         "--backup", str(spare_key[1])]
    )  # fmt: skip

    err = capsys.readouterr().err
    assert status == 1
    assert err.count("[pin.unsupported-key]") == 1
    assert "TrustKit for iOS rebuilds SPKI hashes" in err
