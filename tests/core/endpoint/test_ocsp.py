"""Stapled OCSP responses: decoding, matching the leaf, the responder's signature, findings.

Responses are minted per test with cryptography's OCSPResponseBuilder, signed by the leaf's
issuer, by a delegated responder, or by keys that have no business signing them. One test takes
the staple from a real pyOpenSSL handshake against a loopback server.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Sequence

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from OpenSSL import SSL

from pinscope.core.endpoint.ocsp import (
    OCSPStaple,
    has_must_staple,
    parse_staple,
    staple_findings,
)
from pinscope.core.model import Finding, Severity
from tests.core.endpoint.servers import ServerConfig, serving
from tests.core.minting import (
    Chain,
    Issued,
    mint_ca,
    mint_certificate,
    mint_chain,
    mint_leaf,
    name,
    new_key,
    signature_hash,
)

SERVER_NAME = "www.minted.test"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

GOOD = ocsp.OCSPCertStatus.GOOD
REVOKED = ocsp.OCSPCertStatus.REVOKED
UNKNOWN = ocsp.OCSPCertStatus.UNKNOWN


# ---- helpers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain() -> Chain:
    return mint_chain(SERVER_NAME)


def mint_response(
    cert: Issued,
    issuer: Issued,
    *,
    status: ocsp.OCSPCertStatus = GOOD,
    this_update: dt.datetime = NOW - HOUR,
    next_update: dt.datetime | None = NOW + DAY,
    revocation_time: dt.datetime | None = None,
    reason: x509.ReasonFlags | None = None,
    signer: Issued | None = None,
    included: Sequence[x509.Certificate] = (),
    by_name: bool = False,
) -> bytes:
    """The DER of a successful response about `cert`, signed by `signer` (the issuer by default)."""
    signer = signer or issuer
    key = signer.key
    encoding = ocsp.OCSPResponderEncoding.NAME if by_name else ocsp.OCSPResponderEncoding.HASH
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert.certificate,
            issuer.certificate,
            hashes.SHA1(),
            status,
            this_update,
            next_update,
            revocation_time,
            reason,
        )
        .responder_id(encoding, signer.certificate)
    )
    if included:
        builder = builder.certificates(list(included))
    return builder.sign(key, signature_hash(key)).public_bytes(serialization.Encoding.DER)


def mint_responder(issuer: Issued, ocsp_signing: bool = True) -> Issued:
    """A delegated responder certificate issued by `issuer`."""
    usages = (
        [ExtendedKeyUsageOID.OCSP_SIGNING] if ocsp_signing else [ExtendedKeyUsageOID.CLIENT_AUTH]
    )
    return mint_certificate(
        name("Minted OCSP Responder"),
        issuer=issuer,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage(usages), False),
        ],
    )


def codes(findings: Sequence[Finding]) -> list[str]:
    return [finding.code for finding in findings]


def judge(staple: OCSPStaple, leaf: Issued, must_staple: bool = False) -> list[Finding]:
    return staple_findings(staple, leaf.certificate, NOW, must_staple)


def fetch_staple(port: int) -> tuple[bytes, list[x509.Certificate]]:
    """Handshake with the loopback server on `port` asking for a staple: the bytes the client's
    OCSP callback got (empty when the server stapled nothing) and the chain it sent."""
    received: list[bytes] = []

    def on_staple(connection: SSL.Connection, data: bytes, user_data: object) -> bool:
        received.append(data)
        return True

    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_ocsp_client_callback(on_staple)
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.setblocking(True)  # a socket timeout makes pyOpenSSL raise WantReadError at once
        connection = SSL.Connection(context, sock)
        connection.set_tlsext_host_name(SERVER_NAME.encode("ascii"))
        connection.request_ocsp()
        connection.set_connect_state()
        connection.do_handshake()
        chain = connection.get_peer_cert_chain(as_cryptography=True) or []
        connection.shutdown()
    return received[0], chain


# ---- good responses -------------------------------------------------------------------------


def test_good_response_signed_by_the_issuer(chain: Chain) -> None:
    der = mint_response(chain.leaf, chain.intermediate)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    key_id = x509.SubjectKeyIdentifier.from_public_key(chain.intermediate.key.public_key())
    assert staple == OCSPStaple(
        size=len(der),
        response_status="successful",
        cert_status="good",
        produced_at=staple.produced_at,
        this_update=NOW - HOUR,
        next_update=NOW + DAY,
        responder=f"key hash {key_id.digest.hex()}",
        serial=chain.leaf.certificate.serial_number,
        matches_leaf=True,
        signature_valid=True,
        signature_check="verified with the key of the issuer, Minted Issuing CA",
    )
    assert staple.produced_at is not None
    assert abs(staple.produced_at - dt.datetime.now(dt.UTC)) < HOUR
    assert judge(staple, chain.leaf) == []
    assert judge(staple, chain.leaf, must_staple=True) == []


def test_responder_by_name(chain: Chain) -> None:
    der = mint_response(chain.leaf, chain.intermediate, by_name=True)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)
    assert staple.responder == "CN=Minted Issuing CA,O=Pinscope Minted"


def test_no_next_update_is_never_stale(chain: Chain) -> None:
    der = mint_response(
        chain.leaf, chain.intermediate, this_update=NOW - 30 * DAY, next_update=None
    )
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)
    assert staple.next_update is None
    assert judge(staple, chain.leaf) == []


@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p384", "ed25519"])
def test_issuer_key_types(kind: str) -> None:
    root = mint_ca("Keyed Root CA", key=new_key(kind))
    leaf = mint_leaf(root, SERVER_NAME)
    staple = parse_staple(mint_response(leaf, root), leaf.certificate, root.certificate)
    assert staple.signature_valid is True
    assert staple.matches_leaf is True


def test_delegated_responder(chain: Chain) -> None:
    responder = mint_responder(chain.intermediate)
    der = mint_response(
        chain.leaf, chain.intermediate, signer=responder, included=[responder.certificate]
    )
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple.signature_valid is True
    assert staple.signature_check == (
        "verified with the key of Minted OCSP Responder, a responder Minted Issuing CA delegated to"
    )
    assert judge(staple, chain.leaf) == []


def test_unknown_issuer_leaves_matching_and_signature_open(chain: Chain) -> None:
    der = mint_response(chain.leaf, chain.intermediate)

    staple = parse_staple(der, chain.leaf.certificate, None)
    assert staple.matches_leaf is None
    assert staple.signature_valid is None
    assert staple.signature_check == "not checked: the issuer's certificate is unknown"
    assert judge(staple, chain.leaf) == []

    without_leaf = parse_staple(der, None, None)
    assert without_leaf.matches_leaf is None
    assert without_leaf.cert_status == "good"


# ---- bad news in a good response ------------------------------------------------------------


def test_revoked_with_reason(chain: Chain) -> None:
    revoked_at = NOW - 2 * DAY
    der = mint_response(
        chain.leaf,
        chain.intermediate,
        status=REVOKED,
        revocation_time=revoked_at,
        reason=x509.ReasonFlags.key_compromise,
    )
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple.cert_status == "revoked"
    assert staple.revocation_time == revoked_at
    assert staple.revocation_reason == "keyCompromise"
    (finding,) = judge(staple, chain.leaf)
    assert finding.code == "tls.ocsp-revoked"
    assert finding.severity is Severity.ERROR
    assert (
        finding.title == "The server's own OCSP staple says \u201cwww.minted.test\u201d is revoked"
    )
    assert f"revoked on {revoked_at:%Y-%m-%d %H:%M} UTC (reason: key compromise)" in finding.detail
    assert "with a new key" in finding.remedy
    assert finding.certificate == chain.leaf.sha256


def test_revoked_without_reason(chain: Chain) -> None:
    der = mint_response(chain.leaf, chain.intermediate, status=REVOKED, revocation_time=NOW - DAY)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)
    assert staple.revocation_reason is None
    (finding,) = judge(staple, chain.leaf)
    assert "reason" not in finding.detail
    assert "with a new key" not in finding.remedy


def test_unknown_status(chain: Chain) -> None:
    der = mint_response(chain.leaf, chain.intermediate, status=UNKNOWN)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple.cert_status == "unknown"
    assert staple.revocation_time is None
    (finding,) = judge(staple, chain.leaf)
    assert finding.code == "tls.ocsp-status-unknown"
    assert finding.severity is Severity.WARNING


def test_stale_response(chain: Chain) -> None:
    der = mint_response(
        chain.leaf, chain.intermediate, this_update=NOW - 8 * DAY, next_update=NOW - 3 * DAY
    )
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    (finding,) = judge(staple, chain.leaf)
    assert finding.code == "tls.ocsp-stale"
    assert finding.severity is Severity.ERROR
    assert finding.title == (
        "The OCSP response stapled for \u201cwww.minted.test\u201d expired 3 days ago"
    )
    assert f"valid until {NOW - 3 * DAY:%Y-%m-%d %H:%M} UTC (its nextUpdate)" in finding.detail


def test_response_for_another_certificate(chain: Chain) -> None:
    sibling = mint_leaf(chain.intermediate, "other.minted.test")
    der = mint_response(sibling, chain.intermediate)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple.matches_leaf is False
    assert staple.serial == sibling.certificate.serial_number
    assert staple.signature_valid is True
    (finding,) = judge(staple, chain.leaf)
    assert finding.code == "tls.ocsp-not-for-this-certificate"
    assert finding.severity is Severity.ERROR
    assert f"speaks of serial {sibling.certificate.serial_number:x}" in finding.detail
    assert f"has serial {chain.leaf.certificate.serial_number:x}" in finding.detail


def test_revoked_response_for_another_certificate_says_nothing_of_this_one(chain: Chain) -> None:
    sibling = mint_leaf(chain.intermediate, "other.minted.test")
    der = mint_response(sibling, chain.intermediate, status=REVOKED, revocation_time=NOW - DAY)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)
    assert codes(judge(staple, chain.leaf)) == ["tls.ocsp-not-for-this-certificate"]


def test_same_serial_from_another_issuer(chain: Chain) -> None:
    other_ca = mint_ca("Other Issuing CA")
    twin = mint_certificate(
        name(SERVER_NAME), issuer=other_ca, serial=chain.leaf.certificate.serial_number
    )
    der = mint_response(twin, other_ca)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple.matches_leaf is False
    assert staple.signature_valid is False
    findings = judge(staple, chain.leaf)
    assert codes(findings) == ["tls.ocsp-not-for-this-certificate", "tls.ocsp-bad-signature"]
    assert "issuer name and key hashes do not match" in findings[0].detail


def test_signed_by_a_wrong_key(chain: Chain) -> None:
    # An impostor with the issuer's name and another key: the responder ID names the issuer.
    impostor = mint_ca("Minted Issuing CA")
    der = mint_response(chain.leaf, chain.intermediate, signer=impostor, by_name=True)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple.matches_leaf is True
    assert staple.signature_valid is False
    (finding,) = judge(staple, chain.leaf)
    assert finding.code == "tls.ocsp-bad-signature"
    assert finding.severity is Severity.ERROR
    assert (
        "neither the key of the issuer, Minted Issuing CA, nor a responder certificate"
        in finding.detail
    )


def test_signed_by_the_root_instead_of_the_issuer(chain: Chain) -> None:
    der = mint_response(chain.leaf, chain.intermediate, signer=chain.root)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)
    assert staple.signature_valid is False


def test_delegate_without_ocsp_signing(chain: Chain) -> None:
    responder = mint_responder(chain.intermediate, ocsp_signing=False)
    der = mint_response(
        chain.leaf, chain.intermediate, signer=responder, included=[responder.certificate]
    )
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple.signature_valid is False
    assert "issued without the OCSPSigning extended key usage" in (staple.signature_check or "")
    assert codes(judge(staple, chain.leaf)) == ["tls.ocsp-bad-signature"]


def test_delegate_issued_by_another_ca(chain: Chain) -> None:
    responder = mint_responder(chain.root)
    der = mint_response(
        chain.leaf, chain.intermediate, signer=responder, included=[responder.certificate]
    )
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple.signature_valid is False
    assert "that Minted Issuing CA did not issue" in (staple.signature_check or "")


def test_delegate_not_included_cannot_be_found(chain: Chain) -> None:
    responder = mint_responder(chain.intermediate)
    der = mint_response(chain.leaf, chain.intermediate, signer=responder)
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)
    assert staple.signature_valid is False


# ---- unsuccessful and unreadable ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name_"),
    [
        (ocsp.OCSPResponseStatus.MALFORMED_REQUEST, "malformed-request"),
        (ocsp.OCSPResponseStatus.INTERNAL_ERROR, "internal-error"),
        (ocsp.OCSPResponseStatus.TRY_LATER, "try-later"),
        (ocsp.OCSPResponseStatus.SIG_REQUIRED, "sig-required"),
        (ocsp.OCSPResponseStatus.UNAUTHORIZED, "unauthorized"),
    ],
)
def test_unsuccessful_response(chain: Chain, status: ocsp.OCSPResponseStatus, name_: str) -> None:
    der = ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple == OCSPStaple(size=len(der), response_status=name_)
    (finding,) = judge(staple, chain.leaf)
    assert finding.code == "tls.ocsp-unsuccessful"
    assert finding.severity is Severity.WARNING
    assert f"(\u201c{name_}\u201d)" in finding.title


@pytest.mark.parametrize(
    ("der", "error"),
    [
        (b"", "the stapled response is empty"),
        (b"garbage", "the 7 bytes are not one complete DER structure"),
        (b"\x30\x03\x0a\x01\x04", "the 5 bytes are not a usable OCSPResponse"),
        (b"\x30\x03\x02\x01\x00", "the 5 bytes are DER but not the structure of an OCSPResponse"),
    ],
    ids=["empty", "text", "status-4", "wrong-structure"],
)
def test_garbage(chain: Chain, der: bytes, error: str) -> None:
    staple = parse_staple(der, chain.leaf.certificate, chain.intermediate.certificate)

    assert staple.error is not None
    assert staple.error.startswith(error)
    assert staple == OCSPStaple(size=len(der), error=staple.error)
    (finding,) = judge(staple, chain.leaf)
    assert finding.code == "tls.ocsp-unparseable"
    assert finding.severity is Severity.WARNING
    assert staple.error in finding.detail


def test_a_certificate_is_not_a_response(chain: Chain) -> None:
    staple = parse_staple(chain.leaf.der, chain.leaf.certificate, chain.intermediate.certificate)
    assert staple.error == (
        f"the {len(chain.leaf.der)} bytes are DER but not the structure of an OCSPResponse"
    )


def test_truncated_at_every_length(chain: Chain) -> None:
    der = mint_response(chain.leaf, chain.intermediate)
    for length in range(len(der)):
        staple = parse_staple(der[:length], chain.leaf.certificate, chain.intermediate.certificate)
        assert staple.error is not None, length
        assert staple.response_status is None
    truncated = parse_staple(der[:-10], chain.leaf.certificate, chain.intermediate.certificate)
    assert "not one complete DER structure" in (truncated.error or "")


def test_random_bytes_never_raise(chain: Chain) -> None:
    der = mint_response(chain.leaf, chain.intermediate)
    for seed in range(200):
        noise = os.urandom(seed % 64 + 1)
        parse_staple(noise, chain.leaf.certificate, chain.intermediate.certificate)
        flipped = bytearray(der)
        flipped[seed % len(der)] ^= 0xFF
        staple = parse_staple(
            bytes(flipped), chain.leaf.certificate, chain.intermediate.certificate
        )
        staple_findings(staple, chain.leaf.certificate, NOW, must_staple=True)


# ---- Must-Staple ------------------------------------------------------------------------------


def must_staple_leaf(chain: Chain) -> Issued:
    feature = x509.TLSFeature([x509.TLSFeatureType.status_request])
    return mint_leaf(chain.intermediate, SERVER_NAME, extra=[(feature, False)])


def test_must_staple_without_a_staple(chain: Chain) -> None:
    leaf = must_staple_leaf(chain)
    assert has_must_staple(leaf.certificate)
    assert not has_must_staple(chain.leaf.certificate)

    (finding,) = staple_findings(None, leaf.certificate, NOW, must_staple=True)
    assert finding.code == "tls.must-staple-missing"
    assert finding.severity is Severity.ERROR
    assert finding.title == (
        "\u201cwww.minted.test\u201d requires OCSP stapling, but the server stapled nothing"
    )
    assert "Firefox refuses" in finding.detail
    assert finding.certificate == leaf.sha256

    assert staple_findings(None, chain.leaf.certificate, NOW, must_staple=False) == []


# ---- a staple from a real handshake ---------------------------------------------------------


def test_staple_from_a_handshake(chain: Chain) -> None:
    leaf = must_staple_leaf(chain)
    der = mint_response(leaf, chain.intermediate)
    config = ServerConfig(
        chain=[leaf.certificate, chain.intermediate.certificate], key=leaf.key, ocsp_staple=der
    )
    with serving(config) as server:
        stapled, sent = fetch_staple(server.port)

    assert stapled == der
    staple = parse_staple(stapled, sent[0], sent[1])
    assert staple.cert_status == "good"
    assert staple.matches_leaf is True
    assert staple.signature_valid is True
    assert staple_findings(staple, sent[0], NOW, has_must_staple(sent[0])) == []


def test_no_staple_from_a_handshake(chain: Chain) -> None:
    leaf = must_staple_leaf(chain)
    config = ServerConfig(chain=[leaf.certificate, chain.intermediate.certificate], key=leaf.key)
    with serving(config) as server:
        stapled, sent = fetch_staple(server.port)

    assert stapled == b""
    findings = staple_findings(None, sent[0], NOW, has_must_staple(sent[0]))
    assert codes(findings) == ["tls.must-staple-missing"]
