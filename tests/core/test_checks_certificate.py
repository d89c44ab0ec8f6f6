"""Per-certificate checks: expiring soon, key and signature strength, fitness as a leaf.

Every finding has a certificate that raises it and a clean one that does not. Certificates are
minted per test; SHA-1, MD5 and 1024-bit RSA ones, which cryptography will not make, come from
tests/data (made by `make-fixtures.sh weak`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from pinscope.core.certificate import Certificate
from pinscope.core.checks.context import CLIENT, SERVER, CheckContext
from pinscope.core.checks.expiry import check_expiry
from pinscope.core.checks.strength import check_strength
from pinscope.core.checks.usage import check_leaf
from pinscope.core.model import Finding, Severity
from pinscope.core.sources import load_path
from tests.conftest import DATA
from tests.core.minting import (
    Issued,
    PrivateKey,
    key_usage,
    mint_ca,
    mint_certificate,
    mint_leaf,
    name,
    new_key,
)

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

SERVER_AUTH = ExtendedKeyUsageOID.SERVER_AUTH
CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH
ANY_EKU = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE

Extensions = Sequence[tuple[x509.ExtensionType, bool]]


# ---- helpers ----------------------------------------------------------------------------------


def pinscope(issued: Issued) -> Certificate:
    return Certificate(issued.certificate.public_bytes(Encoding.DER))


def codes(findings: Iterable[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def only(findings: Iterable[Finding], code: str) -> Finding:
    """The one finding with `code`; fails when there is none or more than one."""
    matching = [finding for finding in findings if finding.code == code]
    assert len(matching) == 1, f"expected one {code}, got {codes(matching)}"
    return matching[0]


def fixture_certificates(file_name: str) -> list[Certificate]:
    return load_path(DATA / file_name).certificates()


def mint_at(lifetime: dt.timedelta, left: dt.timedelta, now: dt.datetime = NOW) -> Certificate:
    """A certificate valid for `lifetime` with `left` of it remaining at `now`."""
    not_after = now + left
    return pinscope(
        mint_certificate(
            name("renew.example.test"),
            not_before=not_after - lifetime,
            not_after=not_after,
        )
    )


def mint_server(
    issuer: Issued,
    *,
    common_name: str = "api.example.test",
    key: PrivateKey | None = None,
    ca: bool = False,
    eku: Sequence[x509.ObjectIdentifier] | None = (SERVER_AUTH,),
    dns: Sequence[str] | None = ("api.example.test",),
    extra: Extensions = (),
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Certificate:
    """A leaf with exactly the extensions asked for: basicConstraints, EKU, SAN, then `extra`."""
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=ca, path_length=None), True)
    ]
    if eku is not None:
        extensions.append((x509.ExtendedKeyUsage(list(eku)), False))
    if dns is not None:
        names = [x509.DNSName(n) for n in dns]
        extensions.append((x509.SubjectAlternativeName(names), False))
    issued = mint_certificate(
        name(common_name),
        key=key,
        issuer=issuer,
        extensions=[*extensions, *extra],
        not_before=not_before,
        not_after=not_after,
    )
    return pinscope(issued)


def leaf_findings(
    cert: Certificate, purpose: str = SERVER, publicly_trusted: bool = False
) -> list[Finding]:
    return list(check_leaf(cert, CheckContext(now=NOW), purpose, publicly_trusted))


@pytest.fixture
def issuer() -> Issued:
    return mint_ca("Checks Test CA")


# ---- cert.expiring-soon -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifetime", "left"),
    [
        (72 * HOUR, 20 * HOUR),  # 28 % of a 3-day certificate left
        (90 * DAY, 29 * DAY),
        (365 * DAY, 29 * DAY),
    ],
    ids=["72h-with-20h-left", "90d-with-29d-left", "1y-with-29d-left"],
)
def test_expiring_soon_warns_under_warn_days_and_a_third(
    lifetime: dt.timedelta, left: dt.timedelta
) -> None:
    cert = mint_at(lifetime, left)

    finding = only(check_expiry(cert, CheckContext(now=NOW)), "cert.expiring-soon")

    assert finding.severity is Severity.WARNING
    assert finding.certificate == cert.sha256
    assert finding.title.startswith("\u201crenew.example.test\u201d expires in")
    assert f"{cert.details.not_after:%Y-%m-%d}" in finding.detail
    assert "a third of the lifetime" in finding.detail
    assert "cert-manager" in finding.detail


@pytest.mark.parametrize(
    ("lifetime", "left", "warn_days"),
    [
        (72 * HOUR, 60 * HOUR, 30),  # under 30 days left, but most of its lifetime
        (90 * DAY, 31 * DAY, 30),  # under a third left, but more than warn_days
        (365 * DAY, 100 * DAY, 30),
        (90 * DAY, 20 * DAY, 7),  # a shorter --warn-days
    ],
    ids=["72h-with-60h-left", "90d-with-31d-left", "1y-with-100d-left", "warn-days-7"],
)
def test_expiring_soon_quiet_otherwise(
    lifetime: dt.timedelta, left: dt.timedelta, warn_days: int
) -> None:
    cert = mint_at(lifetime, left)

    assert list(check_expiry(cert, CheckContext(now=NOW, warn_days=warn_days))) == []


def test_expiring_soon_states_hours_under_two_days_and_the_share_left() -> None:
    cert = mint_at(72 * HOUR, 20 * HOUR)

    finding = only(check_expiry(cert, CheckContext(now=NOW)), "cert.expiring-soon")

    assert "expires in 20 hours" in finding.title
    assert "28 %" in finding.detail  # 20 of 72 hours
    assert "(72 hours)" not in finding.detail  # the lifetime is 3 days: shown in days
    assert "(3 days)" in finding.detail


def test_expiring_soon_states_days() -> None:
    finding = only(
        check_expiry(mint_at(90 * DAY, 12 * DAY), CheckContext(now=NOW)), "cert.expiring-soon"
    )

    assert "expires in 12 days" in finding.title
    assert "13 %" in finding.detail


@pytest.mark.parametrize("moment", [NOW + 2 * DAY, NOW - 90 * DAY], ids=["expired", "not-yet"])
def test_expiring_soon_leaves_invalid_certificates_to_the_validity_check(
    moment: dt.datetime,
) -> None:
    cert = mint_at(90 * DAY, DAY)  # valid from NOW - 89 days until NOW + 1 day

    assert list(check_expiry(cert, CheckContext(now=moment))) == []


# ---- cert.weak-key ----------------------------------------------------------------------------


WEAK_KEYS: dict[str, Callable[[], Any]] = {
    "ec-p192": lambda: ec.generate_private_key(ec.SECP192R1()),
    "ec-p224": lambda: ec.generate_private_key(ec.SECP224R1()),
    "rsa-1024": lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),
    "dsa-1024": lambda: dsa.generate_private_key(1024),
}


@pytest.mark.parametrize(
    ("kind", "bits", "minimum"),
    [
        ("ec-p192", 192, 256),
        ("ec-p224", 224, 256),
        ("rsa-1024", 1024, 2048),
        ("dsa-1024", 1024, 2048),
    ],
)
def test_weak_key_minted(kind: str, bits: int, minimum: int) -> None:
    cert = pinscope(mint_certificate(name("small.example.test"), key=WEAK_KEYS[kind]()))

    finding = only(check_strength(cert), "cert.weak-key")

    assert finding.severity is Severity.ERROR
    assert finding.certificate == cert.sha256
    assert f"has a weak {bits}-bit" in finding.title
    assert f"has {bits} bits" in finding.detail
    assert f"at least {minimum} bits" in finding.detail


def test_weak_key_rsa_1024_fixture() -> None:
    [cert] = fixture_certificates("weak-rsa1024.pem")

    finding = only(check_strength(cert), "cert.weak-key")

    assert finding.severity is Severity.ERROR
    assert finding.title == "\u201cweak-rsa1024.example.test\u201d has a weak 1024-bit RSA key"
    assert "has 1024 bits" in finding.detail
    assert "at least 2048 bits" in finding.detail
    assert codes(check_strength(cert)) == ["cert.weak-key"]  # its SHA-256 signature is fine


def test_weak_key_warns_about_obsolete_dsa_at_any_size() -> None:
    cert = pinscope(mint_certificate(name("dsa.example.test"), key=dsa.generate_private_key(2048)))

    finding = only(check_strength(cert), "cert.weak-key")

    assert finding.severity is Severity.WARNING
    assert "obsolete" in finding.title


@pytest.mark.parametrize("kind", ["ec-p256", "ec-p384", "rsa-2048", "ed25519", "ed448"])
def test_strong_keys_raise_nothing(kind: str) -> None:
    cert = pinscope(mint_certificate(name("strong.example.test"), key=new_key(kind)))

    assert list(check_strength(cert)) == []


def test_weak_key_is_reported_even_for_a_trust_anchor() -> None:
    [cert] = fixture_certificates("weak-rsa1024.pem")  # self-signed

    assert codes(check_strength(cert, is_anchor=True)) == ["cert.weak-key"]


# ---- cert.weak-signature ----------------------------------------------------------------------


def test_weak_signature_sha1_leaf_and_intermediate() -> None:
    leaf, intermediate, _ = fixture_certificates("weak-sha1-chain.pem")

    for cert in (leaf, intermediate):
        finding = only(check_strength(cert), "cert.weak-signature")
        assert finding.severity is Severity.ERROR
        assert finding.certificate == cert.sha256
        assert "is signed with SHA-1" in finding.title
        assert "sha1WithRSAEncryption" in finding.detail
        assert "SHA-256" in finding.remedy


def test_weak_signature_not_reported_for_a_self_signed_trust_anchor() -> None:
    _, intermediate, root = fixture_certificates("weak-sha1-chain.pem")

    assert list(check_strength(root, is_anchor=True)) == []
    # The same root judged as a certificate someone must verify...
    assert codes(check_strength(root)) == ["cert.weak-signature"]
    # ...and an anchor that is not self-signed still has its signature judged.
    assert codes(check_strength(intermediate, is_anchor=True)) == ["cert.weak-signature"]


def test_weak_signature_md5() -> None:
    [cert] = fixture_certificates("weak-md5.pem")

    finding = only(check_strength(cert), "cert.weak-signature")

    assert finding.severity is Severity.ERROR
    assert finding.title == "\u201cweak-md5.example.test\u201d is signed with MD5"
    assert "md5WithRSAEncryption" in finding.detail
    assert list(check_strength(cert, is_anchor=True)) == []


@pytest.mark.parametrize("kind", ["ec-p256", "rsa-2048", "ed25519"])
def test_sha256_and_eddsa_signatures_raise_nothing(kind: str, issuer: Issued) -> None:
    leaf = pinscope(mint_leaf(issuer, "signed.example.test", key=new_key(kind)))

    assert list(check_strength(leaf)) == []


# ---- cert.missing-server-auth / cert.missing-client-auth --------------------------------------


def test_missing_server_auth(issuer: Issued) -> None:
    cert = mint_server(issuer, eku=[CLIENT_AUTH, ExtendedKeyUsageOID.CODE_SIGNING])

    finding = only(leaf_findings(cert, SERVER), "cert.missing-server-auth")

    assert finding.severity is Severity.ERROR
    assert finding.certificate == cert.sha256
    assert "clientAuth, codeSigning" in finding.detail
    assert "serverAuth" in finding.remedy


@pytest.mark.parametrize(
    "eku",
    [[SERVER_AUTH], [CLIENT_AUTH, SERVER_AUTH], [ANY_EKU], None],
    ids=["server-auth", "client-and-server-auth", "any", "no-eku"],
)
def test_server_auth_present_or_unrestricted(
    issuer: Issued, eku: list[x509.ObjectIdentifier] | None
) -> None:
    cert = mint_server(issuer, eku=eku)

    assert "cert.missing-server-auth" not in codes(leaf_findings(cert, SERVER))


def test_missing_client_auth(issuer: Issued) -> None:
    cert = mint_server(issuer, common_name="alice", dns=None, eku=[SERVER_AUTH])

    finding = only(leaf_findings(cert, CLIENT), "cert.missing-client-auth")

    assert finding.severity is Severity.ERROR
    assert "\u201calice\u201d" in finding.title
    assert "clientAuth" in finding.detail
    assert "cert.missing-server-auth" not in codes(leaf_findings(cert, CLIENT))


@pytest.mark.parametrize(
    "eku", [[CLIENT_AUTH], [ANY_EKU], None], ids=["client-auth", "any", "no-eku"]
)
def test_client_auth_present_or_unrestricted(
    issuer: Issued, eku: list[x509.ObjectIdentifier] | None
) -> None:
    cert = mint_server(issuer, common_name="alice", dns=None, eku=eku)

    assert leaf_findings(cert, CLIENT) == []


# ---- cert.ca-as-leaf --------------------------------------------------------------------------


def test_ca_as_leaf_for_a_self_signed_ca_true_certificate() -> None:
    # What `openssl req -x509` makes with OpenSSL's default configuration.
    issued = mint_certificate(
        name("localhost"),
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=None), True),
            (x509.SubjectAlternativeName([x509.DNSName("localhost")]), False),
        ],
    )
    cert = pinscope(issued)

    finding = only(leaf_findings(cert, SERVER), "cert.ca-as-leaf")

    assert finding.severity is Severity.WARNING
    assert "openssl req -x509" in finding.detail
    assert "CA:FALSE" in finding.remedy
    assert codes(leaf_findings(cert, SERVER)) == ["cert.ca-as-leaf"]


@pytest.mark.parametrize("ca", [False, None], ids=["ca-false", "no-basic-constraints"])
def test_no_ca_as_leaf_for_end_entity_certificates(issuer: Issued, ca: bool | None) -> None:
    extensions = [] if ca is None else [(x509.BasicConstraints(ca=ca, path_length=None), True)]
    issued = mint_certificate(
        name("api.example.test"),
        issuer=issuer,
        extensions=[
            *extensions,
            (x509.SubjectAlternativeName([x509.DNSName("api.example.test")]), False),
        ],
    )

    assert leaf_findings(pinscope(issued), SERVER) == []


# ---- cert.no-san ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("common_name", "san"),
    [("api.example.test", "DNS:api.example.test"), ("10.0.0.7", "IP:10.0.0.7")],
    ids=["dns", "ip"],
)
def test_no_san_cn_only(issuer: Issued, common_name: str, san: str) -> None:
    cert = mint_server(issuer, common_name=common_name, dns=None)

    finding = only(leaf_findings(cert, SERVER), "cert.no-san")

    assert finding.severity is Severity.ERROR
    assert "CN-only" in finding.title
    assert "CN-only" in finding.detail
    assert "2017" in finding.detail and "Go" in finding.detail
    assert f"subjectAltName={san}" in finding.remedy


def test_no_san_without_a_host_name_anywhere(issuer: Issued) -> None:
    email = x509.SubjectAlternativeName([x509.RFC822Name("ops@example.test")])
    cert = mint_server(issuer, common_name="Billing Service", dns=None, extra=[(email, False)])

    finding = only(leaf_findings(cert, SERVER), "cert.no-san")

    assert finding.severity is Severity.ERROR
    assert "CN-only" not in finding.title
    assert "names no host" in finding.title


def test_san_with_an_ip_address_only_is_enough(issuer: Issued) -> None:
    ip = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = mint_server(issuer, common_name="loopback", dns=None, extra=[(ip, False)])

    assert leaf_findings(cert, SERVER) == []


def test_no_san_is_not_required_of_client_certificates(issuer: Issued) -> None:
    cert = mint_server(issuer, common_name="alice", dns=None, eku=[CLIENT_AUTH])

    assert leaf_findings(cert, CLIENT) == []


# ---- cert.key-usage-mismatch ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "flags", "purpose", "words"),
    [
        (
            "ec-p256",
            {"digital_signature": True, "key_encipherment": True},
            SERVER,
            ["keyEncipherment", "RFC 8813"],
        ),
        (
            "ed25519",
            {"digital_signature": True, "key_agreement": True},
            SERVER,
            ["keyAgreement", "RFC 8410"],
        ),
        (
            "ed448",
            {"digital_signature": True, "data_encipherment": True},
            CLIENT,
            ["dataEncipherment", "RFC 8410"],
        ),
        ("ec-p256", {"key_agreement": True}, SERVER, ["without digitalSignature", "TLS 1.3"]),
        (
            "rsa-2048",
            {"key_encipherment": True},
            SERVER,
            ["RSA key exchange", "TLS 1.3 removed"],
        ),
        ("rsa-2048", {"key_encipherment": True}, CLIENT, ["CertificateVerify"]),
        (
            "ec-p256",
            {"digital_signature": True, "key_cert_sign": True},
            SERVER,
            ["keyCertSign", "RFC 5280"],
        ),
    ],
    ids=[
        "ec-key-encipherment",
        "ed25519-key-agreement",
        "ed448-data-encipherment",
        "ec-server-without-digital-signature",
        "rsa-server-key-encipherment-only",
        "rsa-client-key-encipherment-only",
        "key-cert-sign-on-end-entity",
    ],
)
def test_key_usage_mismatch(
    issuer: Issued, kind: str, flags: dict[str, bool], purpose: str, words: list[str]
) -> None:
    eku = SERVER_AUTH if purpose == SERVER else CLIENT_AUTH
    cert = mint_server(issuer, key=new_key(kind), eku=[eku], extra=[(key_usage(**flags), True)])

    findings = leaf_findings(cert, purpose)
    finding = only(findings, "cert.key-usage-mismatch")

    assert finding.severity is Severity.WARNING
    assert finding.certificate == cert.sha256
    for word in words:
        assert word in finding.detail
    assert codes(findings) == ["cert.key-usage-mismatch"]


@pytest.mark.parametrize(
    ("kind", "flags"),
    [
        ("ec-p256", {"digital_signature": True}),
        ("ec-p256", {"digital_signature": True, "key_agreement": True}),
        ("rsa-2048", {"digital_signature": True, "key_encipherment": True}),
        ("ed25519", {"digital_signature": True}),
        ("ed448", {"digital_signature": True, "content_commitment": True}),
        ("rsa-2048", None),  # no keyUsage extension: any use
    ],
    ids=["ec", "ec-agreement", "rsa", "ed25519", "ed448", "no-key-usage"],
)
def test_key_usage_that_fits(issuer: Issued, kind: str, flags: dict[str, bool] | None) -> None:
    extra = [] if flags is None else [(key_usage(**flags), True)]
    for purpose, eku in ((SERVER, SERVER_AUTH), (CLIENT, CLIENT_AUTH)):
        cert = mint_server(issuer, key=new_key(kind), eku=[eku], extra=extra)

        assert leaf_findings(cert, purpose) == [], purpose


def test_key_cert_sign_on_a_ca_leaf_is_left_to_ca_as_leaf(issuer: Issued) -> None:
    usage = key_usage(digital_signature=True, key_cert_sign=True)
    cert = mint_server(issuer, ca=True, extra=[(usage, True)])

    assert codes(leaf_findings(cert, SERVER)) == ["cert.ca-as-leaf"]


def test_several_key_usage_mismatches_each_get_a_finding(issuer: Issued) -> None:
    usage = key_usage(key_encipherment=True, key_cert_sign=True)
    cert = mint_server(issuer, key=new_key("ec-p256"), extra=[(usage, True)])

    findings = leaf_findings(cert, SERVER)

    assert codes(findings) == ["cert.key-usage-mismatch"] * 3
    assert len({finding.title for finding in findings}) == 3


# ---- cert.long-validity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued", "lifetime", "limit", "shown"),
    [
        (dt.datetime(2025, 1, 10, tzinfo=dt.UTC), 398 * DAY, 398, "398 days and 1 second"),
        (dt.datetime(2025, 1, 10, tzinfo=dt.UTC), 399 * DAY, 398, "399 days"),
        (dt.datetime(2025, 1, 10, tzinfo=dt.UTC), 730 * DAY, 398, "730 days"),
        (dt.datetime(2026, 3, 15, tzinfo=dt.UTC), 201 * DAY, 200, "201 days"),
        (dt.datetime(2027, 6, 1, tzinfo=dt.UTC), 150 * DAY, 100, "150 days"),
    ],
    ids=["398-exactly", "398-limit-by-a-day", "two-years", "200-sc-081", "100-sc-081"],
)
def test_long_validity(
    issuer: Issued, issued: dt.datetime, lifetime: dt.timedelta, limit: int, shown: str
) -> None:
    cert = mint_server(issuer, not_before=issued, not_after=issued + lifetime)

    finding = only(leaf_findings(cert, SERVER, publicly_trusted=True), "cert.long-validity")

    assert finding.severity is Severity.WARNING
    assert finding.certificate == cert.sha256
    assert f"is valid for {shown}, over the {limit}-day limit" in finding.title
    assert f"allow at most {limit} days" in finding.detail
    for words in ("CA/Browser Forum", "2020-09-01", "398 days", "SC-081"):
        assert words in finding.detail
    for words in ("200 days", "2026-03-15", "100 days", "2027-03-15", "47 days", "2029-03-15"):
        assert words in finding.detail


@pytest.mark.parametrize(
    ("issued", "lifetime"),
    [
        (dt.datetime(2025, 1, 10, tzinfo=dt.UTC), 398 * DAY - dt.timedelta(seconds=1)),
        (dt.datetime(2019, 1, 10, tzinfo=dt.UTC), 800 * DAY),  # the 825-day rule of 2018
        (dt.datetime(2026, 3, 14, tzinfo=dt.UTC), 397 * DAY),  # issued the day before SC-081
        (dt.datetime(2026, 3, 15, tzinfo=dt.UTC), 199 * DAY),
        (dt.datetime(2027, 6, 1, tzinfo=dt.UTC), 90 * DAY),
    ],
    ids=["398-inclusive", "800-in-2019", "397-before-sc-081", "199-after-sc-081", "90-days"],
)
def test_validity_within_the_limit(
    issuer: Issued, issued: dt.datetime, lifetime: dt.timedelta
) -> None:
    cert = mint_server(issuer, not_before=issued, not_after=issued + lifetime)

    assert leaf_findings(cert, SERVER, publicly_trusted=True) == []


def test_long_validity_only_for_publicly_trusted_servers(issuer: Issued) -> None:
    start = dt.datetime(2025, 1, 10, tzinfo=dt.UTC)
    server = mint_server(issuer, not_before=start, not_after=start + 3650 * DAY)
    client = mint_server(
        issuer, dns=None, eku=[CLIENT_AUTH], not_before=start, not_after=start + 3650 * DAY
    )

    assert leaf_findings(server, SERVER, publicly_trusted=False) == []
    assert leaf_findings(client, CLIENT, publicly_trusted=True) == []


# ---- the leaf as a whole ----------------------------------------------------------------------


def test_a_well_made_server_leaf_raises_nothing(issuer: Issued) -> None:
    usage = key_usage(digital_signature=True)
    leaf = pinscope(mint_leaf(issuer, "www.example.test", extra=[(usage, True)]))

    assert leaf_findings(leaf, SERVER, publicly_trusted=True) == []
    assert list(check_strength(leaf)) == []
    assert list(check_expiry(leaf, CheckContext())) == []


def test_check_leaf_refuses_an_unknown_purpose(issuer: Issued) -> None:
    leaf = pinscope(mint_leaf(issuer, "www.example.test"))

    with pytest.raises(ValueError, match="purpose"):
        list(check_leaf(leaf, CheckContext(), "mail"))
