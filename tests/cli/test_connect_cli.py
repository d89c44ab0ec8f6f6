"""`pinscope connect` and endpoints given to `pinscope inspect`, as users run them.

The servers are pyOpenSSL servers on 127.0.0.1 started by each test; the program runs in a
child process, so what is checked is what a terminal or a monitoring script sees: the story,
the findings, the JSON document and the exit status.
"""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.cli.test_inspect_cli import run_pinscope
from tests.conftest import DATA, PASSWORDS
from tests.core import minting
from tests.core.endpoint.connect_proxy import ConnectProxy
from tests.core.endpoint.servers import (
    CLIENT_AUTH_REQUIRED,
    PLAIN_HTTP,
    ServerConfig,
    serving,
)

EXIT_OK, EXIT_FINDINGS, EXIT_UNTESTABLE = 0, 1, 2
HOST = "cli.test"


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain(HOST, prefix="CLI")


@pytest.fixture
def roots(tmp_path: Path, chain: minting.Chain) -> Path:
    path = tmp_path / "roots.pem"
    path.write_bytes(chain.root.pem)
    return path


def config(chain: minting.Chain, **changes: object) -> ServerConfig:
    base = ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate], key=chain.leaf.key
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def client_certificate(issuer: minting.Issued, name: str = "alice") -> minting.Issued:
    return minting.mint_certificate(
        minting.name(name),
        issuer=issuer,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
        ],
    )


def connect(port: int, roots: Path, *args: str | Path) -> tuple[int, str, str]:
    result = run_pinscope(
        "connect", f"127.0.0.1:{port}", "--sni", HOST, "--trust", roots, "--timeout", "3", *args
    )
    return result.returncode, result.stdout, result.stderr


def test_a_good_server_exits_0_and_tells_the_story(chain: minting.Chain, roots: Path) -> None:
    with serving(config(chain)) as server:
        port = server.port
        status, out, _ = connect(port, roots)

    assert status == EXIT_OK
    lines = out.splitlines()
    assert lines[0] == f"127.0.0.1:{port}  (TLS endpoint)"
    story = "\n".join(lines[:12])
    assert f"connected    TCP to 127.0.0.1:{port}" in story
    assert f"ClientHello, server name {HOST}" in story
    assert "negotiated   TLSv1.3" in story
    assert "received     2 certificates" in story
    assert "client cert  not requested by the server" in story
    # The chain follows the story, with its verdict.
    assert out.index("negotiated") < out.index("verdict      TRUSTED for cli.test")
    assert chain.leaf.sha256 in out


def test_json_carries_the_handshake_object(chain: minting.Chain, roots: Path) -> None:
    with serving(config(chain, alpn=[b"h2"])) as server:
        port = server.port
        status, out, _ = connect(port, roots, "--json", "--alpn", "h2,http/1.1")

    assert status == EXIT_OK
    [source] = json.loads(out)["sources"]
    assert (source["kind"], source["format"]) == ("endpoint", "tls")
    handshake = source["handshake"]
    assert handshake["host"] == "127.0.0.1" and handshake["port"] == port
    assert handshake["sni"] == HOST
    assert handshake["completed"] is True
    assert handshake["version"] == "TLSv1.3"
    assert handshake["alpn_offered"] == ["h2", "http/1.1"] and handshake["alpn"] == "h2"
    assert handshake["chain_as_sent"] == [chain.leaf.sha256, chain.intermediate.sha256]
    assert handshake["certificate_requested"] is False
    assert handshake["client_ca_names"] is None
    assert handshake["alerts"] == []
    assert handshake["failure"] is None
    assert {"dns", "connect", "tls"} <= handshake["timings_ms"].keys()
    assert source["validation"]["trusted"] is True
    certificates = source["entries"][0]["certificates"]
    assert [c["sha256"] for c in certificates] == handshake["chain_as_sent"]


def test_expired_certificate_exits_1(chain: minting.Chain, roots: Path) -> None:
    with serving(config(chain)) as server:
        status, out, _ = connect(server.port, roots, "--at", "2100-01-01T00:00:00Z")

    assert status == EXIT_FINDINGS
    assert "[cert.expired]" in out


def test_refused_connection_exits_2(roots: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    status, out, _ = connect(port, roots)

    assert status == EXIT_UNTESTABLE
    assert "[net.refused]" in out
    assert "refused the TCP connection" in out


def test_client_certificate_required_exits_1_and_names_the_accepted_ca(
    chain: minting.Chain, roots: Path
) -> None:
    client_ca = minting.mint_ca("Internal Services CA")
    required = config(chain, client_auth=CLIENT_AUTH_REQUIRED, client_trust=[client_ca.certificate])
    with serving(required) as server:
        status, out, _ = connect(server.port, roots, "--json")

    assert status == EXIT_FINDINGS
    [source] = json.loads(out)["sources"]
    handshake = source["handshake"]
    assert handshake["certificate_requested"] is True
    assert handshake["client_ca_names"] == [client_ca.subject]
    assert handshake["alerts"] == [
        {
            "direction": "received",
            "level": "fatal",
            "description": 116,
            "name": "certificate_required",
            "stage": "after-handshake",
        }
    ]
    assert "tls.client-cert-required" in [f["code"] for f in source["findings"]]


@pytest.mark.parametrize("shape", ["pem", "separate-key", "pkcs12"])
def test_client_certificate_from_files_is_presented(
    chain: minting.Chain, roots: Path, tmp_path: Path, shape: str
) -> None:
    client_ca = minting.mint_ca("Internal Services CA")
    client = client_certificate(client_ca)
    cert_path = tmp_path / "client.pem"
    args: list[str | Path] = ["--client-cert", cert_path]
    if shape == "pem":
        cert_path.write_bytes(client.pem + client.key_pem())
    elif shape == "separate-key":
        cert_path.write_bytes(client.pem)
        (tmp_path / "client.key").write_bytes(client.key_pem())
        args += ["--client-key", tmp_path / "client.key"]
    else:
        cert_path = tmp_path / "client.p12"
        cert_path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"alice",
                client.key,  # type: ignore[arg-type]
                client.certificate,
                None,
                serialization.BestAvailableEncryption(b"Zq7-unlikely-Pw-4829"),
            )
        )
        args = ["--client-cert", cert_path, "--password", "Zq7-unlikely-Pw-4829"]
    required = config(chain, client_auth=CLIENT_AUTH_REQUIRED, client_trust=[client_ca.certificate])
    with serving(required) as server:
        status, out, _ = connect(server.port, roots, *args)

    assert status == EXIT_OK, out
    assert "client cert  requested, sent" in out
    seen = server.visits[-1].client_certificate
    assert seen is not None and seen.subject.rfc4514_string() == "CN=alice"
    assert "Zq7-unlikely-Pw-4829" not in out


def test_client_certificate_without_its_key_is_a_usage_error(
    chain: minting.Chain, roots: Path, tmp_path: Path
) -> None:
    lone = tmp_path / "client.crt"
    lone.write_bytes(chain.leaf.pem)

    status, _, err = connect(1, roots, "--client-cert", lone)

    assert status == EXIT_UNTESTABLE
    assert "cannot use the client certificate" in err
    assert "--client-key" in err


def test_inspect_reads_an_endpoint_beside_a_file(
    chain: minting.Chain, roots: Path, tmp_path: Path
) -> None:
    leaf_file = tmp_path / "leaf.pem"
    leaf_file.write_bytes(chain.leaf.pem)
    with serving(config(chain)) as server:
        result = run_pinscope(
            "inspect",
            f"https://127.0.0.1:{server.port}/",
            leaf_file,
            "--trust",
            roots,
            "--json",
            "--host",
            HOST,
        )

    [endpoint, file] = json.loads(result.stdout)["sources"]
    assert endpoint["kind"] == "endpoint" and endpoint["handshake"]["completed"] is True
    assert endpoint["validation"]["trusted"] is True
    assert file["kind"] == "file"


def test_plain_http_port_exits_1_with_not_tls(chain: minting.Chain, roots: Path) -> None:
    with serving(ServerConfig(behaviour=PLAIN_HTTP)) as server:
        status, out, _ = connect(server.port, roots)

    assert status == EXIT_FINDINGS
    assert "[tls.not-tls]" in out
    assert "plain HTTP server" in out


def test_bad_endpoint_text_is_a_usage_error(roots: Path) -> None:
    result = run_pinscope("connect", "host:99999", "--trust", roots)

    assert result.returncode == EXIT_UNTESTABLE
    assert "1-65535" in result.stderr


@pytest.mark.parametrize("name", ["h\u00e9", "x" * 256])
def test_an_alpn_name_tls_cannot_carry_is_a_usage_error(roots: Path, name: str) -> None:
    result = run_pinscope("connect", "127.0.0.1:1", "--alpn", f"h2,{name}", "--trust", roots)

    assert result.returncode == EXIT_UNTESTABLE
    assert "--alpn: an ALPN protocol name is ASCII" in result.stderr
    assert "Traceback" not in result.stderr


def test_keystore_alias_as_client_certificate_is_presented_and_judged(
    chain: minting.Chain, roots: Path
) -> None:
    # keystore.jks holds two key entries; "server" is the committed server certificate, which
    # lacks clientAuth: presented on request, refused with alert 43, and said beforehand.
    test_root = x509.load_pem_x509_certificate((DATA / "ca-root.crt").read_bytes())
    required = config(chain, client_auth=CLIENT_AUTH_REQUIRED, client_trust=[test_root])
    jks = ("--client-cert", DATA / "keystore.jks", "--password", PASSWORDS["keystore.jks"])
    with serving(required) as server:
        ambiguous = connect(server.port, roots, *jks)
        status, out, _ = connect(server.port, roots, *jks, "--client-alias", "server", "--json")

    assert ambiguous[0] == EXIT_UNTESTABLE
    assert "--client-alias" in ambiguous[2]
    assert status == EXIT_FINDINGS
    [source] = json.loads(out)["sources"]
    assert source["handshake"]["client_certificate"]["sent"] is True
    assert [a["description"] for a in source["handshake"]["alerts"]] == [43]
    found = [f["code"] for f in source["findings"]]
    assert "cert.missing-client-auth" in found and "tls.client-cert-rejected" in found
    server_crt = x509.load_pem_x509_certificate((DATA / "server.crt").read_bytes())
    presented = source["handshake"]["client_certificate"]["certificate"]
    assert presented == server_crt.fingerprint(hashes.SHA256()).hex()


def test_https_proxy_variable_is_used_and_no_proxy_bypasses_it(
    chain: minting.Chain, roots: Path
) -> None:
    with serving(config(chain)) as server, ConnectProxy() as proxy:
        endpoint = f"{HOST}:{server.port}"
        env = {"HTTPS_PROXY": f"http://127.0.0.1:{proxy.port}", "NO_PROXY": ""}
        through = run_pinscope("connect", endpoint, "--trust", roots, "--json", env=env)
        bypass = {**env, "NO_PROXY": "127.0.0.1"}
        direct = run_pinscope("connect", "127.0.0.1:1", "--trust", roots, env=bypass)

    assert through.returncode == EXIT_OK, through.stdout
    [source] = json.loads(through.stdout)["sources"]
    assert source["handshake"]["proxy"] == f"http://127.0.0.1:{proxy.port}"
    assert [r.request_line for r in proxy.requests] == [f"CONNECT {endpoint} HTTP/1.1"]
    assert direct.returncode == EXIT_UNTESTABLE and "[net.refused]" in direct.stdout
