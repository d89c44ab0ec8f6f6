"""Fetching issuers from AIA URLs, against a real HTTP server on 127.0.0.1 started by each test."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID

from pinscope.core import __version__
from pinscope.core.aia import Fetched, FetchError, IssuerFetcher, fetch_issuers
from pinscope.core.certificate import Certificate
from tests.core import minting


@dataclass
class Route:
    """What the server answers on one path."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering at all."""
    trickle: Literal["status", "body"] | None = None
    """Send a byte every 0.2 s, from the status line on or once the headers are out."""
    content_length: bool = True


class AIAServer(ThreadingHTTPServer):
    """An HTTP server whose answers the test sets, counting the requests on each path."""

    daemon_threads = False  # server_close() then waits for every handler thread
    block_on_close = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.user_agents: list[str] = []
        self.stopping = threading.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: AIAServer

    def do_GET(self) -> None:
        self.server.hits[self.path] += 1
        self.server.user_agents.append(self.headers.get("User-Agent", ""))
        route = self.server.routes.get(self.path, Route(404, b"not here"))
        if route.delay and self.server.stopping.wait(route.delay):
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            self._answer(route)

    def _answer(self, route: Route) -> None:
        head = [f"HTTP/1.0 {route.status} Whatever"]
        head += [f"{key}: {value}" for key, value in route.headers.items()]
        if route.content_length:
            head.append(f"Content-Length: {len(route.body)}")
        raw_head = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if route.trickle == "status":
            self._trickle(raw_head + route.body)
        elif route.trickle == "body":
            self.wfile.write(raw_head)
            self._trickle(route.body)
        else:
            self.wfile.write(raw_head + route.body)

    def _trickle(self, data: bytes) -> None:
        for index in range(len(data)):
            self.wfile.write(data[index : index + 1])
            self.wfile.flush()
            if self.server.stopping.wait(0.2):
                return

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def running(aia_server: AIAServer) -> Iterator[AIAServer]:
    """`aia_server` answering in a thread until the block ends."""
    thread = threading.Thread(target=aia_server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield aia_server
    finally:
        aia_server.stopping.set()  # ends every delay and trickle at once
        aia_server.shutdown()
        thread.join()
        aia_server.server_close()


@pytest.fixture
def server() -> Iterator[AIAServer]:
    with running(AIAServer()) as aia_server:
        yield aia_server


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain("www.aia.test", prefix="AIA")


def leaf_with_aia(issuer: minting.Issued, *urls: str, name: str = "www.aia.test") -> Certificate:
    access = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(url)
            )
            for url in urls
        ]
    )
    return Certificate(minting.mint_leaf(issuer, name, extra=[(access, False)]).der)


def sha256s(certificates: list[Certificate]) -> list[str]:
    return [certificate.sha256 for certificate in certificates]


def failure(url: str, timeout: float = 5.0, max_bytes: int = 1_000_000) -> str:
    with pytest.raises(FetchError) as caught:
        fetch_issuers(url, timeout, max_bytes)
    return str(caught.value)


# ---- what a URL serves -------------------------------------------------------------------------


def test_der_certificate_is_read(server: AIAServer, chain: minting.Chain) -> None:
    server.routes["/ca.crt"] = Route(body=chain.intermediate.der)

    certificates = fetch_issuers(server.url("/ca.crt"))

    assert sha256s(certificates) == [chain.intermediate.sha256]
    assert server.user_agents == [f"pinscope/{__version__}"]


@pytest.mark.parametrize("encoding", [Encoding.DER, Encoding.PEM])
def test_pkcs7_bundle_is_read(server: AIAServer, chain: minting.Chain, encoding: Encoding) -> None:
    bundle = pkcs7.serialize_certificates(
        [chain.intermediate.certificate, chain.root.certificate], encoding
    )
    server.routes["/ca.p7c"] = Route(
        body=bundle, headers={"Content-Type": "application/pkcs7-mime"}
    )

    certificates = fetch_issuers(server.url("/ca.p7c"))

    # DER sorts a SET OF, so the bundle need not keep the order it was built in.
    assert sorted(sha256s(certificates)) == sorted([chain.intermediate.sha256, chain.root.sha256])


def test_pem_certificates_are_read(server: AIAServer, chain: minting.Chain) -> None:
    server.routes["/ca.pem"] = Route(body=b"issuer:\r\n" + chain.intermediate.pem + chain.root.pem)

    certificates = fetch_issuers(server.url("/ca.pem"))

    assert sha256s(certificates) == [chain.intermediate.sha256, chain.root.sha256]


def test_body_without_content_length_is_read_to_the_end(
    server: AIAServer, chain: minting.Chain
) -> None:
    server.routes["/ca.crt"] = Route(body=chain.intermediate.der, content_length=False)

    assert sha256s(fetch_issuers(server.url("/ca.crt"))) == [chain.intermediate.sha256]


def test_garbage_is_refused_naming_what_was_expected(server: AIAServer) -> None:
    server.routes["/ca.crt"] = Route(
        body=b"<html>Welcome to the hotel wifi</html>", headers={"Content-Type": "text/html"}
    )

    message = failure(server.url("/ca.crt"))

    assert message == (
        f"{server.url('/ca.crt')} sent something that is neither a DER certificate nor a "
        "PKCS#7 bundle (Content-Type: text/html)"
    )


def test_truncated_certificate_says_so(server: AIAServer, chain: minting.Chain) -> None:
    server.routes["/ca.crt"] = Route(body=chain.intermediate.der[:-10])

    message = failure(server.url("/ca.crt"))

    assert message.startswith(f"{server.url('/ca.crt')} sent DER data that is truncated")


def test_certificate_with_trailing_bytes_says_so(server: AIAServer, chain: minting.Chain) -> None:
    server.routes["/ca.crt"] = Route(body=chain.intermediate.der + b"\0\0")

    message = failure(server.url("/ca.crt"))

    assert message == (
        f"the certificate sent by {server.url('/ca.crt')} is truncated or damaged: "
        "2 unexpected bytes after the structure"
    )


def test_pem_without_certificates_says_what_it_held(server: AIAServer) -> None:
    key = minting.new_key()
    server.routes["/ca.pem"] = Route(body=minting.key_pem(key))

    message = failure(server.url("/ca.pem"))

    assert message.endswith("sent PEM text with no certificate in it, only PRIVATE KEY")


def test_empty_answer_says_so(server: AIAServer) -> None:
    server.routes["/ca.crt"] = Route(body=b"")

    assert failure(server.url("/ca.crt")) == f"{server.url('/ca.crt')} sent an empty answer"


# ---- HTTP ------------------------------------------------------------------------------------


def test_404_names_the_status(server: AIAServer) -> None:
    message = failure(server.url("/gone.crt"))

    assert message == f"{server.url('/gone.crt')} answered HTTP 404 (Whatever)"


def test_redirects_are_followed(server: AIAServer, chain: minting.Chain) -> None:
    server.routes["/old.crt"] = Route(301, headers={"Location": "/middle.crt"})
    server.routes["/middle.crt"] = Route(302, headers={"Location": server.url("/ca.crt")})
    server.routes["/ca.crt"] = Route(body=chain.intermediate.der)

    certificates = fetch_issuers(server.url("/old.crt"))

    assert sha256s(certificates) == [chain.intermediate.sha256]
    assert server.hits == {"/old.crt": 1, "/middle.crt": 1, "/ca.crt": 1}


def test_error_after_a_redirect_names_both_urls(server: AIAServer) -> None:
    server.routes["/old.crt"] = Route(302, headers={"Location": "/gone.crt"})

    message = failure(server.url("/old.crt"))

    assert message == (
        f"{server.url('/old.crt')} (redirected to {server.url('/gone.crt')}) "
        "answered HTTP 404 (Whatever)"
    )


def test_more_than_three_redirects_are_refused(server: AIAServer) -> None:
    for hop in range(5):
        server.routes[f"/{hop}"] = Route(302, headers={"Location": f"/{hop + 1}"})

    message = failure(server.url("/0"))

    assert message == f"{server.url('/0')} redirected more than 3 times"
    assert sum(server.hits.values()) == 4


def test_redirect_to_another_scheme_is_refused(server: AIAServer) -> None:
    server.routes["/ca.crt"] = Route(302, headers={"Location": "file:///etc/passwd"})

    message = failure(server.url("/ca.crt"))

    assert message.endswith(
        "(redirected to file:///etc/passwd): only http and https URLs are fetched"
    )


def test_oversize_body_is_refused_from_its_content_length(server: AIAServer) -> None:
    server.routes["/big"] = Route(body=b"\0" * 2001)

    message = failure(server.url("/big"), max_bytes=2000)

    assert message == f"{server.url('/big')} sent more than 2 kB; an issuer certificate is a few kB"


def test_oversize_body_without_content_length_is_cut(server: AIAServer) -> None:
    server.routes["/big"] = Route(body=b"\0" * 1_500_000, content_length=False)

    message = failure(server.url("/big"))

    assert message == f"{server.url('/big')} sent more than 1 MB; an issuer certificate is a few kB"


def test_body_shorter_than_announced_says_so(server: AIAServer, chain: minting.Chain) -> None:
    server.routes["/ca.crt"] = Route(
        body=chain.intermediate.der[:100], headers={"Content-Length": "500"}, content_length=False
    )

    message = failure(server.url("/ca.crt"))

    assert message.endswith("closed the connection after 100 of the 500 bytes it announced")


# ---- time limits -------------------------------------------------------------------------------


def timed_failure(url: str, timeout: float) -> tuple[str, float]:
    start = time.monotonic()
    message = failure(url, timeout=timeout)
    return message, time.monotonic() - start


def test_silent_server_fails_at_the_deadline(server: AIAServer) -> None:
    server.routes["/ca.crt"] = Route(body=b"late", delay=10)

    message, elapsed = timed_failure(server.url("/ca.crt"), timeout=0.5)

    assert message == f"{server.url('/ca.crt')} did not answer within 0.5 seconds"
    assert 0.4 < elapsed < 1.5


@pytest.mark.parametrize("trickle", ["status", "body"])
def test_trickling_server_is_cut_at_the_deadline(
    server: AIAServer, chain: minting.Chain, trickle: Literal["status", "body"]
) -> None:
    # Every single read succeeds well within the timeout; only the total is too long.
    server.routes["/ca.crt"] = Route(body=chain.intermediate.der, trickle=trickle)

    message, elapsed = timed_failure(server.url("/ca.crt"), timeout=0.7)

    assert message == f"{server.url('/ca.crt')} did not answer within 0.7 seconds"
    assert 0.6 < elapsed < 1.7


def test_deadline_covers_redirects_too(server: AIAServer, chain: minting.Chain) -> None:
    server.routes["/old.crt"] = Route(302, headers={"Location": "/ca.crt"}, delay=0.4)
    server.routes["/ca.crt"] = Route(body=chain.intermediate.der, delay=0.4)

    message, elapsed = timed_failure(server.url("/old.crt"), timeout=0.6)

    assert message == f"{server.url('/old.crt')} did not answer within 0.6 seconds"
    assert elapsed < 1.6


# ---- connections -------------------------------------------------------------------------------


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was just bound and released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_refused_connection_names_host_and_port(closed_port: int) -> None:
    message = failure(f"http://127.0.0.1:{closed_port}/ca.crt")

    assert message == f"could not connect to 127.0.0.1:{closed_port} (connection refused)"


@pytest.mark.parametrize(
    "url", ["ldap://ldap.example.test/cn=CA?cACertificate;binary", "ftp://x.test/ca.crt"]
)
def test_other_schemes_are_refused_without_network(url: str) -> None:
    start = time.monotonic()

    message = failure(url)

    assert message == f"{url}: only http and https URLs are fetched"
    assert time.monotonic() - start < 0.1


def test_url_with_a_bad_port_is_refused() -> None:
    assert failure("http://127.0.0.1:99999/ca.crt").startswith(
        "http://127.0.0.1:99999/ca.crt is not a URL Pinscope can fetch"
    )


@pytest.fixture
def https_server(chain: minting.Chain) -> Iterator[AIAServer]:
    """An HTTPS server whose certificate comes from a CA that no trust store knows."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    aia_server = AIAServer()
    aia_server.socket = context.wrap_socket(aia_server.socket, server_side=True)
    aia_server.routes["/ca.crt"] = Route(body=chain.intermediate.der)
    with running(aia_server):
        yield aia_server


def test_https_server_with_an_unknown_ca_is_refused(https_server: AIAServer) -> None:
    url = https_server.url("/ca.crt").replace("http:", "https:")

    message = failure(url)

    assert message.startswith(f"{url}: the TLS certificate of 127.0.0.1:")
    assert "could not be verified (unable to get local issuer certificate)" in message


# ---- IssuerFetcher -----------------------------------------------------------------------------


def test_fetcher_asks_each_url_once(server: AIAServer, chain: minting.Chain) -> None:
    server.routes["/ca.crt"] = Route(body=chain.intermediate.der)
    url = server.url("/ca.crt")
    fetcher = IssuerFetcher()

    first = fetcher.issuers_of(leaf_with_aia(chain.intermediate, url, name="a.aia.test"))
    second = fetcher.issuers_of(leaf_with_aia(chain.intermediate, url, name="b.aia.test"))

    assert sha256s(first) == sha256s(second) == [chain.intermediate.sha256]
    assert server.hits["/ca.crt"] == 1
    assert len(fetcher.attempts) == 1
    assert fetcher.attempts[0].url == url and fetcher.attempts[0].error is None


def test_fetcher_goes_on_after_failures_and_records_them(
    server: AIAServer, chain: minting.Chain
) -> None:
    server.routes["/ca.crt"] = Route(body=chain.intermediate.der)
    ldap = "ldap://ldap.aia.test/cn=Issuing%20CA?cACertificate"
    urls = [ldap, server.url("/gone.crt"), server.url("/ca.crt"), server.url("/never.crt")]
    fetcher = IssuerFetcher()

    issuers = fetcher.issuers_of(leaf_with_aia(chain.intermediate, *urls))

    assert sha256s(issuers) == [chain.intermediate.sha256]
    assert [attempt.url for attempt in fetcher.attempts] == urls[:3]
    assert fetcher.attempts[0] == Fetched(ldap, (), f"{ldap}: only http and https URLs are fetched")
    assert fetcher.attempts[1].certificates == ()
    assert fetcher.attempts[1].error == f"{urls[1]} answered HTTP 404 (Whatever)"
    assert server.hits["/never.crt"] == 0


def test_fetcher_returns_nothing_when_every_url_fails(
    server: AIAServer, chain: minting.Chain, closed_port: int
) -> None:
    server.routes["/junk"] = Route(body=b"junk")
    urls = [f"http://127.0.0.1:{closed_port}/ca.crt", server.url("/junk")]
    fetcher = IssuerFetcher(timeout=2)
    leaf = leaf_with_aia(chain.intermediate, *urls)

    assert fetcher.issuers_of(leaf) == []
    assert fetcher.issuers_of(leaf) == []  # failures are remembered too
    assert [attempt.error is not None for attempt in fetcher.attempts] == [True, True]
    assert server.hits["/junk"] == 1


def test_fetcher_does_nothing_for_a_certificate_without_aia(chain: minting.Chain) -> None:
    fetcher = IssuerFetcher()

    assert fetcher.issuers_of(Certificate(chain.leaf.der)) == []
    assert fetcher.attempts == []
