"""`pinscope inspect` validation options as a user runs them: --trust, --trust-store, --host, --at,
--warn-days and --fetch-missing; the verdict printed above the details, the JSON `validation`
object, and the exit status.

Each test runs the real program in a child process against certificates minted for it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID

from tests.conftest import DATA, PASSWORDS
from tests.core import minting
from tests.core.test_aia import AIAServer, Route, running

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
ARROW = " \u2192 "


def run_pinscope(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m pinscope.cli ARGS` with empty standard input; no traceback may show."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINSCOPE_TEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "pinscope.cli", *map(str, args)],
        input="",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr
    return result


def run_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run_pinscope("inspect", "--json", *args)
    document: dict[str, Any] = json.loads(result.stdout)
    return result.returncode, document


def codes_in(document: dict[str, Any]) -> set[str]:
    return {finding["code"] for source in document["sources"] for finding in source["findings"]}


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Files:
    """A minted chain written out: the file to inspect, and trust files."""

    chain: minting.Chain
    served: Path
    """The leaf and the intermediate, as a server's certificate file holds them."""
    root: Path
    other_root: Path
    """A root that issued nothing here."""


@pytest.fixture
def files(tmp_path: Path) -> Files:
    root = minting.mint_ca("Cli Root CA", not_before=NOW - 400 * DAY, not_after=NOW + 3000 * DAY)
    intermediate = minting.mint_ca(
        "Cli Issuing CA",
        issuer=root,
        path_length=0,
        not_before=NOW - 400 * DAY,
        not_after=NOW + 2000 * DAY,
    )
    leaf = minting.mint_leaf(
        intermediate, "www.cli.test", not_before=NOW - DAY, not_after=NOW + 89 * DAY
    )
    chain = minting.Chain(root, intermediate, leaf)
    served = tmp_path / "fullchain.pem"
    served.write_bytes(leaf.pem + intermediate.pem)
    root_file = tmp_path / "root.pem"
    root_file.write_bytes(root.pem)
    other_file = tmp_path / "other-root.pem"
    other_file.write_bytes(minting.mint_ca("Cli Other Root").pem)
    return Files(chain, served, root_file, other_file)


def lines_of(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines()]


def line_starting(output: str, prefix: str) -> str:
    found = [line for line in lines_of(output) if line.startswith(prefix)]
    assert found, f"no line starts with {prefix!r} in:\n{output}"
    return found[0]


# ---- a clean, trusted chain ------------------------------------------------------------------


def test_trusted_chain_exits_0_with_the_verdict_and_path_above_the_details(files: Files) -> None:
    result = run_pinscope("inspect", files.served, "--trust", files.root)

    assert result.returncode == EXIT_OK, result.stdout
    lines = lines_of(result.stdout)
    verdict = line_starting(result.stdout, "verdict")
    path = line_starting(result.stdout, "path")
    assert verdict == (
        "verdict      TRUSTED as a TLS server, through \u201cCli Root CA\u201d from the trust "
        "file root.pem"
    )
    assert path == (
        f"path         www.cli.test{ARROW}Cli Issuing CA{ARROW}Cli Root CA (from the store)"
    )
    first_certificate = lines.index("1. CN=www.cli.test")
    assert lines.index(verdict) < lines.index(path) < first_certificate
    assert "findings:" not in result.stdout


def test_json_validation_object_of_a_trusted_chain(files: Files) -> None:
    status, document = run_json(files.served, "--trust", files.root)

    assert status == EXIT_OK
    (source,) = document["sources"]
    validation = source["validation"]
    chain = files.chain
    assert validation["trusted"] is True
    assert validation["path"] == [chain.leaf.sha256, chain.intermediate.sha256, chain.root.sha256]
    assert validation["anchor"] == chain.root.sha256
    assert validation["store"] == "custom"
    assert validation["store_label"] == "the trust file root.pem"
    assert validation["stores"] == ["custom"]
    assert validation["errors"] == []
    assert validation["purpose"] == "server"
    assert validation["fetched"] == []
    assert source["entries"][0]["validation"] == validation
    assert source["findings"] == []


def test_json_validation_object_of_an_untrusted_chain(files: Files) -> None:
    status, document = run_json(files.served, "--trust", files.other_root)

    assert status == EXIT_FINDINGS
    validation = document["sources"][0]["validation"]
    assert validation["trusted"] is False
    assert validation["complete"] is False
    assert validation["path"][0] == files.chain.leaf.sha256
    assert validation["anchor"] is None
    assert validation["store"] is None
    (error,) = validation["errors"]
    assert "\u201cCli Issuing CA\u201d" in error and "the trust file other-root.pem" in error
    assert "chain.missing-intermediate" in codes_in(document)


# ---- --trust ---------------------------------------------------------------------------------


def test_trust_is_repeatable_and_each_file_is_a_store(files: Files) -> None:
    status, document = run_json(files.served, "--trust", files.other_root, "--trust", files.root)

    assert status == EXIT_OK
    validation = document["sources"][0]["validation"]
    assert validation["trusted"] is True
    assert validation["stores"] == ["custom", "custom"]
    assert validation["store_label"] == "the trust file root.pem"


def test_a_jks_truststore_is_a_trust_file() -> None:
    result = run_pinscope(
        "inspect",
        DATA / "chain.pem",
        "--trust",
        DATA / "truststore.jks",
        "--password",
        PASSWORDS["truststore.jks"],
    )

    assert result.returncode == EXIT_OK, result.stdout
    assert line_starting(result.stdout, "verdict").endswith("from the trust file truststore.jks")


@pytest.mark.parametrize(
    ("truststore", "password", "path"),
    [
        (
            "java-truststore.p12",
            PASSWORDS["java-truststore.p12"],
            # The intermediate is in this truststore: the path ends at it.
            f"api.example.test{ARROW}Pinscope Test Issuing CA",
        ),
        (
            "java-truststore-nopass.p12",
            None,
            f"api.example.test{ARROW}Pinscope Test Issuing CA{ARROW}Pinscope Test Root "
            "(from the store)",
        ),
    ],
    ids=["with-password", "without-password"],
)
def test_a_pkcs12_truststore_is_a_trust_file(
    tmp_path: Path, truststore: str, password: str | None, path: str
) -> None:
    served = tmp_path / "served.pem"
    served.write_bytes(
        (DATA / "server.crt").read_bytes() + (DATA / "ca-intermediate.crt").read_bytes()
    )
    options = ["--password", password] if password is not None else []

    result = run_pinscope("inspect", served, "--trust", DATA / truststore, *options)

    assert result.returncode == EXIT_OK, result.stdout
    assert line_starting(result.stdout, "verdict").endswith(f"from the trust file {truststore}")
    assert line_starting(result.stdout, "path") == f"path         {path}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the trust file {path}: cannot open it"),
        (
            b"not a certificate at all\n",
            "cannot read the trust file {path}: expected a certificate",
        ),
        (minting.key_pem(minting.new_key()), "the trust file {path} holds no certificates"),
    ],
    ids=["missing", "garbage", "key-only"],
)
def test_unreadable_trust_file_exits_2_saying_why(
    files: Files, tmp_path: Path, content: bytes | None, message: str
) -> None:
    trust = tmp_path / "trust.pem"
    if content is not None:
        trust.write_bytes(content)

    result = run_pinscope("inspect", files.served, "--trust", trust)

    assert result.returncode == EXIT_UNREADABLE
    assert result.stdout == ""
    assert "pinscope: error: cannot use the trust store: " in result.stderr
    assert message.format(path=trust) in result.stderr


def test_password_protected_truststore_without_password_exits_2(files: Files) -> None:
    truststore = DATA / "java-truststore.p12"

    result = run_pinscope("inspect", files.served, "--trust", truststore)

    assert result.returncode == EXIT_UNREADABLE
    assert f"the trust file {truststore} is protected by a password" in result.stderr


# ---- --trust-store ----------------------------------------------------------------------------


def test_trust_store_none_judges_no_trust(files: Files) -> None:
    result = run_pinscope("inspect", files.served, "--trust-store", "none")

    assert result.returncode == EXIT_OK, result.stdout
    assert line_starting(result.stdout, "verdict") == (
        "verdict      trust not judged (no trust store)"
    )
    assert line_starting(result.stdout, "path") == (
        f"path         www.cli.test{ARROW}Cli Issuing CA{ARROW}?"
    )

    status, document = run_json(files.served, "--trust-store", "none")
    validation = document["sources"][0]["validation"]
    assert status == EXIT_OK
    assert validation["trusted"] is False
    assert validation["stores"] == [] and validation["store"] is None


def test_trust_store_mozilla_does_not_trust_a_private_root(files: Files) -> None:
    status, document = run_json(files.served, "--trust-store", "mozilla")

    assert status == EXIT_FINDINGS
    validation = document["sources"][0]["validation"]
    assert validation["trusted"] is False
    assert validation["stores"] == ["mozilla"]
    (error,) = validation["errors"]
    assert "the Mozilla store (certifi " in error
    assert "chain.missing-intermediate" in codes_in(document)


def test_trust_file_and_mozilla_together(files: Files) -> None:
    status, document = run_json(files.served, "--trust", files.root, "--trust-store", "mozilla")

    validation = document["sources"][0]["validation"]
    assert status == EXIT_OK
    assert validation["stores"] == ["custom", "mozilla"]
    assert validation["store"] == "custom" and validation["trusted"] is True


def test_unknown_trust_store_is_a_usage_error(files: Files) -> None:
    result = run_pinscope("inspect", files.served, "--trust-store", "windows")

    assert result.returncode == EXIT_UNREADABLE
    assert "invalid choice: 'windows'" in result.stderr


# ---- --host ----------------------------------------------------------------------------------


def test_matching_host_is_trusted_for_that_host(files: Files) -> None:
    result = run_pinscope("inspect", files.served, "--trust", files.root, "--host", "www.cli.test")

    assert result.returncode == EXIT_OK, result.stdout
    assert line_starting(result.stdout, "verdict").startswith(
        "verdict      TRUSTED for www.cli.test as a TLS server"
    )


def test_ip_address_host_matches_an_ip_san() -> None:
    status, document = run_json(
        DATA / "chain.pem", "--trust", DATA / "ca-root.crt", "--host", "127.0.0.1"
    )

    assert status == EXIT_OK
    validation = document["sources"][0]["validation"]
    assert validation["trusted"] is True and validation["host"] == "127.0.0.1"


def test_mismatching_host_exits_1_with_hostname_mismatch(files: Files) -> None:
    result = run_pinscope(
        "inspect", files.served, "--trust", files.root, "--host", "api.other.test"
    )

    assert result.returncode == EXIT_FINDINGS
    assert line_starting(result.stdout, "verdict") == (
        "verdict      NOT TRUSTED for api.other.test as a TLS server"
    )
    assert "\u201cwww.cli.test\u201d is not valid for api.other.test: it names www.cli.test." in (
        result.stdout
    )
    assert line_starting(result.stdout, "ERROR") == (
        "ERROR \u201cwww.cli.test\u201d is not valid for api.other.test  [cert.hostname-mismatch]"
    )

    status, document = run_json(files.served, "--trust", files.root, "--host", "api.other.test")
    assert status == EXIT_FINDINGS
    assert document["sources"][0]["validation"]["host"] == "api.other.test"
    assert codes_in(document) == {"cert.hostname-mismatch"}


# ---- --at ------------------------------------------------------------------------------------


def test_at_a_past_date_the_leaf_is_not_yet_valid(files: Files) -> None:
    at = NOW - 30 * DAY

    result = run_pinscope("inspect", files.served, "--trust", files.root, "--at", iso(at))

    assert result.returncode == EXIT_FINDINGS
    assert "(NOT YET VALID)" in line_starting(result.stdout, "valid ")
    assert "[cert.not-yet-valid]" in result.stdout
    assert line_starting(result.stdout, "verdict") == "verdict      NOT TRUSTED as a TLS server"

    status, document = run_json(files.served, "--trust", files.root, "--at", iso(at))
    validation = document["sources"][0]["validation"]
    assert status == EXIT_FINDINGS
    assert validation["at"] == iso(at)
    assert validation["trusted"] is False
    assert any("is not valid before" in error for error in validation["errors"])


def test_at_a_future_date_the_leaf_has_expired(files: Files) -> None:
    at = NOW + 120 * DAY

    status, document = run_json(files.served, "--trust", files.root, "--at", iso(at))

    assert status == EXIT_FINDINGS
    assert "cert.expired" in codes_in(document)
    (expired,) = [f for f in document["sources"][0]["findings"] if f["code"] == "cert.expired"]
    assert expired["title"] == "\u201cwww.cli.test\u201d has expired"
    assert expired["certificate"] == files.chain.leaf.sha256
    assert document["sources"][0]["validation"]["trusted"] is False


def test_at_a_date_inside_every_validity_is_clean(files: Files) -> None:
    result = run_pinscope(
        "inspect", files.served, "--trust", files.root, "--at", iso(NOW + 10 * DAY)
    )

    assert result.returncode == EXIT_OK, result.stdout


def test_at_that_is_no_date_is_a_usage_error(files: Files) -> None:
    result = run_pinscope("inspect", files.served, "--at", "next tuesday")

    assert result.returncode == EXIT_UNREADABLE
    assert "not an ISO 8601 time: 'next tuesday'" in result.stderr


# ---- --warn-days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "warned"),
    [([], True), (["--warn-days", "30"], True), (["--warn-days", "7"], False)],
    ids=["default", "30-days", "7-days"],
)
def test_warn_days_sets_when_expiring_soon_warns(
    files: Files, options: list[str], warned: bool
) -> None:
    # The leaf has 10 of its 90 days left: under a third of its lifetime.
    at = files.chain.leaf.certificate.not_valid_after_utc - 10 * DAY

    result = run_pinscope("inspect", files.served, "--trust", files.root, "--at", iso(at), *options)

    assert result.returncode == EXIT_OK  # a warning is not an error
    if warned:
        assert line_starting(result.stdout, "WARN") == (
            "WARN  \u201cwww.cli.test\u201d expires in 10 days  [cert.expiring-soon]"
        )
    else:
        assert "cert.expiring-soon" not in result.stdout


def test_negative_warn_days_is_a_usage_error(files: Files) -> None:
    result = run_pinscope("inspect", files.served, "--warn-days", "-1")

    assert result.returncode == EXIT_UNREADABLE
    assert "must not be negative: -1" in result.stderr


# ---- --fetch-missing -------------------------------------------------------------------------


@pytest.fixture
def aia_server() -> Iterator[AIAServer]:
    with running(AIAServer()) as server:
        yield server


@pytest.fixture
def leaf_alone(files: Files, aia_server: AIAServer, tmp_path: Path) -> Path:
    """A file with only a leaf whose AIA URL names the intermediate on the test server."""
    access = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier(aia_server.url("/issuing.crt")),
            )
        ]
    )
    leaf = minting.mint_leaf(files.chain.intermediate, "www.cli.test", extra=[(access, False)])
    path = tmp_path / "leaf.pem"
    path.write_bytes(leaf.pem)
    return path


def test_fetch_missing_downloads_the_intermediate(
    files: Files, aia_server: AIAServer, leaf_alone: Path
) -> None:
    aia_server.routes["/issuing.crt"] = Route(body=files.chain.intermediate.der)
    url = aia_server.url("/issuing.crt")

    status, document = run_json(leaf_alone, "--trust", files.root, "--fetch-missing")

    assert aia_server.hits["/issuing.crt"] == 1
    validation = document["sources"][0]["validation"]
    assert validation["trusted"] is True
    assert validation["path"][1:] == [files.chain.intermediate.sha256, files.chain.root.sha256]
    assert validation["fetched"] == [
        {"url": url, "certificates": [files.chain.intermediate.sha256], "error": None}
    ]
    # Trusted once downloaded, but the file still lacks the intermediate: an error to fix.
    (missing,) = document["sources"][0]["findings"]
    assert missing["code"] == "chain.missing-intermediate"
    assert f"Pinscope downloaded it from {url} (--fetch-missing)" in missing["detail"]
    assert status == EXIT_FINDINGS


def test_fetch_missing_shows_the_download_in_the_text(
    files: Files, aia_server: AIAServer, leaf_alone: Path
) -> None:
    aia_server.routes["/issuing.crt"] = Route(body=files.chain.intermediate.der)
    url = aia_server.url("/issuing.crt")

    result = run_pinscope("inspect", leaf_alone, "--trust", files.root, "--fetch-missing")

    assert line_starting(result.stdout, "path") == (
        f"path         www.cli.test{ARROW}Cli Issuing CA (downloaded){ARROW}Cli Root CA "
        "(from the store)"
    )
    assert line_starting(result.stdout, "fetched") == f"fetched      {url}: 1 certificate(s)"


def test_without_fetch_missing_nothing_is_downloaded(
    files: Files, aia_server: AIAServer, leaf_alone: Path
) -> None:
    aia_server.routes["/issuing.crt"] = Route(body=files.chain.intermediate.der)

    status, document = run_json(leaf_alone, "--trust", files.root)

    assert sum(aia_server.hits.values()) == 0
    assert status == EXIT_FINDINGS
    validation = document["sources"][0]["validation"]
    assert validation["trusted"] is False and validation["fetched"] == []
    assert "chain.missing-intermediate" in codes_in(document)


def test_failed_download_is_reported_not_a_traceback(
    files: Files, aia_server: AIAServer, leaf_alone: Path
) -> None:
    url = aia_server.url("/issuing.crt")  # no route: the server answers 404

    result = run_pinscope("inspect", leaf_alone, "--trust", files.root, "--fetch-missing")

    assert result.returncode == EXIT_FINDINGS
    assert aia_server.hits["/issuing.crt"] == 1
    assert line_starting(result.stdout, "fetched") == (
        f"fetched      {url}: {url} answered HTTP 404 (Whatever)"
    )
    assert f"but {url} answered HTTP 404 (Whatever). Ask the CA for the certificate." in (
        result.stdout
    )
