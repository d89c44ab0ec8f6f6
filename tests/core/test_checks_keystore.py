"""Keystore and truststore checks: expired and expiring entries named by alias, duplicates, a key
that does not fit its certificate, and a key entry whose stored chain does not link.

Java keystores are minted per test with pyjks, PKCS#12 files with cryptography.
"""

from __future__ import annotations

import datetime as dt

import jks
import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from pinscope.core.certificate import Certificate
from pinscope.core.checks import CheckContext
from pinscope.core.inspection import Inspection, Settings, inspect_bytes
from pinscope.core.model import EntryType, Finding, Severity
from pinscope.core.sources import Passwords
from pinscope.core.trust import TrustStore
from tests.core import minting

PASSWORD = "storepass"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)


# ---- minting keystores ---------------------------------------------------------------------


def key_entry(
    alias: str, chain: list[minting.Issued], key: minting.PrivateKey | None = None
) -> jks.PrivateKeyEntry:
    """A JKS private-key entry: `key` (the first certificate's own when None) and `chain` as
    stored, in that order."""
    pkcs8 = minting.key_der(key if key is not None else chain[0].key)
    return jks.PrivateKeyEntry.new(alias, [issued.der for issued in chain], pkcs8, "pkcs8")


def trusted_entry(alias: str, issued: minting.Issued) -> jks.TrustedCertEntry:
    return jks.TrustedCertEntry.new(alias, issued.der)


def jks_bytes(*entries: jks.PrivateKeyEntry | jks.TrustedCertEntry) -> bytes:
    data: bytes = jks.KeyStore.new("jks", list(entries)).saves(PASSWORD)
    return data


def java_truststore(*aliased: tuple[str, minting.Issued]) -> bytes:
    """A PKCS#12 truststore as Java writes it: trusted certificates, each with its alias."""
    certificates = [
        pkcs12.PKCS12Certificate(issued.certificate, alias.encode()) for alias, issued in aliased
    ]
    return pkcs12.serialize_java_truststore(
        certificates, BestAvailableEncryption(PASSWORD.encode())
    )


def inspect_store(
    data: bytes, name: str = "store.jks", anchors: tuple[minting.Issued, ...] = ()
) -> Inspection:
    """Inspect a keystore judged at NOW, against a store of `anchors` (none: trust not judged)."""
    stores = ()
    if anchors:
        certs = tuple(Certificate(anchor.der) for anchor in anchors)
        stores = (TrustStore("custom", "the trust file roots.pem", certs),)
    settings = Settings(CheckContext(now=NOW), stores)
    inspection = inspect_bytes(data, name, Passwords(password=PASSWORD), settings=settings)
    assert inspection.source is not None, inspection.error
    return inspection


def with_code(inspection: Inspection, code: str) -> list[Finding]:
    return [finding for finding in inspection.findings if finding.code == code]


def only(inspection: Inspection, code: str) -> Finding:
    found = with_code(inspection, code)
    assert len(found) == 1, [(f.code, f.title) for f in inspection.findings]
    return found[0]


def codes(inspection: Inspection) -> set[str]:
    return {finding.code for finding in inspection.findings}


@pytest.fixture
def ca() -> minting.Chain:
    """A root and an intermediate valid from well before NOW to well after it."""
    root = minting.mint_ca("Store Root CA", not_before=NOW - 400 * DAY, not_after=NOW + 3000 * DAY)
    intermediate = minting.mint_ca(
        "Store Issuing CA",
        issuer=root,
        path_length=0,
        not_before=NOW - 400 * DAY,
        not_after=NOW + 2000 * DAY,
    )
    leaf = leaf_valid(intermediate, "www.store.test", NOW - 10 * DAY, NOW + 80 * DAY)
    return minting.Chain(root, intermediate, leaf)


def leaf_valid(
    issuer: minting.Issued, name: str, not_before: dt.datetime, not_after: dt.datetime
) -> minting.Issued:
    return minting.mint_leaf(issuer, name, not_before=not_before, not_after=not_after)


# ---- expired and expiring entries ----------------------------------------------------------


def test_expired_key_entry_is_named_by_its_alias(ca: minting.Chain) -> None:
    old = leaf_valid(ca.intermediate, "old.store.test", NOW - 400 * DAY, NOW - 5 * DAY)
    data = jks_bytes(
        key_entry("current", [ca.leaf, ca.intermediate]),
        key_entry("last-year", [old, ca.intermediate]),
    )

    inspection = inspect_store(data)

    finding = only(inspection, "cert.expired")
    assert finding.severity is Severity.ERROR
    assert finding.certificate == old.sha256
    assert finding.title == "\u201cold.store.test\u201d has expired (alias \u201clast-year\u201d)"
    assert finding.detail.startswith("The keystore holds it under alias \u201clast-year\u201d.")
    assert inspection.has_errors


def test_expiring_key_entry_is_named_by_its_alias(ca: minting.Chain) -> None:
    soon = leaf_valid(ca.intermediate, "soon.store.test", NOW - 80 * DAY, NOW + 6 * DAY)
    data = jks_bytes(
        key_entry("current", [ca.leaf, ca.intermediate]),
        key_entry("renew-me", [soon, ca.intermediate]),
    )

    inspection = inspect_store(data)

    finding = only(inspection, "cert.expiring-soon")
    assert finding.severity is Severity.WARNING
    assert finding.title == (
        "\u201csoon.store.test\u201d expires in 6 days (alias \u201crenew-me\u201d)"
    )
    assert "under alias \u201crenew-me\u201d" in finding.detail
    assert not inspection.has_errors


def test_current_entries_raise_no_expiry_finding(ca: minting.Chain) -> None:
    data = jks_bytes(
        key_entry("current", [ca.leaf, ca.intermediate, ca.root]),
        trusted_entry("root", ca.root),
    )

    inspection = inspect_store(data, anchors=(ca.root,))

    assert codes(inspection) & {"cert.expired", "cert.expiring-soon", "cert.not-yet-valid"} == set()
    assert not inspection.has_errors


def test_expired_ca_is_named_under_its_own_alias_and_in_the_chain_it_breaks(
    ca: minting.Chain,
) -> None:
    old_ca = minting.mint_ca(
        "Old Issuing CA", issuer=ca.root, not_before=NOW - 800 * DAY, not_after=NOW - DAY
    )
    leaf = leaf_valid(old_ca, "legacy.store.test", NOW - 100 * DAY, NOW + 30 * DAY)
    data = jks_bytes(key_entry("legacy", [leaf, old_ca]), trusted_entry("old-ca", old_ca))

    inspection = inspect_store(data, anchors=(ca.root,))

    # The trusted entry is expired in its own right...
    expired = only(inspection, "cert.expired")
    assert expired.certificate == old_ca.sha256
    assert expired.title == (
        "\u201cOld Issuing CA\u201d has expired (aliases \u201clegacy\u201d, \u201cold-ca\u201d)"
    )
    assert expired.detail.startswith(
        "The keystore holds it under alias \u201cold-ca\u201d and in the chain of alias "
        "\u201clegacy\u201d."
    )
    # ...and it breaks the chain of the key entry that still relies on it.
    ended = f"{old_ca.certificate.not_valid_after_utc:%Y-%m-%d}"
    assert only(inspection, "chain.expired-intermediate").title == (
        f"The intermediate \u201cOld Issuing CA\u201d expired on {ended} (alias \u201clegacy\u201d)"
    )


def test_expired_and_expiring_truststore_entries_are_named(ca: minting.Chain) -> None:
    gone = minting.mint_ca("Retired Root", not_before=NOW - 3000 * DAY, not_after=NOW - 30 * DAY)
    ending = minting.mint_ca("Ending Root", not_before=NOW - 3000 * DAY, not_after=NOW + 20 * DAY)
    data = java_truststore(("store-root", ca.root), ("retired", gone), ("ending", ending))

    inspection = inspect_store(data, name="truststore.p12")

    assert inspection.source is not None and inspection.source.format == "pkcs12"
    expired = only(inspection, "cert.expired")
    assert expired.title == "\u201cRetired Root\u201d has expired (alias \u201cretired\u201d)"
    expiring = only(inspection, "cert.expiring-soon")
    assert expiring.title == "\u201cEnding Root\u201d expires in 20 days (alias \u201cending\u201d)"


def test_findings_of_a_pem_file_name_no_alias(ca: minting.Chain) -> None:
    old = leaf_valid(ca.intermediate, "old.store.test", NOW - 400 * DAY, NOW - 5 * DAY)

    inspection = inspect_store(old.pem + ca.intermediate.pem, name="old.pem")

    assert only(inspection, "cert.expired").title == "\u201cold.store.test\u201d has expired"


# ---- duplicates ------------------------------------------------------------------------------


def test_one_certificate_under_two_aliases_is_a_duplicate(ca: minting.Chain) -> None:
    data = jks_bytes(trusted_entry("root", ca.root), trusted_entry("root-copy", ca.root))

    inspection = inspect_store(data)

    finding = only(inspection, "source.duplicate")
    assert finding.severity is Severity.WARNING
    assert finding.title == "\u201cStore Root CA\u201d is stored 2 times"
    assert "under \u201croot\u201d, \u201croot-copy\u201d" in finding.detail
    assert finding.certificate == ca.root.sha256


def test_duplicate_in_a_pkcs12_truststore(ca: minting.Chain) -> None:
    data = java_truststore(("root", ca.root), ("same-root", ca.root))

    inspection = inspect_store(data, name="truststore.p12")

    assert (
        "under \u201croot\u201d, \u201csame-root\u201d"
        in only(inspection, "source.duplicate").detail
    )


def test_distinct_certificates_are_no_duplicates(ca: minting.Chain) -> None:
    data = jks_bytes(trusted_entry("root", ca.root), trusted_entry("issuing", ca.intermediate))

    assert "source.duplicate" not in codes(inspect_store(data))


# ---- a key that does not fit its certificate -------------------------------------------------


def test_key_entry_with_another_key_is_a_key_mismatch(ca: minting.Chain) -> None:
    data = jks_bytes(key_entry("server", [ca.leaf, ca.intermediate], key=minting.new_key()))

    inspection = inspect_store(data)

    finding = only(inspection, "cert.key-mismatch")
    assert finding.severity is Severity.ERROR
    assert (
        finding.title
        == "The private key does not belong to the certificate (alias \u201cserver\u201d)"
    )
    assert "under alias \u201cserver\u201d with \u201cwww.store.test\u201d" in finding.detail
    assert finding.certificate == ca.leaf.sha256
    assert inspection.source is not None
    (entry,) = inspection.source.entries
    assert entry.private_key is not None and entry.private_key.matches_certificate is False


def test_key_entry_with_its_own_key_matches(ca: minting.Chain) -> None:
    inspection = inspect_store(jks_bytes(key_entry("server", [ca.leaf, ca.intermediate])))

    assert "cert.key-mismatch" not in codes(inspection)
    assert inspection.source is not None
    (entry,) = inspection.source.entries
    assert entry.private_key is not None and entry.private_key.matches_certificate is True


# ---- a key entry whose chain does not link ---------------------------------------------------


def test_chain_with_another_ca_after_the_leaf_does_not_link(ca: minting.Chain) -> None:
    other = minting.mint_chain("other.store.test", prefix="Unrelated")
    data = jks_bytes(key_entry("server", [ca.leaf, other.intermediate, other.root]))

    inspection = inspect_store(data)

    finding = only(inspection, "chain.unrelated-certificate")
    assert finding.severity is Severity.ERROR
    assert finding.title == (
        "The chain under alias \u201cserver\u201d does not link: \u201cUnrelated Issuing CA\u201d "
        "did not issue \u201cwww.store.test\u201d"
    )
    assert "was issued by CN=Store Issuing CA,O=Pinscope Minted" in finding.detail
    assert "keytool -importcert -alias server" in finding.remedy
    assert finding.certificate == other.intermediate.sha256
    assert inspection.has_errors


def test_broken_chain_is_said_beside_the_missing_intermediate(ca: minting.Chain) -> None:
    other = minting.mint_chain("other.store.test", prefix="Unrelated")
    data = jks_bytes(key_entry("server", [ca.leaf, other.intermediate, other.root]))

    inspection = inspect_store(data, anchors=(ca.root,))

    assert "does not link" in only(inspection, "chain.unrelated-certificate").title
    assert "Store Issuing CA" in only(inspection, "chain.missing-intermediate").title
    assert inspection.validation is not None and not inspection.validation.trusted


@pytest.mark.parametrize("container", ["jks", "pkcs12"])
def test_same_named_issuer_with_another_key_did_not_sign(ca: minting.Chain, container: str) -> None:
    impostor = minting.mint_ca("Store Issuing CA", issuer=ca.root)
    if container == "jks":
        data = jks_bytes(key_entry("server", [ca.leaf, impostor, ca.root]))
    else:
        data = pkcs12.serialize_key_and_certificates(
            b"server",
            ca.leaf.key,
            ca.leaf.certificate,
            [impostor.certificate, ca.root.certificate],
            BestAvailableEncryption(PASSWORD.encode()),
        )

    inspection = inspect_store(data, name=f"store.{container}", anchors=(ca.root,))

    finding = only(inspection, "chain.invalid-signature")
    assert finding.severity is Severity.ERROR
    assert finding.title == (
        "The chain under alias \u201cserver\u201d does not link: \u201cStore Issuing CA\u201d did "
        "not sign \u201cwww.store.test\u201d"
    )
    assert "its key does not verify" in finding.detail
    assert finding.certificate == ca.leaf.sha256


def test_chain_going_on_past_its_root_is_reported(ca: minting.Chain) -> None:
    stray = minting.mint_ca("Stray Root")
    data = jks_bytes(key_entry("server", [ca.leaf, ca.intermediate, ca.root, stray]))

    inspection = inspect_store(data, anchors=(ca.root,))

    finding = only(inspection, "chain.unrelated-certificate")
    assert finding.severity is Severity.WARNING
    assert finding.title == (
        "The chain under alias \u201cserver\u201d goes on past the root \u201cStore Root CA\u201d"
    )
    assert finding.certificate == stray.sha256


def test_chain_out_of_order_is_wrong_order_not_broken(ca: minting.Chain) -> None:
    data = jks_bytes(key_entry("server", [ca.leaf, ca.root, ca.intermediate]))

    inspection = inspect_store(data, anchors=(ca.root,))

    assert "chain.wrong-order" in codes(inspection)
    assert codes(inspection) & {"chain.unrelated-certificate", "chain.invalid-signature"} == set()


@pytest.mark.parametrize(
    "stored",
    [["leaf"], ["leaf", "intermediate"], ["leaf", "intermediate", "root"]],
    ids=["leaf-only", "to-intermediate", "to-root"],
)
def test_linked_chains_raise_no_link_finding(ca: minting.Chain, stored: list[str]) -> None:
    chain = [getattr(ca, name) for name in stored]

    inspection = inspect_store(jks_bytes(key_entry("server", chain)))

    assert codes(inspection) & {"chain.unrelated-certificate", "chain.invalid-signature"} == set()


def test_self_signed_key_entry_alone_links(ca: minting.Chain) -> None:
    # What `keytool -genkeypair` stores: a key and its own self-signed certificate.
    self_signed = minting.mint_certificate(minting.name("alone.store.test"))
    inspection = inspect_store(jks_bytes(key_entry("alone", [self_signed])))

    assert inspection.source is not None
    assert inspection.source.entries[0].type is EntryType.PRIVATE_KEY
    assert codes(inspection) & {"chain.unrelated-certificate", "chain.invalid-signature"} == set()
