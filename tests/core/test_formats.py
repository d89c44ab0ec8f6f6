"""Every supported file format loads into the right entries: committed fixtures and minted files.

Expected fingerprints are computed here from the committed base certificates with cryptography,
never copied from the README, so the tests survive `make-fixtures.sh` making new keys.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from pinscope.core.errors import (
    DamagedInput,
    EmptyInput,
    LoadError,
    PasswordRequired,
    UnsupportedAlgorithm,
    UnsupportedFormat,
)
from pinscope.core.model import Entry, EntryType, Source
from pinscope.core.sources import Passwords, load_bytes, load_path
from tests.conftest import DATA, PASSWORDS
from tests.core import minting

ROOT_SUBJECT = "CN=Pinscope Test Root,O=Pinscope Tests,C=GB"
ISSUING_SUBJECT = "CN=Pinscope Test Issuing CA,O=Pinscope Tests,C=GB"
SERVER_SUBJECT = "CN=api.example.test"
SERVER_CHAIN_SUBJECTS = [SERVER_SUBJECT, ISSUING_SUBJECT, ROOT_SUBJECT]

AES_2048 = "PBES2, PBKDF2-HMAC-SHA256, 2048 iterations, AES-256-CBC"
AES_JAVA = "PBES2, PBKDF2-HMAC-SHA256, 10000 iterations, AES-256-CBC"
CAMELLIA_2048 = "PBES2, PBKDF2-HMAC-SHA256, 2048 iterations, Camellia-256-CBC"
TRIPLE_DES_2048 = "pbeWithSHAAnd3-KeyTripleDES-CBC, 2048 iterations"
RC2_40_2048 = "pbeWithSHAAnd40BitRC2-CBC, 2048 iterations"


# ---- helpers -------------------------------------------------------------------------------


def fixture_certificate(file_name: str) -> x509.Certificate:
    """A committed PEM certificate, read with cryptography alone."""
    return x509.load_pem_x509_certificate((DATA / file_name).read_bytes())


def fixture_sha256(file_name: str) -> str:
    der = fixture_certificate(file_name).public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def public_key_pin(certificate: x509.Certificate) -> str:
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def load_fixture(file_name: str, **passwords: str | None) -> Source:
    if not passwords:
        passwords = {"password": PASSWORDS.get(file_name)}
    return load_path(DATA / file_name, Passwords(**passwords))  # type: ignore[arg-type]


def by_alias(source: Source) -> dict[str, Entry]:
    entries = {entry.alias: entry for entry in source.entries}
    assert len(entries) == len(source.entries), "aliases must be unique"
    return entries


def codes(source: Source) -> list[str]:
    return [finding.code for finding in source.findings]


def assert_server_key_entry(entry: Entry) -> None:
    """The server key with its full chain, leaf first, and the key belonging to the leaf."""
    assert entry.type is EntryType.PRIVATE_KEY
    assert [cert.sha256 for cert in entry.certificates] == server_chain_sha256()
    assert [cert.details.subject for cert in entry.certificates] == SERVER_CHAIN_SUBJECTS
    assert entry.private_key is not None
    assert entry.private_key.matches_certificate is True
    assert entry.private_key.public_key is not None
    assert entry.private_key.public_key.type == "EC"
    assert entry.private_key.public_key.curve == "secp256r1"
    assert entry.private_key.public_key.spki_sha256 == public_key_pin(
        fixture_certificate("server.crt")
    )


def server_chain_sha256() -> list[str]:
    return [fixture_sha256(name) for name in ("server.crt", "ca-intermediate.crt", "ca-root.crt")]


# ---- PKCS#12 made by OpenSSL ---------------------------------------------------------------

P12_PROTECTION = {
    "p12-aes.p12": ("HMAC-SHA256, 2048 iterations", AES_2048, AES_2048),
    "p12-legacy-rc2.p12": ("HMAC-SHA1, 2048 iterations", RC2_40_2048, TRIPLE_DES_2048),
    "p12-3des.p12": ("HMAC-SHA1, 2048 iterations", TRIPLE_DES_2048, TRIPLE_DES_2048),
    "p12-camellia.p12": ("HMAC-SHA256, 2048 iterations", CAMELLIA_2048, CAMELLIA_2048),
    "p12-empty-password.p12": ("HMAC-SHA256, 2048 iterations", AES_2048, AES_2048),
}


@pytest.mark.parametrize("file_name", sorted(P12_PROTECTION))
def test_openssl_pkcs12_holds_server_key_with_its_chain(file_name: str) -> None:
    source = load_fixture(file_name)

    assert source.format == "pkcs12"
    assert source.kind == "file"
    assert [entry.alias for entry in source.entries] == ["server"]
    assert_server_key_entry(source.entries[0])
    assert source.findings == ()


@pytest.mark.parametrize("file_name", sorted(P12_PROTECTION))
def test_openssl_pkcs12_protection_names_mac_and_ciphers(file_name: str) -> None:
    mac, certificates, keys = P12_PROTECTION[file_name]

    source = load_fixture(file_name)

    assert source.protection == {"mac": mac, "certificates": [certificates], "keys": [keys]}
    assert source.entries[0].private_key is not None
    assert source.entries[0].private_key.protection == keys
    assert source.entries[0].private_key.format == "pkcs8-encrypted"


def test_legacy_pkcs12_names_rc2_40_for_certificates_and_3des_for_the_key() -> None:
    protection = load_fixture("p12-legacy-rc2.p12").protection

    assert "40BitRC2" in protection["certificates"][0]  # type: ignore[index]
    assert "TripleDES" in protection["keys"][0]  # type: ignore[index]


def test_pkcs12_without_password_or_mac_has_a_plain_key_and_no_integrity() -> None:
    source = load_fixture("p12-no-password.p12")

    assert source.format == "pkcs12"
    assert [entry.alias for entry in source.entries] == ["server"]
    assert_server_key_entry(source.entries[0])
    assert source.entries[0].private_key.format == "pkcs8"  # type: ignore[union-attr]
    assert source.protection == {"mac": "none", "certificates": ["none"], "keys": ["none"]}
    assert codes(source) == ["source.no-integrity"]


def test_certificate_only_pkcs12_is_one_chain_named_for_its_leaf() -> None:
    source = load_fixture("p12-certs-only.p12")

    assert [(entry.alias, entry.type) for entry in source.entries] == [
        ("api.example.test", EntryType.CERTIFICATE_CHAIN)
    ]
    assert [cert.sha256 for cert in source.entries[0].certificates] == server_chain_sha256()
    assert source.entries[0].private_key is None
    assert source.protection["keys"] == ["none"]
    assert source.protection["certificates"] == [AES_2048]


def test_pkcs12_encrypted_with_aria_names_the_cipher_it_cannot_decrypt() -> None:
    with pytest.raises(UnsupportedAlgorithm, match="ARIA-256-CBC"):
        load_fixture("p12-aria.p12")


# ---- Java keystores ------------------------------------------------------------------------


def test_java_pkcs12_keystore_has_two_keys_and_a_trusted_root() -> None:
    source = load_fixture("java-keystore.p12")
    entries = by_alias(source)

    assert source.format == "pkcs12"
    assert source.protection == {
        "mac": "HMAC-SHA256, 10000 iterations",
        "certificates": [AES_JAVA],
        "keys": [AES_JAVA],
    }
    assert set(entries) == {"alpha", "beta", "test-root"}
    assert entries["alpha"].type is EntryType.PRIVATE_KEY
    assert entries["beta"].type is EntryType.PRIVATE_KEY
    assert entries["test-root"].type is EntryType.TRUSTED_CERTIFICATE
    assert entries["test-root"].certificates[0].sha256 == fixture_sha256("ca-root.crt")
    assert source.findings == ()


def test_java_pkcs12_secret_key_shows_algorithm_and_size_but_no_value() -> None:
    source = load_fixture("java-secret-key.p12")
    entries = by_alias(source)

    assert set(entries) == {"aes-key", "gamma"}
    secret = entries["aes-key"]
    assert secret.type is EntryType.SECRET_KEY
    assert secret.secret_key is not None
    assert (secret.secret_key.algorithm, secret.secret_key.size) == ("AES", 256)
    assert secret.certificates == () and secret.pins == ()
    assert source.protection["keys"] == [AES_JAVA]
    gamma = entries["gamma"]
    assert gamma.private_key is not None and gamma.private_key.matches_certificate is True
    assert gamma.certificates[0].details.subject == "CN=gamma.example.test"


@pytest.mark.parametrize(
    ("alias", "subject", "key_type", "size"),
    [("alpha", "CN=alpha.example.test", "EC", 256), ("beta", "CN=beta.example.test", "RSA", 2048)],
)
def test_java_pkcs12_key_entry_pairs_each_key_with_its_certificate(
    alias: str, subject: str, key_type: str, size: int
) -> None:
    entry = by_alias(load_fixture("java-keystore.p12"))[alias]

    assert [cert.details.subject for cert in entry.certificates] == [subject]
    assert entry.private_key is not None
    assert entry.private_key.matches_certificate is True
    assert entry.private_key.public_key is not None
    assert entry.private_key.public_key.type == key_type
    assert entry.private_key.public_key.size == size
    assert (
        entry.private_key.public_key.spki_sha256
        == entry.certificates[0].details.public_key.spki_sha256
    )


def test_java_pkcs12_alpha_certificate_is_the_one_cryptography_reads() -> None:
    data = (DATA / "java-keystore.p12").read_bytes()
    reference = pkcs12.load_pkcs12(data, b"storepass")
    assert reference.cert is not None
    alpha_der = reference.cert.certificate.public_bytes(serialization.Encoding.DER)

    entry = by_alias(load_fixture("java-keystore.p12"))["alpha"]

    assert entry.certificates[0].sha256 == hashlib.sha256(alpha_der).hexdigest()


def test_java_pkcs12_truststore_holds_two_trusted_certificates() -> None:
    source = load_fixture("java-truststore.p12")
    entries = by_alias(source)

    assert set(entries) == {"test-root", "test-intermediate"}
    assert all(entry.type is EntryType.TRUSTED_CERTIFICATE for entry in entries.values())
    assert entries["test-root"].certificates[0].sha256 == fixture_sha256("ca-root.crt")
    assert entries["test-intermediate"].certificates[0].sha256 == fixture_sha256(
        "ca-intermediate.crt"
    )
    assert source.protection["keys"] == ["none"]


def test_passwordless_java_truststore_loads_without_password_and_says_it_has_no_integrity() -> None:
    source = load_path(DATA / "java-truststore-nopass.p12", Passwords())

    assert source.format == "pkcs12"
    assert [(entry.alias, entry.type) for entry in source.entries] == [
        ("test-root", EntryType.TRUSTED_CERTIFICATE)
    ]
    assert source.entries[0].certificates[0].sha256 == fixture_sha256("ca-root.crt")
    assert codes(source) == ["source.no-integrity"]
    assert source.protection["mac"] == "none"


def test_jks_keystore_entries_and_chain() -> None:
    source = load_fixture("keystore.jks")
    entries = by_alias(source)

    assert source.format == "jks"
    assert set(entries) == {"server", "test-root", "other"}
    assert_server_key_entry(entries["server"])
    assert entries["server"].private_key.format == "jks"  # type: ignore[union-attr]
    assert entries["test-root"].type is EntryType.TRUSTED_CERTIFICATE
    assert entries["test-root"].certificates[0].sha256 == fixture_sha256("ca-root.crt")
    assert [c.details.subject for c in entries["other"].certificates] == ["CN=other.example.test"]
    assert source.protection == {
        "integrity": "SHA-1 digest keyed with the store password",
        "keys": "JKS key protection (SHA-1 keystream, Sun proprietary)",
    }


def test_jks_truststore_with_password_checks_integrity() -> None:
    source = load_fixture("truststore.jks")
    entries = by_alias(source)

    assert set(entries) == {"test-root", "test-intermediate"}
    assert entries["test-intermediate"].certificates[0].sha256 == fixture_sha256(
        "ca-intermediate.crt"
    )
    assert source.findings == ()
    assert source.protection["integrity"] == "SHA-1 digest keyed with the store password"


def test_jks_truststore_without_password_is_read_but_not_integrity_checked() -> None:
    source = load_path(DATA / "truststore.jks", Passwords())

    assert {entry.alias for entry in source.entries} == {"test-root", "test-intermediate"}
    assert all(entry.type is EntryType.TRUSTED_CERTIFICATE for entry in source.entries)
    assert codes(source) == ["source.integrity-not-checked"]
    assert source.protection["integrity"] == "not checked"


def test_jceks_keystore_holds_a_256_bit_aes_secret_key() -> None:
    source = load_fixture("keystore.jceks")
    entries = by_alias(source)

    assert source.format == "jceks"
    assert set(entries) == {"server", "test-root", "aes-key"}
    secret = entries["aes-key"]
    assert secret.type is EntryType.SECRET_KEY
    assert secret.secret_key is not None
    assert (secret.secret_key.algorithm, secret.secret_key.size) == ("AES", 256)
    assert secret.certificates == ()
    assert_server_key_entry(entries["server"])
    assert source.findings == ()


@pytest.fixture
def twofish_not_imported() -> Iterator[None]:
    """Run with twofish (and the `imp` module it imports) not yet imported, then put
    sys.modules back as it was, so no UBER test depends on which ran before it."""
    names = ("twofish", "imp")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    yield
    for name in names:
        sys.modules.pop(name, None)
    sys.modules.update(saved)


@pytest.mark.parametrize(
    ("file_name", "store_type", "version"),
    [
        ("keystore.bks", "bks", 2),
        ("keystore.uber", "uber", 1),
    ],
)
@pytest.mark.usefixtures("twofish_not_imported")
def test_bouncy_castle_keystore_with_password(
    file_name: str, store_type: str, version: int
) -> None:
    source = load_fixture(file_name)
    entries = by_alias(source)

    assert source.format == store_type
    assert source.protection["version"] == version
    assert set(entries) == {"server", "test-root"}
    assert_server_key_entry(entries["server"])
    assert entries["test-root"].type is EntryType.TRUSTED_CERTIFICATE
    assert entries["test-root"].certificates[0].sha256 == fixture_sha256("ca-root.crt")


@pytest.mark.parametrize("file_name", ["keystore.bks", "keystore.uber"])
def test_bouncy_castle_keystore_without_password_asks_for_one(file_name: str) -> None:
    with pytest.raises(PasswordRequired):
        load_path(DATA / file_name, Passwords())


@pytest.mark.parametrize("file_name", ["keystore.bks", "keystore.uber"])
@pytest.mark.usefixtures("twofish_not_imported")
def test_bouncy_castle_keystore_opens_with_the_prompted_password(file_name: str) -> None:
    source = load_path(DATA / file_name, Passwords(prompt=lambda what: "storepass"))

    assert {entry.alias for entry in source.entries} == {"server", "test-root"}


# ---- PEM, DER, PKCS#7, CSR and key fixtures ------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "subject", "serial"),
    [
        ("ca-root.crt", ROOT_SUBJECT, 0x1000),
        ("ca-intermediate.crt", ISSUING_SUBJECT, 0x2000),
        ("server.crt", SERVER_SUBJECT, 0x3000),
        ("client.crt", "CN=alice", 0x3001),
    ],
)
def test_single_certificate_fixture(file_name: str, subject: str, serial: int) -> None:
    source = load_fixture(file_name)

    assert source.format == "pem"
    [entry] = source.entries
    assert entry.type is EntryType.CERTIFICATE_CHAIN
    [cert] = entry.certificates
    assert cert.details.subject == subject
    assert cert.serial == serial
    assert cert.sha256 == fixture_sha256(file_name)
    assert [pin.value for pin in entry.pins] == [public_key_pin(fixture_certificate(file_name))]


@pytest.mark.parametrize(
    ("file_name", "source_format"),
    [("chain.pem", "pem"), ("chain.p7b", "pkcs7"), ("chain-der.p7b", "pkcs7")],
)
def test_chain_fixture_is_one_entry_leaf_first(file_name: str, source_format: str) -> None:
    source = load_fixture(file_name)

    assert source.format == source_format
    [entry] = source.entries
    assert (entry.alias, entry.type) == ("api.example.test", EntryType.CERTIFICATE_CHAIN)
    assert [cert.sha256 for cert in entry.certificates] == server_chain_sha256()


def test_openssl_bag_attributes_pem_pairs_key_with_leaf() -> None:
    source = load_fixture("openssl-bag-attributes.pem")

    [entry] = source.entries
    assert entry.alias == "api.example.test"
    assert_server_key_entry(entry)
    assert entry.private_key.format == "pkcs8"  # type: ignore[union-attr]
    assert source.findings == ()


@pytest.mark.parametrize(
    ("file_name", "key_format", "certificate", "protection"),
    [
        ("server.key", "pkcs8", "server.crt", None),
        ("client.key", "pkcs8", "client.crt", None),
        ("ca-root.key", "pkcs8", "ca-root.crt", None),
        ("ca-intermediate.key", "pkcs8", "ca-intermediate.crt", None),
        ("key-ec-traditional.pem", "traditional", "server.crt", None),
        ("key-pkcs8-pbes1-3des.pem", "pkcs8-encrypted", "server.crt", TRIPLE_DES_2048),
        ("key-pkcs8-pbes2.pem", "pkcs8-encrypted", "server.crt", AES_2048),
        ("key-pkcs8-pbes2.der", "pkcs8-encrypted", "server.crt", AES_2048),
        (
            "key-rsa-traditional-encrypted.pem",
            "traditional-encrypted",
            "client.crt",
            "AES-256-CBC, OpenSSL traditional encryption (MD5-based key derivation)",
        ),
    ],
)
def test_key_fixture_has_the_pin_of_its_certificate(
    file_name: str, key_format: str, certificate: str, protection: str | None
) -> None:
    source = load_fixture(file_name)

    [entry] = source.entries
    assert entry.type is EntryType.PRIVATE_KEY
    assert entry.private_key is not None
    assert entry.private_key.format == key_format
    assert entry.private_key.protection == protection
    assert entry.private_key.matches_certificate is None
    expected_pin = public_key_pin(fixture_certificate(certificate))
    assert [pin.value for pin in entry.pins] == [expected_pin]


@pytest.mark.parametrize(
    ("file_name", "source_format"), [("server.csr", "csr"), ("server-csr.der", "csr")]
)
def test_csr_fixture_has_subject_and_the_server_pin(file_name: str, source_format: str) -> None:
    source = load_fixture(file_name)

    assert source.format == source_format
    [entry] = source.entries
    assert entry.type is EntryType.CSR
    assert entry.csr is not None
    assert entry.csr.subject == SERVER_SUBJECT
    assert entry.csr.signature_valid is True
    assert entry.csr.sha256 == hashlib.sha256((DATA / "server-csr.der").read_bytes()).hexdigest()
    assert [pin.value for pin in entry.pins] == [public_key_pin(fixture_certificate("server.crt"))]


def test_every_committed_fixture_is_covered_here() -> None:
    """A new fixture needs a test; this fails to remind whoever adds one."""
    covered = {
        *P12_PROTECTION,
        "p12-no-password.p12",
        "p12-certs-only.p12",
        "p12-aria.p12",
        "java-keystore.p12",
        "java-secret-key.p12",
        "java-truststore.p12",
        "java-truststore-nopass.p12",
        "keystore.jks",
        "truststore.jks",
        "keystore.jceks",
        "keystore.bks",
        "keystore.uber",
        "ca-root.crt",
        "ca-intermediate.crt",
        "server.crt",
        "client.crt",
        "chain.pem",
        "chain.p7b",
        "chain-der.p7b",
        "openssl-bag-attributes.pem",
        "server.key",
        "client.key",
        "ca-root.key",
        "ca-intermediate.key",
        "key-ec-traditional.pem",
        "key-pkcs8-pbes1-3des.pem",
        "key-pkcs8-pbes2.pem",
        "key-pkcs8-pbes2.der",
        "key-rsa-traditional-encrypted.pem",
        "server.csr",
        "server-csr.der",
        # Weak keys and signatures: read by test_checks_certificate.py and test_checks_path.py.
        "weak-md5.pem",
        "weak-rsa1024.pem",
        "weak-sha1-chain.pem",
    }
    on_disk = {path.name for path in DATA.iterdir() if path.suffix not in (".md", ".sh")}

    assert on_disk == covered


# ---- minted DER, PKCS#7 and key files ------------------------------------------------------


@pytest.fixture
def minted_chain() -> minting.Chain:
    return minting.mint_chain("shop.minted.test")


def test_der_certificate(minted_chain: minting.Chain) -> None:
    source = load_bytes(minted_chain.leaf.der, "leaf.cer")

    assert (source.name, source.kind, source.format) == ("leaf.cer", "file", "der")
    [entry] = source.entries
    assert (entry.alias, entry.type) == ("shop.minted.test", EntryType.CERTIFICATE_CHAIN)
    assert [cert.sha256 for cert in entry.certificates] == [minted_chain.leaf.sha256]
    assert [pin.value for pin in entry.pins] == [minted_chain.leaf.pin]


@pytest.mark.parametrize(
    ("encoding", "source_format"),
    [(serialization.Encoding.DER, "pkcs7"), (serialization.Encoding.PEM, "pkcs7")],
)
def test_pkcs7_bundle_becomes_one_chain(
    minted_chain: minting.Chain, encoding: serialization.Encoding, source_format: str
) -> None:
    bundle = pkcs7.serialize_certificates(
        [issued.certificate for issued in minted_chain.leaf_first], encoding
    )

    source = load_bytes(bundle, "chain.p7b")

    # DER sorts a SET OF, so cryptography writes the certificates in byte order, not leaf first;
    # the entry keeps the order stored and is named for the leaf.
    assert source.format == source_format
    [entry] = source.entries
    assert entry.alias == "shop.minted.test"
    assert sorted(cert.sha256 for cert in entry.certificates) == sorted(
        issued.sha256 for issued in minted_chain.leaf_first
    )


def test_pkcs7_bundle_of_unrelated_certificates_gives_one_entry_each() -> None:
    first = minting.mint_ca("First Unrelated Root")
    second = minting.mint_ca("Second Unrelated Root")
    bundle = pkcs7.serialize_certificates(
        [first.certificate, second.certificate], serialization.Encoding.DER
    )

    source = load_bytes(bundle, "roots.p7b")

    # Stored in DER SET OF order, which depends on the random keys: compare as sets.
    assert sorted((entry.alias, entry.certificates[0].sha256) for entry in source.entries) == [
        ("First Unrelated Root", first.sha256),
        ("Second Unrelated Root", second.sha256),
    ]


def test_der_csr() -> None:
    key = minting.new_key("ec-p384")
    csr = minting.mint_csr(key, "csr.minted.test", dns=["csr.minted.test", "alt.minted.test"])

    source = load_bytes(minting.csr_der(csr), "request.der")

    assert source.format == "csr"
    [entry] = source.entries
    assert entry.type is EntryType.CSR
    assert entry.csr is not None
    assert entry.csr.subject == "CN=csr.minted.test"
    assert entry.csr.san.dns == ("csr.minted.test", "alt.minted.test")
    assert entry.csr.signature_algorithm == "ecdsa-with-SHA256"
    assert entry.csr.signature_valid is True
    assert (entry.csr.public_key.type, entry.csr.public_key.curve) == ("EC", "secp384r1")
    assert [pin.value for pin in entry.pins] == [minting.spki_pin(key)]


@pytest.mark.parametrize(
    ("encoding", "public_format", "source_format"),
    [
        (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo, "public-key"),
        (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo, "public-key"),
        (serialization.Encoding.DER, serialization.PublicFormat.PKCS1, "public-key"),
        (serialization.Encoding.PEM, serialization.PublicFormat.PKCS1, "public-key"),
    ],
)
def test_public_key_file_gives_the_spki_pin(
    encoding: serialization.Encoding,
    public_format: serialization.PublicFormat,
    source_format: str,
) -> None:
    key = minting.new_key("rsa-2048")
    data = key.public_key().public_bytes(encoding, public_format)

    source = load_bytes(data, "key.pub")

    assert source.format == source_format
    [entry] = source.entries
    assert entry.type is EntryType.PUBLIC_KEY
    assert entry.public_key is not None
    assert (entry.public_key.type, entry.public_key.size) == ("RSA", 2048)
    assert [pin.value for pin in entry.pins] == [minting.spki_pin(key)]


@pytest.mark.parametrize(
    ("kind", "traditional", "key_format", "key_type"),
    [
        ("rsa-2048", False, "pkcs8", "RSA"),
        ("rsa-2048", True, "traditional", "RSA"),
        ("ec-p256", False, "pkcs8", "EC"),
        ("ec-p256", True, "traditional", "EC"),
        ("ed25519", False, "pkcs8", "Ed25519"),
    ],
)
def test_der_private_key(kind: str, traditional: bool, key_format: str, key_type: str) -> None:
    key = minting.new_key(kind)

    source = load_bytes(minting.key_der(key, traditional), "key.der")

    assert source.format == "private-key"
    [entry] = source.entries
    assert entry.type is EntryType.PRIVATE_KEY
    assert entry.private_key is not None
    assert entry.private_key.format == key_format
    assert entry.private_key.public_key is not None
    assert entry.private_key.public_key.type == key_type
    assert [pin.value for pin in entry.pins] == [minting.spki_pin(key)]


def test_bare_base64_of_a_der_certificate(minted_chain: minting.Chain) -> None:
    pasted = base64.encodebytes(minted_chain.leaf.der)  # wrapped at 76 columns

    source = load_bytes(pasted, "pasted", kind="text")

    assert source.kind == "text"
    assert [cert.sha256 for cert in source.entries[0].certificates] == [minted_chain.leaf.sha256]


# ---- what cannot be read -------------------------------------------------------------------


def test_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.pem"
    path.write_bytes(b"")

    with pytest.raises(EmptyInput, match="empty"):
        load_path(path)


def test_whitespace_only_input_is_empty() -> None:
    with pytest.raises(EmptyInput, match="whitespace"):
        load_bytes(b" \r\n\t \n", "blank.pem")


def test_garbage_text_says_what_was_expected_and_found() -> None:
    with pytest.raises(UnsupportedFormat) as raised:
        load_bytes(b"Dear reviewer, please find the certificate attached.\n", "mail.txt")

    message = str(raised.value)
    assert "expected a certificate, key, CSR or keystore" in message
    assert (
        "found text starting \u201cDear reviewer, please find the certificate attached.\u201d"
        in message
    )


def test_plain_words_say_what_was_expected_and_found() -> None:
    with pytest.raises(UnsupportedFormat) as raised:
        load_bytes(b"not a certificate\n", "notes.txt")

    message = str(raised.value)
    assert "expected" in message
    assert "not a certificate" in message


def test_random_binary_says_what_was_expected_and_found() -> None:
    png_header = bytes.fromhex("89504e470d0a1a0a0000000d49484452")

    with pytest.raises(UnsupportedFormat) as raised:
        load_bytes(png_header, "picture.cer")

    message = str(raised.value)
    assert "expected a certificate, key, CSR or keystore" in message
    assert "found binary data starting with 89 50 4e 47 0d 0a 1a 0a" in message


def test_truncated_der_certificate_is_damaged(minted_chain: minting.Chain) -> None:
    truncated = minted_chain.leaf.der[:-40]

    with pytest.raises(DamagedInput, match="truncated"):
        load_bytes(truncated, "leaf.cer")


def test_der_of_an_unknown_structure_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match="DER"):
        load_bytes(bytes.fromhex("3003020101"), "integer.der")


def test_missing_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot open"):
        load_path(tmp_path / "absent.pem")


@pytest.mark.parametrize("file_name", ["keystore.jks", "keystore.bks"])
def test_truncated_keystore_says_it_is_truncated_in_plain_words(file_name: str) -> None:
    data = (DATA / file_name).read_bytes()[:300]

    with pytest.raises(DamagedInput) as raised:
        load_bytes(data, file_name, Passwords(password=PASSWORDS[file_name]))

    message = str(raised.value)
    assert "truncated" in message
    assert "unpack" not in message and "buffer" not in message


@pytest.mark.parametrize(
    ("file_name", "source_format"),
    [
        ("server.key", "private-key"),
        ("key-ec-traditional.pem", "private-key"),
        ("key-pkcs8-pbes2.pem", "private-key"),
        ("openssl-bag-attributes.pem", "pem"),
    ],
)
def test_pem_file_of_one_kind_is_named_by_its_content(file_name: str, source_format: str) -> None:
    assert load_fixture(file_name).format == source_format
