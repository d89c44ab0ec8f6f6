"""Export then `check-pins` for every format Pinscope can read back, through the real command.

A configuration written by `pinscope pins` must read back and match the chain it came from; a
chain under another CA must be refused by the same configuration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_inspect_cli import run_pinscope
from tests.core import minting

EXIT_OK, EXIT_FINDINGS = 0, 1
READABLE = [
    "android",
    "trustkit-android",
    "okhttp-kotlin",
    "okhttp-java",
    "ios-ats",
    "trustkit-ios",
    "trustkit-plist",
    "curl",
    "hpkp",
    "envoy",
    "json",
]
LEAF_ONLY = {"curl", "envoy"}
"""Formats whose consumer checks only the leaf's key: the export pins the leaf, not a CA."""
HOST = "round.trip.test"


def write_chain(path: Path, chain: minting.Chain) -> Path:
    path.write_bytes(chain.leaf.pem + chain.intermediate.pem)
    return path


@pytest.mark.parametrize("name", READABLE)
def test_export_reads_back_and_matches_its_own_chain(tmp_path: Path, name: str) -> None:
    chain = minting.mint_chain(HOST, prefix="Round")
    stranger = minting.mint_chain(HOST, prefix="Stranger")
    served = write_chain(tmp_path / "served.pem", chain)
    other = write_chain(tmp_path / "other.pem", stranger)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(chain.root.pem + stranger.root.pem)
    backup = tmp_path / "backup.pem"
    backup.write_bytes(minting.key_pem(minting.new_key()))
    config = tmp_path / f"config.{name}"

    exported = run_pinscope(
        "pins", served, "--format", name, "--trust", roots, "--backup", backup, "--out", config
    )
    same = run_pinscope("check-pins", config, served, "--trust", roots)
    changed = run_pinscope("check-pins", config, other, "--trust", roots)

    assert exported.returncode == EXIT_OK, exported.stderr
    assert same.returncode == EXIT_OK, same.stdout + same.stderr
    assert "would connect" in same.stdout
    assert changed.returncode == EXIT_FINDINGS, changed.stdout
    assert "would refuse" in changed.stdout
    matched = "leaf “round.trip.test”" if name in LEAF_ONLY else "intermediate “Round Issuing CA”"
    assert f"the app would connect: the {matched} is pinned" in same.stdout
