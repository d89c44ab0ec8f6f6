"""Certificates cryptography refuses but OpenSSL reads still load, with a finding."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from pinscope.core import der
from pinscope.core.inspection import inspect_bytes
from tests.core.minting import mint_ca

CRITICAL_TRUE = b"\x01\x01\xff"


def with_explicit_false_critical(cert_der: bytes) -> bytes:
    """The first extension's `critical TRUE` turned into an explicit (forbidden) FALSE.

    The signature no longer matches, which does not matter for reading the certificate.
    """
    assert CRITICAL_TRUE in cert_der
    return cert_der.replace(CRITICAL_TRUE, b"\x01\x01\x00", 1)


def with_version(cert_der: bytes, version: int) -> bytes:
    tbs, algorithm, signature = der.parse_exact(cert_der).children()
    fields = [field.raw for field in tbs.children()]
    fields[0] = der.encode(0xA0, der.encode(der.INTEGER, bytes([version])))
    tbs_raw = der.encode(0x30, b"".join(fields))
    return der.encode(0x30, tbs_raw + algorithm.raw + signature.raw)


@pytest.fixture
def ca_der() -> bytes:
    return mint_ca("Refused Test CA").certificate.public_bytes(Encoding.DER)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (with_explicit_false_critical, "critical=FALSE"),
        (lambda data: with_version(data, 3), "version 4"),
    ],
    ids=["explicit-default", "version-4"],
)
def test_refused_certificate_loads_with_a_malformed_finding(
    ca_der: bytes, damage: object, expected: str
) -> None:
    assert callable(damage)
    data = damage(ca_der)
    assert data != ca_der

    inspection = inspect_bytes(data, "refused.der")

    assert inspection.source is not None, inspection.error
    (cert,) = inspection.source.certificates()
    assert cert.sha256 == hashlib.sha256(data).hexdigest()  # fingerprints of the bytes as given
    assert cert.details.common_name == "Refused Test CA"
    malformed = [f for f in inspection.findings if f.code == "cert.malformed"]
    assert len(malformed) == 1
    assert expected in malformed[0].detail
    assert malformed[0].certificate == cert.sha256
