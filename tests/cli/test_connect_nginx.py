"""`pinscope connect --http` against a real nginx with `ssl_verify_client on`, when nginx is
installed (Debian's nginx here; skipped where it is not).

nginx completes the handshake without a client certificate and refuses in its HTTP answer;
with a certificate it cannot verify it answers "The SSL certificate error".
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_connect_openssl_server import free_port, serving_process
from tests.cli.test_inspect_cli import run_pinscope
from tests.conftest import DATA

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="needs nginx")

CONFIG = """
daemon off; pid {root}/nginx.pid; error_log {root}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {root}; proxy_temp_path {root}; fastcgi_temp_path {root};
  uwsgi_temp_path {root}; scgi_temp_path {root};
  server {{
    listen 127.0.0.1:{port} ssl; server_name api.example.test;
    ssl_certificate {root}/full.pem; ssl_certificate_key {data}/server.key;
    ssl_client_certificate {data}/ca-root.crt; ssl_verify_client on; ssl_verify_depth 3;
    location / {{ return 200 "ok"; }}
  }}
}}
"""


@contextlib.contextmanager
def nginx(root: Path) -> Iterator[int]:
    port = free_port()
    (root / "full.pem").write_bytes(
        (DATA / "server.crt").read_bytes() + (DATA / "ca-intermediate.crt").read_bytes()
    )
    config = root / "nginx.conf"
    config.write_text(CONFIG.format(root=root, data=DATA, port=port))
    assert NGINX is not None
    with serving_process([NGINX, "-c", str(config), "-p", str(root)], port):
        yield port


def connect(port: int, *args: str | Path) -> tuple[int, dict[str, object]]:
    result = run_pinscope(
        "connect",
        f"127.0.0.1:{port}",
        "--sni",
        "api.example.test",
        "--trust",
        DATA / "ca-root.crt",
        "--json",
        *args,
    )
    [source] = json.loads(result.stdout)["sources"]
    return result.returncode, source


def codes(source: dict[str, object]) -> list[str]:
    return [f["code"] for f in source["findings"]]  # type: ignore[attr-defined]


def test_nginx_requiring_a_certificate_is_found_with_http(tmp_path: Path) -> None:
    with nginx(tmp_path) as port:
        without_http = connect(port)
        with_http = connect(port, "--http")

    assert without_http[0] == 0
    assert "tls.client-cert-optional" in codes(without_http[1])  # says to try --http
    assert with_http[0] == 1
    assert "tls.client-cert-required" in codes(with_http[1])


def test_nginx_refusing_a_certificate_it_cannot_verify(tmp_path: Path) -> None:
    client = ("--client-cert", DATA / "client.crt", "--client-key", DATA / "client.key")
    with nginx(tmp_path) as port:
        status, source = connect(port, "--http", *client)

    assert status == 1
    found = codes(source)
    assert "tls.client-cert-rejected" in found
    wrong_ca = [f for f in source["findings"] if f["code"] == "tls.client-cert-wrong-ca"]  # type: ignore[attr-defined]
    assert wrong_ca  # the preflight explains why, and does not claim nginx accepted it
    assert "accepted it all the same" not in wrong_ca[0]["detail"]
