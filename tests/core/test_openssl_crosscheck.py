"""Fingerprints, pins and serials agree with the `openssl` command, an independent implementation.

Pinscope itself never shells out to OpenSSL; these tests do, to check its arithmetic against a
second opinion. They are skipped where no `openssl` binary is installed, except in CI.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from pinscope.core import report
from pinscope.core.certificate import Certificate
from pinscope.core.model import Source
from pinscope.core.sources import Passwords, load_bytes, load_path
from tests.conftest import DATA, PASSWORDS
from tests.core import minting

OPENSSL = shutil.which("openssl")
# Skipped on a developer's machine without openssl; in CI the cross-check must run.
pytestmark = pytest.mark.skipif(
    OPENSSL is None and not os.environ.get("CI"), reason="the openssl command is not installed"
)


def openssl(*args: str, data: bytes) -> bytes:
    assert OPENSSL is not None
    result = subprocess.run(
        [OPENSSL, *args], input=data, capture_output=True, check=True, timeout=30
    )
    return result.stdout


def openssl_fingerprint(cert_der: bytes, digest: str) -> str:
    """`openssl x509 -noout -fingerprint -<digest>`, as lowercase hex without colons."""
    output = openssl(
        "x509", "-inform", "DER", "-noout", "-fingerprint", f"-{digest}", data=cert_der
    ).decode()
    return output.strip().split("=", 1)[1].replace(":", "").lower()


def openssl_serial(cert_der: bytes) -> str:
    output = openssl("x509", "-inform", "DER", "-noout", "-serial", data=cert_der).decode()
    return output.strip().removeprefix("serial=")


def openssl_spki_pin_of_public_key_pem(public_key_pem: bytes) -> str:
    """`openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64`."""
    spki = openssl("pkey", "-pubin", "-outform", "DER", data=public_key_pem)
    digest = openssl("dgst", "-sha256", "-binary", data=spki)
    return base64.b64encode(digest).decode("ascii")


def openssl_certificate_pin(cert_der: bytes) -> str:
    """`openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | ... | base64`."""
    public_key = openssl("x509", "-inform", "DER", "-pubkey", "-noout", data=cert_der)
    return openssl_spki_pin_of_public_key_pem(public_key)


def openssl_private_key_pin(key_pem: bytes) -> str:
    public_key = openssl("pkey", "-pubout", data=key_pem)
    return openssl_spki_pin_of_public_key_pem(public_key)


def openssl_csr_pin(csr_pem: bytes) -> str:
    public_key = openssl("req", "-pubkey", "-noout", data=csr_pem)
    return openssl_spki_pin_of_public_key_pem(public_key)


def certificates_of(source: Source) -> Iterator[Certificate]:
    yield from source.certificates()


def assert_agrees_with_openssl(cert: Certificate) -> None:
    assert cert.sha256 == openssl_fingerprint(cert.der, "sha256")
    assert cert.sha1 == openssl_fingerprint(cert.der, "sha1")
    assert cert.details.public_key.spki_sha256 == openssl_certificate_pin(cert.der)
    assert report.serial_hex(cert.details.serial) == openssl_serial(cert.der).lower()


# ---- certificates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "file_name",
    [
        "ca-root.crt",
        "ca-intermediate.crt",
        "server.crt",
        "client.crt",
        "chain.pem",
        "chain-der.p7b",
        "keystore.jks",
        "java-keystore.p12",
        "p12-legacy-rc2.p12",
    ],
)
def test_fixture_certificates_agree_with_openssl(file_name: str) -> None:
    source = load_path(DATA / file_name, Passwords(password=PASSWORDS.get(file_name)))
    certificates = list(certificates_of(source))
    assert certificates

    for cert in certificates:
        assert_agrees_with_openssl(cert)


@pytest.mark.parametrize("kind", minting.KEY_KINDS)
def test_minted_certificates_agree_with_openssl(kind: str) -> None:
    ca = minting.mint_ca(f"Crosscheck {kind} CA", key=minting.new_key(kind))
    leaf = minting.mint_leaf(ca, f"{kind}.crosscheck.test", key=minting.new_key(kind))

    source = load_bytes(leaf.pem + ca.pem, "chain.pem")

    [entry] = source.entries
    assert [cert.sha256 for cert in entry.certificates] == [leaf.sha256, ca.sha256]
    for cert in entry.certificates:
        assert_agrees_with_openssl(cert)


@pytest.mark.parametrize("serial", [-0x1234, -1, 0, 0x7F, 0x80, 0xABCDEF])
def test_unusual_serials_print_as_openssl_prints_them(serial: int) -> None:
    ca = minting.mint_ca("Serial CA")
    leaf = minting.mint_leaf(ca, "serial.crosscheck.test")
    der = minting.with_serial(leaf, serial, issuer=ca)

    cert = load_bytes(der, "serial.cer").entries[0].certificates[0]

    assert_agrees_with_openssl(cert)


# ---- keys and CSRs pin like their certificates ---------------------------------------------


@pytest.mark.parametrize("kind", minting.KEY_KINDS)
def test_key_and_csr_pins_equal_the_certificate_pin(kind: str) -> None:
    key = minting.new_key(kind)
    issued = minting.mint_certificate(minting.name(f"{kind}.pins.test"), key=key)
    csr_pem = minting.csr_pem(minting.mint_csr(key, f"{kind}.pins.test"))
    certificate_pin = openssl_certificate_pin(issued.der)

    key_source = load_bytes(minting.key_pem(key), "key.pem")
    csr_source = load_bytes(csr_pem, "request.csr")

    assert [pin.value for pin in key_source.entries[0].pins] == [certificate_pin]
    assert [pin.value for pin in csr_source.entries[0].pins] == [certificate_pin]
    assert openssl_private_key_pin(minting.key_pem(key)) == certificate_pin
    assert openssl_csr_pin(csr_pem) == certificate_pin


@pytest.mark.parametrize(
    ("key_file", "certificate_file"),
    [
        ("server.key", "server.crt"),
        ("client.key", "client.crt"),
        ("key-ec-traditional.pem", "server.crt"),
        ("key-pkcs8-pbes2.der", "server.crt"),
        ("key-rsa-traditional-encrypted.pem", "client.crt"),
    ],
)
def test_fixture_key_pins_equal_openssl_certificate_pins(
    key_file: str, certificate_file: str
) -> None:
    cert_der = load_path(DATA / certificate_file).entries[0].certificates[0].der

    source = load_path(DATA / key_file, Passwords(password=PASSWORDS.get(key_file)))

    assert [pin.value for pin in source.entries[0].pins] == [openssl_certificate_pin(cert_der)]


@pytest.mark.parametrize("file_name", ["server.csr", "server-csr.der"])
def test_fixture_csr_pin_equals_openssl_certificate_pin(file_name: str) -> None:
    cert_der = load_path(DATA / "server.crt").entries[0].certificates[0].der

    source = load_path(DATA / file_name)

    assert [pin.value for pin in source.entries[0].pins] == [openssl_certificate_pin(cert_der)]
    assert openssl_csr_pin((DATA / "server.csr").read_bytes()) == openssl_certificate_pin(cert_der)
