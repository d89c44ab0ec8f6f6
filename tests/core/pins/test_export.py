"""`export`: the one sequence both front ends follow to write a pin configuration."""

from __future__ import annotations

import datetime as dt

from pinscope.core.certificate import Certificate
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.compute import chain_pins
from pinscope.core.pins.export import export, merged_findings
from pinscope.core.pins.formats import render
from pinscope.core.pins.model import BACKUP, PinSet, SPKIPin
from pinscope.core.pins.safety import check_pin_set
from tests.core import minting

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def pin_set(backups: int = 1, kind: str = "ec-p256") -> PinSet:
    chain = minting.mint_chain()
    leaf = minting.mint_leaf(chain.intermediate, "api.minted.test", key=minting.new_key(kind))
    certificates = tuple(Certificate(item.der) for item in (leaf, chain.intermediate, chain.root))
    pins = tuple(pin for pin in chain_pins(certificates, anchored=True) if pin.role == "leaf")
    spares = tuple(
        SPKIPin(minting.spki_pin(minting.new_key()), "backup key spare.key", BACKUP)
        for _ in range(backups)
    )
    return PinSet(("api.minted.test",), pins, spares, chain=certificates)


def pasted() -> Finding:
    return Finding("pin.not-spki", Severity.ERROR, "pasted", "a fingerprint", "paste the pin")


def test_an_accepted_output_is_rendered_with_every_finding_once() -> None:
    pins = pin_set()

    exported = export(pins, "android", NOW, [pasted()])

    assert exported.refused is None
    assert exported.rendered == render("android", pins)
    assert exported.findings == (pasted(), *check_pin_set(pins, "android", NOW))


def test_a_refused_output_is_not_rendered_and_keeps_the_safety_findings() -> None:
    pins = pin_set(backups=0)

    exported = export(pins, "trustkit-ios", NOW, [pasted()])

    assert exported.rendered is None
    assert exported.refused is not None
    assert exported.refused.startswith("TrustKit refuses to start with fewer than two pins")
    assert exported.findings == (pasted(), *check_pin_set(pins, "trustkit-ios", NOW))


def test_an_unknown_format_is_refused_in_words() -> None:
    exported = export(pin_set(), "carrier-pigeon", NOW)

    assert exported.rendered is None
    assert exported.refused is not None and "unknown pin format 'carrier-pigeon'" in (
        exported.refused
    )


def test_the_formats_own_findings_follow_the_safety_findings_once() -> None:
    pins = pin_set(kind="ed25519")

    exported = export(pins, "trustkit-ios", NOW)

    assert exported.rendered is not None
    safety = check_pin_set(pins, "trustkit-ios", NOW)
    said = {(f.code, f.certificate) for f in safety}
    own = [f for f in exported.rendered.findings if (f.code, f.certificate) not in said]
    assert own
    assert exported.findings == (*safety, *own)
    assert "pin.unsupported-key" in [f.code for f in safety]


def test_merging_keeps_the_safety_checks_word_for_the_same_code_and_certificate() -> None:
    general = Finding("pin.unsupported-key", Severity.ERROR, "safety", "d", "r", "ab12")
    same = Finding("pin.unsupported-key", Severity.WARNING, "format", "d", "r", "ab12")
    other = Finding("pin.unsupported-key", Severity.WARNING, "format", "d", "r", "cd34")

    assert merged_findings([general], [same, other]) == [general, other]
