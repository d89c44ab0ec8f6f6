"""One attempt to reach a TLS endpoint, recorded step by step.

`connect` resolves the name, opens TCP (through an HTTP CONNECT proxy if asked), runs a
STARTTLS prelude if asked, and performs a pyOpenSSL handshake over memory BIOs, so that every
byte the server sends passes through Pinscope's own hands: the first bytes tell a plain HTTP
server or a mail banner from TLS without reading OpenSSL's error text, and end of stream and
resets are seen on the socket itself. One deadline bounds the whole attempt.

It never raises for anything the network or the server does: a `Handshake` comes back with the
steps that happened and, when one failed, a `Failure` saying which and why. Diagnosis (what the
failure means, what to do) is `pinscope.core.endpoint.diagnose`'s job.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL, crypto

from pinscope.core import __version__
from pinscope.core.certificate import Certificate
from pinscope.core.endpoint import starttls
from pinscope.core.endpoint.proxy import Proxy, open_tunnel
from pinscope.core.endpoint.target import Target, is_ip_address
from pinscope.core.errors import EndpointError

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

TLS_VERSIONS = {
    "1.0": SSL.TLS1_VERSION,
    "1.1": SSL.TLS1_1_VERSION,
    "1.2": SSL.TLS1_2_VERSION,
    "1.3": SSL.TLS1_3_VERSION,
}
"""The versions `--tls-min` and `--tls-max` accept."""

ALERTS = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    22: "record_overflow",
    40: "handshake_failure",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    100: "no_renegotiation",
    109: "missing_extension",
    110: "unsupported_extension",
    112: "unrecognized_name",
    113: "bad_certificate_status_response",
    115: "unknown_psk_identity",
    116: "certificate_required",
    120: "no_application_protocol",
    121: "ech_required",
}
"""TLS alert descriptions (RFC 8446 section 6 and the IANA registry), by number."""

DEFAULT_TIMEOUT = 10.0
FIRST_BYTES_LIMIT = 512
HTTP_REPLY_LIMIT = 16 * 1024
LATE_ALERT_WAIT = (0.25, 2.0)
"""Bounds, in seconds, of how long to wait for a TLS 1.3 verdict on a client certificate."""

_USABLE_KEYS = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
    dsa.DSAPrivateKey,
)
"""Key types OpenSSL can present as a client certificate's key through pyOpenSSL."""

# Steps of an attempt, as Failure.stage and the keys of Handshake.timings.
DNS = "dns"
CONNECT = "connect"
PROXY = "proxy"
STARTTLS = "starttls"
TLS = "tls"
AFTER = "after-handshake"
HTTP = "http"
CLIENT = "client-certificate"


@dataclass(frozen=True)
class ClientIdentity:
    """A client certificate to present: the leaf first, then its intermediates, and its key."""

    certificates: tuple[Certificate, ...]
    key: PrivateKeyTypes = field(repr=False)
    label: str = "the client certificate"
    """Where it came from, for messages: "client.p12 (alias api-client)"."""

    @property
    def leaf(self) -> Certificate:
        return self.certificates[0]


ALPN_NAME_LIMIT = 255
"""The longest protocol name ALPN can carry: its length travels in one byte (RFC 7301)."""


def alpn_problem(name: str) -> str | None:
    """Why `name` cannot be offered as an ALPN protocol; None when it can."""
    if name and name.isascii() and name.isprintable() and len(name) <= ALPN_NAME_LIMIT:
        return None
    shown = name if len(name) <= 24 else f"{name[:24]}\u2026"
    return (
        f"an ALPN protocol name is ASCII of at most {ALPN_NAME_LIMIT} characters, such as h2 "
        f"or http/1.1, not {shown!r}"
    )


@dataclass(frozen=True)
class ConnectOptions:
    """How to connect: everything a user can set on `pinscope connect`."""

    sni: str | None = None
    """The server name to send; None sends the host name (nothing for an IP address)."""
    send_sni: bool = True
    """False sends no server name at all (a retry to tell whether SNI matters)."""
    alpn: tuple[str, ...] = ()
    tls_min: str | None = None
    """"1.0" … "1.3"; None leaves OpenSSL's default."""
    tls_max: str | None = None
    starttls: str | None = None
    """A STARTTLS protocol of `starttls.DEFAULT_PORTS`; None speaks TLS at once."""
    proxy: Proxy | None = None
    client: ClientIdentity | None = None
    timeout: float = DEFAULT_TIMEOUT
    """Seconds for the whole attempt, from resolving the name to the last byte read."""
    http: bool = False
    """After the handshake, send `GET /` and record the answer's status and first bytes."""
    classical_key_exchange: bool = False
    """Offer only P-256 key shares, no post-quantum hybrid (a smaller ClientHello)."""
    legacy: bool = False
    """Allow what OpenSSL's security level refuses (TLS 1.0/1.1, small keys, SHA-1)."""

    def server_name(self, target: Target) -> str | None:
        if not self.send_sni:
            return None
        if self.sni is not None:
            return self.sni
        return None if target.is_ip else target.host


@dataclass(frozen=True)
class Alert:
    """A TLS alert seen during the attempt."""

    direction: str
    """"received" (the server refused something of ours) or "sent" (we refused the server)."""
    level: str
    """"warning" or "fatal"."""
    description: int
    stage: str
    """TLS while handshaking, AFTER when it came after the handshake had completed."""

    @property
    def name(self) -> str:
        return ALERTS.get(self.description, f"alert {self.description}")

    @property
    def fatal(self) -> bool:
        return self.level == "fatal"


@dataclass(frozen=True)
class Failure:
    """Why an attempt stopped short."""

    stage: str
    """The step that failed: DNS, CONNECT, PROXY, STARTTLS, CLIENT, TLS, AFTER or HTTP."""
    kind: str
    """What happened, for diagnosis: "dns", "refused", "unreachable", "timeout", "reset",
    "closed", "alert", "not-tls", "tls-error", "proxy", "starttls-refused", "client-key"."""
    message: str
    """A sentence for the user, naming the peer; never OpenSSL's text alone."""
    code: str | None = None
    """The finding code a lower layer already decided on (STARTTLS, proxy); None otherwise."""


@dataclass(frozen=True)
class HTTPReply:
    """The first answer to `GET /` after the handshake."""

    status: int | None
    """None when the answer did not start with an HTTP status line."""
    status_line: str
    head: str
    """The status line and headers, decoded leniently, at most HTTP_REPLY_LIMIT bytes."""
    body: bytes
    """The start of the body, as far as it was read."""


@dataclass(frozen=True)
class Handshake:
    """Everything one attempt showed. Fields of steps that did not happen are empty or None."""

    target: Target
    options: ConnectOptions = field(repr=False)
    sni: str | None
    """The server name sent; None when none was."""
    addresses: tuple[str, ...] = ()
    """What the name resolved to (the proxy's name when going through a proxy)."""
    address: str | None = None
    """The address the TCP connection was made to; None when none was."""
    completed: bool = False
    """Whether the TLS handshake finished (a TLS 1.3 refusal may still follow: see alerts)."""
    version: str | None = None
    cipher: str | None = None
    group: str | None = None
    """The key-exchange group ("X25519MLKEM768", "secp256r1"…); None when not known."""
    alpn: str | None = None
    """The application protocol the server selected; None when it selected none."""
    chain: tuple[Certificate, ...] = ()
    """The certificates the server sent, in wire order."""
    certificate_requested: bool = False
    """Whether the server sent a CertificateRequest (seen in the handshake's states)."""
    client_ca_names: tuple[x509.Name, ...] = ()
    """The CA names of that request; empty when it listed none or none was made."""
    client_certificate_sent: bool = False
    alerts: tuple[Alert, ...] = ()
    ocsp_response: bytes | None = None
    """The stapled OCSP response; None when the server stapled none."""
    first_bytes: bytes = b""
    """The first bytes the server sent after the TLS step began, at most FIRST_BYTES_LIMIT."""
    application_data: bytes = b""
    """What the server sent after the handshake without being asked (a banner)."""
    http: HTTPReply | None = None
    timings: dict[str, float] = field(default_factory=dict)
    """Milliseconds per step (DNS, CONNECT, PROXY, STARTTLS, TLS, AFTER, HTTP)."""
    failure: Failure | None = None
    """Why the attempt stopped; None when every step succeeded."""

    @property
    def alerts_received(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.direction == "received" and a.description)

    @property
    def alerts_sent(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.direction == "sent" and a.description)

    @property
    def client_ca_texts(self) -> tuple[str, ...]:
        return tuple(name.rfc4514_string() for name in self.client_ca_names)


class _Stop(Exception):
    """A step failed; carries the Failure to record."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass
class _Record:
    """What an attempt has seen so far; frozen into a Handshake at the end."""

    target: Target
    options: ConnectOptions
    deadline: float
    sni: str | None = None
    addresses: tuple[str, ...] = ()
    address: str | None = None
    stage: str = DNS
    completed: bool = False
    certificate_requested: bool = False
    client_certificate_sent: bool = False
    alerts: list[Alert] = field(default_factory=list)
    ocsp_response: bytes | None = None
    first_bytes: bytearray = field(default_factory=bytearray)
    application_data: bytes = b""
    http: HTTPReply | None = None
    timings: dict[str, float] = field(default_factory=dict)
    peer_closed: bool = False
    server_hello: bool = False

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def peer(self) -> str:
        via = f" through the proxy {self.options.proxy.label}" if self.options.proxy else ""
        return f"{self.target.label}{via}"


def connect(target: Target, options: ConnectOptions | None = None) -> Handshake:
    """Reach `target` and handshake as `options` say; never raises for network trouble.

    Args:
        target: the host and port.
        options: SNI, versions, STARTTLS, proxy, client certificate, timeout; defaults if None.

    Returns:
        The record of the attempt; `failure` says where and why it stopped, if it did.
    """
    options = options or ConnectOptions()
    record = _Record(target, options, time.monotonic() + options.timeout)
    record.sni = options.server_name(target)
    sock: socket.socket | None = None
    failure: Failure | None = None
    tls: _TLS | None = None
    try:
        addresses = _timed(record, DNS, lambda: _resolve(record))
        sock = _timed(record, CONNECT, lambda: _connect(record, addresses))
        if options.proxy is not None:
            _timed(record, PROXY, lambda: _tunnel(record, sock))
        if options.starttls is not None:
            _timed(record, STARTTLS, lambda: _starttls(record, sock))
        tls = _TLS(record, sock)
        _timed(record, TLS, tls.handshake)
        _timed(record, AFTER, tls.read_first)
        if options.http:
            _timed(record, HTTP, tls.http_get)
    except _Stop as stop:
        failure = stop.failure
    finally:
        if tls is not None:
            tls.close()
        if sock is not None:
            sock.close()
    return _freeze(record, tls, failure)


def _timed(record: _Record, stage: str, step: Callable[[], _T]) -> _T:
    record.stage = stage
    started = time.monotonic()
    try:
        return step()
    finally:
        record.timings[stage] = round((time.monotonic() - started) * 1000, 2)


# ---- name and TCP ----------------------------------------------------------------------------


def _resolve(record: _Record) -> list[tuple[int, tuple[str, int]]]:
    """The addresses to connect to, in the order getaddrinfo gives them."""
    proxy = record.options.proxy
    host, port = (proxy.host, proxy.port) if proxy else (record.target.host, record.target.port)
    if is_ip_address(host):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        record.addresses = (host,)
        return [(family, (host, port))]

    result: list[object] = []

    def lookup() -> None:
        try:
            result.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as error:
            result.append(error)

    # getaddrinfo has no timeout of its own: wait for it no longer than the deadline.
    worker = threading.Thread(target=lookup, name="pinscope-resolve", daemon=True)
    worker.start()
    worker.join(max(record.remaining(), 0))
    if not result:
        raise _Stop(Failure(DNS, "timeout", f"resolving {host} took longer than the deadline"))
    outcome = result[0]
    if isinstance(outcome, BaseException):
        raise _Stop(Failure(DNS, "dns", _dns_message(host, outcome)))
    assert isinstance(outcome, list)
    found = [(info[0], (str(info[4][0]), port)) for info in outcome]
    record.addresses = tuple(dict.fromkeys(address for _, (address, _) in found))
    return found


def _dns_message(host: str, error: BaseException) -> str:
    if isinstance(error, socket.gaierror) and error.errno == socket.EAI_AGAIN:
        return f"{host} could not be resolved now: the DNS server did not answer"
    if isinstance(error, UnicodeError):
        return f"{host} is not a valid host name"
    return f"{host} does not resolve to any address (no such name in DNS)"


def _connect(record: _Record, addresses: list[tuple[int, tuple[str, int]]]) -> socket.socket:
    """A TCP connection to the first address that answers, each given a share of the time."""
    errors: list[Failure] = []
    for index, (family, address) in enumerate(addresses):
        budget = record.remaining() / (len(addresses) - index)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(max(budget, 0.001))
            sock.connect(address)
        except OSError as error:
            sock.close()
            errors.append(_connect_failure(record, address[0], error))
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        record.address = address[0]
        return sock
    # The most telling failure: a refusal says more than a timeout on another address.
    order = ("refused", "unreachable", "timeout", "reset")
    errors.sort(key=lambda f: order.index(f.kind) if f.kind in order else len(order))
    raise _Stop(errors[0])


def _connect_failure(record: _Record, address: str, error: OSError) -> Failure:
    proxy = record.options.proxy
    what = f"the proxy {proxy.label}" if proxy else record.target.label
    at = f" ({address})" if address != (proxy.host if proxy else record.target.host) else ""
    if isinstance(error, TimeoutError):
        return Failure(CONNECT, "timeout", f"{what}{at} did not answer the TCP connection")
    if error.errno == errno.ECONNREFUSED:
        return Failure(CONNECT, "refused", f"{what}{at} refused the TCP connection")
    if error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
        return Failure(CONNECT, "unreachable", f"{what}{at} cannot be reached from here")
    return Failure(CONNECT, "reset", f"the TCP connection to {what}{at} failed: {error}")


def _tunnel(record: _Record, sock: socket.socket) -> None:
    proxy = record.options.proxy
    assert proxy is not None
    try:
        open_tunnel(sock, proxy, record.target.host, record.target.port, record.deadline)
    except EndpointError as error:
        kind = "timeout" if error.code == "net.timeout" else "proxy"
        raise _Stop(Failure(PROXY, kind, str(error), error.code)) from error


def _starttls(record: _Record, sock: socket.socket) -> None:
    protocol = record.options.starttls
    assert protocol is not None
    try:
        starttls.negotiate(sock, protocol, record.target.host, record.deadline)
    except EndpointError as error:
        kinds = {"net.timeout": "timeout", "net.reset": "reset"}
        kind = kinds.get(error.code or "", "starttls-refused")
        raise _Stop(Failure(STARTTLS, kind, str(error), error.code)) from error


# ---- TLS -------------------------------------------------------------------------------------


class _TLS:
    """A pyOpenSSL client over memory BIOs, pumped to and from the socket by hand."""

    def __init__(self, record: _Record, sock: socket.socket) -> None:
        self.record = record
        self.sock = sock
        self.conn = SSL.Connection(_context(record), None)
        self.conn.set_connect_state()
        self.conn.set_info_callback(self._watch)
        if record.sni is not None:
            self.conn.set_tlsext_host_name(_sni_bytes(record.sni))
        self.conn.request_ocsp()
        if record.options.alpn:
            self.conn.set_alpn_protos([name.encode("ascii") for name in record.options.alpn])

    def handshake(self) -> None:
        """Run the handshake to its end or to the failure that stops it."""
        while True:
            try:
                self.conn.do_handshake()
            except SSL.WantReadError:
                self._flush()
                self._receive(self.record.deadline)
                continue
            except SSL.Error as error:
                self._flush_quietly()
                raise _Stop(self._tls_failure(error)) from error
            break
        self._flush()
        self.record.completed = True

    def read_first(self) -> None:
        """Read before writing: a TLS 1.3 server judges the client certificate after the
        handshake and its verdict (alert 116, 48, 43, 45…) would be lost under a write.

        The wait is long only when it matters: a TLS 1.3 CertificateRequest was seen.
        """
        record = self.record
        waiting = (
            record.certificate_requested and self.conn.get_protocol_version_name() == "TLSv1.3"
        )
        connect_ms = record.timings.get(CONNECT, 0.0) / 1000
        low, high = LATE_ALERT_WAIT
        wait = min(max(low, 4 * connect_ms), high) if waiting else 0.0
        until = min(time.monotonic() + wait, record.deadline)
        data = self._read(until, quiet_timeout=True)
        record.application_data = data[:FIRST_BYTES_LIMIT]

    def http_get(self) -> None:
        """Send `GET /` and record the answer's head and the start of its body."""
        record = self.record
        host = record.target.label if record.target.port != 443 else record.target.host
        request = (
            f"GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: pinscope/{__version__}\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n"
        ).encode("ascii")
        try:
            self.conn.sendall(request)
        except SSL.Error as error:
            raise _Stop(self._tls_failure(error, HTTP)) from error
        self._flush()
        answer = bytearray(record.application_data)
        while len(answer) < HTTP_REPLY_LIMIT:
            chunk = self._read(record.deadline, quiet_timeout=bool(answer))
            if not chunk:
                break
            answer += chunk
        record.http = _http_reply(bytes(answer[:HTTP_REPLY_LIMIT]))

    def close(self) -> None:
        """Say goodbye politely, without waiting for the server's answer."""
        if not self.record.completed or self.record.peer_closed:
            return
        with contextlib.suppress(SSL.Error, _Stop, OSError):
            self.conn.shutdown()
            self._flush()

    def _read(self, until: float, quiet_timeout: bool) -> bytes:
        """Application data up to `until`: b"" when the server closed or sent nothing."""
        while True:
            try:
                return self.conn.recv(65536)
            except SSL.WantReadError:
                self._flush()
                if until - time.monotonic() <= 0 or self.record.peer_closed:
                    return b""
                try:
                    self._receive(until)
                except _Stop as stop:
                    if quiet_timeout and stop.failure.kind == "timeout":
                        return b""
                    raise
            except SSL.ZeroReturnError:
                return b""
            except SSL.Error as error:
                raise _Stop(self._tls_failure(error, self.record.stage)) from error

    def _receive(self, until: float) -> None:
        """Move one read's worth of bytes from the socket into OpenSSL."""
        remaining = until - time.monotonic()
        if remaining <= 0:
            raise _Stop(self._timeout())
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except TimeoutError as error:
            raise _Stop(self._timeout()) from error
        except OSError as error:
            raise _Stop(self._reset(error)) from error
        if not data:
            self.record.peer_closed = True
            self.conn.bio_shutdown()
            return
        room = FIRST_BYTES_LIMIT - len(self.record.first_bytes)
        if room > 0:
            self.record.first_bytes += data[:room]
        self.conn.bio_write(data)

    def _flush(self) -> None:
        """Send whatever OpenSSL has written."""
        while True:
            try:
                data = self.conn.bio_read(65536)
            except SSL.WantReadError:
                return
            remaining = self.record.remaining()
            if remaining <= 0:
                raise _Stop(self._timeout())
            self.sock.settimeout(remaining)
            try:
                self.sock.sendall(data)
            except TimeoutError as error:
                raise _Stop(self._timeout()) from error
            except OSError as error:
                raise _Stop(self._reset(error)) from error

    def _flush_quietly(self) -> None:
        """Send a final alert if OpenSSL wrote one; the server may be gone already."""
        with contextlib.suppress(_Stop):
            self._flush()

    def _watch(self, conn: SSL.Connection, where: int, ret: int) -> None:
        """OpenSSL's info callback: alerts both ways, and the CertificateRequest."""
        record = self.record
        if where & SSL.SSL_CB_ALERT:
            direction = "received" if where & SSL.SSL_CB_READ else "sent"
            level = "fatal" if ret >> 8 == 2 else "warning"
            stage = AFTER if record.completed else TLS
            record.alerts.append(Alert(direction, level, ret & 0xFF, stage))
        elif where & SSL.SSL_CB_LOOP:
            # OpenSSL's state names are stable since 1.1.0; this one is the only sign of a
            # request with an empty CA list.
            state = conn.get_state_string()
            if state.endswith(b"read server hello"):
                record.server_hello = True
            elif state.endswith(b"read server certificate request"):
                record.certificate_requested = True
            elif state.endswith(b"write client certificate"):
                record.client_certificate_sent = record.options.client is not None

    def _tls_failure(self, error: SSL.Error, stage: str = TLS) -> Failure:
        """Why the TLS step failed, from what the wire showed: the server's alert, plaintext
        instead of TLS, the end of the connection, then our own alert."""
        record = self.record
        peer = record.peer()
        received = [a for a in record.alerts if a.fatal and a.direction == "received"]
        sent = [a for a in record.alerts if a.fatal and a.direction == "sent"]
        if received:
            alert = received[-1]
            message = f"the server sent the alert {alert.name} ({alert.description})"
            return Failure(stage, "alert", message)
        if record.first_bytes and not starttls.looks_like_tls(bytes(record.first_bytes)):
            shown = starttls.printable(bytes(record.first_bytes))
            return Failure(stage, "not-tls", f"{peer} answered {shown}, which is not TLS")
        if record.peer_closed:
            when = "after the handshake" if record.completed else "during the handshake"
            return Failure(stage, "closed", f"{peer} closed the connection {when} without a word")
        if sent:
            alert = sent[-1]
            message = f"Pinscope sent the alert {alert.name} ({alert.description})"
            return Failure(stage, "alert", message)
        logger.debug("TLS error with %s: %s", peer, error)
        return Failure(stage, "tls-error", f"the TLS handshake with {peer} failed ({error})")

    def _timeout(self) -> Failure:
        record = self.record
        what = "the handshake" if not record.completed else "the server's answer"
        return Failure(record.stage, "timeout", f"{record.peer()} did not finish {what} in time")

    def _reset(self, error: OSError) -> Failure:
        record = self.record
        peer = record.peer()
        when = "after the handshake" if record.completed else "during the handshake"
        if error.errno in (errno.ECONNRESET, errno.EPIPE):
            return Failure(record.stage, "reset", f"{peer} reset the connection {when}")
        return Failure(record.stage, "reset", f"the connection to {peer} failed {when}: {error}")


def _context(record: _Record) -> SSL.Context:
    """A fresh client context per attempt: no session reuse, no certificate verification
    (Pinscope judges the chain itself), every option the user set."""
    options = record.options
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_options(SSL.OP_NO_TICKET)
    context.set_verify(SSL.VERIFY_NONE)
    if options.legacy:
        context.set_cipher_list(b"ALL:@SECLEVEL=0")
    if options.tls_min is not None:
        context.set_min_proto_version(TLS_VERSIONS[options.tls_min])
    if options.tls_max is not None:
        context.set_max_proto_version(TLS_VERSIONS[options.tls_max])
    if options.classical_key_exchange:
        with warnings.catch_warnings():
            # The only pyOpenSSL call that limits the groups; deprecated without a successor.
            warnings.simplefilter("ignore", DeprecationWarning)
            context.set_tmp_ecdh(crypto.get_elliptic_curve("prime256v1"))
    context.set_ocsp_client_callback(_keep_staple(record))
    if options.client is not None:
        _present(context, record, options.client)
    return context


def _keep_staple(record: _Record) -> Callable[[SSL.Connection, bytes, None], bool]:
    def keep(conn: SSL.Connection, staple: bytes, data: None) -> bool:
        record.ocsp_response = staple or None
        return True

    return keep


def _present(context: SSL.Context, record: _Record, identity: ClientIdentity) -> None:
    try:
        context.use_certificate(identity.leaf.x509)
        for cert in identity.certificates[1:]:
            context.add_extra_chain_cert(cert.x509)
        key = identity.key
        if not isinstance(key, _USABLE_KEYS):
            raise TypeError(f"{type(key).__name__} keys cannot sign a TLS handshake")
        context.use_privatekey(key)
        context.check_privatekey()
    except (SSL.Error, TypeError, ValueError) as error:
        raise _Stop(
            Failure(
                CLIENT,
                "client-key",
                f"{identity.label} cannot be used: its private key does not match its "
                "certificate, or OpenSSL cannot use this key type",
            )
        ) from error


def _sni_bytes(name: str) -> bytes:
    try:
        return name.encode("idna")
    except UnicodeError:
        return name.encode("ascii", "replace")


def _http_reply(answer: bytes) -> HTTPReply:
    head, _, body = answer.partition(b"\r\n\r\n")
    text = head.decode("iso-8859-1")
    status_line = text.split("\r\n", 1)[0]
    parts = status_line.split(" ", 2)
    status = None
    if len(parts) >= 2 and parts[0].startswith("HTTP/") and parts[1].isdigit():
        status = int(parts[1])
    return HTTPReply(status, status_line, text, body)


def _freeze(record: _Record, tls: _TLS | None, failure: Failure | None) -> Handshake:
    version = cipher = group = alpn = None
    chain: tuple[Certificate, ...] = ()
    ca_names: tuple[x509.Name, ...] = ()
    if tls is not None:
        conn = tls.conn
        if record.server_hello:
            version = conn.get_protocol_version_name()
            cipher = conn.get_cipher_name()
        group = conn.get_group_name()
        alpn = conn.get_alpn_proto_negotiated().decode("ascii", "replace") or None
        sent = conn.get_peer_cert_chain(as_cryptography=True) or []
        chain = tuple(_as_certificate(cert) for cert in sent)
        ca_names = tuple(conn.get_client_ca_list(as_cryptography=True))
    return Handshake(
        target=record.target,
        options=record.options,
        sni=record.sni,
        addresses=record.addresses,
        address=record.address,
        completed=record.completed,
        version=version,
        cipher=cipher,
        group=group,
        alpn=alpn,
        chain=chain,
        certificate_requested=record.certificate_requested,
        client_ca_names=ca_names,
        client_certificate_sent=record.client_certificate_sent,
        alerts=tuple(record.alerts),
        ocsp_response=record.ocsp_response,
        first_bytes=bytes(record.first_bytes),
        application_data=record.application_data,
        http=record.http,
        timings=dict(record.timings),
        failure=failure,
    )


def _as_certificate(cert: x509.Certificate) -> Certificate:
    return Certificate(cert.public_bytes(Encoding.DER), cert)
