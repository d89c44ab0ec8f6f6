"""Loopback servers for endpoint tests: pyOpenSSL TLS servers and plaintext impostors in threads.

A `LoopbackServer` listens on 127.0.0.1 (or ::1), answers connections one after another in a
background thread and keeps a log of what each client did (the SNI it sent, the certificate it
presented, the alert the server raised), so a test can check the wire as well as the verdict.
`ServerConfig` says how the server behaves: its chain, client authentication, TLS versions,
ciphers, SNI, OCSP staple, ALPN, an HTTP answer, or a misbehaviour (plain HTTP, an SMTP banner,
closing after the ClientHello, never answering).
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from OpenSSL import SSL, crypto

# What a server does with a connection, besides speaking TLS.
TLS = "tls"
PLAIN_HTTP = "plain-http"
SMTP_BANNER = "smtp-banner"
CLOSE_AFTER_HELLO = "close-after-hello"
RESET = "reset"
NEVER_ANSWERS = "never-answers"

CLIENT_AUTH_NONE = "none"
CLIENT_AUTH_OPTIONAL = "optional"
CLIENT_AUTH_REQUIRED = "required"

PLAIN_HTTP_REPLY = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
    b"Connection: close\r\n\r\nBad Request"
)
SMTP_GREETING = b"220 mail.loopback.test ESMTP ready\r\n"
NGINX_NO_CERT = (
    b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n"
    b"Connection: close\r\n\r\n<html><head><title>400 No required SSL certificate was sent"
    b"</title></head><body><center><h1>400 Bad Request</h1></center><center>No required SSL "
    b"certificate was sent</center><hr><center>nginx</center></body></html>\r\n"
)
HTTP_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

# How long the server waits on a silent client before it gives the connection up.
CLIENT_PATIENCE_SECONDS = 3.0


@dataclass
class ServerConfig:
    """How a loopback server behaves.

    Attributes:
        chain: the certificates it sends, in the order sent (normally the leaf first).
        key: the private key of the leaf.
        behaviour: TLS, or one of the misbehaviours (PLAIN_HTTP, SMTP_BANNER...).
        client_auth: CLIENT_AUTH_NONE, _OPTIONAL or _REQUIRED.
        client_trust: the CA certificates a client certificate must chain to.
        ca_names: the names listed in the CertificateRequest; None lists the subjects of
            `client_trust`, an empty list sends an empty list.
        min_version, max_version: SSL.TLS1_VERSION... bounds; None leaves OpenSSL's default.
        ciphers: the TLS 1.2 cipher string; None for OpenSSL's default.
        sni_names: when set, a ClientHello without SNI, or with another name, is refused with
            alert 112 (unrecognized_name).
        ocsp_staple: DER of an OCSP response to staple when a client asks; None staples none.
        alpn: the protocols the server is willing to select, in its preference; None ignores
            the extension.
        http_reply: after the handshake, read one request and send these bytes; None reads
            until the client closes.
    """

    chain: Sequence[x509.Certificate] = ()
    key: PrivateKeyTypes | None = None
    behaviour: str = TLS
    client_auth: str = CLIENT_AUTH_NONE
    client_trust: Sequence[x509.Certificate] = ()
    ca_names: Sequence[x509.Name] | None = None
    min_version: int | None = None
    max_version: int | None = None
    ciphers: bytes | None = None
    sni_names: Sequence[str] | None = None
    ocsp_staple: bytes | None = None
    alpn: Sequence[bytes] | None = None
    http_reply: bytes | None = None


@dataclass
class Visit:
    """What one client connection did, as the server saw it."""

    sni: str | None = None
    client_certificate: x509.Certificate | None = None
    version: str | None = None
    alpn_offered: list[bytes] = field(default_factory=list)
    alerts_sent: list[int] = field(default_factory=list)
    request: bytes = b""
    error: str | None = None


class LoopbackServer:
    """A server on a loopback port answering clients one at a time until stopped."""

    def __init__(self, config: ServerConfig, family: socket.AddressFamily = socket.AF_INET):
        self.config = config
        self.visits: list[Visit] = []
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        self._listener.listen(16)
        self._stopping = threading.Event()
        self._context = _server_context(config) if config.behaviour == TLS else None
        self._thread = threading.Thread(target=self._serve, name="loopback-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def address(self) -> str:
        host = self._listener.getsockname()[0]
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
        self._listener.close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.02)
            if not ready:
                continue
            connection, _ = self._listener.accept()
            visit = Visit()
            self.visits.append(visit)
            with connection:
                _set_patience(connection, CLIENT_PATIENCE_SECONDS)
                try:
                    self._answer(connection, visit)
                except (OSError, SSL.Error) as error:
                    visit.error = repr(error)

    def _answer(self, connection: socket.socket, visit: Visit) -> None:
        behaviour = self.config.behaviour
        if behaviour == TLS:
            assert self._context is not None
            _speak_tls(self._context, self.config, connection, visit)
        elif behaviour == PLAIN_HTTP:
            visit.request = connection.recv(65536)
            connection.sendall(PLAIN_HTTP_REPLY)
        elif behaviour == SMTP_BANNER:
            connection.sendall(SMTP_GREETING)
            visit.request = connection.recv(65536)
            connection.sendall(b"500 5.5.1 command unrecognized\r\n")
        elif behaviour == CLOSE_AFTER_HELLO:
            visit.request = connection.recv(65536)
        elif behaviour == RESET:
            visit.request = connection.recv(65536)
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif behaviour == NEVER_ANSWERS:
            self._wait_for_close(connection)

    def _wait_for_close(self, connection: socket.socket) -> None:
        while not self._stopping.is_set():
            ready, _, _ = select.select([connection], [], [], 0.02)
            if ready and not connection.recv(65536):
                return


def _set_patience(connection: socket.socket, seconds: float) -> None:
    """A kernel receive/send timeout: OpenSSL sees EAGAIN, a socket timeout would confuse it."""
    whole = int(seconds)
    value = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)


def _server_context(config: ServerConfig) -> SSL.Context:
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_options(SSL.OP_NO_TICKET)
    if config.chain:
        context.use_certificate(config.chain[0])
        for extra in config.chain[1:]:
            context.add_extra_chain_cert(extra)
    if config.key is not None:
        context.use_privatekey(config.key)
    if config.min_version is not None:
        context.set_min_proto_version(config.min_version)
    if config.max_version is not None:
        context.set_max_proto_version(config.max_version)
    if config.ciphers is not None:
        context.set_cipher_list(config.ciphers)
    _configure_client_auth(context, config)
    if config.sni_names is not None:
        context.set_tlsext_servername_callback(_sni_check(config.sni_names))
    if config.ocsp_staple is not None:
        staple = config.ocsp_staple
        context.set_ocsp_server_callback(lambda connection, data: staple)
    if config.alpn is not None:
        context.set_alpn_select_callback(_alpn_choice(config.alpn))
    return context


def _configure_client_auth(context: SSL.Context, config: ServerConfig) -> None:
    if config.client_auth == CLIENT_AUTH_NONE:
        return
    flags = SSL.VERIFY_PEER
    if config.client_auth == CLIENT_AUTH_REQUIRED:
        flags |= SSL.VERIFY_FAIL_IF_NO_PEER_CERT
    context.set_verify(flags)
    store = context.get_cert_store()
    assert store is not None
    for cert in config.client_trust:
        store.add_cert(crypto.X509.from_cryptography(cert))
    names = config.ca_names
    if names is None:
        names = [cert.subject for cert in config.client_trust]
    for ca_name in names:
        context.add_client_ca(_named(ca_name))


def _named(ca_name: x509.Name) -> x509.Certificate:
    """add_client_ca takes a certificate: the server lists its subject."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def _sni_check(names: Sequence[str]) -> Callable[[SSL.Connection], None]:
    def check(connection: SSL.Connection) -> None:
        sent = connection.get_servername()
        if sent is None or sent.decode("ascii") not in names:
            raise ValueError("unknown server name")  # pyOpenSSL sends alert 112

    return check


def _alpn_choice(
    offered_by_server: Sequence[bytes],
) -> Callable[[SSL.Connection, list[bytes]], bytes | object]:
    def choose(connection: SSL.Connection, protocols: list[bytes]) -> bytes | object:
        for protocol in offered_by_server:
            if protocol in protocols:
                return protocol
        return SSL.NO_OVERLAPPING_PROTOCOLS

    return choose


def _speak_tls(
    context: SSL.Context, config: ServerConfig, connection: socket.socket, visit: Visit
) -> None:
    tls = SSL.Connection(context, connection)
    tls.set_accept_state()

    def watch(conn: SSL.Connection, where: int, ret: int) -> None:
        if where & SSL.SSL_CB_WRITE_ALERT and ret & 0xFF != 0:
            visit.alerts_sent.append(ret & 0xFF)

    tls.set_info_callback(watch)
    try:
        tls.do_handshake()
    finally:
        name = tls.get_servername()
        visit.sni = name.decode("ascii") if name is not None else None
    visit.version = tls.get_protocol_version_name()
    visit.client_certificate = tls.get_peer_certificate(as_cryptography=True)
    if config.http_reply is not None:
        visit.request = _read_request(tls)
        tls.sendall(config.http_reply)
        with contextlib.suppress(SSL.Error):
            tls.shutdown()
        return
    _drain(tls, visit)


def _read_request(tls: SSL.Connection) -> bytes:
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = tls.recv(65536)
        if not chunk:
            break
        request += chunk
    return request


def _drain(tls: SSL.Connection, visit: Visit) -> None:
    """Read until the client closes: a TLS 1.3 client certificate is judged on this read."""
    with contextlib.suppress(SSL.ZeroReturnError, SSL.SysCallError):
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                return
            visit.request += chunk


@contextlib.contextmanager
def serving(
    config: ServerConfig, family: socket.AddressFamily = socket.AF_INET
) -> Iterator[LoopbackServer]:
    """A started server, stopped when the block ends."""
    server = LoopbackServer(config, family)
    with server:
        yield server
