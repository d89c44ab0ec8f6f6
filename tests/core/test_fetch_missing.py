"""`--fetch-missing` end to end: a leaf whose intermediate is not given, an AIA URL on a real HTTP
server on 127.0.0.1, and what the user is told about the download."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID

from pinscope.core import report
from pinscope.core.aia import IssuerFetcher
from pinscope.core.certificate import Certificate
from pinscope.core.chain import validate
from pinscope.core.checks import CheckContext
from pinscope.core.inspection import Inspection, Settings, inspect_bytes
from pinscope.core.model import Finding
from pinscope.core.trust import TrustStore
from tests.core import minting
from tests.core.test_aia import AIAServer, Route, running

ISSUER_PATH = "/issuing-ca.crt"


@pytest.fixture
def aia_server() -> Iterator[AIAServer]:
    with running(AIAServer()) as server:
        yield server


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain("www.fetch.test", prefix="Fetch")


@pytest.fixture
def leaf(chain: minting.Chain, aia_server: AIAServer) -> minting.Issued:
    """The chain's leaf again, naming the intermediate's URL on the test server."""
    return leaf_naming(chain.intermediate, aia_server.url(ISSUER_PATH))


def leaf_naming(issuer: minting.Issued, url: str) -> minting.Issued:
    access = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(url)
            )
        ]
    )
    return minting.mint_leaf(issuer, "www.fetch.test", extra=[(access, False)])


def root_store(chain: minting.Chain) -> TrustStore:
    return TrustStore("custom", "the trust file root.pem", (Certificate(chain.root.der),))


def inspect_leaf(
    leaf: minting.Issued, stores: tuple[TrustStore, ...], fetcher: IssuerFetcher | None
) -> Inspection:
    """Inspect a PEM file holding only the leaf, as `pinscope inspect leaf.pem` does."""
    settings = Settings(CheckContext(), stores, fetcher)
    inspection = inspect_bytes(leaf.pem, "leaf.pem", settings=settings)
    assert inspection.source is not None, inspection.error
    return inspection


def only(inspection: Inspection, code: str) -> Finding:
    found = [finding for finding in inspection.findings if finding.code == code]
    assert len(found) == 1, [f.code for f in inspection.findings]
    return found[0]


def validation_json(inspection: Inspection) -> dict[str, Any]:
    """The `validation` object of the JSON document, as `--json` prints it."""
    validation: dict[str, Any] = report.document([inspection])["sources"][0]["validation"]
    return validation


def pkcs7_of(issued: minting.Issued, encoding: Encoding) -> bytes:
    return pkcs7.serialize_certificates([issued.certificate], encoding)


# ---- the download completes the path --------------------------------------------------------


@pytest.mark.parametrize("served", ["der", "pkcs7-der", "pkcs7-pem"])
def test_downloaded_intermediate_completes_the_path(
    aia_server: AIAServer, chain: minting.Chain, leaf: minting.Issued, served: str
) -> None:
    body = {
        "der": chain.intermediate.der,
        "pkcs7-der": pkcs7_of(chain.intermediate, Encoding.DER),
        "pkcs7-pem": pkcs7_of(chain.intermediate, Encoding.PEM),
    }[served]
    aia_server.routes[ISSUER_PATH] = Route(body=body)

    validation = validate(
        Certificate(leaf.der), [Certificate(leaf.der)], [root_store(chain)], fetcher=IssuerFetcher()
    )

    shown = report.validation_json(validation)
    assert shown["trusted"] is True
    assert shown["path"] == [leaf.sha256, chain.intermediate.sha256, chain.root.sha256]
    assert shown["anchor"] == chain.root.sha256
    assert shown["fetched"] == [
        {
            "url": aia_server.url(ISSUER_PATH),
            "certificates": [chain.intermediate.sha256],
            "error": None,
        }
    ]
    assert aia_server.hits[ISSUER_PATH] == 1


def test_inspection_shows_what_was_downloaded_and_from_where(
    aia_server: AIAServer, chain: minting.Chain, leaf: minting.Issued
) -> None:
    aia_server.routes[ISSUER_PATH] = Route(body=chain.intermediate.der)
    url = aia_server.url(ISSUER_PATH)

    inspection = inspect_leaf(leaf, (root_store(chain),), IssuerFetcher())

    # The path validates, but the file as given still lacks the intermediate.
    finding = only(inspection, "chain.missing-intermediate")
    assert finding.title == "The intermediate certificate \u201cFetch Issuing CA\u201d is missing"
    assert f"Pinscope downloaded it from {url} (--fetch-missing)" in finding.detail
    assert f"(from {url}) after \u201cwww.fetch.test\u201d" in finding.remedy
    assert inspection.has_errors

    validation = validation_json(inspection)
    assert validation["trusted"] is True
    assert validation["path"] == [leaf.sha256, chain.intermediate.sha256, chain.root.sha256]
    assert validation["fetched"] == [
        {"url": url, "certificates": [chain.intermediate.sha256], "error": None}
    ]

    text = report.text_report([inspection])
    assert "www.fetch.test \u2192 Fetch Issuing CA (downloaded) \u2192 Fetch Root CA" in text
    assert f"fetched      {url}: 1 certificate(s)" in text


def test_without_a_fetcher_nothing_is_downloaded(
    aia_server: AIAServer, chain: minting.Chain, leaf: minting.Issued
) -> None:
    aia_server.routes[ISSUER_PATH] = Route(body=chain.intermediate.der)
    url = aia_server.url(ISSUER_PATH)

    inspection = inspect_leaf(leaf, (root_store(chain),), fetcher=None)

    assert sum(aia_server.hits.values()) == 0
    finding = only(inspection, "chain.missing-intermediate")
    assert f"Its certificate can be downloaded from {url}" in finding.detail
    validation = validation_json(inspection)
    assert validation["trusted"] is False
    assert validation["path"] == [leaf.sha256]
    assert validation["fetched"] == []
    assert "fetched " not in report.text_report([inspection])


def test_without_a_trust_store_nothing_is_downloaded(
    aia_server: AIAServer, chain: minting.Chain, leaf: minting.Issued
) -> None:
    aia_server.routes[ISSUER_PATH] = Route(body=chain.intermediate.der)

    inspection = inspect_leaf(leaf, (), IssuerFetcher())

    # --trust-store none: trust is not judged, so there is nothing to complete.
    assert sum(aia_server.hits.values()) == 0
    assert validation_json(inspection)["fetched"] == []


# ---- the download fails --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(404, b"not here"), "answered HTTP 404"),
        (
            Route(body=b"<html>captive portal</html>", headers={"Content-Type": "text/html"}),
            "sent something that is neither a DER certificate nor a PKCS#7 bundle",
        ),
    ],
    ids=["404", "garbage"],
)
def test_failed_download_is_reported_not_raised(
    aia_server: AIAServer, chain: minting.Chain, leaf: minting.Issued, route: Route, reason: str
) -> None:
    aia_server.routes[ISSUER_PATH] = route
    url = aia_server.url(ISSUER_PATH)

    inspection = inspect_leaf(leaf, (root_store(chain),), IssuerFetcher())

    assert aia_server.hits[ISSUER_PATH] == 1
    finding = only(inspection, "chain.missing-intermediate")
    assert "Pinscope tried to download it from the URL named in" in finding.detail
    assert f"{url} {reason}" in finding.detail
    assert "Ask the CA for the certificate." in finding.detail

    validation = validation_json(inspection)
    assert validation["trusted"] is False
    (attempt,) = validation["fetched"]
    assert attempt["url"] == url and attempt["certificates"] == []
    assert attempt["error"].startswith(f"{url} {reason}")
    assert f"fetched      {url}: {url} {reason}" in report.text_report([inspection])


def test_url_serving_another_ca_says_it_did_not_issue_the_leaf(
    aia_server: AIAServer, chain: minting.Chain, leaf: minting.Issued
) -> None:
    stranger = minting.mint_ca("Fetch Stranger CA")
    aia_server.routes[ISSUER_PATH] = Route(body=stranger.der)

    inspection = inspect_leaf(leaf, (root_store(chain),), IssuerFetcher())

    finding = only(inspection, "chain.missing-intermediate")
    assert (
        f"{aia_server.url(ISSUER_PATH)} serves \u201cFetch Stranger CA\u201d, which did not "
        "issue \u201cwww.fetch.test\u201d"
    ) in finding.detail
    assert validation_json(inspection)["trusted"] is False
