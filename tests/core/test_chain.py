"""Path building and validation: the path a client would build, and why it fails when it does."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from pinscope.core.certificate import Certificate
from pinscope.core.chain import CLIENT, SERVER, build_paths, host_matches, strict_reason, validate
from pinscope.core.trust import TrustStore
from tests.core import minting


def cert(issued: minting.Issued) -> Certificate:
    return Certificate(issued.certificate.public_bytes(Encoding.DER))


def store(*anchors: minting.Issued, label: str = "the test store") -> TrustStore:
    return TrustStore("custom", label, tuple(cert(anchor) for anchor in anchors))


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain("api.chain.test", prefix="Chain")


def test_leaf_with_intermediate_is_trusted_through_the_store_root(chain: minting.Chain) -> None:
    leaf, intermediate = cert(chain.leaf), cert(chain.intermediate)

    verdict = validate(leaf, [leaf, intermediate], [store(chain.root)], host="api.chain.test")

    assert verdict.trusted, verdict.errors
    assert [c.sha256 for c in verdict.path.certificates] == [
        leaf.sha256,
        intermediate.sha256,
        cert(chain.root).sha256,
    ]
    assert verdict.path.store is not None and verdict.path.store.label == "the test store"
    assert verdict.purpose == SERVER and verdict.strict_error is None


def test_order_duplicates_and_strays_do_not_change_the_path(chain: minting.Chain) -> None:
    leaf, intermediate = cert(chain.leaf), cert(chain.intermediate)
    stray = cert(minting.mint_ca("Unrelated Stray CA"))

    verdict = validate(leaf, [stray, intermediate, leaf, intermediate], [store(chain.root)])

    assert verdict.trusted, verdict.errors
    assert [c.sha256 for c in verdict.path.certificates][:2] == [leaf.sha256, intermediate.sha256]


def test_missing_intermediate_says_which_issuer_is_missing(chain: minting.Chain) -> None:
    verdict = validate(cert(chain.leaf), [], [store(chain.root)])

    assert not verdict.trusted
    (error,) = verdict.errors
    assert "stops at \u201capi.chain.test\u201d" in error
    assert "Chain Issuing CA" in error and "the test store" in error


def test_root_in_no_store_is_untrusted_and_says_so(chain: minting.Chain) -> None:
    given = [cert(chain.leaf), cert(chain.intermediate), cert(chain.root)]

    verdict = validate(given[0], given, [store(minting.mint_ca("Other Root"))])

    assert not verdict.trusted
    assert any("ends at \u201cChain Root CA\u201d" in error for error in verdict.errors)


def test_wrong_host_is_an_error_naming_the_certificates_names(chain: minting.Chain) -> None:
    leaf = cert(chain.leaf)

    verdict = validate(leaf, [cert(chain.intermediate)], [store(chain.root)], host="evil.test")

    assert not verdict.trusted
    assert any("not valid for evil.test" in e and "api.chain.test" in e for e in verdict.errors)


@pytest.mark.parametrize(
    ("moment", "word"),
    [(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), "not valid before"), (None, "expired")],
)
def test_validity_is_judged_at_the_time_asked(
    chain: minting.Chain, moment: dt.datetime | None, word: str
) -> None:
    at = moment or dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    leaf = cert(chain.leaf)

    verdict = validate(leaf, [cert(chain.intermediate)], [store(chain.root)], at=at)

    assert not verdict.trusted
    assert any(word in error for error in verdict.errors)
    assert verdict.at == at


def test_cross_signed_intermediate_gives_two_paths_and_the_shorter_is_chosen() -> None:
    old_root = minting.mint_ca("Old Root")
    new_root = minting.mint_ca("New Root")
    key = minting.new_key()
    intermediate = minting.mint_ca("Cross CA", issuer=new_root, key=key)
    cross = minting.mint_ca("Cross CA", issuer=old_root, key=key)
    leaf = minting.mint_leaf(intermediate, "cross.chain.test")
    given = [cert(leaf), cert(intermediate), cert(cross), cert(new_root)]

    paths = build_paths(given[0], given[1:], [store(old_root, new_root)])

    complete = [path for path in paths if path.complete]
    anchors = {path.anchor.short_name for path in complete if path.anchor is not None}
    assert anchors == {"Old Root", "New Root"}
    verdict = validate(given[0], given, [store(old_root, new_root)])
    assert verdict.trusted and len(verdict.alternatives) == 1


def test_same_name_but_wrong_key_is_not_an_issuer(chain: minting.Chain) -> None:
    impostor = minting.mint_ca("Chain Issuing CA", issuer=chain.root)  # same name, other key

    verdict = validate(cert(chain.leaf), [cert(impostor)], [store(chain.root)])

    assert not verdict.trusted
    assert verdict.path.certificates == (cert(chain.leaf),)


def test_client_certificate_is_checked_as_a_client(chain: minting.Chain) -> None:
    client = minting.mint_certificate(
        minting.name("alice"),
        issuer=chain.intermediate,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
            (x509.SubjectAlternativeName([x509.RFC822Name("alice@chain.test")]), False),
        ],
    )

    verdict = validate(cert(client), [cert(chain.intermediate)], [store(chain.root)])

    assert verdict.purpose == CLIENT
    assert verdict.trusted, verdict.errors


def test_no_store_means_nothing_is_trusted(chain: minting.Chain) -> None:
    verdict = validate(cert(chain.leaf), [cert(chain.intermediate), cert(chain.root)], [])

    assert not verdict.trusted
    assert any("none was used" in error for error in verdict.errors)


@pytest.mark.parametrize(
    ("host", "matches"),
    [
        ("api.chain.test", True),
        ("API.Chain.Test.", True),
        ("x.wild.chain.test", True),
        ("wild.chain.test", False),
        ("a.b.wild.chain.test", False),
        ("127.0.0.1", True),
        ("::1", False),
        ("other.test", False),
    ],
)
def test_host_matching_follows_rfc_6125(chain: minting.Chain, host: str, matches: bool) -> None:
    names = [
        x509.DNSName("api.chain.test"),
        x509.DNSName("*.wild.chain.test"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    leaf = minting.mint_certificate(
        minting.name("api.chain.test"),
        issuer=chain.intermediate,
        extensions=[(x509.SubjectAlternativeName(names), False)],
    )

    assert host_matches(host, cert(leaf)) is matches


def test_a_server_certificate_for_clients_only_is_not_trusted_as_a_server(
    chain: minting.Chain,
) -> None:
    client_only = minting.mint_certificate(
        minting.name("api.chain.test"),
        issuer=chain.intermediate,
        extensions=[
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
            (x509.SubjectAlternativeName([x509.DNSName("api.chain.test")]), False),
        ],
    )

    verdict = validate(
        cert(client_only), [cert(chain.intermediate)], [store(chain.root)], purpose=SERVER
    )

    assert not verdict.trusted
    assert any("may not be used as a TLS server" in error for error in verdict.errors)


def test_a_path_both_validators_refuse_is_not_trusted_and_says_both(chain: minting.Chain) -> None:
    # A CA certificate as the leaf, with a critical extension nobody understands.
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")
    leaf = minting.mint_certificate(
        minting.name("odd.chain.test"),
        issuer=chain.intermediate,
        extensions=[
            (odd, True),
            (x509.SubjectAlternativeName([x509.DNSName("odd.chain.test")]), False),
        ],
    )

    verdict = validate(cert(leaf), [cert(chain.intermediate)], [store(chain.root)])

    assert not verdict.trusted
    assert verdict.strict_error is not None and verdict.openssl_error == 34
    (error,) = verdict.errors
    assert "Neither validator accepts" in error and "critical extension" in error


def test_strict_reasons_are_rephrased_and_name_the_certificate(chain: minting.Chain) -> None:
    message = (
        "validation failed: invalid extension: 2.5.29.17: Certificate is missing required "
        "extension (encountered processing <Certificate(subject=<Name(CN=alice)>, ...)>)"
    )

    reason = strict_reason(message)

    assert reason.startswith("the subjectAltName extension, which the profile requires, is missing")
    assert reason.endswith("(in \u201cCN=alice\u201d)")
    assert strict_reason("validation failed: something new") == "something new"
