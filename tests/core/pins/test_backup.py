"""Backup keys: encrypted key file with mode 0600, a CSR, and the pin they share."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pinscope.core.pins.backup import ALGORITHMS, new_backup_key, parse_san
from pinscope.core.pins.model import BACKUP
from pinscope.core.sources import Passwords, load_path


@pytest.mark.parametrize("algorithm", ["ec-p256", "ec-p384", "rsa-2048"])
def test_key_csr_and_pin_agree(tmp_path: Path, algorithm: str) -> None:
    made = new_backup_key(
        tmp_path / "keys", algorithm, sans=["DNS:api.example.com"], passphrase="correct horse"
    )

    key = serialization.load_pem_private_key(made.key_path.read_bytes(), b"correct horse")
    csr = x509.load_pem_x509_csr(made.csr_path.read_bytes())
    key_source = load_path(made.key_path, Passwords(password="correct horse"))
    csr_source = load_path(made.csr_path)

    assert made.pin.role == BACKUP and made.encrypted
    assert key_source.entries[0].pins[0].value == made.pin.value
    assert csr_source.entries[0].pins[0].value == made.pin.value
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == "CN=api.example.com"
    assert key.key_size in (256, 384, 2048)


def test_key_file_is_private_and_encrypted(tmp_path: Path) -> None:
    made = new_backup_key(tmp_path, passphrase="s3cret")

    text = made.key_path.read_bytes()

    assert stat.S_IMODE(made.key_path.stat().st_mode) == 0o600
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in text
    assert b"s3cret" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [made.key_path.name, made.csr_path.name]
    )  # no temporary file left behind


def test_unencrypted_only_when_asked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="passphrase"):
        new_backup_key(tmp_path)

    made = new_backup_key(tmp_path, encrypt=False)

    assert b"BEGIN PRIVATE KEY" in made.key_path.read_bytes()
    assert not made.encrypted


def test_an_existing_file_is_never_replaced(tmp_path: Path) -> None:

    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    first = new_backup_key(tmp_path, passphrase="pw", now=moment)
    before = first.key_path.read_bytes()

    with pytest.raises(FileExistsError):
        new_backup_key(tmp_path, passphrase="pw", now=moment)

    assert first.key_path.read_bytes() == before


def test_subject_and_sans(tmp_path: Path) -> None:
    made = new_backup_key(
        tmp_path,
        "ec-p256",
        subject="CN=backup.example.com,O=Example",
        sans=["DNS:a.example.com", "IP:192.0.2.1", "b.example.com"],
        passphrase="pw",
    )
    csr = x509.load_pem_x509_csr(made.csr_path.read_bytes())
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value

    assert csr.subject.rfc4514_string() == "CN=backup.example.com,O=Example"
    assert san.get_values_for_type(x509.DNSName) == ["a.example.com", "b.example.com"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["192.0.2.1"]


@pytest.mark.parametrize(
    ("san", "message"), [("IP:nope", "not an IP address"), ("URI:x", "unsupported")]
)
def test_bad_sans_are_refused(san: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_san(san)


def test_bad_algorithm_and_subject(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ec-p256"):
        new_backup_key(tmp_path, "ed25519", passphrase="pw")
    with pytest.raises(ValueError, match="not a subject"):
        new_backup_key(tmp_path, subject="garbage", passphrase="pw")
    assert "rsa-4096" in ALGORITHMS
