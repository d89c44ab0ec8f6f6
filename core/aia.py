"""Fetching a certificate's missing issuer from its AIA "CA Issuers" URL (RFC 5280 4.2.2.1).

Opt-in (`--fetch-missing`): the only network traffic Pinscope makes beyond what the user named.
The request goes through `http.client` on a socket opened here rather than through
`urllib.request`, because a hard overall time limit needs the socket: socket timeouts bound each
blocking call, not their sum, so a server sending a byte every second would hold a urllib fetch
for as long as it liked. Redirects (at most three) are followed here for the same reason.

Proxies from the environment (HTTP_PROXY...) are not used: the user did not name them for this,
and they would send fetches meant for a test server on 127.0.0.1 elsewhere.
TODO(#3): go through the --proxy proxy: core/endpoint/proxy.py now has the CONNECT tunnel to reuse.

Only http and https are fetched (RFC 5280 also allows ldap). What a URL serves is returned as
is: whether it really issued the certificate is for path building to decide.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import certifi

from pinscope.core import __version__, der
from pinscope.core.certificate import Certificate, load_certificate
from pinscope.core.errors import DamagedInput, PinscopeError
from pinscope.core.sources import pem, pkcs7
from pinscope.core.sources.binary import classify
from pinscope.core.sources.passwords import Passwords

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
USER_AGENT = f"pinscope/{__version__}"

_REDIRECTS = {301, 302, 303, 307, 308}
_ACCEPT = "application/pkix-cert, application/pkcs7-mime, application/x-x509-ca-cert, */*;q=0.5"
_CHUNK = 16 * 1024
# Characters left as they are when a URL's path and query are percent-encoded (RFC 3986).
_URL_SAFE = "/?#[]@!$&'()*+,;=:%~"


class FetchError(PinscopeError):
    """An issuer could not be fetched; the message names the URL and says why."""


@dataclass(frozen=True)
class Fetched:
    """One AIA URL tried, and what came of it."""

    url: str
    certificates: tuple[Certificate, ...]
    """What the URL served, in the order served; empty when the fetch failed."""
    error: str | None
    """Why the fetch failed, in a sentence fit for the user; None when it succeeded."""


def fetch_issuers(url: str, timeout: float = 5.0, max_bytes: int = 1_000_000) -> list[Certificate]:
    """The certificates an AIA "CA Issuers" URL serves.

    Reads a DER certificate, PEM certificates, or a PKCS#7 certs-only bundle in DER or PEM (the
    .p7c many CAs serve), whatever the Content-Type says.

    Args:
        url: an http or https URL; other schemes are refused without touching the network.
        timeout: seconds for the whole fetch, connecting, redirects and reading included. Name
            resolution is not bounded by it: the system resolver cannot be interrupted.
        max_bytes: the most the answer may hold; a larger one is refused.

    Returns:
        The certificates, at least one, in the order served.

    Raises:
        FetchError: the URL could not be fetched, or did not serve a readable certificate.
    """
    logger.debug("fetching %s (within %s s, at most %d bytes)", url, timeout, max_bytes)
    answer = _download(url, timeout, max_bytes)
    certificates = _certificates_in(answer)
    logger.debug("%s served %d certificate(s)", answer.name, len(certificates))
    return certificates


class IssuerFetcher:
    """Fetches the issuers of certificates from their AIA URLs, each URL at most once.

    Nothing network- or content-related raises: each failure is kept in `attempts` for a front
    end to show. Not thread-safe: give each worker its own.

    Attributes:
        attempts: every URL tried, once each, in the order tried, with its outcome. A URL
            answered from the cache is not added again.
    """

    def __init__(self, timeout: float = 5.0, max_bytes: int = 1_000_000) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.attempts: list[Fetched] = []
        self._by_url: dict[str, Fetched] = {}

    def issuers_of(self, cert: Certificate) -> list[Certificate]:
        """What the first of `cert`'s CA Issuers URLs that serves any certificate serves.

        The URLs are tried in the order the certificate lists them; ones that are not http or
        https are recorded as refused and skipped.

        Returns:
            The certificates served, or an empty list when no URL served any (or there is none).
        """
        for url in cert.details.ca_issuer_urls:
            fetched = self._fetch(url)
            if fetched.certificates:
                return list(fetched.certificates)
        return []

    def _fetch(self, url: str) -> Fetched:
        fetched = self._by_url.get(url)
        if fetched is not None:
            logger.debug("%s: fetched before, not again", url)
            return fetched

        try:
            certificates = fetch_issuers(url, self.timeout, self.max_bytes)
            fetched = Fetched(url, tuple(certificates), None)
        except FetchError as error:
            logger.debug("AIA fetch failed: %s", error)
            fetched = Fetched(url, (), str(error))
        self._by_url[url] = fetched
        self.attempts.append(fetched)
        return fetched


# ---- the network -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """Where one request goes."""

    https: bool
    host: str
    port: int
    path: str

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class _Answer:
    """The final answer of a fetch; `name` is the URL, and where it was redirected to if it was."""

    name: str
    content_type: str
    body: bytes


class _Deadline:
    """One time limit over a whole fetch, redirects included.

    A timer shuts the socket in use down when the time is up, which ends any blocking call on
    it at once; each socket's own timeout is also set to the time left, as a second guard.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._fired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        self._timer.join()

    @property
    def expired(self) -> bool:
        return self._fired or time.monotonic() >= self._end

    def check(self) -> None:
        """Raises TimeoutError when the time is up."""
        if self.expired:
            raise TimeoutError("the fetch ran out of time")

    def remaining(self) -> float:
        """Seconds left. Raises TimeoutError when there are none."""
        self.check()
        return self._end - time.monotonic()

    def watch(self, sock: socket.socket | None) -> None:
        """Make `sock` the socket to shut down when the time is up (None: no socket)."""
        with self._lock:
            self._socket = sock
            if sock is not None and self._fired:
                _shut_down(sock)

    def _expire(self) -> None:
        with self._lock:
            self._fired = True
            if self._socket is not None:
                _shut_down(self._socket)


def _shut_down(sock: socket.socket) -> None:
    # The plain socket's method, also for a TLS socket: it ends the connection under the TLS
    # layer without touching the TLS state another thread is reading through.
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _download(url: str, timeout: float, max_bytes: int) -> _Answer:
    """GET `url`, following up to MAX_REDIRECTS redirects, all within `timeout` seconds."""
    current = url
    with _Deadline(timeout) as deadline:
        for _ in range(MAX_REDIRECTS + 1):
            name = url if current == url else f"{url} (redirected to {current})"
            target = _target(current, name)
            status, location, answer = _get(target, name, url, deadline, max_bytes)
            if answer is not None:
                return answer
            if not location:
                raise FetchError(f"{name} answered HTTP {status} but did not say where to go")
            current = urljoin(current, location)
            logger.debug("%s redirects to %s", name, current)
    raise FetchError(f"{url} redirected more than {MAX_REDIRECTS} times")


def _target(url: str, name: str) -> _Target:
    """Where a request for `url` goes.

    Raises:
        FetchError: it is not an http or https URL Pinscope can fetch.
    """
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError(f"{name}: only http and https URLs are fetched")
        if not parts.hostname:
            raise FetchError(f"{name} names no host to fetch from")
        host = parts.hostname.encode("idna").decode("ascii")
        port = parts.port or (443 if scheme == "https" else 80)
    except (ValueError, UnicodeError) as error:  # a bad port, a bad IPv6 literal, a bad name
        raise FetchError(f"{name} is not a URL Pinscope can fetch ({error})") from error

    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(scheme == "https", host, port, quote(path, safe=_URL_SAFE))


def _get(
    target: _Target, name: str, url: str, deadline: _Deadline, max_bytes: int
) -> tuple[int, str | None, _Answer | None]:
    """One request: (status, Location, None) for a redirect, else (status, None, the answer).

    Socket, TLS and HTTP errors are turned into FetchError here, in one place.
    """
    try:
        sock = _connect(target, deadline)
        try:
            return _request(sock, target, name, deadline, max_bytes)
        finally:
            deadline.watch(None)
            sock.close()
    except FetchError:
        raise
    except (OSError, http.client.HTTPException) as error:
        if deadline.expired or isinstance(error, TimeoutError):
            raise FetchError(f"{url} did not answer within {_seconds(deadline.seconds)}") from error
        raise FetchError(_network_problem(error, target, name)) from error


def _connect(target: _Target, deadline: _Deadline) -> socket.socket:
    """A connected socket, TLS already negotiated for https; it is being watched."""
    try:
        sock = socket.create_connection((target.host, target.port), timeout=deadline.remaining())
    except socket.gaierror as error:
        raise FetchError(f"could not resolve {target.host} ({error.strerror})") from error
    except TimeoutError:
        raise
    except ConnectionRefusedError as error:
        raise FetchError(f"could not connect to {target.address} (connection refused)") from error
    except OSError as error:
        raise FetchError(f"could not connect to {target.address} ({_reason(error)})") from error
    deadline.watch(sock)
    if not target.https:
        return sock

    try:
        tls = _tls_context().wrap_socket(
            sock, server_hostname=target.host, do_handshake_on_connect=False
        )
    except BaseException:
        sock.close()
        raise
    try:
        deadline.watch(tls)
        tls.settimeout(deadline.remaining())
        tls.do_handshake()
    except BaseException:
        tls.close()
        raise
    return tls


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # certifi rather than the system store: desktop bundles on Windows and macOS have no
    # OpenSSL-readable system store.
    return ssl.create_default_context(cafile=certifi.where())


def _request(
    sock: socket.socket, target: _Target, name: str, deadline: _Deadline, max_bytes: int
) -> tuple[int, str | None, _Answer | None]:
    connection: http.client.HTTPConnection
    if target.https:
        connection = http.client.HTTPSConnection(target.host, target.port, context=_tls_context())
    else:
        connection = http.client.HTTPConnection(target.host, target.port)
    connection.sock = sock  # the socket opened and watched here; the connection never opens one

    sock.settimeout(deadline.remaining())
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT, "Connection": "close"}
    connection.request("GET", target.path, headers=headers)
    with connection.getresponse() as response:
        status = response.status
        logger.debug("%s answered HTTP %d %s", name, status, response.reason)
        if status in _REDIRECTS:
            return status, response.getheader("Location"), None
        if not 200 <= status < 300:
            reason = f" ({response.reason})" if response.reason else ""
            raise FetchError(f"{name} answered HTTP {status}{reason}")

        body = _read_body(response, name, deadline, max_bytes)
        return status, None, _Answer(name, response.getheader("Content-Type", ""), body)


def _read_body(
    response: http.client.HTTPResponse, name: str, deadline: _Deadline, max_bytes: int
) -> bytes:
    """The body, read in chunks, refused as soon as it is larger than `max_bytes`."""
    declared = response.getheader("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(_too_big(name, max_bytes))

    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(_too_big(name, max_bytes))
        chunks.append(chunk)
        deadline.check()
    deadline.check()  # the timer ends a read by shutting the socket, which reads as the end

    if response.length:  # bytes promised by Content-Length that never came
        raise FetchError(
            f"{name} closed the connection after {size} of the {size + response.length} bytes "
            "it announced"
        )
    return b"".join(chunks)


def _network_problem(error: Exception, target: _Target, name: str) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return (
            f"{name}: the TLS certificate of {target.address} could not be verified "
            f"({error.verify_message})"
        )
    if isinstance(error, ssl.SSLError):
        return f"{name}: the TLS handshake with {target.address} failed ({error.reason or error})"
    if isinstance(error, http.client.RemoteDisconnected):
        return f"{name}: {target.address} closed the connection without answering"
    if isinstance(error, http.client.IncompleteRead):
        return f"{name}: {target.address} closed the connection in the middle of its answer"
    if isinstance(error, http.client.HTTPException):
        return f"{name} sent an answer that is not valid HTTP ({type(error).__name__}: {error})"
    if isinstance(error, ConnectionResetError):
        return f"{name}: {target.address} reset the connection"
    assert isinstance(error, OSError)
    return f"{name}: the connection to {target.address} failed ({_reason(error)})"


def _reason(error: OSError) -> str:
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def _seconds(seconds: float) -> str:
    return "1 second" if seconds == 1 else f"{seconds:g} seconds"


def _too_big(name: str, max_bytes: int) -> str:
    return f"{name} sent more than {_size(max_bytes)}; an issuer certificate is a few kB"


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:g} MB"
    if count >= 1_000:
        return f"{count / 1_000:g} kB"
    return f"{count} bytes"


# ---- the content -----------------------------------------------------------------------------


def _certificates_in(answer: _Answer) -> list[Certificate]:
    """The certificates in an answer: DER, PEM, or PKCS#7 in either.

    Raises:
        FetchError: it holds no readable certificate.
    """
    if not answer.body.strip():
        raise FetchError(f"{answer.name} sent an empty answer")
    if pem.contains_pem(answer.body):
        return _from_pem(answer)
    return _from_der(answer)


def _from_der(answer: _Answer) -> list[Certificate]:
    name = answer.name
    try:
        structure = classify(der.parse(answer.body))
    except der.DERError as error:
        if answer.body[0] == 0x30:  # a SEQUENCE, as a certificate and a PKCS#7 bundle start
            raise FetchError(
                f"{name} sent DER data that is truncated or damaged: {error}"
            ) from error
        structure = "unknown"

    if structure == "certificate":
        try:
            return [load_certificate(answer.body, f"the certificate sent by {name}")]
        except DamagedInput as error:
            raise FetchError(str(error)) from error
    if structure == "pkcs7":
        try:
            certificates, problems = pkcs7.certificates(answer.body)
        except DamagedInput as error:
            raise FetchError(f"{name}: {error}") from error
        return _bundle(name, certificates, problems)

    content_type = f" (Content-Type: {answer.content_type})" if answer.content_type else ""
    raise FetchError(
        f"{name} sent something that is neither a DER certificate nor a PKCS#7 bundle{content_type}"
    )


def _bundle(name: str, certificates: list[Certificate], problems: list[str]) -> list[Certificate]:
    for problem in problems:
        logger.debug("%s: skipped: %s", name, problem)
    if certificates:
        return certificates
    if problems:
        raise FetchError(
            f"{name} sent a PKCS#7 bundle whose certificates are damaged: {problems[0]}"
        )
    raise FetchError(f"{name} sent a PKCS#7 bundle with no certificate in it")


def _from_pem(answer: _Answer) -> list[Certificate]:
    name = answer.name
    blocks = pem.split_pem(answer.body)
    # part_of_more: what cannot be read is reported below, in terms of the URL, not raised.
    collected = pem.collect_blocks(answer.body, blocks, Passwords(), part_of_more=True)
    if collected.certs:
        return list(collected.certs)

    damaged = next((block for block in blocks if block.error is not None), None)
    if damaged is not None:
        raise FetchError(
            f"{name} sent PEM text whose block {damaged.index} ({damaged.label}) could not be "
            f"read: {damaged.error}"
        )
    labels = ", ".join(sorted({block.label for block in blocks}))
    raise FetchError(f"{name} sent PEM text with no certificate in it, only {labels}")
