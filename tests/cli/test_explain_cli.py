"""`pinscope explain` as a user runs it: what it prints, its JSON and its exit status.

The command runs in-process through `pinscope.cli.explain`, on a real argparse parser built
the way `pinscope.cli.main` declares its commands.
"""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable

import pytest

from pinscope.cli import explain as explain_cli
from pinscope.core import __version__

EXIT_RECOGNISED, EXIT_UNRECOGNISED = 0, 2

CURL_60 = "curl: (60) SSL certificate problem: unable to get local issuer certificate"
MTLS_TLS13 = (
    "4087E1F5B87F0000:error:0A00045C:SSL routines::tlsv13 alert certificate required:"
    "ssl/record/rec_layer_s3.c:1605:SSL alert number 116"
)


class FakeStdin(io.TextIOWrapper):
    """Standard input with bytes behind it, as a terminal or a pipe would be."""

    def __init__(self, data: bytes, terminal: bool = False) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@pytest.fixture
def pinscope(
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., tuple[int, str, str]]:
    """Run `pinscope explain ARGS` in-process; returns (status, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="pinscope")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    explain_cli.add_parser(commands)

    def run(*args: str) -> tuple[int, str, str]:
        namespace = parser.parse_args(["explain", *args])
        status = explain_cli.run(namespace)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def test_explains_a_message_given_as_words(pinscope: Callable[..., tuple[int, str, str]]) -> None:
    status, out, err = pinscope(
        "curl:",
        "(60)",
        "SSL",
        "certificate",
        "problem:",
        "unable",
        "to",
        "get",
        "local",
        "issuer",
        "certificate",
    )

    assert status == EXIT_RECOGNISED
    assert err == ""
    assert out.startswith("2 known failures match this text, most likely first:\n")
    first, second = out.split("\n2. ")
    assert "1. The server does not send its intermediate certificate  " in first
    assert "[chain.missing-intermediate]" in first
    assert "Recognised: \u201cunable to get local issuer certificate\u201d" in first
    assert "OpenSSL verification error 20" in first
    assert "What to check next:\n   - Run `pinscope connect HOST:PORT`" in first
    assert "[chain.untrusted-root]" in second


def test_a_single_explanation_reads_as_one(pinscope: Callable[..., tuple[int, str, str]]) -> None:
    status, out, _ = pinscope(MTLS_TLS13)

    assert status == EXIT_RECOGNISED
    assert out.startswith(
        "One known failure matches this text:\n\n1. The server requires a "
        "client certificate and received none  [tls.client-cert-required]"
    )
    assert "The server (the other side) ended the connection with TLS alert 116" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_json_document(pinscope: Callable[..., tuple[int, str, str]]) -> None:
    status, out, err = pinscope("--json", CURL_60)

    assert status == EXIT_RECOGNISED
    assert err == ""
    document = json.loads(out)
    assert document["pinscope"] == __version__
    assert [item["code"] for item in document["explanations"]] == [
        "chain.missing-intermediate",
        "chain.untrusted-root",
    ]
    first = document["explanations"][0]
    assert set(first) == {"code", "title", "explanation", "next_steps", "matched"}
    assert first["matched"] == "unable to get local issuer certificate"
    assert isinstance(first["next_steps"], list)
    assert all(isinstance(step, str) for step in first["next_steps"])


def test_reads_standard_input_given_a_dash(
    pinscope: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = (
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_required\n"
        "\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)\n"
    )
    monkeypatch.setattr("sys.stdin", FakeStdin(trace.encode()))

    status, out, err = pinscope("-", "--json")

    assert status == EXIT_RECOGNISED
    assert err == ""
    assert json.loads(out)["explanations"][0]["code"] == "tls.client-cert-required"


def test_reads_standard_input_without_text(
    pinscope: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(b"NET::ERR_CERT_DATE_INVALID\n"))

    status, out, _ = pinscope()

    assert status == EXIT_RECOGNISED
    assert "[cert.expired]" in out


def test_prompts_only_when_a_person_is_pasting(
    pinscope: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(b"ERR_CERT_REVOKED\n", terminal=True))
    _, _, err = pinscope()
    assert err.startswith("Paste the error message, then press Ctrl-D")

    monkeypatch.setattr("sys.stdin", FakeStdin(b"ERR_CERT_REVOKED\n"))
    _, _, err = pinscope()
    assert err == ""


def test_undecodable_input_is_read_not_refused(
    pinscope: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(b"\xff\xfe garbage \x80 curl: (52) Empty reply"))

    status, out, _ = pinscope("-")

    assert status == EXIT_RECOGNISED
    assert "[net.reset]" in out


def test_nothing_recognised_says_so_and_suggests_connect(
    pinscope: Callable[..., tuple[int, str, str]],
) -> None:
    status, out, err = pinscope("the", "printer", "is", "out", "of", "paper")

    assert status == EXIT_UNRECOGNISED
    assert out == ""
    assert err.startswith("pinscope: explain: no known TLS or certificate error in this text")
    assert "`pinscope connect HOST:PORT`" in err


def test_nothing_recognised_in_json_is_an_empty_list(
    pinscope: Callable[..., tuple[int, str, str]],
) -> None:
    status, out, err = pinscope("--json", "all good")

    assert status == EXIT_UNRECOGNISED
    assert json.loads(out) == {"pinscope": __version__, "explanations": []}
    assert "no known TLS or certificate error" in err


def test_empty_standard_input(
    pinscope: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(b""))

    status, out, err = pinscope("-")

    assert status == EXIT_UNRECOGNISED
    assert out == ""
    assert "no known TLS or certificate error" in err


def test_help_names_the_exit_statuses(
    pinscope: Callable[..., tuple[int, str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        pinscope("--help")

    assert exit_info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "usage: pinscope explain [-h] [--json] [TEXT ...]" in help_text
    assert "Exit status: 0 something was recognised, 2 nothing was." in help_text


def test_the_main_command_line_dispatches_to_explain(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pinscope.cli import main as main_module

    try:
        main_module.build_parser().parse_args(["explain", "text"])
    except SystemExit:
        pytest.skip("pinscope.cli.main does not declare `explain` yet")
    capsys.readouterr()

    assert main_module.main(["explain", "--json", MTLS_TLS13]) == EXIT_RECOGNISED
    assert json.loads(capsys.readouterr().out)["explanations"][0]["code"] == (
        "tls.client-cert-required"
    )
    assert main_module.main(["explain", "nothing to see"]) == EXIT_UNRECOGNISED
