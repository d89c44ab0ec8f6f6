"""Damaged input never escapes the loaders as anything but a LoadError, and never hangs them.

Every committed fixture (and a few files minted here) is truncated, bit-flipped, grown and
shrunk; random garbage is fed in too. `load_bytes` must return a Source or raise a LoadError,
`inspect_bytes` must never raise, and each call must finish within the Hypothesis deadline.

Bugs the fuzzing found are pinned by regression tests at the bottom of this file. A pyjks key
derivation with an implausible iteration count fails the test at once (`iteration_counts_capped`)
rather than hanging it for minutes.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import re
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any
from unittest import mock

import jks.rfc7292
import jks.sun_crypto
import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinscope.core.errors import LoadError
from pinscope.core.inspection import Inspection, inspect_bytes
from pinscope.core.model import Source
from pinscope.core.sources import Passwords, load_bytes
from tests.conftest import DATA, PASSWORDS

# A load that takes longer than this is a hang as far as a user is concerned.
DEADLINE = dt.timedelta(seconds=4)
FUZZ_SETTINGS = settings(
    deadline=DEADLINE,
    database=None,
    derandomize=True,  # the same inputs on every run: a shared suite must not flake
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOT_FIXTURES = {"README.md", "make-fixtures.sh"}
FIXTURES = sorted(p.name for p in DATA.iterdir() if p.is_file() and p.name not in NOT_FIXTURES)
# About half a second per load: 200,000 MD5 rounds in pure Python for each key.
SLOW_FIXTURES = {"keystore.jceks"}
MINTED_PASSWORD = "fuzz-minted-pw"


# ---- known bugs, tolerated only by the fuzz properties -----------------------------------------


class RunawayKeyDerivation(BaseException):
    """pyjks was asked for an implausible number of rounds: in real use, a hang.

    A BaseException, so that no `except Exception` in the loaders can turn it into a
    DamagedInput and hide the hang from this test.
    """


# More rounds than any real keystore uses (BKS: 1,024-2,047; JCEKS: 200,000).
MAX_PLAUSIBLE_ROUNDS = 1_000_000


@contextmanager
def iteration_counts_capped() -> Iterator[None]:
    """Fail at once where pyjks would start a key derivation of millions of rounds.

    See test_bouncy_castle_with_huge_iteration_count_fails_fast and
    test_jceks_with_huge_iteration_count_fails_fast.
    """
    pkcs12_derive = jks.rfc7292.derive_key
    jce_derive = jks.sun_crypto._jce_pbe_derive_key_and_iv

    def capped_pkcs12_derive(*args: Any) -> Any:
        if args[4] > MAX_PLAUSIBLE_ROUNDS:  # (hashfn, purpose, password, salt, iterations, size)
            raise RunawayKeyDerivation(f"{args[4]} rounds")
        return pkcs12_derive(*args)

    def capped_jce_derive(password: Any, salt: Any, iterations: int) -> Any:
        if iterations > MAX_PLAUSIBLE_ROUNDS:
            raise RunawayKeyDerivation(f"{iterations} rounds")
        return jce_derive(password, salt, iterations)

    with (
        mock.patch.object(jks.rfc7292, "derive_key", capped_pkcs12_derive),
        mock.patch.object(jks.sun_crypto, "_jce_pbe_derive_key_and_iv", capped_jce_derive),
    ):
        yield


@pytest.fixture(scope="module", autouse=True)
def twofish_imported_quietly() -> None:
    """Import twofish once with its warnings ignored (see the UBER regression test below).

    Otherwise the ResourceWarning of its leaked file surfaces in whichever test loads the
    first UBER store, as an unraisable-exception error far from its cause.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import twofish  # noqa: F401

        gc.collect()


# ---- samples -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    name: str
    data: bytes
    password: str | None


def committed_sample(name: str) -> Sample:
    return Sample(name, (DATA / name).read_bytes(), PASSWORDS.get(name))


@cache
def minted_samples() -> dict[str, Sample]:
    """A fresh CA and leaf as PEM, DER, key, SPKI and PKCS#12, minted once per session."""
    ca = trustme.CA()
    leaf = ca.issue_cert("fuzz.example.test", "127.0.0.1")
    chain_pem = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
    leaf_cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    key_pem = leaf.private_key_pem.bytes()
    key = serialization.load_pem_private_key(key_pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    p12 = pkcs12.serialize_key_and_certificates(
        b"fuzz",
        key,
        leaf_cert,
        None,
        serialization.BestAvailableEncryption(MINTED_PASSWORD.encode()),
    )
    spki_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    samples = [
        Sample("minted-chain.pem", chain_pem, None),
        Sample("minted-leaf.der", leaf_cert.public_bytes(serialization.Encoding.DER), None),
        Sample("minted-key.pem", key_pem, None),
        Sample("minted-spki.der", spki_der, None),
        Sample("minted.p12", p12, MINTED_PASSWORD),
    ]
    return {sample.name: sample for sample in samples}


MINTED = ["minted-chain.pem", "minted-leaf.der", "minted-key.pem", "minted-spki.der", "minted.p12"]


def sample_named(name: str) -> Sample:
    return minted_samples()[name] if name in MINTED else committed_sample(name)


# ---- mutations ---------------------------------------------------------------------------------


PEM_BLOCK = re.compile(
    rb"(-----BEGIN ([A-Z0-9 ]+)-----\r?\n)([A-Za-z0-9+/=\r\n]+)(-----END \2-----)"
)


def byte_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """The data truncated, or with bytes flipped, inserted or deleted."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
    last = max(len(data) - 1, 0)

    if kind == "truncate":
        return data[: draw(st.integers(0, last))]

    if kind == "flip" and data:
        result = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            result[draw(st.integers(0, last))] ^= draw(st.integers(1, 255))
        return bytes(result)

    if kind == "delete" and data:
        index = draw(st.integers(0, last))
        return data[:index] + data[index + draw(st.integers(1, 32)) :]

    index = draw(st.integers(0, len(data)))
    return data[:index] + draw(st.binary(min_size=1, max_size=16)) + data[index:]


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """Damaged bytes; in PEM, often the DER inside one block, re-armoured so it still decodes."""
    blocks = list(PEM_BLOCK.finditer(data))
    if not blocks or draw(st.booleans()):
        return byte_mutation(draw, data)

    block = draw(st.sampled_from(blocks))
    der = base64.b64decode(b"".join(block.group(3).split()))
    body = base64.encodebytes(byte_mutation(draw, der))
    start, stop = block.span(3)
    return data[:start] + body + data[stop:]


# ---- the property ------------------------------------------------------------------------------


def assert_loads_or_refuses(data: bytes, name: str, password: str | None) -> None:
    """load_bytes returns a Source or raises a LoadError; inspect_bytes never raises."""
    with iteration_counts_capped():
        try:
            source = load_bytes(data, name, Passwords(password=password))
        except LoadError as error:
            assert str(error), "a LoadError must carry a message for the user"
        else:
            assert isinstance(source, Source)
        inspection = inspect_bytes(data, name, Passwords(password=password))

    assert isinstance(inspection, Inspection)
    assert (inspection.source is None) == (inspection.error is not None)
    # inspect_bytes reports any exception that is not a LoadError as "unexpected": a bug.
    assert "unexpected error" not in str(inspection.error), inspection.error


def check_mutations(sample: Sample, examples: int) -> None:
    @settings(FUZZ_SETTINGS, max_examples=examples)
    @given(data=mutated(sample.data))
    def check(data: bytes) -> None:
        assert_loads_or_refuses(data, sample.name, sample.password)

    check()


@pytest.mark.parametrize("name", FIXTURES)
def test_damaged_fixture_loads_or_raises_load_error(name: str) -> None:
    check_mutations(committed_sample(name), 8 if name in SLOW_FIXTURES else 100)


@pytest.mark.parametrize("name", MINTED)
def test_damaged_minted_file_loads_or_raises_load_error(name: str) -> None:
    check_mutations(sample_named(name), 100)


@settings(FUZZ_SETTINGS, max_examples=300)
@given(data=st.binary(max_size=4096), password=st.none() | st.text(max_size=12))
def test_random_garbage_loads_or_raises_load_error(data: bytes, password: str | None) -> None:
    assert_loads_or_refuses(data, "garbage", password)


MAGIC_PREFIXES = [
    b"\xfe\xed\xfe\xed",  # JKS
    b"\xce\xce\xce\xce",  # JCEKS
    b"\x00\x00\x00\x01",  # UBER, or BKS version 1
    b"\x00\x00\x00\x02",  # BKS version 2
    b"\x30\x82",  # DER SEQUENCE, long length
    b"\x30\x80",  # BER indefinite length
    b"-----BEGIN CERTIFICATE-----\n",
    b"-----BEGIN PKCS7-----\n",
    b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
    b"apiVersion: v1\nkind: Secret\ndata:\n  tls.crt: ",
    b'{"apiVersion": "v1", "kind": "Secret", "data": {"tls.crt": "',
    b"\xef\xbb\xbf",  # UTF-8 byte order mark
    b"\xff\xfe",  # UTF-16 byte order mark
]


@settings(FUZZ_SETTINGS, max_examples=200)
@given(prefix=st.sampled_from(MAGIC_PREFIXES), tail=st.binary(max_size=2048))
def test_garbage_behind_a_known_magic_loads_or_raises_load_error(
    prefix: bytes, tail: bytes
) -> None:
    assert_loads_or_refuses(prefix + tail, "garbage", "password")


@pytest.mark.parametrize("name", MINTED)
def test_undamaged_minted_file_loads(name: str) -> None:
    sample = sample_named(name)

    inspection = inspect_bytes(sample.data, name, Passwords(password=sample.password))

    assert inspection.error is None
    assert inspection.source is not None and inspection.source.entries


def test_iteration_cap_leaves_real_keystores_alone() -> None:
    for name in ("keystore.bks", "keystore.jceks"):
        sample = committed_sample(name)
        with iteration_counts_capped():
            source = load_bytes(sample.data, name, Passwords(password=sample.password))
        assert source.entries


# ---- regressions found by the fuzzer (fixed ones stay as plain tests) ----------------------


def mint_certificate_der(common_name: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def mint_csr_der() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "csr.example.test")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.DER)


def jceks_iteration_counts(data: bytes) -> list[range]:
    """Each PBEWithMD5AndTripleDES parameter block: OCTET STRING salt(8), INTEGER iterations."""
    found = re.finditer(rb"\x04\x08.{8}\x02([\x01-\x04])", data, re.DOTALL)
    spans = [range(m.start(), m.end() + m.group(1)[0]) for m in found]
    assert spans, "the JCEKS fixture no longer has the expected parameter blocks"
    return spans


def assert_refused_with_load_error(data: bytes, name: str, password: str | None = None) -> None:
    with pytest.raises(LoadError) as raised:
        load_bytes(data, name, Passwords(password=password))
    assert str(raised.value)


def test_der_sequence_with_damaged_content_raises_load_error() -> None:
    # A SEQUENCE whose only INTEGER claims 5 bytes but has 1: classify() says "unknown", then
    # the UnsupportedFormat message calls top.children() again, which raises DERError.
    assert_refused_with_load_error(b"\x30\x03\x02\x05\x00", "damaged.der")


def test_jceks_with_damaged_parameter_length_raises_load_error() -> None:
    data = bytearray((DATA / "keystore.jceks").read_bytes())
    salt = jceks_iteration_counts(bytes(data))[0].start
    data[salt + 1] = 0x7F  # the salt's OCTET STRING now claims 127 bytes

    assert_refused_with_load_error(bytes(data), "keystore.jceks", PASSWORDS["keystore.jceks"])


@pytest.mark.parametrize("damage", ["truncated", "bad-stream-header", "bad-opcode"])
def test_jceks_with_damaged_sealed_object_raises_load_error(damage: str) -> None:
    data = (DATA / "keystore.jceks").read_bytes()
    # The secret-key entry: alias, 8-byte timestamp, then a Java-serialised SealedObject.
    sealed = data.index(b"\x00\x07aes-key") + 2 + len("aes-key") + 8
    damaged = {
        "truncated": data[: sealed + 1],
        "bad-stream-header": data[:sealed] + b"\x00\x00" + data[sealed + 2 :],
        "bad-opcode": data[: sealed + 4] + b"\xf2" + data[sealed + 5 :],
    }[damage]

    assert_refused_with_load_error(damaged, "keystore.jceks", PASSWORDS["keystore.jceks"])


# Damage to the common name "Pinscope Fuzz Name" (UTF8String, 18 bytes) of a minted certificate.
NAME_DAMAGE = {
    "invalid-utf8": (b"Fuzz", b"F\xe0zz"),
    "bit-string": (b"\x0c\x12Pinscope", b"\x03\x12\x00inscope"),  # BIT STRING, not a string
}


@pytest.mark.parametrize("armour", ["der", "pem"])
@pytest.mark.parametrize("damage", sorted(NAME_DAMAGE))
def test_certificate_with_malformed_name_is_shown_with_a_finding(damage: str, armour: str) -> None:
    der = mint_certificate_der("Pinscope Fuzz Name").replace(*NAME_DAMAGE[damage])
    data = der
    if armour == "pem":
        body = base64.encodebytes(der)
        data = b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"

    inspection = inspect_bytes(data, f"bad-name.{armour}", Passwords())

    assert inspection.source is not None, inspection.error
    (cert,) = inspection.source.certificates()
    expected = "CN=#031200696e73636f7065" if damage == "bit-string" else "CN=Pinscope F\ufffdzz"
    assert cert.details.subject.startswith(expected)
    malformed = [f for f in inspection.findings if f.code == "cert.malformed"]
    assert malformed and "subject name could not be decoded" in malformed[0].detail


@pytest.mark.parametrize(
    "value",
    [b"\x0d\x10api.example.test", b"\x03\x10\x00pi.example.test"],
    ids=["tag-0x0d", "bit-string"],
)
def test_pkcs12_with_malformed_name_is_reported_plainly(value: bytes) -> None:
    # The leaf's CN damaged in the unprotected file, which has no MAC to notice; the loader
    # reads names lazily, so the damage surfaces in the checks.
    data = (DATA / "p12-no-password.p12").read_bytes()
    common_name = b"\x06\x03U\x04\x03\x0c\x10api.example.test"
    assert common_name in data
    damaged = data.replace(common_name, b"\x06\x03U\x04\x03" + value)

    inspection = inspect_bytes(damaged, "p12-no-password.p12", Passwords())

    assert "unexpected error" not in str(inspection.error)


def pem_key_with_short_iv() -> bytes:
    """The encrypted traditional key with a 15-byte AES IV in its DEK-Info header."""
    data = (DATA / "key-rsa-traditional-encrypted.pem").read_bytes()
    damaged = re.sub(rb"(DEK-Info: AES-256-CBC,[0-9A-F]{30})[0-9A-F]{2}", rb"\g<1>", data)
    assert damaged != data
    return damaged


def test_pem_key_with_short_iv_raises_load_error() -> None:
    password = PASSWORDS["key-rsa-traditional-encrypted.pem"]

    try:
        assert_refused_with_load_error(pem_key_with_short_iv(), "short-iv.pem", password)
    except BaseException as error:  # PanicException would otherwise abort the test run's logic
        if isinstance(error, AssertionError | LoadError):
            raise
        pytest.fail(f"{type(error).__name__} escaped: {error}")


def test_csr_with_unknown_key_algorithm_is_named_and_pinned() -> None:
    ec_public_key_oid = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
    csr = mint_csr_der()
    assert ec_public_key_oid in csr
    damaged = csr.replace(ec_public_key_oid, bytes.fromhex("06072a8648ce3d0263"))

    source = load_bytes(damaged, "unknown-key.csr")

    (entry,) = source.entries
    assert entry.csr is not None
    assert entry.csr.public_key.type == "1.2.840.10045.2.99"
    assert entry.csr.public_key.size is None
    assert not entry.csr.signature_valid
    assert len(entry.csr.public_key.spki_sha256) == 44


def test_csr_with_unknown_version_raises_load_error() -> None:
    csr = mint_csr_der()
    version = bytes.fromhex("020100")  # the first INTEGER in the request info: version 0
    assert version in csr

    damaged = csr.replace(version, bytes.fromhex("020150"), 1)

    assert_refused_with_load_error(damaged, "version-80.csr")


def load_in_child(
    data: bytes, password: str, seconds: float, *options: str
) -> subprocess.CompletedProcess[bytes]:
    """Run load_bytes in a child process, killed after `seconds`: a hang cannot be interrupted."""
    code = textwrap.dedent(
        f"""
        import sys
        from pinscope.core.errors import LoadError
        from pinscope.core.sources import Passwords, load_bytes
        try:
            load_bytes(sys.stdin.buffer.read(), "crafted", Passwords(password={password!r}))
        except LoadError:
            pass
        """
    )
    return subprocess.run(
        [sys.executable, *options, "-c", code], input=data, capture_output=True, timeout=seconds
    )


def test_uber_keystore_loads_with_warnings_as_errors() -> None:
    # In a child process: whether twofish is already imported depends on earlier tests.
    # twofish 0.3.0 runs `imp.find_module("_twofish")` on import: a DeprecationWarning, and an
    # open file it never closes (a ResourceWarning, printed as "Exception ignored in ...").
    data = (DATA / "keystore.uber").read_bytes()

    child = load_in_child(data, PASSWORDS["keystore.uber"], 30, "-W", "error")

    assert child.returncode == 0, child.stderr
    assert b"Warning" not in child.stderr, child.stderr.decode(errors="replace")


CRAFTED_ITERATION_COUNTS = {
    # 44 bytes: BKS v2, empty salt, 2**31-1 iterations, no entries: once ~15 minutes of SHA-1.
    "bks": b"\x00\x00\x00\x02\x00\x00\x00\x00\x7f\xff\xff\xff" + b"\x00" * 32,
    # UBER v1, the same header, then a Twofish key derivation of 2**31-1 rounds.
    "uber": b"\x00\x00\x00\x01\x00\x00\x00\x00\x7f\xff\xff\xff" + b"\x00" * 32,
}


@pytest.mark.parametrize("store_type", sorted(CRAFTED_ITERATION_COUNTS))
def test_bouncy_castle_with_huge_iteration_count_fails_fast(store_type: str) -> None:
    child = load_in_child(CRAFTED_ITERATION_COUNTS[store_type], "storepass", DEADLINE.seconds)

    assert child.returncode == 0, child.stderr


def jceks_with_huge_iteration_counts() -> bytes:
    data = bytearray((DATA / "keystore.jceks").read_bytes())
    for span in jceks_iteration_counts(bytes(data)):
        value = span.start + 12  # after the salt (10 bytes) and the INTEGER's tag and length
        data[value : span.stop] = b"\x7f" + b"\xff" * (span.stop - value - 1)
    return bytes(data)


def test_jceks_with_huge_iteration_count_fails_fast() -> None:
    child = load_in_child(jceks_with_huge_iteration_counts(), "storepass", DEADLINE.seconds)

    assert child.returncode == 0, child.stderr
