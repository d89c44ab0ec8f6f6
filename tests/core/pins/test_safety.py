"""The pin.* safety checks: each one raised, and each one quiet when all is well."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from pinscope.core.certificate import Certificate
from pinscope.core.keys import describe_public_key
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.compute import chain_pins
from pinscope.core.pins.model import BACKUP, PinSet, SPKIPin
from pinscope.core.pins.safety import check_pin_set, rejection, trustkit_can_hash
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


def _chain_with_leaf_until(not_after: dt.datetime) -> tuple[Certificate, ...]:
    chain = minting.mint_chain()
    before = not_after - dt.timedelta(days=90)
    leaf = minting.mint_leaf(
        chain.intermediate, "api.minted.test", not_before=before, not_after=not_after
    )
    return tuple(Certificate(item.der) for item in (leaf, chain.intermediate, chain.root))


def test_a_leaf_expiring_before_the_pin_set_is_flagged() -> None:
    chain = _chain_with_leaf_until(dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    pin_set = _pin_set("leaf", chain=chain, expires=dt.date(2027, 1, 1))

    findings = check_pin_set(pin_set, "android", NOW)

    (finding,) = [f for f in findings if f.code == "pin.leaf-expires-first"]
    assert finding.severity == Severity.WARNING
    assert finding.certificate == chain[0].sha256
    assert "2026-09-01" in finding.detail and "2027-01-01" in finding.detail
    assert "unless the key is reused" in finding.detail
    assert "backup key pinned now only helps" in finding.detail
    assert "before 2026-09-01" in finding.remedy


def test_a_leaf_outliving_the_pin_set_is_not_flagged() -> None:
    chain = _chain_with_leaf_until(dt.datetime(2027, 3, 1, tzinfo=dt.UTC))
    pin_set = _pin_set("leaf", chain=chain, expires=dt.date(2027, 1, 1))

    assert "pin.leaf-expires-first" not in _codes(check_pin_set(pin_set, "android", NOW))


@pytest.mark.parametrize(
    ("not_after", "flagged"),
    [
        (dt.datetime(2026, 6, 20, tzinfo=dt.UTC), True),
        (dt.datetime(2026, 5, 20, tzinfo=dt.UTC), True),
        (dt.datetime(2026, 8, 1, tzinfo=dt.UTC), False),
    ],
)
def test_without_expiry_a_leaf_within_30_days_is_flagged(
    not_after: dt.datetime, flagged: bool
) -> None:
    pin_set = _pin_set("leaf", backups=0, chain=_chain_with_leaf_until(not_after))

    findings = check_pin_set(pin_set, "curl", NOW)  # a leaf-only consumer: still at risk

    assert ("pin.leaf-expires-first" in _codes(findings)) is flagged
    if flagged:
        (finding,) = [f for f in findings if f.code == "pin.leaf-expires-first"]
        assert "within 30 days" in finding.detail
        assert "backup key" not in finding.detail  # there is none


@pytest.mark.parametrize("level", ["intermediate", "all"])
def test_a_leaf_expiring_soon_is_fine_when_a_ca_is_pinned(level: str) -> None:
    chain = _chain_with_leaf_until(dt.datetime(2026, 6, 10, tzinfo=dt.UTC))
    pin_set = _pin_set(level, chain=chain, expires=dt.date(2027, 1, 1))

    assert "pin.leaf-expires-first" not in _codes(check_pin_set(pin_set, "android", NOW))


def test_flutter_breaks_at_renewal_even_with_the_same_key() -> None:
    chain = _chain_with_leaf_until(dt.datetime(2026, 6, 10, tzinfo=dt.UTC))
    pin_set = _pin_set("leaf", chain=chain)

    (finding,) = [
        f for f in check_pin_set(pin_set, "flutter", NOW) if f.code == "pin.leaf-expires-first"
    ]

    assert "even a renewal with the same key" in finding.detail


def _ca_chain_with_intermediate_key(key: minting.PrivateKey) -> tuple[Certificate, ...]:
    root = minting.mint_ca("Odd Root")
    intermediate = minting.mint_ca("Odd Issuing CA", issuer=root, key=key)
    leaf = minting.mint_leaf(intermediate, "api.minted.test")
    return tuple(Certificate(item.der) for item in (leaf, intermediate, root))


@pytest.mark.parametrize(
    ("curve", "shown"), [(ec.SECP521R1(), "secp521r1"), (ec.SECP256K1(), "secp256k1")]
)
def test_curves_trustkit_cannot_hash_name_their_certificate(
    curve: ec.EllipticCurve, shown: str
) -> None:
    chain = _ca_chain_with_intermediate_key(ec.generate_private_key(curve))
    pin_set = _pin_set("root", chain=chain)

    (finding,) = check_pin_set(pin_set, "trustkit-ios", NOW)

    assert finding.code == "pin.unsupported-key"
    assert finding.severity == Severity.ERROR
    assert finding.certificate == chain[1].sha256
    assert shown in finding.title and "Odd Issuing CA" in finding.title
    assert not trustkit_can_hash(chain[1].details.public_key)


def test_a_backup_key_trustkit_cannot_hash_is_a_warning_without_certificate() -> None:
    spare = ed25519.Ed25519PrivateKey.generate()
    details = describe_public_key(spare.public_key())
    backup = SPKIPin(details.spki_sha256, "backup key spare.key", BACKUP, None, details)
    chain = _chain()
    pins = tuple(pin for pin in chain_pins(chain, anchored=True) if pin.role == "intermediate")
    pin_set = PinSet(("api.minted.test",), pins, (backup,), chain=chain)

    findings = check_pin_set(pin_set, "react-native", NOW)
    overview = check_pin_set(pin_set, None, NOW)

    (finding,) = findings
    assert finding.code == "pin.unsupported-key"
    assert finding.severity == Severity.WARNING
    assert finding.certificate is None
    assert "backup key spare.key" in finding.title and "never match" in finding.detail
    assert "react-native-ssl-public-key-pinning" in finding.title
    assert [f.severity for f in overview] == [Severity.INFO]


def test_one_finding_per_key_even_when_pinned_and_in_the_chain() -> None:
    pin_set = _pin_set("all", chain=_chain("ed25519"))

    findings = check_pin_set(pin_set, "trustkit-plist", NOW)

    assert [f.certificate for f in findings if f.code == "pin.unsupported-key"] == [
        pin_set.chain[0].sha256
    ]
