"""Chain findings: each `chain.*` code raised by a minted chain that has the fault, and not by
one that does not."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from pinscope.core.certificate import Certificate
from pinscope.core.chain import validate
from pinscope.core.checks import CheckContext
from pinscope.core.checks.path import check_path
from pinscope.core.inspection import Inspection, Settings, inspect_bytes
from pinscope.core.model import Severity
from pinscope.core.sources import load_bytes
from pinscope.core.trust import TrustStore
from tests.conftest import DATA
from tests.core import minting


def cert(issued: minting.Issued) -> Certificate:
    return Certificate(issued.certificate.public_bytes(Encoding.DER))


def store(*anchors: minting.Issued) -> TrustStore:
    return TrustStore("custom", "the test store", tuple(cert(anchor) for anchor in anchors))


def inspect_chain(
    *issued: minting.Issued,
    anchors: tuple[minting.Issued, ...] = (),
    host: str | None = None,
    at: dt.datetime | None = None,
) -> Inspection:
    """Inspect a PEM file of `issued`, in that order, against a store of `anchors`."""
    context = CheckContext(now=at) if at is not None else CheckContext()
    if host is not None:
        context = CheckContext(now=context.now, host=host)
    settings = Settings(context, (store(*anchors),) if anchors else ())
    data = b"".join(item.pem for item in issued)
    return inspect_bytes(data, "chain.pem", settings=settings)


def codes(inspection: Inspection) -> set[str]:
    assert inspection.source is not None, inspection.error
    return {finding.code for finding in inspection.findings}


def finding(inspection: Inspection, code: str) -> str:
    """The title, detail and remedy of the one finding with `code`, as one text."""
    (found,) = [f for f in inspection.findings if f.code == code]
    return f"{found.title} | {found.detail} | {found.remedy}"


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain("api.path.test", prefix="Path")


def test_a_complete_chain_raises_nothing_and_says_which_store_decided(
    chain: minting.Chain,
) -> None:
    inspection = inspect_chain(chain.leaf, chain.intermediate, anchors=(chain.root,))

    assert codes(inspection) == set()
    validation = inspection.validation
    assert validation is not None and validation.trusted
    assert validation.store is not None and validation.store.label == "the test store"
    assert not inspection.has_errors


def test_missing_intermediate_names_it_and_where_to_download_it(chain: minting.Chain) -> None:
    aia = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                x509.AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier("http://ca.path.test/issuing.crt"),
            )
        ]
    )
    leaf = minting.mint_leaf(chain.intermediate, "api.path.test", extra=[(aia, False)])

    inspection = inspect_chain(leaf, anchors=(chain.root,))

    text = finding(inspection, "chain.missing-intermediate")
    assert "Path Issuing CA" in text and "http://ca.path.test/issuing.crt" in text
    assert "Append the intermediate" in text
    assert inspection.has_errors


def test_root_outside_every_store_is_an_untrusted_root(chain: minting.Chain) -> None:
    other = minting.mint_ca("Some Other Root")

    inspection = inspect_chain(chain.leaf, chain.intermediate, chain.root, anchors=(other,))

    assert "Path Root CA" in finding(inspection, "chain.untrusted-root")
    assert "chain.root-sent" not in codes(inspection)


def test_sending_the_trusted_root_is_only_information(chain: minting.Chain) -> None:
    inspection = inspect_chain(chain.leaf, chain.intermediate, chain.root, anchors=(chain.root,))

    (root_sent,) = [f for f in inspection.findings if f.code == "chain.root-sent"]
    assert root_sent.severity == Severity.INFO
    assert not inspection.has_errors


def test_a_certificate_sent_twice_is_a_duplicate(chain: minting.Chain) -> None:
    inspection = inspect_chain(
        chain.leaf, chain.intermediate, chain.intermediate, anchors=(chain.root,)
    )

    assert "2 times" in finding(inspection, "chain.duplicate")
    assert "chain.wrong-order" not in codes(inspection)


@pytest.mark.parametrize("order", ["reversed", "issuer-first"])
def test_chain_out_of_order_says_the_right_order(chain: minting.Chain, order: str) -> None:
    given = (
        (chain.root, chain.intermediate, chain.leaf)
        if order == "reversed"
        else (chain.intermediate, chain.leaf)
    )

    inspection = inspect_chain(*given, anchors=(chain.root,))

    text = finding(inspection, "chain.wrong-order")
    assert "\u201capi.path.test\u201d, \u201cPath Issuing CA\u201d" in text
    assert inspection.validation is not None and inspection.validation.trusted


def test_a_stray_certificate_in_the_file_is_unrelated(chain: minting.Chain) -> None:
    stray = minting.mint_ca("Stray Unrelated CA")

    inspection = inspect_chain(chain.leaf, stray, chain.intermediate, anchors=(chain.root,))

    assert "Stray Unrelated CA" in finding(inspection, "chain.unrelated-certificate")


def test_a_stray_inside_an_entry_is_unrelated(chain: minting.Chain) -> None:
    stray = cert(minting.mint_ca("Stray In Entry CA"))
    given = [cert(chain.leaf), stray, cert(chain.intermediate)]
    validation = validate(given[0], given, [store(chain.root)])

    found = list(check_path(given, validation, CheckContext()))

    assert [f.code for f in found] == ["chain.unrelated-certificate"]
    assert found[0].certificate == stray.sha256


def test_an_issuer_with_the_right_name_but_another_key_is_an_invalid_signature(
    chain: minting.Chain,
) -> None:
    impostor = minting.mint_ca("Path Issuing CA", issuer=chain.root)

    inspection = inspect_chain(chain.leaf, impostor, anchors=(chain.root,))

    text = finding(inspection, "chain.invalid-signature")
    assert "did not sign" in text and "Authority Key Identifier" in text
    assert "chain.missing-intermediate" not in codes(inspection)


def test_a_root_in_the_store_with_the_same_name_but_another_key_is_an_invalid_signature(
    chain: minting.Chain,
) -> None:
    wrong_root = minting.mint_ca("Path Root CA")

    inspection = inspect_chain(chain.leaf, chain.intermediate, anchors=(wrong_root,))

    assert "chain.invalid-signature" in codes(inspection)


@pytest.mark.parametrize(("limit", "raised"), [(0, True), (1, False), (None, False)])
def test_path_length_counts_the_intermediates_below_a_ca(limit: int | None, raised: bool) -> None:
    root = minting.mint_ca("Length Root")
    upper = minting.mint_ca("Length Upper CA", issuer=root, path_length=limit)
    lower = minting.mint_ca("Length Lower CA", issuer=upper, path_length=0)
    leaf = minting.mint_leaf(lower, "deep.path.test")

    inspection = inspect_chain(leaf, lower, upper, anchors=(root,))

    assert ("chain.path-length" in codes(inspection)) is raised
    if raised:
        assert "Length Upper CA" in finding(inspection, "chain.path-length")
        assert inspection.validation is not None and not inspection.validation.trusted


def _constrained_ca(root: minting.Issued) -> minting.Issued:
    constraints = x509.NameConstraints(
        permitted_subtrees=[x509.DNSName("inside.test")], excluded_subtrees=None
    )
    return minting.mint_certificate(
        minting.name("Constrained CA"),
        issuer=root,
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (minting.ca_key_usage(), True),
            (constraints, True),
        ],
    )


@pytest.mark.parametrize(
    ("host", "raised"), [("www.inside.test", False), ("inside.test", False), ("outside.test", True)]
)
def test_name_constraints_allow_names_inside_and_refuse_names_outside(
    host: str, raised: bool
) -> None:
    root = minting.mint_ca("Constraint Root")
    constrained = _constrained_ca(root)
    leaf = minting.mint_leaf(constrained, host)

    inspection = inspect_chain(leaf, constrained, anchors=(root,))

    assert ("chain.name-constraints" in codes(inspection)) is raised
    validation = inspection.validation
    assert validation is not None and validation.trusted is not raised
    if raised:
        assert "only inside.test permitted" in finding(inspection, "chain.name-constraints")
        assert validation.strict_error is not None  # the strict validator agrees


def test_an_expired_intermediate_breaks_a_valid_leaf() -> None:
    now = dt.datetime.now(dt.UTC)
    root = minting.mint_ca("Dated Root")
    old = minting.mint_ca(
        "Expired Issuing CA",
        issuer=root,
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    )
    leaf = minting.mint_leaf(old, "dated.path.test", not_before=now - dt.timedelta(days=2))

    inspection = inspect_chain(leaf, old, anchors=(root,))

    assert "Expired Issuing CA" in finding(inspection, "chain.expired-intermediate")
    assert "cert.expired" not in codes(inspection)  # said once, as the chain's problem


def test_a_chain_valid_now_is_judged_as_of_a_past_and_a_future_date(
    chain: minting.Chain,
) -> None:
    past = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)

    before = inspect_chain(chain.leaf, chain.intermediate, anchors=(chain.root,), at=past)
    after = inspect_chain(chain.leaf, chain.intermediate, anchors=(chain.root,), at=future)

    assert "cert.not-yet-valid" in codes(before) and "cert.expired" in codes(after)
    assert "chain.expired-intermediate" in codes(after)
    for inspection, at in ((before, past), (after, future)):
        assert inspection.validation is not None and not inspection.validation.trusted
        assert inspection.validation.at == at


@pytest.mark.parametrize(("host", "raised"), [("api.path.test", False), ("evil.test", True)])
def test_host_that_the_certificate_does_not_name_is_a_mismatch(
    chain: minting.Chain, host: str, raised: bool
) -> None:
    inspection = inspect_chain(chain.leaf, chain.intermediate, anchors=(chain.root,), host=host)

    assert ("cert.hostname-mismatch" in codes(inspection)) is raised
    if raised:
        assert "api.path.test" in finding(inspection, "cert.hostname-mismatch")


def test_a_self_signed_leaf_is_an_error_unless_trusted_on_purpose() -> None:
    self_signed = minting.mint_certificate(
        minting.name("self.path.test"),
        extensions=[(x509.SubjectAlternativeName([x509.DNSName("self.path.test")]), False)],
    )

    untrusted = inspect_chain(self_signed, anchors=(minting.mint_ca("Unrelated Root"),))
    trusted = inspect_chain(self_signed, anchors=(self_signed,))

    (error,) = [f for f in untrusted.findings if f.code == "cert.self-signed"]
    assert error.severity == Severity.ERROR
    assert "chain.untrusted-root" not in codes(untrusted)
    (info,) = [f for f in trusted.findings if f.code == "cert.self-signed"]
    assert info.severity == Severity.INFO
    assert not trusted.has_errors


def test_without_a_trust_store_trust_is_not_judged(chain: minting.Chain) -> None:
    inspection = inspect_chain(chain.leaf, chain.intermediate)

    assert codes(inspection) == set()
    assert inspection.validation is not None and not inspection.validation.trusted


def test_strict_validators_refusing_what_openssl_accepts_is_said_plainly() -> None:
    root = minting.mint_ca("Lenient Root")
    lenient = minting.mint_certificate(  # basicConstraints not critical: RFC 5280 says MUST
        minting.name("Lenient Issuing CA"),
        issuer=root,
        extensions=[
            (x509.BasicConstraints(ca=True, path_length=0), False),
            (minting.ca_key_usage(), True),
        ],
    )
    leaf = minting.mint_leaf(lenient, "lenient.path.test")

    inspection = inspect_chain(leaf, lenient, anchors=(root,))

    validation = inspection.validation
    assert validation is not None and validation.openssl_error is None
    # Trusted, as OpenSSL-based clients see it, with the strict verdict kept beside it.
    assert validation.trusted and validation.errors == ()
    assert validation.strict_error is not None
    assert "basicConstraints extension is marked critical" in validation.strict_error
    assert "encountered processing" not in validation.strict_error
    text = finding(inspection, "chain.clients-disagree")
    assert "Strict validators refuse" in text and "OpenSSL" in text
    assert not inspection.has_errors


def test_an_intermediate_trusted_on_its_own_keeps_its_root_in_the_chain(
    chain: minting.Chain,
) -> None:
    inspection = inspect_chain(
        chain.leaf, chain.intermediate, chain.root, anchors=(chain.intermediate,)
    )

    validation = inspection.validation
    assert validation is not None and validation.trusted
    assert validation.path.anchor == cert(chain.intermediate)
    assert "chain.unrelated-certificate" not in codes(inspection)


def test_a_sha1_chain_is_built_and_its_weak_signatures_reported() -> None:
    # Made by the openssl command line (tests/data/make-fixtures.sh): cryptography's own
    # verify_directly_issued_by refuses SHA-1, which must not break the path.
    data = (DATA / "weak-sha1-chain.pem").read_bytes()
    certificates = load_bytes(data, "weak-sha1-chain.pem").certificates()
    root = next(c for c in certificates if c.details.self_signed)
    settings = Settings(CheckContext(), (TrustStore("custom", "the SHA-1 root", (root,)),))

    inspection = inspect_bytes(data, "weak-sha1-chain.pem", settings=settings)

    validation = inspection.validation
    assert validation is not None and validation.path.complete
    assert len(validation.path.certificates) == 3
    assert "chain.invalid-signature" not in codes(inspection)
    assert "chain.unrelated-certificate" not in codes(inspection)
    weak = [f for f in inspection.findings if f.code == "cert.weak-signature"]
    assert {f.certificate for f in weak} == {c.sha256 for c in certificates if c != root}


def test_a_self_signed_md5_certificate_is_self_signed_not_missing_an_issuer() -> None:
    data = (DATA / "weak-md5.pem").read_bytes()

    inspection = inspect_bytes(data, "weak-md5.pem", settings=Settings(CheckContext(), (store(),)))

    assert {"cert.self-signed", "cert.weak-signature"} <= codes(inspection)
    assert "chain.missing-intermediate" not in codes(inspection)
