"""`pinscope connect` against real `openssl s_server` processes started by the tests.

The loopback pyOpenSSL servers elsewhere behave as scripted; this is what OpenSSL's own server
does, including its habit (with `-Verify`) of asking for a client certificate and then not
refusing one it cannot verify.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_inspect_cli import run_pinscope
from tests.conftest import DATA

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

EXIT_OK, EXIT_FINDINGS = 0, 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def s_server(*options: str) -> Iterator[int]:
    """`openssl s_server` with the committed server chain on a free loopback port."""
    port = free_port()
    command = [
        "openssl",
        "s_server",
        "-accept",
        f"127.0.0.1:{port}",
        "-quiet",
        "-cert",
        str(DATA / "server.crt"),
        "-key",
        str(DATA / "server.key"),
        "-cert_chain",
        str(DATA / "ca-intermediate.crt"),
        *options,
    ]
    with serving_process(command, port):
        yield port


@contextlib.contextmanager
def serving_process(command: list[str], port: int) -> Iterator[None]:
    """A server program listening on the loopback `port` once it accepts, stopped afterwards."""
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def connect(port: int, *args: str | Path) -> tuple[int, dict[str, object]]:
    result = run_pinscope(
        "connect", f"127.0.0.1:{port}", "--trust", DATA / "ca-root.crt", "--json", *args
    )
    [source] = json.loads(result.stdout)["sources"]
    return result.returncode, source


def test_a_plain_openssl_server_is_trusted() -> None:
    with s_server() as port:
        status, source = connect(port)

    assert status == EXIT_OK
    assert source["validation"]["trusted"] is True  # type: ignore[index]


@pytest.mark.parametrize(("version", "alert"), [("-tls1_2", 40), ("-tls1_3", 116)])
def test_openssl_requiring_a_client_certificate(version: str, alert: int) -> None:
    with s_server("-Verify", "1", "-CAfile", str(DATA / "ca-root.crt"), version) as port:
        status, source = connect(port)

    assert status == EXIT_FINDINGS
    handshake = source["handshake"]
    assert handshake["client_ca_names"] == [  # type: ignore[index]
        "CN=Pinscope Test Root,O=Pinscope Tests,C=GB"
    ]
    assert [a["description"] for a in handshake["alerts"]] == [alert]  # type: ignore[index]
    codes = [f["code"] for f in source["findings"]]  # type: ignore[union-attr]
    assert "tls.client-cert-required" in codes


def test_openssl_asks_but_lets_an_unverifiable_client_certificate_through() -> None:
    # The committed client.crt comes without its intermediate: the preflight doubts it, and
    # s_server (which only logs verify errors) accepts it, so the doubt stays a warning.
    client = ("--client-cert", DATA / "client.crt", "--client-key", DATA / "client.key")
    with s_server("-Verify", "1", "-CAfile", str(DATA / "ca-root.crt")) as port:
        status, source = connect(port, *client)

    handshake = source["handshake"]
    assert handshake["failure"] is None  # type: ignore[index]
    assert handshake["client_certificate"]["sent"] is True  # type: ignore[index]
    [doubt] = [f for f in source["findings"] if f["code"] == "tls.client-cert-wrong-ca"]  # type: ignore[union-attr]
    assert doubt["severity"] == "warning"
    assert "accepted it all the same" in doubt["detail"]
    assert status == EXIT_OK
