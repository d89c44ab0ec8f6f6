"""`pinscope inspect` as a user runs it: what it prints, its exit status, and its passwords.

Most tests run the real program in a child process (stdin not a terminal, as in a script);
a few call `main()` in-process where capturing output is enough.
"""

from __future__ import annotations

import base64
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

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from pinscope.cli.main import main
from pinscope.core import __version__
from tests.conftest import DATA, PASSWORDS

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2

# Tests of reading files leave trust out of it: the fixtures' test CA is in no trust store.
NO_TRUST = ("--trust-store", "none")

# A password no output could contain by accident.
DISTINCT_PASSWORD = "Zq7-unlikely-Pw-4829"


def run_pinscope(
    *args: str | Path,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m pinscope.cli ARGS`; stdin is empty (not a terminal) unless given."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("PINSCOPE_TEST_")}
    child_env.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "pinscope.cli", *map(str, args)],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=child_env,
        timeout=120,
    )
    completed = subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8"),
        result.stderr.decode("utf-8"),
    )
    assert "Traceback" not in completed.stdout
    assert "Traceback" not in completed.stderr
    return completed


def certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def sha256_hex(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def spki_pin(cert: x509.Certificate) -> str:
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256/" + base64.b64encode(hashlib.sha256(spki).digest()).decode()


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(autouse=True)
def gc_restored() -> Iterator[None]:
    """`main()` switches the garbage collector off for its short run; give it back to pytest."""
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()


# ---- scenario fixtures -------------------------------------------------------------------------


@pytest.fixture
def server_crt() -> Path:
    return DATA / "server.crt"


@pytest.fixture
def der_certificate(tmp_path: Path, server_crt: Path) -> Path:
    path = tmp_path / "server.der"
    path.write_bytes(certificate(server_crt).public_bytes(serialization.Encoding.DER))
    return path


@pytest.fixture
def expired_certificate(tmp_path: Path) -> Path:
    ca = trustme.CA()
    now = dt.datetime.now(dt.UTC)
    leaf = ca.issue_cert(
        "expired.example.test",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=35),
    )
    path = tmp_path / "expired.pem"
    leaf.cert_chain_pems[0].write_to_path(str(path))
    return path


@pytest.fixture
def p12_with_distinct_password(tmp_path: Path) -> Path:
    """A freshly minted PKCS#12 whose password appears nowhere else."""
    leaf = trustme.CA().issue_cert("secret-holder.example.test")
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    data = pkcs12.serialize_key_and_certificates(
        b"holder",
        key,
        cert,
        None,
        serialization.BestAvailableEncryption(DISTINCT_PASSWORD.encode()),
    )
    path = tmp_path / "holder.p12"
    path.write_bytes(data)
    return path


@pytest.fixture
def empty_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.pem"
    path.write_bytes(b"")
    return path


@pytest.fixture
def garbage_file(tmp_path: Path) -> Path:
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(7, 250)) * 3)
    return path


@pytest.fixture
def truncated_p12(tmp_path: Path) -> Path:
    data = (DATA / "p12-aes.p12").read_bytes()
    path = tmp_path / "truncated.p12"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture
def truncated_pem(tmp_path: Path, server_crt: Path) -> Path:
    data = server_crt.read_bytes()
    path = tmp_path / "truncated.pem"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    """The password on the first line, something else on the second."""
    path = tmp_path / "password.txt"
    path.write_text(f"{PASSWORDS['p12-aes.p12']}\nnot the password\n", encoding="utf-8")
    return path


# ---- --version ---------------------------------------------------------------------------------


def test_version_prints_program_name_and_version() -> None:
    result = run_pinscope("--version")

    assert result.returncode == EXIT_OK
    assert result.stdout.strip() == f"pinscope {__version__}"


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])

    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"pinscope {__version__}"


# ---- what inspect prints -----------------------------------------------------------------------


def test_pem_certificate_details_are_printed(server_crt: Path) -> None:
    cert = certificate(server_crt)
    at = cert.not_valid_after_utc - dt.timedelta(days=400, hours=1)

    result = run_pinscope("inspect", *NO_TRUST, server_crt, "--at", iso(at))

    assert result.returncode == EXIT_OK
    out = result.stdout
    assert "CN=api.example.test" in out
    assert "CN=Pinscope Test Issuing CA,O=Pinscope Tests,C=GB" in out
    assert f"{cert.not_valid_before_utc:%Y-%m-%d}" in out
    assert f"{cert.not_valid_after_utc:%Y-%m-%d}" in out
    assert "400 days left" in out
    for name in ("DNS:api.example.test", "DNS:*.api.example.test", "IP:127.0.0.1"):
        assert name in out
    assert "digitalSignature" in out and "serverAuth" in out
    assert "EC 256" in out
    assert sha256_hex(cert) in out
    assert spki_pin(cert) in out


def test_der_certificate_is_read(der_certificate: Path, server_crt: Path) -> None:
    cert = certificate(server_crt)

    result = run_pinscope("inspect", *NO_TRUST, der_certificate)

    assert result.returncode == EXIT_OK
    assert "CN=api.example.test" in result.stdout
    assert sha256_hex(cert) in result.stdout
    assert spki_pin(cert) in result.stdout


def test_pkcs12_shows_its_whole_chain() -> None:
    result = run_pinscope(
        "inspect", *NO_TRUST, DATA / "p12-aes.p12", "--password", PASSWORDS["p12-aes.p12"]
    )

    assert result.returncode == EXIT_OK
    for name in ("server.crt", "ca-intermediate.crt", "ca-root.crt"):
        cert = certificate(DATA / name)
        assert sha256_hex(cert) in result.stdout
        assert spki_pin(cert) in result.stdout
    assert "CN=Pinscope Test Root,O=Pinscope Tests,C=GB" in result.stdout


def test_jks_shows_every_alias() -> None:
    result = run_pinscope(
        "inspect", *NO_TRUST, DATA / "keystore.jks", "--password", PASSWORDS["keystore.jks"]
    )

    assert result.returncode == EXIT_FINDINGS  # "other" is CN-only, as keytool makes them
    assert "[cert.no-san]" in result.stdout
    for alias in ("server", "test-root", "other"):
        assert alias in result.stdout
    assert "CN=other.example.test" in result.stdout
    assert sha256_hex(certificate(DATA / "server.crt")) in result.stdout
    assert sha256_hex(certificate(DATA / "ca-root.crt")) in result.stdout


def test_several_files_are_printed_in_order() -> None:
    names = ["server.crt", "ca-root.crt", "client.crt"]

    result = run_pinscope("inspect", *NO_TRUST, *(DATA / name for name in names))

    assert result.returncode == EXIT_OK
    positions = [result.stdout.index(sha256_hex(certificate(DATA / n))) for n in names]
    assert positions == sorted(positions)
    assert "CN=alice" in result.stdout


def test_dash_reads_standard_input(server_crt: Path) -> None:
    result = run_pinscope("inspect", *NO_TRUST, "-", stdin=server_crt.read_bytes())

    assert result.returncode == EXIT_OK
    assert "<stdin>" in result.stdout
    assert sha256_hex(certificate(server_crt)) in result.stdout


def test_dash_reads_a_pkcs12_from_standard_input() -> None:
    data = (DATA / "p12-aes.p12").read_bytes()

    result = run_pinscope(
        "inspect", *NO_TRUST, "-", "--password", PASSWORDS["p12-aes.p12"], stdin=data
    )

    assert result.returncode == EXIT_OK
    assert sha256_hex(certificate(DATA / "server.crt")) in result.stdout


def test_inspect_in_process(capsys: pytest.CaptureFixture[str], server_crt: Path) -> None:
    status = main(["inspect", *NO_TRUST, str(server_crt)])

    captured = capsys.readouterr()
    assert status == EXIT_OK
    assert sha256_hex(certificate(server_crt)) in captured.out
    assert captured.err == ""


# ---- exit status -------------------------------------------------------------------------------


def test_expired_certificate_exits_1(expired_certificate: Path) -> None:
    result = run_pinscope("inspect", expired_certificate)

    assert result.returncode == EXIT_FINDINGS
    assert "cert.expired" in result.stdout
    assert "expired.example.test" in result.stdout


def test_validating_in_2100_makes_a_fixture_expired(server_crt: Path) -> None:
    result = run_pinscope("inspect", server_crt, "--at", "2100-01-01T00:00:00Z")

    assert result.returncode == EXIT_FINDINGS
    assert "cert.expired" in result.stdout


def test_expired_certificate_in_process_exits_1(
    capsys: pytest.CaptureFixture[str], expired_certificate: Path
) -> None:
    assert main(["inspect", str(expired_certificate)]) == EXIT_FINDINGS
    assert "cert.expired" in capsys.readouterr().out


def test_missing_file_exits_2_and_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-file.pem"

    result = run_pinscope("inspect", missing)

    assert result.returncode == EXIT_UNREADABLE
    assert "no-such-file.pem" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "scenario", ["empty_file", "garbage_file", "truncated_p12", "truncated_pem"]
)
def test_unreadable_file_exits_2_with_a_message(
    request: pytest.FixtureRequest, scenario: str
) -> None:
    path: Path = request.getfixturevalue(scenario)

    result = run_pinscope("inspect", path, "--password", PASSWORDS["p12-aes.p12"])

    assert result.returncode == EXIT_UNREADABLE
    output = result.stdout + result.stderr
    assert path.name in output
    message = output.split(path.name, 1)[1]
    assert len(message.strip(": \n")) > 5


def test_truncated_pem_says_it_is_truncated(truncated_pem: Path) -> None:
    result = run_pinscope("inspect", truncated_pem)

    assert result.returncode == EXIT_UNREADABLE
    assert "truncated" in result.stdout + result.stderr


def test_readable_sources_are_printed_when_another_is_not(
    tmp_path: Path, server_crt: Path, garbage_file: Path
) -> None:
    missing = tmp_path / "missing.pem"

    result = run_pinscope("inspect", server_crt, missing, garbage_file, DATA / "ca-root.crt")

    assert result.returncode == EXIT_UNREADABLE
    assert sha256_hex(certificate(server_crt)) in result.stdout
    assert sha256_hex(certificate(DATA / "ca-root.crt")) in result.stdout
    assert "missing.pem" in result.stdout + result.stderr
    assert "garbage.bin" in result.stdout + result.stderr


def test_unreadable_source_wins_over_error_findings(
    tmp_path: Path, expired_certificate: Path
) -> None:
    result = run_pinscope("inspect", expired_certificate, tmp_path / "missing.pem")

    assert result.returncode == EXIT_UNREADABLE
    assert "cert.expired" in result.stdout


@pytest.mark.parametrize(
    ("scenario", "options", "expected"),
    [
        ("missing", [], "No such file"),
        ("empty_file", [], "empty"),
        ("truncated_pem", [], "truncated"),
        ("wrong_password", ["--password", "not-the-password"], "wrong password"),
        ("no_password", [], "--password"),
    ],
)
def test_unreadable_source_is_reported_on_stderr(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    scenario: str,
    options: list[str],
    expected: str,
) -> None:
    if scenario == "missing":
        path = tmp_path / "missing.pem"
    elif scenario in ("wrong_password", "no_password"):
        path = DATA / "p12-aes.p12"
    else:
        path = request.getfixturevalue(scenario)

    result = run_pinscope("inspect", path, *options)

    assert result.returncode == EXIT_UNREADABLE
    assert path.name in result.stderr
    assert expected in result.stderr


def test_unreadable_source_is_reported_on_stderr_with_json(tmp_path: Path) -> None:
    result = run_pinscope("inspect", DATA / "p12-aes.p12", "--json")

    assert result.returncode == EXIT_UNREADABLE
    assert "p12-aes.p12" in result.stderr
    assert "--password" in result.stderr


def test_key_with_short_iv_exits_2_without_a_traceback(tmp_path: Path) -> None:
    data = (DATA / "key-rsa-traditional-encrypted.pem").read_bytes()
    path = tmp_path / "short-iv.pem"
    path.write_bytes(re.sub(rb"(DEK-Info: AES-256-CBC,[0-9A-F]{30})[0-9A-F]{2}", rb"\g<1>", data))

    result = run_pinscope(
        "inspect", path, "--password", PASSWORDS["key-rsa-traditional-encrypted.pem"]
    )

    assert result.returncode == EXIT_UNREADABLE
    assert "short-iv.pem" in result.stdout + result.stderr


# ---- passwords ---------------------------------------------------------------------------------


def test_password_from_environment_variable() -> None:
    result = run_pinscope(
        "inspect",
        *NO_TRUST,
        DATA / "p12-aes.p12",
        "--password-env",
        "PINSCOPE_TEST_P12_PASSWORD",
        env={"PINSCOPE_TEST_P12_PASSWORD": PASSWORDS["p12-aes.p12"]},
    )

    assert result.returncode == EXIT_OK
    assert sha256_hex(certificate(DATA / "server.crt")) in result.stdout


def test_unset_password_variable_exits_2_naming_it() -> None:
    result = run_pinscope(
        "inspect", DATA / "p12-aes.p12", "--password-env", "PINSCOPE_TEST_UNSET_VARIABLE"
    )

    assert result.returncode == EXIT_UNREADABLE
    assert "PINSCOPE_TEST_UNSET_VARIABLE" in result.stderr


def test_unset_password_variable_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PINSCOPE_TEST_UNSET_VARIABLE", raising=False)

    with pytest.raises(SystemExit) as exited:
        main(
            ["inspect", str(DATA / "p12-aes.p12"), "--password-env", "PINSCOPE_TEST_UNSET_VARIABLE"]
        )

    assert exited.value.code == EXIT_UNREADABLE
    assert "PINSCOPE_TEST_UNSET_VARIABLE" in capsys.readouterr().err


def test_password_file_first_line_is_the_password(password_file: Path) -> None:
    result = run_pinscope(
        "inspect", *NO_TRUST, DATA / "p12-aes.p12", "--password-file", password_file
    )

    assert result.returncode == EXIT_OK
    assert sha256_hex(certificate(DATA / "server.crt")) in result.stdout


def test_password_file_with_crlf_line_ending(tmp_path: Path) -> None:
    path = tmp_path / "password-crlf.txt"
    path.write_bytes(PASSWORDS["p12-aes.p12"].encode() + b"\r\n")

    result = run_pinscope("inspect", *NO_TRUST, DATA / "p12-aes.p12", "--password-file", path)

    assert result.returncode == EXIT_OK


def test_missing_password_file_exits_2(tmp_path: Path) -> None:
    result = run_pinscope(
        "inspect", DATA / "p12-aes.p12", "--password-file", tmp_path / "no-password.txt"
    )

    assert result.returncode == EXIT_UNREADABLE
    assert "no-password.txt" in result.stderr


@pytest.mark.parametrize(
    "options",
    [
        ["--password", "a", "--password-env", "B"],
        ["--password", "a", "--password-file", "f"],
        ["--password-env", "B", "--password-file", "f"],
    ],
    ids=["password+env", "password+file", "env+file"],
)
def test_password_options_are_mutually_exclusive(options: list[str]) -> None:
    result = run_pinscope("inspect", DATA / "p12-aes.p12", *options)

    assert result.returncode == EXIT_UNREADABLE
    assert "not allowed with" in result.stderr


def test_no_password_and_no_terminal_names_the_option() -> None:
    result = run_pinscope("inspect", DATA / "p12-aes.p12")

    assert result.returncode == EXIT_UNREADABLE
    assert "--password" in result.stdout + result.stderr


@pytest.mark.parametrize("fixture_name", ["p12-aes.p12", "keystore.jks"])
def test_wrong_password_says_so(fixture_name: str) -> None:
    result = run_pinscope("inspect", DATA / fixture_name, "--password", "not-the-password")

    assert result.returncode == EXIT_UNREADABLE
    assert "wrong password" in result.stdout + result.stderr


def test_key_password_opens_the_other_jks_entry() -> None:
    without = run_pinscope(
        "inspect",
        *NO_TRUST,
        DATA / "keystore.jks",
        "--password",
        PASSWORDS["keystore.jks"],
        "--json",
    )
    with_key_password = run_pinscope(
        "inspect",
        *NO_TRUST,
        DATA / "keystore.jks",
        "--password",
        PASSWORDS["keystore.jks"],
        "--key-password",
        "keypass2",
        "--json",
    )

    assert without.returncode == with_key_password.returncode == EXIT_FINDINGS  # CN-only "other"
    assert _other_entry_key(without.stdout) is None
    key = _other_entry_key(with_key_password.stdout)
    assert key is not None
    assert key["type"] == "RSA" and key["size"] == 2048


def _other_entry_key(stdout: str) -> dict[str, object] | None:
    (source,) = json.loads(stdout)["sources"]
    (other,) = [entry for entry in source["entries"] if entry["alias"] == "other"]
    public_key: dict[str, object] | None = other["private_key"]["public_key"]
    return public_key


# ---- passwords never shown ---------------------------------------------------------------------


@pytest.mark.parametrize("verbose", [[], ["-v"]], ids=["quiet", "verbose"])
@pytest.mark.parametrize("how", ["option", "env", "file"])
def test_password_never_appears_in_output(
    tmp_path: Path, p12_with_distinct_password: Path, how: str, verbose: list[str]
) -> None:
    env: dict[str, str] = {}
    if how == "option":
        options = ["--password", DISTINCT_PASSWORD]
    elif how == "env":
        options = ["--password-env", "PINSCOPE_TEST_PW"]
        env = {"PINSCOPE_TEST_PW": DISTINCT_PASSWORD}
    else:
        (tmp_path / "pw").write_text(DISTINCT_PASSWORD + "\n", encoding="utf-8")
        options = ["--password-file", str(tmp_path / "pw")]

    for output in ("text", "json"):
        extra = ["--json"] if output == "json" else []
        result = run_pinscope(
            "inspect", *NO_TRUST, p12_with_distinct_password, *options, *verbose, *extra, env=env
        )

        assert result.returncode == EXIT_OK, result.stderr
        assert DISTINCT_PASSWORD not in result.stdout
        assert DISTINCT_PASSWORD not in result.stderr


@pytest.mark.parametrize("verbose", [[], ["-v"]], ids=["quiet", "verbose"])
def test_wrong_password_is_not_echoed(verbose: list[str]) -> None:
    result = run_pinscope(
        "inspect", DATA / "p12-aes.p12", "--password", DISTINCT_PASSWORD, *verbose
    )

    assert result.returncode == EXIT_UNREADABLE
    assert "wrong password" in result.stdout + result.stderr
    assert DISTINCT_PASSWORD not in result.stdout + result.stderr


def test_keystore_passwords_are_not_echoed_when_verbose() -> None:
    result = run_pinscope(
        "inspect",
        *NO_TRUST,
        DATA / "keystore.jks",
        "--password",
        PASSWORDS["keystore.jks"],
        "--key-password",
        "keypass2",
        "-v",
    )

    assert result.returncode == EXIT_FINDINGS  # the CN-only "other" entry
    for password in (PASSWORDS["keystore.jks"], "keypass2"):
        assert password not in result.stdout + result.stderr
