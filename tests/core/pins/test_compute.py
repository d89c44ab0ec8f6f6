"""Pins computed from certificates, chains, keys, CSRs and built paths, and the pin set."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from pinscope.core.certificate import Certificate
from pinscope.core.checks import CheckContext
from pinscope.core.inspection import Settings, inspect_bytes
from pinscope.core.pins.compute import (
    RECOMMENDATION,
    backup_pins,
    build_pin_set,
    pins_from_source,
)
from pinscope.core.pins.model import BACKUP, INTERMEDIATE, LEAF, ROOT
from pinscope.core.sources import load_bytes
from pinscope.core.trust import TrustStore
from tests.core import minting


def _store(*issued: minting.Issued) -> TrustStore:
    anchors = tuple(Certificate(item.der) for item in issued)
    return TrustStore("custom", "the test roots", anchors)


def _settings(*roots: minting.Issued) -> Settings:
    return Settings(CheckContext(), (_store(*roots),))


def test_certificate_its_csr_and_its_key_give_the_same_pin() -> None:
    key = minting.new_key("rsa-2048")
    chain = minting.mint_chain()
    leaf = minting.mint_leaf(chain.intermediate, "api.minted.test", key=key)
    csr = minting.mint_csr(key, "api.minted.test")

    sources = [
        load_bytes(leaf.pem, "leaf.pem"),
        load_bytes(minting.csr_pem(csr), "leaf.csr"),
        load_bytes(minting.key_pem(key), "leaf.key"),
    ]
    values = {pins_from_source(s, level=LEAF).selected[0].value for s in sources}

    assert values == {minting.spki_pin(key)}


def test_a_public_key_alone_is_pinned_whatever_the_level() -> None:
    key = minting.new_key()
    public_pem = minting.pem_block("PUBLIC KEY", minting.spki_der(key))

    computed = pins_from_source(load_bytes(public_pem, "key.pub"), level=INTERMEDIATE)

    assert [pin.value for pin in computed.selected] == [minting.spki_pin(key)]
    assert "whatever the level" in computed.notes[0]


def test_chain_roles_and_levels_from_a_file() -> None:
    chain = minting.mint_chain()
    # Stored out of order: the roles come from the issuer links, not the position in the file.
    pem = chain.root.pem + chain.leaf.pem + chain.intermediate.pem
    source = load_bytes(pem, "chain.pem")

    by_level = {
        level: [(pin.role, pin.value) for pin in pins_from_source(source, level=level).selected]
        for level in (LEAF, INTERMEDIATE, ROOT, "all")
    }

    assert by_level[LEAF] == [(LEAF, chain.leaf.pin)]
    assert by_level[INTERMEDIATE] == [(INTERMEDIATE, chain.intermediate.pin)]
    assert by_level[ROOT] == [(ROOT, chain.root.pin)]
    assert by_level["all"] == [
        (LEAF, chain.leaf.pin),
        (INTERMEDIATE, chain.intermediate.pin),
        (ROOT, chain.root.pin),
    ]


def test_the_built_chain_includes_the_root_never_sent() -> None:
    chain = minting.mint_chain()
    sent = chain.leaf.pem + chain.intermediate.pem
    inspection = inspect_bytes(sent, "sent.pem", settings=_settings(chain.root))
    assert inspection.source is not None

    without = pins_from_source(inspection.source, level=ROOT)
    built = pins_from_source(inspection.source, inspection.validation, level=ROOT)

    assert without.selected == ()
    assert "no root certificate" in without.notes[0]
    assert [pin.value for pin in built.selected] == [chain.root.pin]
    assert built.selected[0].certificate is not None
    assert built.paths[0].complete


def test_cross_signed_paths_each_get_a_pin_list() -> None:
    old_root = minting.mint_ca("Old Root CA")
    new_root = minting.mint_ca("New Root CA")
    key = minting.new_key()
    # The same intermediate (name and key) issued by both roots.
    via_new = minting.mint_ca("Issuing CA", issuer=new_root, key=key)
    via_old = minting.mint_ca("Issuing CA", issuer=old_root, key=key)
    leaf = minting.mint_leaf(via_new, "api.minted.test")
    sent = leaf.pem + via_new.pem + via_old.pem
    inspection = inspect_bytes(sent, "sent.pem", settings=_settings(old_root, new_root))
    assert inspection.source is not None

    computed = pins_from_source(inspection.source, inspection.validation, level=ROOT)

    assert len(computed.paths) == 2
    assert {pin.value for pin in computed.selected} == {old_root.pin, new_root.pin}
    assert any("cross-signing" in note for note in computed.notes)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p384", "ed25519"])
def test_pins_match_the_openssl_pipeline(tmp_path: Path, kind: str) -> None:
    chain = minting.mint_chain()
    leaf = minting.mint_leaf(chain.intermediate, "api.minted.test", key=minting.new_key(kind))
    path = tmp_path / "leaf.pem"
    path.write_bytes(leaf.pem)

    pipeline = (
        f"openssl x509 -in {path} -noout -pubkey | openssl pkey -pubin -outform DER"
        " | openssl dgst -sha256 -binary | openssl base64 -A"
    )
    expected = subprocess.run(
        ["sh", "-c", pipeline], check=True, capture_output=True, text=True
    ).stdout.strip()
    computed = pins_from_source(load_bytes(leaf.pem, "leaf.pem"), level=LEAF)

    assert computed.selected[0].value == expected


def test_unknown_level_and_empty_sources_are_refused() -> None:
    chain = minting.mint_chain()
    source = load_bytes(chain.leaf.pem, "leaf.pem")

    with pytest.raises(ValueError, match="unknown pin level 'middle'"):
        pins_from_source(source, level="middle")


def test_backup_pins_are_labelled_backup() -> None:
    key = minting.new_key()

    pins = backup_pins(load_bytes(minting.key_pem(key), "keys/spare.key"))

    assert [(pin.role, pin.value) for pin in pins] == [(BACKUP, minting.spki_pin(key))]
    assert pins[0].source == "backup key spare.key"


def test_key_and_csr_pins_are_named_after_their_file() -> None:
    key = minting.new_key()
    public_pem = minting.pem_block("PUBLIC KEY", minting.spki_der(key))
    csr_pem = minting.csr_pem(minting.mint_csr(key, "api.minted.test"))

    private = pins_from_source(load_bytes(minting.key_pem(key), "/tmp/leaf.key"), level=LEAF)
    public = pins_from_source(load_bytes(public_pem, "leaf.pub"), level=LEAF)
    csr = backup_pins(load_bytes(csr_pem, "leaf.csr"))

    assert private.selected[0].source == "private key leaf.key"
    assert public.selected[0].source == "public key leaf.pub"
    assert csr[0].source == "backup certificate request CN=api.minted.test"


def test_backup_pins_of_a_built_chain_include_the_root_never_sent() -> None:
    chain = minting.mint_chain()
    sent = chain.leaf.pem + chain.intermediate.pem
    inspection = inspect_bytes(sent, "new-server.pem", settings=_settings(chain.root))
    assert inspection.source is not None

    as_stored = backup_pins(inspection.source)
    built = backup_pins(inspection.source, inspection.validation)

    assert chain.root.pin not in {pin.value for pin in as_stored}
    assert [pin.value for pin in built] == [chain.leaf.pin, chain.intermediate.pin, chain.root.pin]
    assert {pin.role for pin in built} == {BACKUP}
    assert built[2].source.startswith("backup root certificate CN=")
    assert built[2].certificate is not None


def test_backup_pins_keep_certificates_off_the_first_chain() -> None:
    first = minting.mint_chain(prefix="First")
    other = minting.mint_ca("Other CA")

    pins = backup_pins(load_bytes(first.leaf.pem + first.intermediate.pem + other.pem, "b.pem"))

    assert other.pin in {pin.value for pin in pins}


def test_pin_set_domains_default_to_the_leaf_names() -> None:
    root = minting.mint_ca("Root")
    leaf = minting.mint_leaf(root, "api.minted.test", dns=["api.minted.test", "*.minted.test"])
    computed = pins_from_source(load_bytes(leaf.pem + root.pem, "c.pem"), level="all")

    pin_set = build_pin_set([computed], expires=dt.date(2030, 1, 1))

    assert pin_set.domains == ("api.minted.test", "minted.test")
    assert pin_set.expires == dt.date(2030, 1, 1)
    assert pin_set.chain[0].sha256 == Certificate(leaf.der).sha256


def test_pin_set_prefers_given_domains_then_the_endpoint_host() -> None:
    chain = minting.mint_chain()
    computed = pins_from_source(load_bytes(chain.leaf.pem, "leaf.pem"), level=LEAF)
    spare = backup_pins(load_bytes(minting.key_pem(minting.new_key()), "spare.key"))

    given = build_pin_set([computed], ["Example.COM."], backups=spare)
    from_host = build_pin_set([computed], host="endpoint.test")

    assert given.domains == ("example.com",)
    assert [pin.role for pin in given.all_pins] == [LEAF, BACKUP]
    assert from_host.domains == ("endpoint.test",)


def test_pin_set_without_any_domain_says_to_give_one() -> None:
    root = minting.mint_ca("Root")
    leaf = minting.mint_leaf(root, "no-san", dns=[])
    computed = pins_from_source(load_bytes(leaf.pem, "leaf.pem"), level=LEAF)

    with pytest.raises(ValueError, match="--domain"):
        build_pin_set([computed])


def test_the_recommendation_names_intermediate_and_backup() -> None:
    assert "intermediate" in RECOMMENDATION and "backup" in RECOMMENDATION
