"""Passwords: right, wrong, absent, asked for, empty, and never shown."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from pinscope.core import report
from pinscope.core.errors import LoadError, PasswordRequired, WrongPassword
from pinscope.core.inspection import inspect_path
from pinscope.core.model import EntryType, Source
from pinscope.core.sources import Passwords, load_bytes, load_path
from tests.conftest import DATA, PASSWORDS
from tests.core import minting

PROTECTED_P12 = [
    "p12-aes.p12",
    "p12-legacy-rc2.p12",
    "p12-3des.p12",
    "p12-camellia.p12",
    "p12-certs-only.p12",
    "java-keystore.p12",
    "java-truststore.p12",
]
PROTECTED_KEYS = [
    "key-pkcs8-pbes1-3des.pem",
    "key-pkcs8-pbes2.pem",
    "key-pkcs8-pbes2.der",
    "key-rsa-traditional-encrypted.pem",
]
KEYSTORES_WITH_KEYS = ["keystore.jks", "keystore.jceks", "keystore.bks"]


class RecordingPrompt:
    """A prompt that answers from a script and remembers what it was asked."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, what: str) -> str | None:
        self.questions.append(what)
        return self.answer


def load(file_name: str, **passwords: str | Callable[[str], str | None] | None) -> Source:
    return load_path(DATA / file_name, Passwords(**passwords))  # type: ignore[arg-type]


# ---- wrong and missing passwords -----------------------------------------------------------


@pytest.mark.parametrize("file_name", PROTECTED_P12)
def test_pkcs12_with_wrong_password_says_exactly_wrong_password(file_name: str) -> None:
    with pytest.raises(WrongPassword) as raised:
        load(file_name, password="not-the-password")

    assert str(raised.value) == "wrong password"


@pytest.mark.parametrize("file_name", PROTECTED_P12 + PROTECTED_KEYS + KEYSTORES_WITH_KEYS)
def test_protected_file_without_password_or_prompt_requires_one(file_name: str) -> None:
    with pytest.raises(PasswordRequired) as raised:
        load(file_name)

    assert "password" in str(raised.value)
    assert raised.value.what in str(raised.value)


@pytest.mark.parametrize("file_name", PROTECTED_KEYS)
def test_encrypted_key_with_wrong_password_is_wrong_password(file_name: str) -> None:
    with pytest.raises(WrongPassword, match=r"^wrong password"):
        load(file_name, password="not-the-password")


@pytest.mark.parametrize(
    "file_name", ["keystore.jks", "truststore.jks", "keystore.jceks", "keystore.bks"]
)
def test_java_keystore_with_wrong_store_password_is_wrong_password(file_name: str) -> None:
    with pytest.raises(WrongPassword, match=r"^wrong password"):
        load(file_name, password="not-the-password")


# ---- asking for a password -----------------------------------------------------------------


@pytest.mark.parametrize(
    "file_name",
    [
        "p12-aes.p12",
        "p12-legacy-rc2.p12",
        "java-keystore.p12",
        "keystore.jceks",
        "keystore.bks",
        *PROTECTED_KEYS,
    ],
)
def test_prompt_is_asked_once_and_its_answer_opens_the_file(file_name: str) -> None:
    prompt = RecordingPrompt(PASSWORDS[file_name])

    source = load(file_name, prompt=prompt)

    assert len(prompt.questions) == 1
    keys = [entry.private_key for entry in source.entries if entry.private_key is not None]
    assert keys, "the file holds a key"
    assert any(key.public_key is not None for key in keys), "the prompted password decrypted it"


def test_prompt_asks_for_the_store_then_for_a_key_with_its_own_password() -> None:
    answers = iter(["storepass", "keypass2"])
    questions: list[str] = []

    def prompt(what: str) -> str | None:
        questions.append(what)
        return next(answers)

    source = load("keystore.jks", prompt=prompt)

    assert questions == ["this JKS keystore", "the key of alias 'other'"]
    other = next(entry for entry in source.entries if entry.alias == "other")
    assert other.private_key is not None and other.private_key.matches_certificate is True
    assert not [f for f in source.findings if f.code == "source.key-not-decrypted"]


def test_prompt_is_told_what_needs_the_password() -> None:
    prompt = RecordingPrompt("secret")

    load("p12-aes.p12", prompt=prompt)

    assert prompt.questions == ["this PKCS#12 file"]


@pytest.mark.parametrize("file_name", ["p12-aes.p12", "keystore.jks", "key-pkcs8-pbes2.pem"])
def test_declined_prompt_means_password_required(file_name: str) -> None:
    prompt = RecordingPrompt(None)

    with pytest.raises(PasswordRequired):
        load(file_name, prompt=prompt)

    assert len(prompt.questions) == 1


@pytest.mark.parametrize("file_name", ["p12-aes.p12", "keystore.jks", "key-pkcs8-pbes2.pem"])
def test_wrong_answer_to_prompt_is_wrong_password(file_name: str) -> None:
    with pytest.raises(WrongPassword):
        load(file_name, prompt=RecordingPrompt("not-the-password"))


def test_given_password_is_used_without_asking() -> None:
    prompt = RecordingPrompt("never used")

    source = load("p12-aes.p12", password="secret", prompt=prompt)

    assert prompt.questions == []
    assert [entry.alias for entry in source.entries] == ["server"]


def test_pem_with_two_encrypted_keys_asks_once() -> None:
    first = minting.new_key("ec-p256")
    second = minting.new_key("ec-p384")
    text = minting.key_pem(first, b"shared-pw") + minting.key_pem(second, b"shared-pw")
    prompt = RecordingPrompt("shared-pw")

    source = load_bytes(text, "two-keys.pem", Passwords(prompt=prompt))

    assert len(prompt.questions) == 1
    pins = [
        entry.private_key.public_key.spki_sha256
        for entry in source.entries
        if entry.private_key and entry.private_key.public_key
    ]
    assert pins == [minting.spki_pin(first), minting.spki_pin(second)]


# ---- empty and absent passwords ------------------------------------------------------------


@pytest.mark.parametrize("password", ["", None])
def test_empty_password_pkcs12_opens_with_empty_or_no_password(password: str | None) -> None:
    prompt = RecordingPrompt("should not be asked")

    source = load("p12-empty-password.p12", password=password, prompt=prompt)

    assert prompt.questions == []
    [entry] = source.entries
    assert entry.alias == "server"
    assert entry.private_key is not None
    assert entry.private_key.matches_certificate is True


def test_empty_password_pkcs12_refuses_a_real_password() -> None:
    with pytest.raises(WrongPassword):
        load("p12-empty-password.p12", password="secret")


def test_unprotected_pkcs12_opens_without_password_and_without_asking() -> None:
    prompt = RecordingPrompt("should not be asked")

    source = load("p12-no-password.p12", prompt=prompt)

    assert prompt.questions == []
    assert [entry.alias for entry in source.entries] == ["server"]
    assert source.entries[0].private_key.matches_certificate is True  # type: ignore[union-attr]


def test_passwordless_java_truststore_does_not_ask() -> None:
    prompt = RecordingPrompt("should not be asked")

    source = load("java-truststore-nopass.p12", prompt=prompt)

    assert prompt.questions == []
    assert [entry.alias for entry in source.entries] == ["test-root"]


# ---- a JKS key with its own password -------------------------------------------------------


def test_jks_key_with_its_own_password_is_left_encrypted_with_a_finding() -> None:
    source = load("keystore.jks", password="storepass")

    other = {entry.alias: entry for entry in source.entries}["other"]
    assert other.type is EntryType.PRIVATE_KEY
    assert other.private_key is not None
    assert other.private_key.public_key is None
    assert other.private_key.matches_certificate is None
    [finding] = [f for f in source.findings if f.code == "source.key-not-decrypted"]
    assert "\u201cother\u201d" in finding.title
    assert [f.code for f in source.findings] == ["source.key-not-decrypted"]


def test_jks_key_password_decrypts_the_other_key_and_it_matches() -> None:
    source = load("keystore.jks", password="storepass", key_password="keypass2")

    entries = {entry.alias: entry for entry in source.entries}
    other = entries["other"]
    assert other.private_key is not None
    assert other.private_key.public_key is not None
    assert other.private_key.public_key.type == "RSA"
    assert other.private_key.public_key.size == 2048
    assert other.private_key.matches_certificate is True
    assert other.private_key.public_key.spki_sha256 == (
        other.certificates[0].details.public_key.spki_sha256
    )
    assert entries["server"].private_key.matches_certificate is True  # type: ignore[union-attr]
    assert source.findings == ()


def test_jks_wrong_key_password_says_so_for_that_alias_and_shows_the_rest() -> None:
    source = load("keystore.jks", password="storepass", key_password="not-keypass2")

    (finding,) = [f for f in source.findings if f.code == "source.key-not-decrypted"]
    assert "other" in finding.title and "wrong password" in finding.title
    server = next(entry for entry in source.entries if entry.alias == "server")
    assert server.private_key is not None and server.private_key.matches_certificate is True


def test_alias_password_opens_only_that_key() -> None:
    passwords = Passwords(password="storepass", alias_passwords={"other": "keypass2"})
    source = load_path(DATA / "keystore.jks", passwords)

    entries = {entry.alias: entry for entry in source.entries}
    assert entries["other"].private_key.matches_certificate is True  # type: ignore[union-attr]
    assert entries["server"].private_key.matches_certificate is True  # type: ignore[union-attr]
    assert source.findings == ()


def test_wrong_alias_password_says_wrong_for_that_alias() -> None:
    passwords = Passwords(password="storepass", alias_passwords={"other": "keypass3"})
    source = load_path(DATA / "keystore.jks", passwords)

    (finding,) = [f for f in source.findings if f.code == "source.key-not-decrypted"]
    assert "“other”" in finding.title and "wrong password" in finding.title


# ---- secrets stay secret -------------------------------------------------------------------


def test_passwords_never_appear_in_repr() -> None:
    passwords = Passwords(
        password="hunter2-store",
        key_password="hunter2-key",
        alias_passwords={"other": "hunter2-alias"},
        prompt=RecordingPrompt("hunter2-asked"),
    )

    text = repr(passwords) + str(passwords)

    assert "hunter2" not in text


def test_prompted_password_never_appears_in_repr_after_use() -> None:
    passwords = Passwords(prompt=RecordingPrompt("secret"))
    load_path(DATA / "p12-aes.p12", passwords)

    assert "secret" not in repr(passwords)


@pytest.mark.parametrize("file_name", ["p12-aes.p12", "keystore.jks", "key-pkcs8-pbes2.pem"])
def test_wrong_password_error_does_not_repeat_the_password(file_name: str) -> None:
    with pytest.raises(LoadError) as raised:
        load(file_name, password="hunter2-wrong")

    assert "hunter2" not in str(raised.value)
    assert "hunter2" not in repr(raised.value)


# ---- minted PKCS#12 ------------------------------------------------------------------------


@pytest.fixture
def minted_p12() -> tuple[bytes, minting.Chain]:
    """A PKCS#12 written by cryptography with its best encryption and a non-ASCII password."""
    chain = minting.mint_chain("p12.minted.test", prefix="P12")
    data = pkcs12.serialize_key_and_certificates(
        b"minted",
        chain.leaf.key,
        chain.leaf.certificate,
        [chain.intermediate.certificate, chain.root.certificate],
        serialization.BestAvailableEncryption("pässwörd €".encode()),
    )
    return data, chain


def test_minted_pkcs12_opens_with_a_non_ascii_password(
    minted_p12: tuple[bytes, minting.Chain],
) -> None:
    data, chain = minted_p12

    source = load_bytes(data, "minted.p12", Passwords(password="pässwörd €"))

    [entry] = source.entries
    assert entry.alias == "minted"
    assert [cert.sha256 for cert in entry.certificates] == [
        issued.sha256 for issued in chain.leaf_first
    ]
    assert entry.private_key is not None
    assert entry.private_key.matches_certificate is True


def test_minted_pkcs12_with_wrong_password(minted_p12: tuple[bytes, minting.Chain]) -> None:
    data, _ = minted_p12

    with pytest.raises(WrongPassword) as raised:
        load_bytes(data, "minted.p12", Passwords(password="passwort €"))

    assert str(raised.value) == "wrong password"


def test_json_document_reports_a_wrong_password_without_the_password() -> None:
    inspection = inspect_path(DATA / "p12-aes.p12", Passwords(password="hunter2-wrong"))

    document = report.document([inspection])

    [source] = document["sources"]
    assert source["error"] == {"kind": "wrong-password", "message": "wrong password"}
    assert source["entries"] == []
    assert "hunter2" not in json.dumps(document)


def test_json_document_reports_a_missing_password() -> None:
    document = report.document([inspect_path(DATA / "keystore.jks", Passwords())])

    [source] = document["sources"]
    assert source["error"]["kind"] == "password-required"


def test_each_source_is_asked_for_its_own_password_naming_the_file() -> None:
    questions: list[str] = []
    answers = iter(["secret", "storepass"])

    def prompt(what: str) -> str | None:
        questions.append(what)
        return next(answers)

    shared = Passwords(prompt=prompt)
    p12 = load_path(DATA / "p12-aes.p12", shared.for_source("p12-aes.p12"))
    java = load_path(DATA / "java-keystore.p12", shared.for_source("java-keystore.p12"))

    assert questions == [
        "this PKCS#12 file (p12-aes.p12)",
        "this PKCS#12 file (java-keystore.p12)",
    ]
    assert p12.entries and java.entries
