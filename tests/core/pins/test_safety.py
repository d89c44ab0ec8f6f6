"""The pin.* safety checks: each one raised, and each one quiet when all is well."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from pinscope.core.certificate import Certificate
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.compute import chain_pins
from pinscope.core.pins.model import BACKUP, PinSet, SPKIPin
from pinscope.core.pins.safety import check_pin_set, rejection
from tests.core import minting

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def _chain(kind: str = "ec-p256") -> tuple[Certificate, ...]:
    chain = minting.mint_chain()
    leaf = minting.mint_leaf(chain.intermediate, "api.minted.test", key=minting.new_key(kind))
    return tuple(Certificate(item.der) for item in (leaf, chain.intermediate, chain.root))


def _spare() -> SPKIPin:
    return SPKIPin(minting.spki_pin(minting.new_key()), "backup key spare.key", BACKUP)


def _pin_set(level: str, backups: int = 1, **options: object) -> PinSet:
    chain = options.pop("chain", None) or _chain()
    assert isinstance(chain, tuple)
    pins = chain_pins(chain, anchored=True)
    chosen = pins if level == "all" else tuple(pin for pin in pins if pin.role == level)
    return PinSet(
        ("api.minted.test",),
        chosen,
        tuple(_spare() for _ in range(backups)),
        chain=chain,
        **options,  # type: ignore[arg-type]
    )


def _codes(findings: list[Finding]) -> dict[str, Severity]:
    return {finding.code: finding.severity for finding in findings}


def test_a_good_pin_set_raises_nothing() -> None:
    pin_set = _pin_set("intermediate", expires=dt.date(2027, 1, 1))

    for name in (None, "android", "trustkit-ios", "okhttp-kotlin", "hpkp"):
        assert check_pin_set(pin_set, name, NOW) == []
        assert rejection(pin_set, name or "android") is None


def test_every_finding_has_a_title_detail_and_remedy() -> None:
    pin_set = _pin_set("leaf", backups=0, include_subdomains=True, expires=dt.date(2026, 1, 1))

    findings = check_pin_set(pin_set, None, NOW)

    assert len(findings) >= 3
    for finding in findings:
        assert finding.title and finding.detail and finding.remedy


@pytest.mark.parametrize(
    ("format_name", "severity"),
    [("android", Severity.WARNING), ("trustkit-ios", Severity.ERROR), ("hpkp", Severity.ERROR)],
)
def test_one_pin_is_no_backup(format_name: str, severity: Severity) -> None:
    pin_set = _pin_set("intermediate", backups=0)

    findings = check_pin_set(pin_set, format_name, NOW)

    assert _codes(findings)["pin.no-backup"] == severity


def test_trustkit_and_hpkp_outputs_without_backup_are_rejected() -> None:
    one = _pin_set("intermediate", backups=0)
    in_chain = _pin_set("all", backups=0)

    assert "fewer than two pins" in (rejection(one, "trustkit-plist") or "")
    assert rejection(in_chain, "trustkit-ios") is None
    assert "RFC 7469" in (rejection(in_chain, "hpkp") or "")
    assert rejection(one, "android") is None


def test_every_pin_in_the_chain_is_flagged() -> None:
    pin_set = _pin_set("all", backups=0)

    assert _codes(check_pin_set(pin_set, "android", NOW)) == {"pin.all-in-chain": Severity.WARNING}
    assert _codes(check_pin_set(pin_set, "hpkp", NOW))["pin.all-in-chain"] == Severity.ERROR


def test_leaf_only_pins_are_flagged_except_for_leaf_only_formats() -> None:
    pin_set = _pin_set("leaf")

    assert _codes(check_pin_set(pin_set, "android", NOW)) == {"pin.leaf-only": Severity.WARNING}
    assert check_pin_set(pin_set, "curl", NOW) == []


@pytest.mark.parametrize(
    ("expires", "severity"),
    [
        (dt.date(2026, 5, 1), Severity.ERROR),
        (dt.date(2026, 6, 1), Severity.ERROR),
        (dt.date(2026, 6, 20), Severity.WARNING),
        (dt.date(2026, 8, 1), None),
    ],
)
def test_expiration_past_or_near(expires: dt.date, severity: Severity | None) -> None:
    pin_set = _pin_set("intermediate", expires=expires)

    findings = check_pin_set(pin_set, "android", NOW)

    assert _codes(findings).get("pin.expired") == severity
    if severity is not None:
        assert "stop pinning silently" in findings[0].detail


def test_expiration_in_a_format_without_expiry_says_it_is_not_written() -> None:
    pin_set = _pin_set("intermediate", expires=dt.date(2026, 6, 2))

    (finding,) = check_pin_set(pin_set, "okhttp-kotlin", NOW)

    assert "has no expiration" in finding.detail


@pytest.mark.parametrize("kind", ["ed25519", "ed448"])
def test_keys_trustkit_cannot_hash(kind: str) -> None:
    pin_set = _pin_set("intermediate", chain=_chain(kind))

    trustkit = check_pin_set(pin_set, "trustkit-ios", NOW)
    android = check_pin_set(pin_set, "android", NOW)

    (finding,) = [f for f in trustkit if f.code == "pin.unsupported-key"]
    assert finding.severity == Severity.ERROR
    assert finding.certificate == pin_set.chain[0].sha256
    assert "Ed" in finding.detail
    assert android == []


def test_rsa_and_p384_keys_are_fine_for_trustkit() -> None:
    for kind in ("rsa-2048", "ec-p384"):
        pin_set = _pin_set("intermediate", chain=_chain(kind))
        assert check_pin_set(pin_set, "trustkit-ios", NOW) == []


def test_include_subdomains_explains_the_depth() -> None:
    pin_set = _pin_set("intermediate", include_subdomains=True)

    (ats,) = check_pin_set(pin_set, "ios-ats", NOW)
    (android,) = check_pin_set(pin_set, "android", NOW)

    assert ats.code == "pin.include-subdomains" and ats.severity == Severity.INFO
    assert "ONE extra label" in ats.detail
    assert "any depth" in android.detail


def test_a_certificate_fingerprint_in_the_set_is_not_spki() -> None:
    chain = _chain()
    wrong = SPKIPin(base64.b64encode(bytes.fromhex(chain[1].sha256)).decode(), "pasted", None)
    pin_set = PinSet(("api.minted.test",), (wrong,), (_spare(),), chain=chain)

    findings = check_pin_set(pin_set, "android", NOW)

    assert _codes(findings)["pin.not-spki"] == Severity.ERROR
    assert next(f for f in findings if f.code == "pin.not-spki").certificate == chain[1].sha256
