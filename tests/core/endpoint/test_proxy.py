"""HTTP CONNECT proxies: proxy URLs, HTTPS_PROXY and NO_PROXY, and tunnels through a real proxy.

The proxy is a loopback CONNECT proxy in a thread (connect_proxy.py) and the destination a real
pyOpenSSL server (servers.py): a handshake through the tunnel must see the server's certificate,
and every way a proxy can refuse or misbehave must end in a message that names the proxy, says
what it answered and never shows the password.
"""

from __future__ import annotations

import base64
import select
import socket
import time
from collections.abc import Iterator

import pytest
from cryptography import x509
from OpenSSL import SSL

from pinscope.core.endpoint.proxy import (
    DEFAULT_PROXY_PORT,
    Proxy,
    no_proxy_matches,
    open_tunnel,
    parse_proxy,
    proxy_from_environment,
)
from pinscope.core.errors import EndpointError
from tests.core.endpoint.connect_proxy import (
    CLOSE,
    ECHO,
    RESET,
    SILENT,
    ConnectProxy,
    ProxyConfig,
    closed_port,
)
from tests.core.endpoint.servers import SMTP_BANNER, SMTP_GREETING, ServerConfig, serving
from tests.core.minting import Chain, mint_chain

SERVER_NAME = "www.minted.test"
PASSWORD = "hunter2-Secret"
DEADLINE_SECONDS = 3.0


# ---- helpers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain() -> Chain:
    return mint_chain(SERVER_NAME)


@pytest.fixture
def tls_server(chain: Chain) -> Iterator[int]:
    """The port of a TLS server sending the minted leaf and intermediate."""
    config = ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate], key=chain.leaf.key
    )
    with serving(config) as server:
        yield server.port


def proxy_for(
    server: ConnectProxy, username: str | None = None, password: str | None = None
) -> Proxy:
    return Proxy("127.0.0.1", server.port, username, password)


def tunnel(
    config: ProxyConfig,
    port: int,
    proxy: Proxy | None = None,
    seconds: float = DEADLINE_SECONDS,
) -> tuple[ConnectProxy, EndpointError]:
    """Run open_tunnel against a proxy configured by `config`; return the error it raises."""
    with (
        ConnectProxy(config) as server,
        server.connect() as sock,
        pytest.raises(EndpointError) as raised,
    ):
        open_tunnel(sock, proxy or proxy_for(server), SERVER_NAME, port, _deadline(seconds))
    return server, raised.value


def _deadline(seconds: float = DEADLINE_SECONDS) -> float:
    return time.monotonic() + seconds


def handshake(sock: socket.socket, server_name: str) -> list[x509.Certificate]:
    """A pyOpenSSL client handshake on `sock`; the chain the server sent."""
    connection = SSL.Connection(SSL.Context(SSL.TLS_CLIENT_METHOD), sock)
    connection.set_tlsext_host_name(server_name.encode("ascii"))
    connection.set_connect_state()
    sock.setblocking(False)
    deadline = _deadline()
    while True:
        try:
            connection.do_handshake()
            break
        except SSL.WantReadError:
            select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        except SSL.WantWriteError:
            select.select([], [sock], [], max(0.0, deadline - time.monotonic()))
        assert time.monotonic() < deadline, "the handshake did not finish in time"
    return connection.get_peer_cert_chain(as_cryptography=True) or []


def receive_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


# ---- parsing a proxy URL -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://proxy.test:3128", Proxy("proxy.test", 3128)),
        ("HTTP://Proxy.Test:3128/", Proxy("proxy.test", 3128)),
        ("proxy.test:3128", Proxy("proxy.test", 3128)),
        ("http://proxy.test", Proxy("proxy.test", DEFAULT_PROXY_PORT)),
        ("http://[::1]:3128", Proxy("::1", 3128)),
        ("http://[2001:db8::7]", Proxy("2001:db8::7", DEFAULT_PROXY_PORT)),
        ("http://192.0.2.7:8080", Proxy("192.0.2.7", 8080)),
        ("http://alice:s3cret@proxy.test:3128", Proxy("proxy.test", 3128, "alice", "s3cret")),
        ("http://alice@proxy.test:3128", Proxy("proxy.test", 3128, "alice", None)),
        (
            "http://al%20ice:p%40ss%3Aw%C3%B6rd@proxy.test:1",
            Proxy("proxy.test", 1, "al ice", "p@ss:wörd"),
        ),
        ("http://alice:p@ss@proxy.test:3128", Proxy("proxy.test", 3128, "alice", "p@ss")),
        ("  http://proxy.test:3128\n", Proxy("proxy.test", 3128)),
    ],
)
def test_parse_proxy_reads_host_port_and_credentials(url: str, expected: Proxy) -> None:
    assert parse_proxy(url) == expected


def test_default_port_is_curls() -> None:
    assert DEFAULT_PROXY_PORT == 1080


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://proxy.test:3128", "HTTPS proxies (TLS to the proxy itself) are not supported"),
        ("socks5://proxy.test:1080", "SOCKS5 proxies are not supported"),
        ("socks4://proxy.test:1080", "SOCKS4 proxies are not supported"),
        ("ftp://proxy.test:21", "is not an HTTP proxy URL"),
        ("", "the proxy URL is empty"),
        ("http://", "names no valid proxy host"),
        ("http://:3128", "names no valid proxy host"),
        ("http://pro xy.test:3128", "names no valid proxy host"),
        ("http://proxy.test:99999", "a port is a number from 1 to 65535"),
        ("http://proxy.test:0", "a port is a number from 1 to 65535"),
        ("http://proxy.test:http", "a port is a number from 1 to 65535"),
        ("http://::1:3128", "write an IPv6 address in brackets"),
        ("http://[::1:3128", "unclosed or malformed IPv6 address"),
        ("http://[proxy.test]:3128", "not an IPv6 address"),
        ("http://proxy.test:3128/path", "a proxy URL has no path or query"),
        ("http://proxy.test:3128?x=1", "a proxy URL has no path or query"),
    ],
)
def test_parse_proxy_refuses_other_schemes_and_junk(url: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_proxy(url)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        f"socks5://alice:{PASSWORD}@proxy.test:1080",
        f"https://alice:{PASSWORD}@proxy.test:3128",
        f"http://alice:{PASSWORD}@proxy.test:port",
        f"http://alice:{PASSWORD}@proxy.test:3128/path",
        f"alice:{PASSWORD}@::1:3128",
    ],
)
def test_parse_errors_never_show_the_password(url: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_proxy(url)
    assert PASSWORD not in str(raised.value)
    assert "alice:***@" in str(raised.value)


def test_proxy_shows_no_password() -> None:
    proxy = parse_proxy(f"http://alice:{PASSWORD}@proxy.test:3128")

    assert proxy.label == "http://alice:***@proxy.test:3128"
    for shown in (str(proxy), repr(proxy), f"{proxy}", f"{proxy!r}", proxy.label):
        assert PASSWORD not in shown
    assert str(parse_proxy("http://[::1]:3128")) == "http://[::1]:3128"
    assert str(parse_proxy("http://bob@proxy.test:3128")) == "http://bob@proxy.test:3128"


# ---- the environment --------------------------------------------------------------------------


def test_no_variable_means_no_proxy() -> None:
    assert proxy_from_environment("api.example.test", {}) is None
    assert proxy_from_environment("api.example.test", {"HTTPS_PROXY": "  "}) is None


def test_http_proxy_alone_is_not_used_for_tls() -> None:
    assert proxy_from_environment("api.example.test", {"HTTP_PROXY": "http://p.test:1"}) is None


def test_lower_case_https_proxy_wins_as_in_curl() -> None:
    environ = {"https_proxy": "http://lower.test:3128", "HTTPS_PROXY": "http://upper.test:3128"}
    assert proxy_from_environment("api.example.test", environ) == Proxy("lower.test", 3128)

    upper_only = {"HTTPS_PROXY": "http://upper.test:3128"}
    assert proxy_from_environment("api.example.test", upper_only) == Proxy("upper.test", 3128)


def test_lower_case_no_proxy_wins() -> None:
    environ = {
        "https_proxy": "http://proxy.test:3128",
        "no_proxy": "internal.test",
        "NO_PROXY": "api.example.test",
    }
    assert proxy_from_environment("api.example.test", environ) is not None
    assert proxy_from_environment("db.internal.test", environ) is None


def test_a_bad_variable_is_named_and_its_password_hidden() -> None:
    environ = {"HTTPS_PROXY": f"socks5h://alice:{PASSWORD}@proxy.test:1080"}
    with pytest.raises(ValueError) as raised:
        proxy_from_environment("api.example.test", environ)
    assert str(raised.value).startswith("HTTPS_PROXY: SOCKS5 proxies are not supported")
    assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize(
    ("no_proxy", "host", "bypassed"),
    [
        ("*", "api.example.test", True),
        ("example.test", "example.test", True),
        ("example.test", "api.example.test", True),
        (".example.test", "api.example.test", True),
        (".example.test", "example.test", True),
        ("*.example.test", "www.example.test", True),
        ("example.test", "notexample.test", False),
        ("example.test", "example.test.evil", False),
        ("example.test:8443", "api.example.test", True),
        ("API.Example.Test", "api.example.test.", True),
        ("other.test, example.test", "example.test", True),
        ("other.test,,  third.test", "example.test", False),
        ("localhost,10.0.0.0/8", "10.1.2.3", True),
        ("10.0.0.0/8", "11.0.0.1", False),
        ("192.0.2.7", "192.0.2.7", True),
        ("192.0.2.7", "192.0.2.70", False),
        ("::1", "::1", True),
        ("[::1]:8443", "[::1]", True),
        ("2001:db8::/32", "2001:db8::7", True),
        ("example.test", "192.0.2.7", False),
        ("", "example.test", False),
        ("*.", "example.test", False),
    ],
)
def test_no_proxy_matching(no_proxy: str, host: str, bypassed: bool) -> None:
    assert no_proxy_matches(host, no_proxy) is bypassed
    environ = {"HTTPS_PROXY": "http://proxy.test:3128", "NO_PROXY": no_proxy}
    assert (proxy_from_environment(host, environ) is None) is bypassed


# ---- tunnels that open ---------------------------------------------------------------------


def test_handshake_through_the_tunnel(chain: Chain, tls_server: int) -> None:
    with ConnectProxy() as server, server.connect() as sock:
        open_tunnel(sock, proxy_for(server), SERVER_NAME, tls_server, _deadline())
        sent = handshake(sock, SERVER_NAME)

    assert sent[0] == chain.leaf.certificate
    assert sent[1] == chain.intermediate.certificate
    request = server.requests[0]
    assert request.request_line == f"CONNECT {SERVER_NAME}:{tls_server} HTTP/1.1"
    assert request.headers["host"] == f"{SERVER_NAME}:{tls_server}"
    assert "proxy-authorization" not in request.headers


def test_credentials_are_sent_as_basic(chain: Chain, tls_server: int) -> None:
    password = "p@ss:wörd"
    config = ProxyConfig(credentials=("alice", password))
    with ConnectProxy(config) as server, server.connect() as sock:
        open_tunnel(
            sock, proxy_for(server, "alice", password), SERVER_NAME, tls_server, _deadline()
        )
        sent = handshake(sock, SERVER_NAME)

    assert sent[0] == chain.leaf.certificate
    token = base64.b64encode("alice:p@ss:wörd".encode()).decode("ascii")
    assert server.requests[0].headers["proxy-authorization"] == f"Basic {token}"


def test_answer_in_single_bytes_is_read(chain: Chain, tls_server: int) -> None:
    with ConnectProxy(ProxyConfig(dribble=True)) as server, server.connect() as sock:
        open_tunnel(sock, proxy_for(server), SERVER_NAME, tls_server, _deadline())
        assert handshake(sock, SERVER_NAME)[0] == chain.leaf.certificate


def test_bytes_after_the_answer_stay_on_the_socket() -> None:
    # Given a destination that speaks first and a proxy that sends its 200 answer and the
    # destination's first bytes in one segment
    config = ProxyConfig(coalesce=True)
    with (
        serving(ServerConfig(behaviour=SMTP_BANNER)) as smtp,
        ConnectProxy(config) as server,
        server.connect() as sock,
    ):
        # When the tunnel opens
        open_tunnel(sock, proxy_for(server), "mail.minted.test", smtp.port, _deadline())
        # Then the greeting is still there to read, whole
        assert receive_exactly(sock, len(SMTP_GREETING)) == SMTP_GREETING


def test_interim_answers_are_skipped_and_nothing_past_the_answer_is_read() -> None:
    reply = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nVia: 1.1 proxy\r\n\r\nfirst bytes"
    with ConnectProxy(ProxyConfig(reply=reply)) as server, server.connect() as sock:
        open_tunnel(sock, proxy_for(server), SERVER_NAME, 443, _deadline())
        assert receive_exactly(sock, 100) == b"first bytes"


def test_ipv6_destination_is_bracketed() -> None:
    reply = b"HTTP/1.1 200 Connection established\r\n\r\n"
    with ConnectProxy(ProxyConfig(reply=reply)) as server, server.connect() as sock:
        open_tunnel(sock, proxy_for(server), "2001:db8::7", 443, _deadline())
    assert server.requests[0].request_line == "CONNECT [2001:db8::7]:443 HTTP/1.1"
    assert server.requests[0].headers["host"] == "[2001:db8::7]:443"


def test_international_names_are_sent_as_idna() -> None:
    reply = b"HTTP/1.1 200 Connection established\r\n\r\n"
    with ConnectProxy(ProxyConfig(reply=reply)) as server, server.connect() as sock:
        open_tunnel(sock, proxy_for(server), "bücher.test", 443, _deadline())
    assert server.requests[0].request_line == "CONNECT xn--bcher-kva.test:443 HTTP/1.1"


@pytest.mark.parametrize(
    ("host", "port"),
    [("evil.test\r\nX-Injected: 1", 443), ("two words.test", 443), ("", 443), (SERVER_NAME, 0)],
)
def test_destinations_that_cannot_be_requested(host: str, port: int) -> None:
    with socket.socket() as sock, pytest.raises(ValueError):
        open_tunnel(sock, Proxy("127.0.0.1", 1), host, port, _deadline())


def test_timeout_mode_is_restored(tls_server: int) -> None:
    with ConnectProxy() as server, server.connect() as sock:
        sock.setblocking(False)
        open_tunnel(sock, proxy_for(server), SERVER_NAME, tls_server, _deadline())
        assert sock.gettimeout() == 0.0


# ---- tunnels refused -------------------------------------------------------------------------


def test_407_without_credentials(tls_server: int) -> None:
    server, error = tunnel(ProxyConfig(credentials=("alice", PASSWORD)), tls_server)

    assert error.code == "net.proxy"
    message = str(error)
    assert message.startswith(f"the proxy http://127.0.0.1:{server.port} requires credentials")
    assert "407 Proxy Authentication Required" in message
    assert "http://USER:PASSWORD@127.0.0.1:" in message


def test_407_with_wrong_credentials_names_the_user(tls_server: int) -> None:
    config = ProxyConfig(credentials=("alice", "the-right-one"))
    with (
        ConnectProxy(config) as server,
        server.connect() as sock,
        pytest.raises(EndpointError) as raised,
    ):
        open_tunnel(
            sock, proxy_for(server, "alice", PASSWORD), SERVER_NAME, tls_server, _deadline()
        )

    message = str(raised.value)
    assert raised.value.code == "net.proxy"
    assert f"the proxy http://alice:***@127.0.0.1:{server.port} refused the credentials" in message
    assert "of user 'alice'" in message
    assert "407 Proxy Authentication Required" in message
    assert PASSWORD not in message


def test_407_for_a_scheme_pinscope_does_not_speak() -> None:
    reply = (
        b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\n"
        b"Proxy-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n"
    )
    _, error = tunnel(ProxyConfig(reply=reply), 443)
    assert "asks for Negotiate or NTLM authentication, which Pinscope does not speak" in str(error)


def test_403_forbidden_destination() -> None:
    reply = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
    server, error = tunnel(ProxyConfig(reply=reply), 8443)

    assert error.code == "net.proxy"
    assert str(error).startswith(
        f"the proxy http://127.0.0.1:{server.port} forbids a tunnel to {SERVER_NAME}:8443"
    )
    assert "'HTTP/1.1 403 Forbidden'" in str(error)


def test_502_when_the_proxy_cannot_reach_the_destination() -> None:
    port = closed_port()
    _, error = tunnel(ProxyConfig(), port)

    assert error.code == "net.proxy"
    message = str(error)
    assert f"could not reach {SERVER_NAME}:{port} itself" in message
    assert "502 Bad Gateway" in message
    assert "its own connection there failed" in message


def test_504_says_the_destination_did_not_answer_the_proxy() -> None:
    reply = b"HTTP/1.1 504 Gateway Timeout\r\n\r\n"
    _, error = tunnel(ProxyConfig(reply=reply), 443)
    assert "(it answered 'HTTP/1.1 504 Gateway Timeout', Gateway Timeout)" in str(error)
    assert "did not answer the proxy in time" in str(error)


def test_other_statuses_are_quoted() -> None:
    _, error = tunnel(ProxyConfig(reply=b"HTTP/1.1 418 I'm a teapot\r\n\r\n"), 443)
    assert error.code == "net.proxy"
    assert "refused a tunnel to www.minted.test:443" in str(error)
    assert "'HTTP/1.1 418 I'm a teapot'" in str(error)

    _, error = tunnel(ProxyConfig(reply=b"HTTP/1.1 405 Method Not Allowed\r\n\r\n"), 443)
    assert "does not accept CONNECT" in str(error)


def test_a_redirect_names_its_target() -> None:
    reply = b"HTTP/1.1 302 Found\r\nLocation: http://portal.test/login\r\n\r\n"
    _, error = tunnel(ProxyConfig(reply=reply), 443)
    assert "redirects to 'http://portal.test/login'" in str(error)
    assert "a captive portal or a login page may be in the way" in str(error)


def test_an_answer_that_is_not_http() -> None:
    server, error = tunnel(ProxyConfig(reply=b"SSH-2.0-OpenSSH_9.6\r\n"), 443)

    assert error.code == "net.proxy"
    assert str(error) == (
        f"the proxy http://127.0.0.1:{server.port} answered 'SSH-2.0-OpenSSH_9.6\\r\\n' instead"
        " of an HTTP status line: the host and port may not be an HTTP proxy"
    )


def test_a_proxy_that_speaks_tls_is_an_https_proxy() -> None:
    alert = b"\x15\x03\x03\x00\x02\x02\x46"
    _, error = tunnel(ProxyConfig(reply=alert), 443)
    assert error.code == "net.proxy"
    assert "it speaks TLS from the first byte, as an HTTPS proxy does" in str(error)


def test_a_huge_answer_is_cut_short() -> None:
    reply = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 20000 + b"\r\n\r\n"
    _, error = tunnel(ProxyConfig(reply=reply), 443)
    assert error.code == "net.proxy"
    assert "sent more than" in str(error)


def test_a_proxy_that_closes() -> None:
    server, error = tunnel(ProxyConfig(behaviour=CLOSE), 443)

    assert error.code == "net.proxy"
    assert str(error).startswith(
        f"the proxy http://127.0.0.1:{server.port} closed the connection while Pinscope waited"
        f" for its answer to CONNECT {SERVER_NAME}:443"
    )
    assert "an HTTPS proxy, which expects TLS from the first byte, behaves like this" in str(error)
    assert "STARTTLS" not in str(error)


def test_a_proxy_that_closes_mid_answer_is_quoted() -> None:
    _, error = tunnel(ProxyConfig(reply=b"HTTP/1.1 200 Conn"), 443)
    assert error.code == "net.proxy"
    assert "closed the connection" in str(error)
    assert "'1.1 200 Conn'" in str(error)


def test_a_proxy_that_resets() -> None:
    _, error = tunnel(ProxyConfig(behaviour=RESET), 443)
    assert error.code == "net.proxy"
    assert "reset the connection" in str(error)
    assert "STARTTLS" not in str(error)


def test_a_silent_proxy_times_out_at_the_deadline() -> None:
    started = time.monotonic()
    server, error = tunnel(ProxyConfig(behaviour=SILENT), 443, seconds=0.5)
    elapsed = time.monotonic() - started

    assert error.code == "net.timeout"
    assert str(error).startswith(
        f"the proxy http://127.0.0.1:{server.port} did not answer in time: Pinscope waited 0.5 s"
    )
    assert 0.45 < elapsed < 1.5


def test_an_echo_service_is_recognised() -> None:
    config = ProxyConfig(behaviour=ECHO)
    with (
        ConnectProxy(config) as server,
        server.connect() as sock,
        pytest.raises(EndpointError) as raised,
    ):
        open_tunnel(sock, proxy_for(server, "alice", PASSWORD), SERVER_NAME, 443, _deadline())
    assert "sent Pinscope's own CONNECT request back" in str(raised.value)


# ---- the password never shows ----------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        ProxyConfig(credentials=("alice", "other")),
        ProxyConfig(reply=b"HTTP/1.1 403 Forbidden\r\n\r\n"),
        ProxyConfig(reply=b"HTTP/1.1 502 Bad Gateway\r\n\r\n"),
        ProxyConfig(reply=f"HTTP/1.1 407 Bad password {PASSWORD}\r\n\r\n".encode()),
        ProxyConfig(reply=f"Wrong password {PASSWORD}\r\n".encode()),
        ProxyConfig(reply=b"HTTP/1.1 200"),
        ProxyConfig(behaviour=CLOSE),
        ProxyConfig(behaviour=RESET),
        ProxyConfig(behaviour=ECHO),
    ],
    ids=["407", "403", "502", "407-echoing", "not-http-echoing", "cut", "close", "reset", "echo"],
)
def test_no_error_message_shows_the_password(config: ProxyConfig) -> None:
    with ConnectProxy(config) as server, server.connect() as sock:
        proxy = proxy_for(server, "alice", PASSWORD)
        with pytest.raises(EndpointError) as raised:
            open_tunnel(sock, proxy, SERVER_NAME, 443, _deadline())

    token = base64.b64encode(f"alice:{PASSWORD}".encode()).decode("ascii")
    assert PASSWORD not in str(raised.value)
    assert token[:12] not in str(raised.value)
    assert "alice:***@" in str(raised.value)


def test_a_silent_proxy_with_credentials_hides_the_password() -> None:
    with ConnectProxy(ProxyConfig(behaviour=SILENT)) as server, server.connect() as sock:
        proxy = proxy_for(server, "alice", PASSWORD)
        with pytest.raises(EndpointError) as raised:
            open_tunnel(sock, proxy, SERVER_NAME, 443, _deadline(0.2))
    assert raised.value.code == "net.timeout"
    assert PASSWORD not in str(raised.value)
