"""Checking pin configurations against chains, under each platform's own rules.

Certificates are minted per test; the "server" is a file holding the leaf and intermediate, as
servers send them (no root), and the root is trusted through a trust file, as a device trusts it.
"""

from __future__ import annotations

import datetime as dt
import plistlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from pinscope.core.checks.context import CheckContext
from pinscope.core.inspection import Inspection, Settings, inspect_path
from pinscope.core.pins import check, configs
from pinscope.core.pins.check import DomainVerdict, check_config
from pinscope.core.pins.configs import PinConfig, read_config
from pinscope.core.sources import load_path
from pinscope.core.trust import load_trust_stores
from tests.core import minting

HOST = "api.pins.test"
SPARE = "NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="
OTHER = "GdFdLtUJsf8LYUO/GnEGMLhfmdLrD16dzOW8xL5HPUU="


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain(HOST, prefix="Pins")


@pytest.fixture
def settings(tmp_path: Path, chain: minting.Chain) -> Settings:
    roots = tmp_path / "root.pem"
    roots.write_bytes(chain.root.pem)
    return Settings(CheckContext(), tuple(load_trust_stores(None, [str(roots)])))


@pytest.fixture
def served(tmp_path: Path, chain: minting.Chain, settings: Settings) -> Inspection:
    """The chain as a server sends it: leaf and intermediate, no root."""
    path = tmp_path / "served.pem"
    path.write_bytes(chain.leaf.pem + chain.intermediate.pem)
    return inspect_path(path, settings=settings)


def android(*pins: str, expires: str | None = None, subdomains: bool = False) -> PinConfig:
    expiration = f' expiration="{expires}"' if expires else ""
    body = "".join(f'<pin digest="SHA-256">{pin}</pin>' for pin in pins)
    xml = (
        "<network-security-config><domain-config>"
        f'<domain includeSubdomains="{str(subdomains).lower()}">{HOST}</domain>'
        f"<pin-set{expiration}>{body}</pin-set></domain-config></network-security-config>"
    )
    return read_config(xml.encode(), "nsc.xml")


def ats(ca: tuple[str, ...] | None = None, leaf: tuple[str, ...] | None = None) -> PinConfig:
    entry: dict[str, object] = {}
    if ca is not None:
        entry["NSPinnedCAIdentities"] = [{"SPKI-SHA256-BASE64": pin} for pin in ca]
    if leaf is not None:
        entry["NSPinnedLeafIdentities"] = [{"SPKI-SHA256-BASE64": pin} for pin in leaf]
    plist = {"NSAppTransportSecurity": {"NSPinnedDomains": {HOST: entry}}}
    return read_config(plistlib.dumps(plist), "Info.plist")


def codes(verdict: DomainVerdict) -> list[str]:
    return [finding.code for finding in verdict.findings]


def only(verdicts: list[DomainVerdict]) -> DomainVerdict:
    (verdict,) = verdicts
    return verdict


# ---- built chain vs served chain ---------------------------------------------------------------


def test_android_root_pin_matches_although_the_server_never_sends_the_root(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    verdict = only(check_config(android(chain.root.pin, SPARE), [served], settings))

    assert verdict.connects is True
    assert verdict.verdict.startswith("the app would connect")
    (match,) = verdict.outcome.matches if verdict.outcome else ()
    assert (match.link.role, match.link.sent, match.counts) == ("root", False, True)
    assert [link.role for link in verdict.chain] == ["leaf", "intermediate", "root"]
    assert verdict.backups == (SPARE,)
    assert codes(verdict) == []


def test_android_refuses_when_no_pin_is_in_the_chain(
    served: Inspection, settings: Settings
) -> None:
    verdict = only(check_config(android(SPARE, OTHER), [served], settings))

    assert verdict.connects is False
    assert verdict.fails
    assert "the app would refuse, because no pin" in verdict.verdict
    assert "pin.mismatch" in codes(verdict)
    assert next(f for f in verdict.findings if f.code == "pin.mismatch").severity == "error"


def test_an_untrusted_chain_is_refused_before_pins(
    tmp_path: Path, chain: minting.Chain, served: Inspection
) -> None:
    stranger = minting.mint_ca("Stranger Root")
    other = tmp_path / "other.pem"
    other.write_bytes(stranger.pem)
    settings = Settings(CheckContext(), tuple(load_trust_stores(None, [str(other)])))
    inspection = inspect_path(tmp_path / "served.pem", settings=settings)

    verdict = only(check_config(android(chain.intermediate.pin, SPARE), [inspection], settings))

    assert verdict.connects is False
    assert "not trusted" in verdict.verdict
    mismatch = next(f for f in verdict.findings if f.code == "pin.mismatch")
    assert mismatch.detail.endswith(".") and not mismatch.detail.endswith("..")


# ---- iOS ATS: CA list and leaf list ------------------------------------------------------------


def test_ios_ca_list_matches_the_intermediate(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    verdict = only(check_config(ats(ca=(chain.intermediate.pin, SPARE)), [served], settings))

    assert verdict.connects is True


def test_ios_a_ca_pin_in_the_leaf_list_fails(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    verdict = only(check_config(ats(leaf=(chain.intermediate.pin,)), [served], settings))

    assert verdict.connects is False
    assert "NSPinnedLeafIdentities holds the key of the intermediate" in verdict.verdict
    (match,) = verdict.outcome.matches if verdict.outcome else ()
    assert not match.counts


def test_ios_a_leaf_pin_in_the_ca_list_fails(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    verdict = only(check_config(ats(ca=(chain.leaf.pin,)), [served], settings))

    assert verdict.connects is False
    assert "NSPinnedCAIdentities holds the key of the leaf" in verdict.verdict


def test_ios_both_lists_must_match(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    both = ats(ca=(chain.root.pin,), leaf=(chain.leaf.pin,))
    half = ats(ca=(chain.root.pin,), leaf=(SPARE,))

    assert only(check_config(both, [served], settings)).connects is True
    refused = only(check_config(half, [served], settings))
    assert refused.connects is False
    assert "no key in NSPinnedLeafIdentities" in refused.verdict


# ---- curl: leaf only ---------------------------------------------------------------------------


def test_curl_checks_only_the_leaf(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    ca_pinned = read_config(f"sha256//{chain.intermediate.pin}".encode(), "curl.txt")
    leaf_pinned = read_config(f"sha256//{chain.leaf.pin};sha256//{SPARE}".encode(), "curl.txt")

    refused = only(check_config(ca_pinned, [served], settings))
    assert refused.connects is False
    assert "curl --pinnedpubkey checks the server's leaf certificate only" in refused.verdict
    assert only(check_config(leaf_pinned, [served], settings)).connects is True


# ---- host rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform_xml_or_code", "host", "covered"),
    [
        ("android", "example.com", True),
        ("android", "a.example.com", True),
        ("android", "a.b.example.com", True),
        ("ios", "a.example.com", True),
        ("ios", "a.b.example.com", False),
        ("okhttp-one", "example.com", False),
        ("okhttp-one", "a.example.com", True),
        ("okhttp-one", "a.b.example.com", False),
        ("okhttp-any", "example.com", True),
        ("okhttp-any", "a.b.example.com", True),
    ],
)
def test_include_subdomains_depth_per_platform(
    platform_xml_or_code: str, host: str, covered: bool
) -> None:
    config = {
        "android": lambda: read_config(
            b'<network-security-config><domain-config><domain includeSubdomains="true">'
            b"example.com</domain><pin-set><pin digest='SHA-256'>"
            + SPARE.encode()
            + b"</pin></pin-set></domain-config></network-security-config>",
            "nsc.xml",
        ),
        "ios": lambda: read_config(
            plistlib.dumps(
                {
                    "NSPinnedDomains": {
                        "example.com": {
                            "NSIncludesSubdomains": True,
                            "NSPinnedCAIdentities": [{"SPKI-SHA256-BASE64": SPARE}],
                        }
                    }
                }
            ),
            "Info.plist",
        ),
        "okhttp-one": lambda: read_config(
            f'.add("*.example.com", "sha256/{SPARE}")'.encode(), "P.kt"
        ),
        "okhttp-any": lambda: read_config(
            f'.add("**.example.com", "sha256/{SPARE}")'.encode(), "P.kt"
        ),
    }[platform_xml_or_code]()

    assert bool(check.governing(config, host)) is covered


def test_android_longest_match_wins_and_okhttp_combines() -> None:
    nsc = read_config(
        (
            "<network-security-config>"
            '<domain-config><domain includeSubdomains="true">example.com</domain>'
            f'<pin-set><pin digest="SHA-256">{SPARE}</pin></pin-set></domain-config>'
            '<domain-config><domain includeSubdomains="true">api.example.com</domain>'
            f'<pin-set><pin digest="SHA-256">{OTHER}</pin></pin-set></domain-config>'
            "</network-security-config>"
        ).encode(),
        "nsc.xml",
    )
    okhttp = read_config(
        f'.add("**.example.com", "sha256/{SPARE}").add("*.example.com", "sha256/{OTHER}")'.encode(),
        "P.kt",
    )

    assert [d.pattern for d in check.governing(nsc, "v1.api.example.com")] == ["api.example.com"]
    assert len(check.governing(okhttp, "api.example.com")) == 2


# ---- expiry, backups, leaf-only ----------------------------------------------------------------


def test_expired_android_pins_stop_pinning(served: Inspection, settings: Settings) -> None:
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    verdict = only(check_config(android(SPARE, OTHER, expires=yesterday), [served], settings))

    assert verdict.expired
    assert verdict.connects is True
    assert "no longer checks them" in verdict.verdict
    assert "pin.expired" in codes(verdict)


def test_future_expiry_is_reported_but_enforced(served: Inspection, settings: Settings) -> None:
    verdict = only(check_config(android(SPARE, OTHER, expires="2999-01-01"), [served], settings))

    assert not verdict.expired
    assert verdict.expires == dt.date(2999, 1, 1)
    assert verdict.connects is False


def test_no_backup_when_every_pin_is_in_the_chain(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    verdict = only(
        check_config(android(chain.intermediate.pin, chain.root.pin), [served], settings)
    )

    assert verdict.connects is True
    assert verdict.backups == ()
    assert "pin.no-backup" in codes(verdict)


def test_leaf_only_pins_are_flagged(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    verdict = only(check_config(android(chain.leaf.pin, SPARE), [served], settings))

    assert verdict.connects is True
    assert codes(verdict) == ["pin.leaf-only"]


# ---- rotation preview --------------------------------------------------------------------------


def test_a_new_leaf_key_survives_an_intermediate_pin_but_not_a_leaf_pin(
    tmp_path: Path, chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    renewed = minting.mint_leaf(chain.intermediate, HOST)  # same CA, new key
    next_path = tmp_path / "renewed.pem"
    next_path.write_bytes(renewed.pem)
    next_source = load_path(next_path)

    intermediate = only(
        check_config(android(chain.intermediate.pin, SPARE), [served], settings, next_source)
    )
    leaf = only(check_config(android(chain.leaf.pin, SPARE), [served], settings, next_source))

    assert intermediate.rotation is not None and intermediate.rotation.passed
    assert not intermediate.fails
    assert leaf.connects is True
    assert leaf.rotation is not None and not leaf.rotation.passed
    assert leaf.fails
    assert any(f.title.endswith("would refuse the next certificate") for f in leaf.findings)


def test_a_backup_key_csr_survives_when_its_pin_is_configured(
    tmp_path: Path, chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    spare = minting.new_key()
    csr_path = tmp_path / "backup.csr"
    csr_path.write_bytes(minting.csr_pem(minting.mint_csr(spare, HOST)))
    next_source = load_path(csr_path)

    configured = android(chain.leaf.pin, minting.spki_pin(spare))
    missing = android(chain.leaf.pin, SPARE)

    survived = only(check_config(configured, [served], settings, next_source))
    broke = only(check_config(missing, [served], settings, next_source))
    assert survived.rotation is not None and survived.rotation.passed
    assert broke.rotation is not None and not broke.rotation.passed


# ---- sources and domains -----------------------------------------------------------------------


def test_a_file_for_another_host_leaves_the_domain_unchecked(
    tmp_path: Path, chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    other = minting.mint_chain("elsewhere.test", prefix="Else")
    path = tmp_path / "else.pem"
    path.write_bytes(other.leaf.pem + other.intermediate.pem)
    second = inspect_path(path, settings=settings)
    config = android(chain.intermediate.pin, SPARE)

    verdicts = check_config(config, [served, second], settings)

    assert [v.source for v in verdicts] == [str(tmp_path / "served.pem")]


def test_rules_cover_every_platform() -> None:
    assert set(check.RULES) == set(configs.PLATFORMS)


# ---- cross-signed paths ------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossSigned:
    """One issuing CA key certified twice: by a long-lived root A and by a cross-signing root B."""

    root_a: minting.Issued
    root_b: minting.Issued
    shared: minting.Issued
    """The issuing CA as root A signed it; its copy under root B has the same name and key."""
    served: Inspection
    settings: Settings


@pytest.fixture
def cross_signed(tmp_path: Path) -> CrossSigned:
    now = dt.datetime.now(dt.UTC)
    # Both paths are three certificates long; the one to the longer-lived root A is chosen.
    root_a = minting.mint_ca("Cross Root A", not_after=now + dt.timedelta(days=3650))
    root_b = minting.mint_ca("Cross Root B", not_after=now + dt.timedelta(days=365))
    key = minting.new_key()
    under_a = minting.mint_ca("Cross Issuing CA", issuer=root_a, key=key, path_length=0)
    under_b = minting.mint_ca("Cross Issuing CA", issuer=root_b, key=key, path_length=0)
    leaf = minting.mint_leaf(under_a, HOST)

    served = tmp_path / "cross.pem"
    served.write_bytes(leaf.pem + under_a.pem + under_b.pem)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(root_a.pem + root_b.pem)
    settings = Settings(CheckContext(), tuple(load_trust_stores(None, [str(roots)])))
    return CrossSigned(root_a, root_b, under_a, inspect_path(served, settings=settings), settings)


def test_a_pin_on_one_root_depends_on_the_path_the_device_builds(
    cross_signed: CrossSigned,
) -> None:
    config = android(cross_signed.root_a.pin, SPARE)

    verdict = only(check_config(config, [cross_signed.served], cross_signed.settings))

    assert [(p.links[-1].name, p.outcome.passed) for p in verdict.paths] == [
        ("Cross Root A", True),
        ("Cross Root B", False),
    ]
    assert verdict.connects is True
    assert verdict.depends_on_path
    assert verdict.fails
    assert verdict.verdict == (
        "the app would connect or refuse depending on the path the device builds: the pins "
        "match through the root “Cross Root A”, not through the cross-signed root “Cross Root "
        "B”: devices that build that path will refuse"
    )
    finding = next(f for f in verdict.findings if f.code == "pin.path-dependent")
    assert finding.severity == "error"
    assert "2 complete paths" in finding.detail


def test_a_pin_on_the_cross_signing_root_only_matches_the_other_path(
    cross_signed: CrossSigned,
) -> None:
    config = android(cross_signed.root_b.pin, SPARE)

    verdict = only(check_config(config, [cross_signed.served], cross_signed.settings))

    assert verdict.connects is False
    assert verdict.depends_on_path
    assert "match through the cross-signed root “Cross Root B”, not through the root" in (
        verdict.verdict
    )


def test_the_key_both_paths_share_passes_on_every_path(cross_signed: CrossSigned) -> None:
    config = android(cross_signed.shared.pin, SPARE)

    verdict = only(check_config(config, [cross_signed.served], cross_signed.settings))

    assert [p.outcome.passed for p in verdict.paths] == [True, True]
    assert not verdict.depends_on_path
    assert not verdict.fails
    assert "pin.path-dependent" not in codes(verdict)


def test_ios_ca_list_is_judged_on_each_path(cross_signed: CrossSigned) -> None:
    plist = {
        "NSPinnedDomains": {
            HOST: {"NSPinnedCAIdentities": [{"SPKI-SHA256-BASE64": cross_signed.root_a.pin}]}
        }
    }
    config = read_config(plistlib.dumps(plist), "Info.plist")

    verdict = only(check_config(config, [cross_signed.served], cross_signed.settings))

    assert verdict.depends_on_path
    assert "pin.path-dependent" in codes(verdict)


def test_leaf_only_platforms_do_not_care_about_the_path(cross_signed: CrossSigned) -> None:
    leaf_pin = cross_signed.served.validation.path.certificates[0].details.public_key.spki_sha256
    config = read_config(f"sha256//{leaf_pin}".encode(), "curl.txt")

    verdict = only(check_config(config, [cross_signed.served], cross_signed.settings))

    assert verdict.paths == ()
    assert verdict.connects is True
    assert not verdict.fails


# ---- a pin set about to expire -----------------------------------------------------------------


def in_days(settings: Settings, days: int) -> str:
    return (settings.context.now.date() + dt.timedelta(days=days)).isoformat()


def test_android_pins_expiring_within_30_days_warn_with_date_and_consequence(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    expires = in_days(settings, 10)
    config = android(chain.intermediate.pin, SPARE, expires=expires)

    verdict = only(check_config(config, [served], settings))

    assert verdict.connects is True
    assert not verdict.expired
    assert verdict.days_left == 10
    (finding,) = [f for f in verdict.findings if f.code == "pin.expired"]
    assert finding.severity == "warning"
    assert f"expire on {expires}, in 10 days" in finding.title
    assert f"expires on {expires} (10 days left)" in finding.detail
    assert "Android stops checking them silently" in finding.detail


def test_trustkit_ios_expiring_tomorrow_says_utc(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    plist = {
        "TSKConfiguration": {
            "TSKPinnedDomains": {
                HOST: {
                    "TSKPublicKeyHashes": [chain.intermediate.pin, SPARE],
                    "TSKExpirationDate": in_days(settings, 1),
                }
            }
        }
    }
    config = read_config(plistlib.dumps(plist), "Info.plist")

    verdict = only(check_config(config, [served], settings))

    (finding,) = [f for f in verdict.findings if f.code == "pin.expired"]
    assert "1 day left" in finding.detail
    assert "TrustKit stops pinning the domain silently from midnight UTC" in finding.detail


@pytest.mark.parametrize("days", [31, 400])
def test_pins_expiring_later_do_not_warn(
    days: int, chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    config = android(chain.intermediate.pin, SPARE, expires=in_days(settings, days))

    verdict = only(check_config(config, [served], settings))

    assert verdict.days_left == days
    assert "pin.expired" not in codes(verdict)


def test_an_unchecked_domain_still_warns_about_expiry(tmp_path: Path, settings: Settings) -> None:
    other = minting.mint_chain("elsewhere.test", prefix="Else")
    path = tmp_path / "else.pem"
    path.write_bytes(other.leaf.pem + other.intermediate.pem)
    second = inspect_path(path, settings=settings)
    stray = inspect_path(path, settings=settings)
    config = android(SPARE, OTHER, expires=in_days(settings, 5))

    verdict = only(check_config(config, [second, stray], settings))

    assert verdict.connects is None
    assert codes(verdict) == ["pin.unchecked", "pin.expired"]


# ---- Envoy: leaf only --------------------------------------------------------------------------


def envoy(*pins: str) -> PinConfig:
    listed = "".join(f'\n        - "{pin}"' for pin in pins)
    text = (
        "transport_socket:\n  typed_config:\n"
        f'    sni: "{HOST}"\n    common_tls_context:\n      validation_context:\n'
        f"        verify_certificate_spki:{listed}\n"
    )
    return read_config(text.encode(), "envoy.yaml")


def test_envoy_checks_only_the_leaf(
    chain: minting.Chain, served: Inspection, settings: Settings
) -> None:
    refused = only(check_config(envoy(chain.intermediate.pin, SPARE), [served], settings))
    accepted = only(check_config(envoy(chain.leaf.pin, SPARE), [served], settings))

    assert refused.connects is False
    assert "Envoy verify_certificate_spki checks the certificate the server presents" in (
        refused.verdict
    )
    assert accepted.connects is True
    assert "pin.leaf-only" not in codes(accepted)
