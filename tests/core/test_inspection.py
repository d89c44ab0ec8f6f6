"""Reading and checking as two steps: what the window shows first, then the verdicts."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from pinscope.core.certificate import Certificate
from pinscope.core.checks import CheckContext
from pinscope.core.errors import LoadError
from pinscope.core.inspection import Settings, check, inspect_path, read_bytes, read_path
from pinscope.core.sources import Passwords
from pinscope.core.trust import TrustStore
from tests.conftest import DATA
from tests.core import minting


@pytest.fixture
def chain_file(tmp_path: Path) -> tuple[Path, Settings]:
    chain = minting.mint_chain("read.check.test", prefix="Split")
    path = tmp_path / "chain.pem"
    path.write_bytes(chain.leaf.pem + chain.intermediate.pem)
    root = Certificate(chain.root.certificate.public_bytes(Encoding.DER))
    store = TrustStore("custom", "the test store", (root,))
    return path, Settings(CheckContext(host="read.check.test"), (store,))


def test_read_shows_the_entries_before_any_verdict(chain_file: tuple[Path, Settings]) -> None:
    path, _ = chain_file
    read = read_path(path)
    assert read.source is not None and not read.checked
    assert len(read.source.certificates()) == 2
    assert read.validations == ()
    assert not any(f.code.startswith(("chain.", "cert.")) for f in read.findings)


def test_check_after_read_equals_inspect(chain_file: tuple[Path, Settings]) -> None:
    path, settings = chain_file
    checked = check(read_path(path), settings)
    whole = inspect_path(path, settings=settings)
    assert checked.checked
    assert [f.code for f in checked.findings] == [f.code for f in whole.findings]
    assert checked.validation is not None and checked.validation.trusted
    assert whole.validation is not None and whole.validation.trusted


def test_untrusted_chain_is_judged_by_check(chain_file: tuple[Path, Settings]) -> None:
    path, settings = chain_file
    checked = check(read_path(path), Settings(settings.context, ()))
    assert checked.validation is not None and not checked.validation.trusted


def test_check_leaves_unreadable_input_alone() -> None:
    def no_settings() -> Settings:
        raise AssertionError("the trust stores are loaded only for something to check")

    unreadable = read_bytes(b"\x00garbage", "garbage.bin")
    assert unreadable.source is None and unreadable.error is not None
    assert check(unreadable, no_settings) is unreadable


def test_check_twice_changes_nothing(chain_file: tuple[Path, Settings]) -> None:
    path, settings = chain_file
    once = check(read_path(path), settings)
    assert check(once, settings) is once


def test_a_trust_file_that_cannot_be_read_becomes_the_error(
    chain_file: tuple[Path, Settings],
) -> None:
    path, _ = chain_file

    def broken_store() -> Settings:
        raise LoadError("the trust file is not a certificate")

    checked = check(read_path(path), broken_store)
    assert checked.source is None
    assert str(checked.error) == "the trust file is not a certificate"


def test_reading_and_checking_leave_no_cyclic_garbage() -> None:
    """The window freezes what its jobs built out of the cycle collector (gui/worker.py), which
    is only safe while reading and checking leave no reference cycles behind."""
    names = ("chain.pem", "keystore.jks", "java-keystore.p12", "server.key", "garbage")

    def read_and_check_all() -> None:
        for name in names:
            read = read_path(DATA / name, Passwords(password="storepass"))
            check(read, Settings(CheckContext(), ()))

    read_and_check_all()  # first use imports modules and fills caches: not garbage of a job
    gc.collect()
    gc.disable()
    try:
        read_and_check_all()
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_check_reports_progress_entry_by_entry(tmp_path: Path) -> None:
    leaves = [
        minting.mint_leaf(minting.mint_ca(f"Progress CA {n}"), f"p{n}.test") for n in range(3)
    ]
    path = tmp_path / "three.pem"
    path.write_bytes(b"".join(leaf.pem for leaf in leaves))
    calls: list[tuple[int, int]] = []

    check(read_path(path), Settings(CheckContext(), ()), lambda *done: calls.append(done))

    assert calls == [(0, 3), (1, 3), (2, 3)]
