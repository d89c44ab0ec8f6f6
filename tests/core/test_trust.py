"""Trust stores: finding issuers and anchors, and loading Mozilla's, the system's and files."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from pinscope.core import trust
from pinscope.core.certificate import Certificate
from pinscope.core.errors import LoadError, PasswordRequired
from pinscope.core.sources import Passwords
from pinscope.core.trust import TrustStore, load_trust_stores, mozilla_store, system_store
from tests.conftest import DATA, PASSWORDS
from tests.core import minting

DAMAGED_BLOCK = b"-----BEGIN CERTIFICATE-----\nMIIBnotbase64!\n-----END CERTIFICATE-----\n"


def cert(issued: minting.Issued) -> Certificate:
    return Certificate(issued.der)


def store(*anchors: minting.Issued) -> TrustStore:
    return TrustStore("custom", "the test store", tuple(cert(anchor) for anchor in anchors))


def fixture_sha256(name: str) -> str:
    parsed = x509.load_pem_x509_certificate((DATA / name).read_bytes())
    return hashlib.sha256(parsed.public_bytes(Encoding.DER)).hexdigest()


@pytest.fixture(autouse=True)
def fresh_system_store() -> Iterator[None]:
    """Each test looks for the system store anew, and leaves no store it faked behind."""
    system_store.cache_clear()
    yield
    system_store.cache_clear()


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain("api.trust.test", prefix="Trust")


@pytest.fixture
def no_system_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with no CA bundle or certificate folder anywhere OpenSSL or Pinscope looks."""
    missing = str(tmp_path / "missing")
    monkeypatch.setenv("SSL_CERT_FILE", missing)
    monkeypatch.setenv("SSL_CERT_DIR", missing)
    monkeypatch.setattr(trust, "BUNDLE_PATHS", ())
    monkeypatch.setattr(trust, "CERT_DIRECTORIES", ())
    paths = ssl.DefaultVerifyPaths(
        missing, missing, "SSL_CERT_FILE", missing, "SSL_CERT_DIR", missing
    )
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)


# ---- finding issuers and anchors -------------------------------------------------------------


def test_find_issuers_finds_the_root_of_an_intermediate(chain: minting.Chain) -> None:
    roots = store(chain.root, minting.mint_ca("Another Root CA"))

    issuers = roots.find_issuers(cert(chain.intermediate))

    assert issuers == [cert(chain.root)]


def test_find_issuers_finds_nothing_for_a_stranger(chain: minting.Chain) -> None:
    stranger = minting.mint_chain(prefix="Stranger").intermediate

    assert store(chain.root).find_issuers(cert(stranger)) == []
    assert store(chain.root).find_issuers(cert(chain.leaf)) == []


def test_find_issuers_lists_every_anchor_of_that_name(chain: minting.Chain) -> None:
    namesake = minting.mint_ca("Trust Root CA")  # same name, another key: a rollover

    issuers = store(chain.root, namesake).find_issuers(cert(chain.intermediate))

    assert issuers == [cert(chain.root), cert(namesake)]


def test_contains_the_anchor_itself(chain: minting.Chain) -> None:
    assert store(chain.root).contains(cert(chain.root))
    assert not store(chain.root).contains(cert(chain.intermediate))


def test_contains_a_root_reissued_with_the_same_name_and_key(chain: minting.Chain) -> None:
    later = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
    reissued = minting.mint_ca(
        "Trust Root CA", key=chain.root.key, not_before=later, not_after=later + dt.timedelta(9)
    )
    assert reissued.sha256 != chain.root.sha256

    assert store(chain.root).contains(cert(reissued))


def test_does_not_contain_a_root_of_the_same_name_with_another_key(chain: minting.Chain) -> None:
    impostor = minting.mint_ca("Trust Root CA")
    assert impostor.subject == chain.root.subject

    assert not store(chain.root).contains(cert(impostor))


def test_does_not_contain_a_certificate_with_the_key_under_another_name(
    chain: minting.Chain,
) -> None:
    renamed = minting.mint_ca("Renamed Root CA", key=chain.root.key)

    assert not store(chain.root).contains(cert(renamed))


def test_stores_compare_and_hash_by_their_anchors_after_use(chain: minting.Chain) -> None:
    first, second = store(chain.root), store(chain.root)
    first.find_issuers(cert(chain.intermediate))  # builds the index on one of them only

    assert first == second
    assert len({first, second}) == 1
    assert first != store(chain.intermediate)


# ---- the Mozilla store -----------------------------------------------------------------------


def test_mozilla_store_holds_certifis_roots() -> None:
    mozilla = mozilla_store()

    assert mozilla.name == "mozilla"
    assert "Mozilla" in mozilla.label
    assert certifi.__version__ in mozilla.label
    assert len(mozilla.anchors) > 100
    assert "ISRG Root X1" in {anchor.short_name for anchor in mozilla.anchors}


def test_mozilla_store_is_read_once_and_decodes_no_details() -> None:
    mozilla = mozilla_store()

    assert mozilla_store() is mozilla
    # `details` is a cached_property: decoding it would leave it in the instance dict.
    assert not any("details" in vars(anchor) for anchor in mozilla.anchors)


# ---- the system store --------------------------------------------------------------------------


def test_default_store_is_the_system_bundle_named_by_ssl_cert_file(
    chain: minting.Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_root = minting.mint_ca("Other Root CA")
    bundle = tmp_path / "ca-bundle.crt"
    bundle.write_bytes(b"# roots\n" + chain.root.pem + DAMAGED_BLOCK + other_root.pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))

    stores = load_trust_stores(None)

    assert [s.name for s in stores] == ["system"]
    assert stores[0].label == f"the system store ({bundle})"
    assert stores[0].anchors == (cert(chain.root), cert(other_root))


def test_default_store_is_mozilla_when_the_system_has_none(no_system_store: None) -> None:
    assert system_store() is None

    assert load_trust_stores(None) == [mozilla_store()]


def test_asking_for_a_missing_system_store_says_so(no_system_store: None) -> None:
    with pytest.raises(LoadError, match="no system trust store was found"):
        load_trust_stores("system")


def test_system_store_reads_a_hashed_certificate_folder(
    chain: minting.Chain, no_system_store: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / "Trust_Root_CA.pem").write_bytes(chain.root.pem)
    os.symlink("Trust_Root_CA.pem", folder / "1a2b3c4d.0")  # c_rehash's link to the same file
    (folder / "Trust_Issuing_CA.crt").write_bytes(chain.intermediate.der)
    (folder / "README").write_bytes(b"not a certificate")
    (folder / "broken.pem").write_bytes(DAMAGED_BLOCK)
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))

    system = system_store()

    assert system is not None
    assert system.label == f"the system store ({folder})"
    assert sorted(a.sha256 for a in system.anchors) == sorted(
        [chain.root.sha256, chain.intermediate.sha256]
    )


def test_windows_store_takes_roots_trusted_for_servers(
    chain: minting.Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_root, client_root = minting.mint_ca("Server Root"), minting.mint_ca("Client Root")
    asked = []

    def enum_certificates(store_name: str) -> list[tuple[bytes, str, Any]]:
        asked.append(store_name)
        return [
            (chain.root.der, "x509_asn", True),
            (server_root.der, "x509_asn", {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}),
            (client_root.der, "x509_asn", {"1.3.6.1.5.5.7.3.2"}),  # client auth only
            (b"\x30\x03\x02\x01\x01", "x509_asn", True),  # not a certificate
            (b"\x30\x00", "pkcs_7_asn", True),
        ]

    monkeypatch.setattr(ssl, "enum_certificates", enum_certificates, raising=False)
    monkeypatch.setattr(sys, "platform", "win32")

    system = system_store()

    assert asked == ["ROOT"]
    assert system is not None and system.name == "system"
    assert "Windows" in system.label
    assert system.anchors == (cert(chain.root), cert(server_root))


def test_macos_store_reads_both_system_keychains(
    chain: minting.Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    added_root = minting.mint_ca("Admin Added Root")
    printed = {
        "/System/Library/Keychains/SystemRootCertificates.keychain": chain.root.pem,
        "/Library/Keychains/System.keychain": chain.root.pem + DAMAGED_BLOCK + added_root.pem,
    }
    commands = []

    def run(command: list[str], **options: Any) -> subprocess.CompletedProcess[bytes]:
        commands.append(command)
        assert options["timeout"] > 0 and options["capture_output"]
        return subprocess.CompletedProcess(command, 0, printed[command[-1]], b"")

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(sys, "platform", "darwin")

    system = system_store()

    assert [command[1:4] for command in commands] == [["find-certificate", "-a", "-p"]] * 2
    assert [command[-1] for command in commands] == list(printed)
    assert system is not None and "macOS" in system.label
    assert system.anchors == (cert(chain.root), cert(added_root))


@pytest.mark.parametrize(
    "failure",
    [
        FileNotFoundError(2, "No such file or directory"),
        subprocess.TimeoutExpired("security", 10),
        subprocess.CompletedProcess([], 44, b"", b"The specified keychain could not be found."),
    ],
)
def test_macos_store_is_none_when_security_lists_nothing(
    failure: BaseException | subprocess.CompletedProcess[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(command: list[str], **options: Any) -> subprocess.CompletedProcess[bytes]:
        if isinstance(failure, BaseException):
            raise failure
        return failure

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(sys, "platform", "darwin")

    assert system_store() is None


# ---- choosing stores ---------------------------------------------------------------------------


def test_none_means_no_store() -> None:
    assert load_trust_stores("none") == []


def test_mozilla_by_name() -> None:
    assert load_trust_stores("mozilla") == [mozilla_store()]


def test_unknown_store_name_lists_the_choices() -> None:
    with pytest.raises(LoadError, match="unknown trust store") as raised:
        load_trust_stores("firefox")

    for choice in ("mozilla", "system", "none"):
        assert choice in str(raised.value)


# ---- trust files -------------------------------------------------------------------------------


@pytest.fixture
def roots_pem(chain: minting.Chain, tmp_path: Path) -> Path:
    path = tmp_path / "roots.pem"
    path.write_bytes(chain.intermediate.pem + chain.root.pem)
    return path


def test_trust_file_alone_replaces_the_default_store(chain: minting.Chain, roots_pem: Path) -> None:
    stores = load_trust_stores(None, [str(roots_pem)])

    assert len(stores) == 1
    assert stores[0].name == "custom"
    assert stores[0].label == "the trust file roots.pem"
    assert stores[0].anchors == (cert(chain.intermediate), cert(chain.root))


def test_trust_files_come_before_the_named_store(chain: minting.Chain, roots_pem: Path) -> None:
    other = roots_pem.with_name("other.der")
    other.write_bytes(minting.mint_ca("Other Root").der)

    stores = load_trust_stores("mozilla", [str(roots_pem), str(other)])

    assert [s.label for s in stores] == [
        "the trust file roots.pem",
        "the trust file other.der",
        mozilla_store().label,
    ]


@pytest.mark.parametrize("name", ["java-truststore.p12", "truststore.jks"])
def test_java_truststore_as_trust_file(name: str) -> None:
    passwords = Passwords(password=PASSWORDS[name])

    [loaded] = load_trust_stores("none", [str(DATA / name)], passwords)

    assert loaded.label == f"the trust file {name}"
    assert sorted(a.sha256 for a in loaded.anchors) == sorted(
        [fixture_sha256("ca-root.crt"), fixture_sha256("ca-intermediate.crt")]
    )


def test_locked_trust_file_without_password_names_the_trust_file() -> None:
    path = str(DATA / "java-truststore.p12")

    with pytest.raises(PasswordRequired, match=f"the trust file {path} is protected"):
        load_trust_stores(None, [path])


def test_garbage_trust_file_says_what_it_found(tmp_path: Path) -> None:
    path = tmp_path / "roots.txt"
    path.write_bytes(b"these are not the roots you are looking for\n")

    with pytest.raises(LoadError) as raised:
        load_trust_stores(None, [str(path)])

    message = str(raised.value)
    assert message.startswith(f"cannot read the trust file {path}: ")
    assert "found text starting" in message


def test_missing_trust_file_says_it_cannot_be_opened(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.pem"

    with pytest.raises(LoadError) as raised:
        load_trust_stores(None, [str(path)])

    assert str(raised.value) == (
        f"cannot read the trust file {path}: cannot open it: No such file or directory"
    )


def test_trust_file_with_only_a_key_holds_no_certificates(tmp_path: Path) -> None:
    path = tmp_path / "server.key"
    path.write_bytes(minting.key_pem(minting.new_key()))

    with pytest.raises(LoadError, match=r"holds no certificates \(it holds a private key\)"):
        load_trust_stores(None, [str(path)])
