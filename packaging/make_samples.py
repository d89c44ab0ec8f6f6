"""Regenerate the sample files behind the window's "try a sample" link (resources/samples/).

A small made-up PKI: a self-signed root, an intermediate and a server certificate for
demo.pinscope.example, valid from 2025 to 2045 so the samples do not expire under their users.
From it: the chain as PEM, the server certificate alone (its intermediate missing, to show a
finding), a password-protected PKCS#12, a Java keystore made by `keytool`, and a CSR.
Every run makes new keys; the private keys are throw-away and protect nothing.

    .venv/bin/python packaging/make_samples.py     # needs Java's keytool on PATH
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
PASSWORD = "pinscope"  # the password of server.p12 and keystore.jks; resources/__init__.py says it
HOST = "demo.pinscope.example"
NOT_BEFORE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
NOT_AFTER = dt.datetime(2045, 12, 31, tzinfo=dt.UTC)

Key = ec.EllipticCurvePrivateKey


def name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pinscope Samples"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def certificate(
    subject: str, key: Key, issuer: x509.Certificate | None, issuer_key: Key, ca: bool
) -> x509.Certificate:
    """A certificate for `key`; self-signed when `issuer` is None."""
    issuer_name = issuer.subject if issuer is not None else name(subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    )
    if ca:
        path_length = None if issuer is None else 0
        builder = builder.add_extension(x509.BasicConstraints(True, path_length), True)
        builder = builder.add_extension(_key_usage(sign_certificates=True), True)
    else:
        builder = (
            builder.add_extension(x509.BasicConstraints(False, None), True)
            .add_extension(_key_usage(sign_certificates=False), True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(x509.SubjectAlternativeName(_server_names()), False)
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _key_usage(sign_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certificates,
        crl_sign=sign_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _server_names() -> list[x509.GeneralName]:
    return [x509.DNSName(HOST), x509.DNSName(f"www.{HOST}")]


def csr(key: Key) -> x509.CertificateSigningRequest:
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(name(HOST))
        .add_extension(x509.SubjectAlternativeName(_server_names()), False)
        .sign(key, hashes.SHA256())
    )


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)


def protected_pkcs12(key: Key, leaf: x509.Certificate, cas: list[x509.Certificate]) -> bytes:
    """PKCS#12 the modern way (AES-256, PBKDF2-SHA256), which Java 17 and OpenSSL 3 read."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(PASSWORD.encode())
    )
    return pkcs12.serialize_key_and_certificates(b"server", key, leaf, cas, encryption)


def java_keystore(p12: bytes, root: x509.Certificate) -> bytes:
    """A JKS with the server's key entry and the root as a trusted certificate, via keytool."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "server.p12").write_bytes(p12)
        (work / "root.pem").write_bytes(pem(root))
        store = work / "keystore.jks"
        common = ["-storepass", PASSWORD, "-noprompt"]
        _keytool(
            "-importkeystore",
            *("-srckeystore", str(work / "server.p12"), "-srcstoretype", "PKCS12"),
            *("-srcstorepass", PASSWORD, "-srcalias", "server", "-destalias", "server"),
            *("-destkeystore", str(store), "-deststoretype", "JKS", "-deststorepass", PASSWORD),
            "-noprompt",
        )
        _keytool(
            "-importcert",
            *("-alias", "sample-root", "-file", str(work / "root.pem")),
            *("-keystore", str(store), "-storetype", "JKS"),
            *common,
        )
        return store.read_bytes()


def _keytool(*args: str) -> None:
    subprocess.run(["keytool", *args], check=True, capture_output=True)


def main() -> int:
    root_key = ec.generate_private_key(ec.SECP384R1())
    issuing_key = ec.generate_private_key(ec.SECP384R1())
    server_key = ec.generate_private_key(ec.SECP256R1())
    root = certificate("Pinscope Sample Root CA", root_key, None, root_key, ca=True)
    issuing = certificate("Pinscope Sample Issuing CA", issuing_key, root, root_key, ca=True)
    server = certificate(HOST, server_key, issuing, issuing_key, ca=False)
    p12 = protected_pkcs12(server_key, server, [issuing, root])

    SAMPLES.mkdir(parents=True, exist_ok=True)
    (SAMPLES / "chain.pem").write_bytes(pem(server, issuing, root))
    (SAMPLES / "missing-intermediate.pem").write_bytes(pem(server))
    (SAMPLES / "server.p12").write_bytes(p12)
    (SAMPLES / "keystore.jks").write_bytes(java_keystore(p12, root))
    request = csr(ec.generate_private_key(ec.SECP256R1()))
    (SAMPLES / "request.csr").write_bytes(request.public_bytes(serialization.Encoding.PEM))
    print(f"samples written to {SAMPLES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
