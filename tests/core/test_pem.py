"""PEM text as people really have it: many blocks, noise around them, damage, encryption."""

from __future__ import annotations

import hashlib

import pytest

from pinscope.core.errors import LoadError, PasswordRequired, WrongPassword
from pinscope.core.model import EntryType, Source
from pinscope.core.sources import Passwords, load_bytes
from tests.core import minting


def load(text: bytes, password: str | None = None) -> Source:
    return load_bytes(text, "bundle.pem", Passwords(password=password))


def line_of(text: bytes, fragment: bytes) -> int:
    """The 1-based line on which `fragment` first starts in `text`."""
    return text[: text.index(fragment)].count(b"\n") + 1


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain("www.pem.test", prefix="PEM")


# ---- many blocks with noise around them ----------------------------------------------------


@pytest.fixture
def noisy_bundle(chain: minting.Chain) -> tuple[bytes, minting.Chain, minting.Issued, bytes]:
    """Leaf, intermediate, root, the leaf's key, a CSR and an unrelated root, as
    `openssl pkcs12 -nodes` and hand editing leave them: comments, bag attributes, subject and
    issuer lines, blank lines."""
    unrelated = minting.mint_ca("Unrelated Root")
    csr_key = minting.new_key("ec-p384")
    csr = minting.csr_pem(minting.mint_csr(csr_key, "csr.pem.test", dns=["csr.pem.test"]))
    text = b"".join(
        [
            b"# exported for the review, do not commit\n",
            b"Bag Attributes\n    friendlyName: server\n    localKeyID: 01 02 03 04 \n",
            f"subject={chain.leaf.subject}\n".encode(),
            f"issuer={chain.intermediate.subject}\n".encode(),
            chain.leaf.pem,
            b"\nBag Attributes: <No Attributes>\n",
            f"subject={chain.intermediate.subject}\nissuer={chain.root.subject}\n".encode(),
            chain.intermediate.pem,
            b"Some text a tool printed: 3 certificates, validity OK\n",
            chain.root.pem,
            b"Key Attributes\n    friendlyName: server\n",
            chain.leaf.key_pem(),
            b"\n\n",
            csr,
            b"-- an unrelated root a colleague pasted --\n",
            unrelated.pem,
            b"the end\n",
        ]
    )
    return text, chain, unrelated, minting.spki_pin(csr_key).encode()


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_noisy_bundle_pairs_key_with_chain_and_keeps_everything(
    noisy_bundle: tuple[bytes, minting.Chain, minting.Issued, bytes], newline: bytes
) -> None:
    text, chain, unrelated, csr_pin = noisy_bundle

    source = load(text.replace(b"\n", newline))

    assert source.format == "pem"
    assert source.findings == ()
    assert [(entry.alias, entry.type) for entry in source.entries] == [
        ("www.pem.test", EntryType.PRIVATE_KEY),
        ("Unrelated Root", EntryType.CERTIFICATE_CHAIN),
        ("CN=csr.pem.test", EntryType.CSR),
    ]
    keyed, other_root, request = source.entries
    assert [cert.sha256 for cert in keyed.certificates] == [
        issued.sha256 for issued in chain.leaf_first
    ]
    assert keyed.private_key is not None
    assert keyed.private_key.matches_certificate is True
    assert keyed.private_key.format == "pkcs8"
    assert [cert.sha256 for cert in other_root.certificates] == [unrelated.sha256]
    assert request.csr is not None
    assert request.csr.san.dns == ("csr.pem.test",)
    assert [pin.value.encode() for pin in request.pins] == [csr_pin]


def test_chain_entry_pins_each_certificate_once(chain: minting.Chain) -> None:
    source = load(chain.leaf.pem + chain.leaf.key_pem() + chain.intermediate.pem)

    [entry] = source.entries
    assert [pin.value for pin in entry.pins] == [chain.leaf.pin, chain.intermediate.pin]
    assert entry.pins[0].source == "certificate CN=www.pem.test"


def test_key_before_its_certificate_still_pairs(chain: minting.Chain) -> None:
    source = load(chain.leaf.key_pem() + chain.intermediate.pem + chain.leaf.pem)

    [entry] = source.entries
    assert entry.type is EntryType.PRIVATE_KEY
    assert entry.certificates[0].sha256 == chain.leaf.sha256
    assert entry.private_key is not None
    assert entry.private_key.matches_certificate is True


def test_stray_key_beside_one_chain_is_a_key_mismatch(chain: minting.Chain) -> None:
    stranger = minting.new_key()

    source = load(chain.leaf.pem + chain.intermediate.pem + minting.key_pem(stranger))

    [entry] = source.entries
    assert entry.private_key is not None
    assert entry.private_key.matches_certificate is False
    [finding] = source.findings
    assert finding.code == "cert.key-mismatch"
    assert finding.severity == "error"
    assert finding.certificate == chain.leaf.sha256
    assert "www.pem.test" in finding.detail


def test_ca_bundle_of_unrelated_roots_gives_one_entry_per_root() -> None:
    roots = [minting.mint_ca(f"Bundle Root {n}") for n in range(1, 5)]

    source = load(b"".join(root.pem for root in roots))

    assert [entry.alias for entry in source.entries] == [f"Bundle Root {n}" for n in range(1, 5)]
    assert all(entry.type is EntryType.CERTIFICATE_CHAIN for entry in source.entries)
    assert [[c.sha256 for c in entry.certificates] for entry in source.entries] == [
        [root.sha256] for root in roots
    ]


def test_chain_in_reverse_order_is_still_one_entry_named_for_the_leaf(chain: minting.Chain) -> None:
    source = load(chain.root.pem + chain.intermediate.pem + chain.leaf.pem)

    [entry] = source.entries
    assert entry.alias == "www.pem.test"
    assert [cert.sha256 for cert in entry.certificates] == [
        chain.root.sha256,
        chain.intermediate.sha256,
        chain.leaf.sha256,
    ]


# ---- damaged blocks ------------------------------------------------------------------------


def _bad_base64(issued: minting.Issued) -> bytes:
    lines = issued.pem.splitlines(keepends=True)
    lines[2] = b"MIIB!!this*is$not%base64&at^all\n"
    return b"".join(lines)


def _truncated_body(issued: minting.Issued) -> bytes:
    lines = issued.pem.splitlines(keepends=True)
    return b"".join([*lines[:4], lines[-1]])


def _missing_end_line(issued: minting.Issued) -> bytes:
    return b"".join(issued.pem.splitlines(keepends=True)[:-1])


def _garbage_der(issued: minting.Issued) -> bytes:
    garbage = b"".join(hashlib.sha256(bytes([n])).digest() for n in range(12))
    return minting.pem_block("CERTIFICATE", garbage)


def _valid_der_not_a_certificate(issued: minting.Issued) -> bytes:
    return minting.pem_block("CERTIFICATE", bytes.fromhex("300602010102010a"))


DAMAGE = {
    "bad-base64": _bad_base64,
    "truncated-body": _truncated_body,
    "missing-end-line": _missing_end_line,
    "garbage-der": _garbage_der,
    "der-not-a-certificate": _valid_der_not_a_certificate,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_one_damaged_block_among_good_ones(chain: minting.Chain, damage: str) -> None:
    victim = minting.mint_ca("Victim CA")
    damaged = DAMAGE[damage](victim)
    text = b"".join(
        [
            b"# three good certificates and a damaged one\n",
            chain.leaf.pem,
            chain.intermediate.pem,
            damaged,
            chain.root.pem,
        ]
    )

    source = load(text)

    [entry] = source.entries
    assert [cert.sha256 for cert in entry.certificates] == [
        chain.leaf.sha256,
        chain.intermediate.sha256,
        chain.root.sha256,
    ]
    [finding] = source.findings
    assert finding.code == "source.damaged-block"
    assert finding.severity == "error"
    line = line_of(text, damaged)
    assert f"Block 3 (CERTIFICATE, line {line})" in finding.detail
    assert finding.title == "Block 3 (CERTIFICATE) could not be read"


def test_damaged_last_block_without_end_line(chain: minting.Chain) -> None:
    damaged = _missing_end_line(chain.intermediate)
    text = chain.leaf.pem + damaged

    source = load(text)

    assert [cert.sha256 for cert in source.entries[0].certificates] == [chain.leaf.sha256]
    [finding] = source.findings
    assert finding.code == "source.damaged-block"
    assert f"Block 2 (CERTIFICATE, line {line_of(text, damaged)})" in finding.detail
    assert "-----END CERTIFICATE-----" in finding.detail


def test_file_of_only_damaged_blocks_cannot_be_read(chain: minting.Chain) -> None:
    text = _bad_base64(chain.leaf) + _garbage_der(chain.root)

    with pytest.raises(LoadError) as raised:
        load(text)

    assert "Block 1 (CERTIFICATE, line 1)" in str(raised.value)


# ---- encrypted keys ------------------------------------------------------------------------


@pytest.mark.parametrize("traditional", [False, True], ids=["pkcs8-pbes2", "traditional"])
def test_encrypted_key_with_right_password_pairs_with_its_certificate(
    chain: minting.Chain, traditional: bool
) -> None:
    text = chain.leaf.pem + chain.leaf.key_pem(b"correct horse", traditional=traditional)

    source = load(text, password="correct horse")

    [entry] = source.entries
    assert entry.private_key is not None
    assert entry.private_key.matches_certificate is True
    assert entry.private_key.public_key is not None
    assert entry.private_key.public_key.spki_sha256 == chain.leaf.pin
    protection = entry.private_key.protection or ""
    if traditional:
        assert entry.private_key.format == "traditional-encrypted"
        assert protection.startswith("AES-256-CBC, OpenSSL traditional encryption")
    else:
        assert entry.private_key.format == "pkcs8-encrypted"
        assert protection.startswith("PBES2, PBKDF2-HMAC-SHA256, ")
        assert protection.endswith(", AES-256-CBC")
    assert source.findings == ()


@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p384", "ed25519"])
def test_encrypted_pkcs8_key_alone_gives_its_pin(kind: str) -> None:
    key = minting.new_key(kind)

    source = load(minting.key_pem(key, b"pw"), password="pw")

    [entry] = source.entries
    assert entry.type is EntryType.PRIVATE_KEY
    assert [pin.value for pin in entry.pins] == [minting.spki_pin(key)]


@pytest.mark.parametrize("traditional", [False, True], ids=["pkcs8-pbes2", "traditional"])
def test_encrypted_key_alone_without_password_requires_one(traditional: bool) -> None:
    with pytest.raises(PasswordRequired):
        load(minting.key_pem(minting.new_key(), b"pw", traditional=traditional))


@pytest.mark.parametrize("traditional", [False, True], ids=["pkcs8-pbes2", "traditional"])
def test_encrypted_key_alone_with_wrong_password_is_wrong_password(traditional: bool) -> None:
    text = minting.key_pem(minting.new_key(), b"correct horse", traditional=traditional)

    with pytest.raises(WrongPassword, match=r"^wrong password"):
        load(text, password="battery staple")


@pytest.mark.parametrize("traditional", [False, True], ids=["pkcs8-pbes2", "traditional"])
def test_encrypted_key_beside_certificate_with_wrong_password_is_wrong_password(
    chain: minting.Chain, traditional: bool
) -> None:
    text = chain.leaf.pem + chain.leaf.key_pem(b"correct horse", traditional=traditional)

    with pytest.raises(WrongPassword, match=r"^wrong password"):
        load(text, password="battery staple")


@pytest.mark.parametrize("traditional", [False, True], ids=["pkcs8-pbes2", "traditional"])
def test_encrypted_key_beside_certificate_without_password_loads_the_certificates(
    chain: minting.Chain, traditional: bool
) -> None:
    key_text = chain.leaf.key_pem(b"correct horse", traditional=traditional)
    text = chain.leaf.pem + chain.intermediate.pem + key_text

    source = load(text)

    chains = [e for e in source.entries if e.certificates]
    assert [[c.sha256 for c in e.certificates] for e in chains] == [
        [chain.leaf.sha256, chain.intermediate.sha256]
    ]
    [locked] = [e for e in source.entries if e.private_key is not None]
    assert locked.private_key is not None
    assert locked.private_key.public_key is None
    assert locked.private_key.format == (
        "traditional-encrypted" if traditional else "pkcs8-encrypted"
    )
    [finding] = source.findings
    assert finding.code == "source.key-not-decrypted"
    label = "EC PRIVATE KEY" if traditional else "ENCRYPTED PRIVATE KEY"
    assert f"Block 3 ({label}, line {line_of(text, key_text)})" in finding.detail


# ---- labels, encodings ---------------------------------------------------------------------


def test_trusted_certificate_label_with_openssl_trust_settings(chain: minting.Chain) -> None:
    # X509_CERT_AUX as `openssl x509 -trustout -addtrust serverAuth` appends it.
    trust_settings = bytes.fromhex("300c300a06082b06010505070301")
    text = minting.pem_block("TRUSTED CERTIFICATE", chain.root.der + trust_settings)

    source = load(text)

    [entry] = source.entries
    assert entry.alias == "PEM Root CA"
    assert [cert.sha256 for cert in entry.certificates] == [chain.root.sha256]
    assert source.findings == ()


def test_x509_certificate_label(chain: minting.Chain) -> None:
    source = load(minting.pem_block("X509 CERTIFICATE", chain.leaf.der))

    assert [cert.sha256 for cert in source.entries[0].certificates] == [chain.leaf.sha256]


def test_ec_parameters_block_is_ignored_silently(chain: minting.Chain) -> None:
    # `openssl ecparam -genkey -name prime256v1` prints the curve OID before the key.
    ec_parameters = minting.pem_block("EC PARAMETERS", bytes.fromhex("06082a8648ce3d030107"))

    source = load(ec_parameters + chain.leaf.key_pem(traditional=True) + chain.leaf.pem)

    assert source.findings == ()
    [entry] = source.entries
    assert entry.private_key is not None
    assert entry.private_key.format == "traditional"
    assert entry.private_key.matches_certificate is True


def test_unknown_label_is_skipped_with_a_finding(chain: minting.Chain) -> None:
    text = chain.leaf.pem + minting.pem_block("PINSCOPE TEST DATA", b"not for pinscope")

    source = load(text)

    assert [cert.sha256 for cert in source.entries[0].certificates] == [chain.leaf.sha256]
    [finding] = source.findings
    assert finding.code == "source.skipped-block"
    assert finding.severity == "info"
    assert "PINSCOPE TEST DATA" in finding.title
    assert f"Block 2 (PINSCOPE TEST DATA, line {line_of(text, b'-----BEGIN PINSCOPE')})" in (
        finding.detail
    )


def test_only_unknown_blocks_cannot_be_read() -> None:
    with pytest.raises(LoadError, match="PINSCOPE TEST DATA"):
        load(minting.pem_block("PINSCOPE TEST DATA", b"not for pinscope"))


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: b"\xef\xbb\xbf" + text,
        lambda text: text.decode("ascii").encode("utf-16"),
        lambda text: b"\xff\xfe" + text.decode("ascii").encode("utf-16-le"),
        lambda text: b"\xfe\xff" + text.decode("ascii").encode("utf-16-be"),
        lambda text: b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"),
    ],
    ids=["utf8-bom", "utf16-native", "utf16-le", "utf16-be", "utf8-bom-crlf"],
)
def test_text_encodings_windows_tools_write(chain: minting.Chain, encode: object) -> None:
    assert callable(encode)
    text = encode(chain.leaf.pem + chain.intermediate.pem)

    source = load(text)

    assert source.format == "pem"
    [entry] = source.entries
    assert [cert.sha256 for cert in entry.certificates] == [
        chain.leaf.sha256,
        chain.intermediate.sha256,
    ]
