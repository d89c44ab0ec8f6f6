"""`pinscope inspect --json`: the document shape of DESIGN.md, and values checked against the files.

Scripts parse this document, so every key DESIGN.md names must be there with the stated type;
values are recomputed here from the certificates themselves, never copied from Pinscope.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gc
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from pinscope.cli.main import main
from pinscope.core import __version__
from tests.conftest import DATA, PASSWORDS

FORMATS = {
    "pem",
    "der",
    "pkcs7",
    "pkcs12",
    "jks",
    "jceks",
    "bks",
    "uber",
    "csr",
    "public-key",
    "private-key",
    "kubernetes-secret",
}
ENTRY_TYPES = {
    "certificate-chain",
    "private-key",
    "trusted-certificate",
    "csr",
    "public-key",
    "secret-key",
}
SEVERITIES = {"error", "warning", "info"}
CERTIFICATE_KEYS = {
    "subject",
    "issuer",
    "serial",
    "not_before",
    "not_after",
    "sha256",
    "sha1",
    "spki_sha256",
    "san",
    "key_usage",
    "extended_key_usage",
    "public_key",
    "signature_algorithm",
    "is_ca",
    "path_length",
    "self_signed",
    "extensions",
}
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
LOWER_HEX = re.compile(r"[0-9a-f]+")
DOTTED_OID = re.compile(r"[0-2](\.\d+)+")
# Tests of the document's shape leave trust out of it: the fixtures' test CA is in no store.
NO_TRUST = ("--trust-store", "none")
# keytool -genkeypair without -ext SAN=... makes CN-only certificates, an error for TLS.
CN_ONLY_KEYSTORES = {"keystore.jks", "java-keystore.p12"}
FINDING_CODE = re.compile(r"[a-z]+(\.[a-z0-9-]+)+")


def run_json(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Run `pinscope inspect --json ARGS`; the exit status and the parsed document."""
    result = subprocess.run(
        [sys.executable, "-m", "pinscope.cli", "inspect", "--json", *map(str, args)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    stdout = result.stdout.decode("utf-8")  # strict: the document must be valid UTF-8
    assert "Traceback" not in stdout
    assert "Traceback" not in result.stderr.decode("utf-8", "replace")
    return result.returncode, json.loads(stdout)


# ---- the shape ---------------------------------------------------------------------------------


def check_document(document: dict[str, Any]) -> None:
    assert set(document) == {"pinscope", "sources"}
    assert document["pinscope"] == __version__
    assert isinstance(document["sources"], list)
    for source in document["sources"]:
        check_source(source)


def check_source(source: dict[str, Any]) -> None:
    assert {"name", "kind", "format", "entries", "findings"} <= set(source)
    assert isinstance(source["name"], str) and source["name"]
    assert source["kind"] == "file"
    assert isinstance(source["entries"], list)
    assert isinstance(source["findings"], list)
    if source.get("error") is not None:
        check_error(source["error"])
        assert source["entries"] == []
        return
    assert source["format"] in FORMATS
    for entry in source["entries"]:
        check_entry(entry)
    fingerprints = {c["sha256"] for e in source["entries"] for c in e["certificates"]}
    for finding in source["findings"]:
        check_finding(finding)
        assert finding["certificate"] is None or finding["certificate"] in fingerprints


def check_error(error: dict[str, Any]) -> None:
    assert set(error) >= {"kind", "message"}
    assert isinstance(error["kind"], str) and error["kind"]
    assert isinstance(error["message"], str) and error["message"]


def check_entry(entry: dict[str, Any]) -> None:
    assert {"alias", "type", "certificates", "pins"} <= set(entry)
    assert isinstance(entry["alias"], str)
    assert entry["type"] in ENTRY_TYPES
    for certificate in entry["certificates"]:
        check_certificate(certificate)
    for pin in entry["pins"]:
        check_pin(pin)
    pins = {pin["value"] for pin in entry["pins"]}
    assert {c["spki_sha256"] for c in entry["certificates"]} <= pins


def check_certificate(cert: dict[str, Any]) -> None:
    assert set(cert) >= CERTIFICATE_KEYS
    for key in ("subject", "issuer", "signature_algorithm"):
        assert isinstance(cert[key], str)
    assert LOWER_HEX.fullmatch(cert["serial"].removeprefix("-"))
    assert ISO_UTC.fullmatch(cert["not_before"]) and ISO_UTC.fullmatch(cert["not_after"])
    assert LOWER_HEX.fullmatch(cert["sha256"]) and len(cert["sha256"]) == 64
    assert LOWER_HEX.fullmatch(cert["sha1"]) and len(cert["sha1"]) == 40
    check_base64_sha256(cert["spki_sha256"])

    assert set(cert["san"]) >= {"dns", "ip", "uri", "email", "other"}
    assert all(isinstance(cert["san"][k], list) for k in ("dns", "ip", "uri", "email", "other"))
    assert all(isinstance(usage, str) for usage in cert["key_usage"])
    assert all(isinstance(usage, str) for usage in cert["extended_key_usage"])

    public_key = cert["public_key"]
    assert set(public_key) >= {"type", "size", "curve"}
    assert isinstance(public_key["type"], str)
    assert public_key["size"] is None or isinstance(public_key["size"], int)
    assert public_key["curve"] is None or isinstance(public_key["curve"], str)

    assert isinstance(cert["is_ca"], bool) and isinstance(cert["self_signed"], bool)
    assert cert["path_length"] is None or isinstance(cert["path_length"], int)
    for extension in cert["extensions"]:
        assert set(extension) >= {"oid", "name", "critical", "value"}
        assert DOTTED_OID.fullmatch(extension["oid"])
        assert isinstance(extension["name"], str) and isinstance(extension["critical"], bool)


def check_pin(pin: dict[str, Any]) -> None:
    assert set(pin) == {"algorithm", "value", "source"}
    assert pin["algorithm"] == "sha256"
    check_base64_sha256(pin["value"])
    assert isinstance(pin["source"], str) and pin["source"]


def check_finding(finding: dict[str, Any]) -> None:
    assert set(finding) == {"code", "severity", "title", "detail", "remedy", "certificate"}
    assert FINDING_CODE.fullmatch(finding["code"])
    assert finding["severity"] in SEVERITIES
    for key in ("title", "detail", "remedy"):
        assert isinstance(finding[key], str) and finding[key]
    fingerprint = finding["certificate"]
    assert fingerprint is None or (LOWER_HEX.fullmatch(fingerprint) and len(fingerprint) == 64)


def check_base64_sha256(value: str) -> None:
    assert isinstance(value, str) and len(value) == 44
    try:
        assert len(base64.b64decode(value, validate=True)) == 32
    except binascii.Error:
        pytest.fail(f"not base64: {value!r}")


# ---- values against the certificates -----------------------------------------------------------


def expected_certificate(cert: x509.Certificate) -> dict[str, Any]:
    """The CERTIFICATE values computed straight from the certificate."""
    der = cert.public_bytes(serialization.Encoding.DER)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = san.get_values_for_type(x509.DNSName)
        ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns, ips = [], []
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": cert.serial_number,
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sha256": hashlib.sha256(der).hexdigest(),
        "sha1": hashlib.sha1(der).hexdigest(),
        "spki_sha256": base64.b64encode(hashlib.sha256(spki).digest()).decode(),
        "dns": dns,
        "ip": ips,
        "extension_oids": [ext.oid.dotted_string for ext in cert.extensions],
    }


def assert_certificate_matches(actual: dict[str, Any], cert: x509.Certificate) -> None:
    expected = expected_certificate(cert)
    for key in ("subject", "issuer", "not_before", "not_after", "sha256", "sha1", "spki_sha256"):
        assert actual[key] == expected[key], key
    assert int(actual["serial"], 16) == expected["serial"]
    assert actual["san"]["dns"] == expected["dns"]
    assert actual["san"]["ip"] == expected["ip"]
    assert [e["oid"] for e in actual["extensions"]] == expected["extension_oids"]


def pem_certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def only_source(document: dict[str, Any]) -> dict[str, Any]:
    (source,) = document["sources"]
    assert isinstance(source, dict)
    return source


@pytest.fixture(autouse=True)
def gc_restored() -> Iterator[None]:
    """`main()` switches the garbage collector off for its short run; give it back to pytest."""
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()


# ---- scenario fixtures -------------------------------------------------------------------------


@pytest.fixture
def der_certificate(tmp_path: Path) -> Path:
    (cert,) = pem_certificates(DATA / "server.crt")
    path = tmp_path / "server.der"
    path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    return path


@pytest.fixture
def spki_file(tmp_path: Path) -> Path:
    (cert,) = pem_certificates(DATA / "server.crt")
    path = tmp_path / "server-spki.der"
    path.write_bytes(
        cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture
def kubernetes_secret(tmp_path: Path) -> Path:
    certificate = base64.b64encode((DATA / "server.crt").read_bytes()).decode()
    key = base64.b64encode((DATA / "server.key").read_bytes()).decode()
    path = tmp_path / "secret.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-tls\ntype: kubernetes.io/tls\n"
        f"data:\n  tls.crt: {certificate}\n  tls.key: {key}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def non_ascii_certificate(tmp_path: Path) -> tuple[Path, x509.Certificate]:
    ca = trustme.CA(organization_name="Société Générale de Test 証明")
    leaf = ca.issue_cert("unicode.example.test", common_name="Zoë Ünïcødé 証明書")
    path = tmp_path / "zertifikat-ü.pem"
    path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    return path, x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())


@pytest.fixture
def expired_certificate(tmp_path: Path) -> tuple[Path, x509.Certificate]:
    now = dt.datetime.now(dt.UTC)
    leaf = trustme.CA().issue_cert(
        "expired.example.test",
        not_before=now - dt.timedelta(days=100),
        not_after=now - dt.timedelta(days=2),
    )
    path = tmp_path / "expired.pem"
    leaf.cert_chain_pems[0].write_to_path(str(path))
    return path, x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())


# ---- formats and entry types -------------------------------------------------------------------

FIXTURE_SHAPES = [
    # file, format, entry types (in any order)
    ("server.crt", "pem", ["certificate-chain"]),
    ("chain.pem", "pem", ["certificate-chain"]),
    ("chain-der.p7b", "pkcs7", ["certificate-chain"]),
    ("p12-aes.p12", "pkcs12", ["private-key"]),
    ("p12-certs-only.p12", "pkcs12", ["certificate-chain"]),
    ("java-keystore.p12", "pkcs12", ["private-key", "private-key", "trusted-certificate"]),
    ("java-truststore.p12", "pkcs12", ["trusted-certificate", "trusted-certificate"]),
    ("keystore.jks", "jks", ["private-key", "private-key", "trusted-certificate"]),
    ("truststore.jks", "jks", ["trusted-certificate", "trusted-certificate"]),
    ("keystore.jceks", "jceks", ["private-key", "secret-key", "trusted-certificate"]),
    ("keystore.bks", "bks", ["private-key", "trusted-certificate"]),
    ("keystore.uber", "uber", ["private-key", "trusted-certificate"]),
    ("server-csr.der", "csr", ["csr"]),
    ("key-pkcs8-pbes2.der", "private-key", ["private-key"]),
]


@pytest.mark.parametrize(("name", "fmt", "entry_types"), FIXTURE_SHAPES)
def test_fixture_document_has_the_design_shape(name: str, fmt: str, entry_types: list[str]) -> None:
    password = PASSWORDS.get(name)
    options = ["--password", password] if password else []

    status, document = run_json(*NO_TRUST, DATA / name, *options)

    check_document(document)
    source = only_source(document)
    assert status == (1 if name in CN_ONLY_KEYSTORES else 0)
    if name in CN_ONLY_KEYSTORES:
        errors = {f["code"] for f in source["findings"] if f["severity"] == "error"}
        assert errors == {"cert.no-san"}
    assert source["name"].endswith(name)
    assert source["format"] == fmt
    assert sorted(entry["type"] for entry in source["entries"]) == sorted(entry_types)


def test_der_certificate_and_public_key_formats(der_certificate: Path, spki_file: Path) -> None:
    status, document = run_json(*NO_TRUST, der_certificate, spki_file)

    assert status == 0
    check_document(document)
    certificate_source, key_source = document["sources"]
    assert certificate_source["format"] == "der"
    assert key_source["format"] == "public-key"
    assert [entry["type"] for entry in key_source["entries"]] == ["public-key"]


def test_kubernetes_secret_format(kubernetes_secret: Path) -> None:
    status, document = run_json(*NO_TRUST, kubernetes_secret)

    assert status == 0
    check_document(document)
    source = only_source(document)
    assert source["format"] == "kubernetes-secret"
    (leaf,) = pem_certificates(DATA / "server.crt")
    fingerprints = [c["sha256"] for e in source["entries"] for c in e["certificates"]]
    assert expected_certificate(leaf)["sha256"] in fingerprints


def test_many_sources_in_one_document() -> None:
    names = ["server.crt", "chain.pem", "keystore.jks", "truststore.jks"]

    status, document = run_json(*(DATA / n for n in names), "--password", "storepass")

    assert status == 2  # truststore.jks has another password
    check_document(document)
    assert [Path(s["name"]).name for s in document["sources"]] == names


# ---- values ------------------------------------------------------------------------------------


def test_chain_values_match_the_certificates() -> None:
    status, document = run_json(*NO_TRUST, DATA / "chain.pem")

    assert status == 0
    check_document(document)
    (entry,) = only_source(document)["entries"]
    expected = pem_certificates(DATA / "chain.pem")
    assert len(entry["certificates"]) == len(expected)
    for actual, cert in zip(entry["certificates"], expected, strict=True):
        assert_certificate_matches(actual, cert)


def test_leaf_details_match_the_readme() -> None:
    status, document = run_json(*NO_TRUST, DATA / "server.crt")

    assert status == 0
    (entry,) = only_source(document)["entries"]
    (leaf,) = entry["certificates"]
    assert leaf["subject"] == "CN=api.example.test"
    assert leaf["issuer"] == "CN=Pinscope Test Issuing CA,O=Pinscope Tests,C=GB"
    assert leaf["serial"] == "3000"
    assert leaf["san"]["dns"] == ["api.example.test", "*.api.example.test"]
    assert leaf["san"]["ip"] == ["127.0.0.1"]
    assert leaf["san"]["uri"] == leaf["san"]["email"] == leaf["san"]["other"] == []
    assert leaf["key_usage"] == ["digitalSignature"]
    assert leaf["extended_key_usage"] == ["serverAuth"]
    assert leaf["public_key"] == {"type": "EC", "size": 256, "curve": "secp256r1"}
    assert leaf["signature_algorithm"] == "ecdsa-with-SHA256"
    assert leaf["is_ca"] is False and leaf["self_signed"] is False
    assert leaf["path_length"] is None
    by_oid = {e["oid"]: e for e in leaf["extensions"]}
    assert by_oid["2.5.29.19"]["critical"] is True  # basicConstraints
    assert by_oid["2.5.29.15"]["critical"] is True  # keyUsage
    assert by_oid["2.5.29.17"]["critical"] is False  # subjectAltName


def test_ca_certificates_report_ca_flags() -> None:
    status, document = run_json(*NO_TRUST, DATA / "chain.pem")

    assert status == 0
    (entry,) = only_source(document)["entries"]
    _leaf, intermediate, root = entry["certificates"]
    assert intermediate["is_ca"] is True and intermediate["path_length"] == 0
    assert intermediate["self_signed"] is False
    assert root["is_ca"] is True and root["path_length"] is None and root["self_signed"] is True
    assert root["public_key"]["type"] == "RSA" and root["public_key"]["size"] == 2048
    assert root["serial"] == "1000"


def test_keystore_values_match_the_committed_pem_files() -> None:
    status, document = run_json(
        *NO_TRUST, DATA / "keystore.jks", "--password", PASSWORDS["keystore.jks"]
    )

    assert status == 1  # the CN-only "other" entry
    entries = {e["alias"]: e for e in only_source(document)["entries"]}
    chain = pem_certificates(DATA / "chain.pem")
    for actual, cert in zip(entries["server"]["certificates"], chain, strict=True):
        assert_certificate_matches(actual, cert)
    (root,) = entries["test-root"]["certificates"]
    assert_certificate_matches(root, chain[2])
    assert entries["test-root"]["type"] == "trusted-certificate"


def test_pins_are_spki_hashes_of_the_certificates() -> None:
    status, document = run_json(
        *NO_TRUST, DATA / "p12-aes.p12", "--password", PASSWORDS["p12-aes.p12"]
    )

    assert status == 0
    (entry,) = only_source(document)["entries"]
    chain = [expected_certificate(c) for c in pem_certificates(DATA / "chain.pem")]
    assert {pin["value"] for pin in entry["pins"]} == {c["spki_sha256"] for c in chain}
    fingerprints = {c["sha256"] for c in chain}
    assert all(pin["value"] not in fingerprints for pin in entry["pins"])


def test_expired_certificate_finding(expired_certificate: tuple[Path, x509.Certificate]) -> None:
    path, cert = expired_certificate

    status, document = run_json(path)

    assert status == 1
    check_document(document)
    findings = only_source(document)["findings"]
    expired = [f for f in findings if f["code"] == "cert.expired"]
    assert len(expired) == 1
    assert expired[0]["severity"] == "error"
    assert expired[0]["certificate"] == expected_certificate(cert)["sha256"]


def test_validating_in_2100_finds_every_certificate_expired() -> None:
    status, document = run_json(DATA / "chain.pem", "--at", "2100-01-01T00:00:00Z")

    assert status == 1
    check_document(document)
    findings = only_source(document)["findings"]
    chain = [expected_certificate(c)["sha256"] for c in pem_certificates(DATA / "chain.pem")]
    # The leaf is expired itself; its issuers are expired links of its chain.
    expired = {f["certificate"] for f in findings if f["code"] == "cert.expired"}
    links = {f["certificate"] for f in findings if f["code"] == "chain.expired-intermediate"}
    assert expired == {chain[0]} and links == set(chain[1:])


# ---- unreadable sources ------------------------------------------------------------------------


def test_unreadable_source_stays_in_the_document(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x01\x02 this is not a certificate \xff" * 10)
    missing = tmp_path / "missing.pem"

    status, document = run_json(DATA / "server.crt", missing, garbage)

    assert status == 2
    check_document(document)
    good, absent, unreadable = document["sources"]
    assert "error" not in good or good["error"] is None
    assert good["entries"]
    for source, name in ((absent, "missing.pem"), (unreadable, "garbage.bin")):
        assert Path(source["name"]).name == name
        assert source["entries"] == []
        check_error(source["error"])


def test_wrong_password_error_object() -> None:
    status, document = run_json(DATA / "p12-aes.p12", "--password", "not-the-password")

    assert status == 2
    check_document(document)
    error = only_source(document)["error"]
    assert "wrong password" in error["message"]
    assert "not-the-password" not in json.dumps(document)


def test_missing_password_error_object_names_the_option() -> None:
    status, document = run_json(DATA / "p12-aes.p12")

    assert status == 2
    check_document(document)
    assert "--password" in only_source(document)["error"]["message"]


# ---- text encoding -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", [None, "C", "C.UTF-8"])
def test_non_ascii_names_survive_intact(
    non_ascii_certificate: tuple[Path, x509.Certificate], locale: str | None
) -> None:
    path, cert = non_ascii_certificate
    env = {} if locale is None else {"LC_ALL": locale, "LANG": locale}

    status, document = run_json(*NO_TRUST, path, env=env)

    assert status == 0
    check_document(document)
    source = only_source(document)
    assert source["name"].endswith("zertifikat-ü.pem")
    leaf = source["entries"][0]["certificates"][0]
    assert leaf["subject"] == cert.subject.rfc4514_string()
    assert "Zoë Ünïcødé 証明書" in leaf["subject"]
    assert "Société Générale de Test 証明" in leaf["issuer"]
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Zoë Ünïcødé 証明書"


def test_document_is_utf8_without_escapes(
    non_ascii_certificate: tuple[Path, x509.Certificate],
) -> None:
    path, _ = non_ascii_certificate
    result = subprocess.run(
        [sys.executable, "-m", "pinscope.cli", "inspect", *NO_TRUST, "--json", str(path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )

    assert result.returncode == 0
    assert "Zoë Ünïcødé 証明書".encode() in result.stdout
    assert b"\\u00eb" not in result.stdout


def test_json_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["inspect", *NO_TRUST, "--json", str(DATA / "chain.pem")])

    assert status == 0
    document = json.loads(capsys.readouterr().out)
    check_document(document)
    assert len(only_source(document)["entries"][0]["certificates"]) == 3
