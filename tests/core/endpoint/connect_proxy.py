"""A loopback HTTP CONNECT proxy for endpoint tests, run in a thread.

`ConnectProxy` reads each CONNECT request, records it, checks Basic credentials when told to,
connects to the destination (every name resolves to the loopback address) and relays bytes both
ways until either side closes. `ProxyConfig` makes it misbehave instead: a canned answer, closing
or resetting the connection, never answering, dribbling its answer one byte at a time, or sending
the destination's first bytes in the same segment as its 200 answer.
"""

from __future__ import annotations

import base64
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

RELAY = "relay"
CLOSE = "close"
RESET = "reset"
SILENT = "silent"
ECHO = "echo"

ESTABLISHED = b"HTTP/1.1 200 Connection established\r\n\r\n"
AUTHENTICATION_REQUIRED = (
    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
    b'Proxy-Authenticate: Basic realm="loopback proxy"\r\n'
    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
)
BAD_GATEWAY = (
    b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n"
    b"Connection: close\r\n\r\nconnection refused"
)

PATIENCE_SECONDS = 3.0


@dataclass
class ProxyConfig:
    """How the proxy behaves.

    Attributes:
        behaviour: RELAY (answer and tunnel), CLOSE or RESET after reading the request,
            SILENT (read the request, never answer), or ECHO (send the request back, close).
        credentials: (user, password) to require as Basic Proxy-Authorization; None requires
            nothing. Missing or wrong credentials get a 407.
        reply: bytes to answer with instead of connecting (a 403, a non-HTTP banner...);
            the connection is closed after them.
        dribble: send the 200 answer one byte per segment.
        coalesce: wait for the destination's first bytes and send them in the same segment as
            the 200 answer (the destination must speak first).
        resolve: the address every destination name resolves to.
    """

    behaviour: str = RELAY
    credentials: tuple[str, str] | None = None
    reply: bytes | None = None
    dribble: bool = False
    coalesce: bool = False
    resolve: str = "127.0.0.1"


@dataclass
class ProxiedRequest:
    """One CONNECT request as the proxy received it."""

    raw: bytes
    request_line: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class ConnectProxy:
    """An HTTP CONNECT proxy on 127.0.0.1 serving one connection at a time until stopped."""

    def __init__(self, config: ProxyConfig | None = None) -> None:
        self.config = config or ProxyConfig()
        self.requests: list[ProxiedRequest] = []
        self.errors: list[str] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="connect-proxy", daemon=True)

    def __enter__(self) -> ConnectProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
        self._listener.close()

    def connect(self) -> socket.socket:
        """A client socket connected to the proxy."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=PATIENCE_SECONDS)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.02)
            if not ready:
                continue
            client, _ = self._listener.accept()
            with client:
                client.settimeout(PATIENCE_SECONDS)
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                try:
                    self._answer(client)
                except OSError as error:
                    self.errors.append(repr(error))

    def _answer(self, client: socket.socket) -> None:
        request = _read_request(client)
        self.requests.append(request)
        config = self.config

        if config.behaviour == CLOSE:
            return
        if config.behaviour == RESET:
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if config.behaviour == ECHO:
            client.sendall(request.raw)
            return
        if config.behaviour == SILENT:
            self._wait_for_close(client)
            return
        if config.credentials is not None and not _authorized(request, config.credentials):
            client.sendall(AUTHENTICATION_REQUIRED)
            return
        if config.reply is not None:
            client.sendall(config.reply)
            return
        self._tunnel(client, request)

    def _tunnel(self, client: socket.socket, request: ProxiedRequest) -> None:
        # Every destination name resolves to `resolve`: only the port is taken from the request.
        port = request.request_line.split()[1].rpartition(":")[2]
        try:
            upstream = socket.create_connection((self.config.resolve, int(port)), timeout=2)
        except OSError:
            client.sendall(BAD_GATEWAY)
            return

        with upstream:
            first = b""
            if self.config.coalesce:
                upstream.settimeout(PATIENCE_SECONDS)
                first = upstream.recv(65536)
            if self.config.dribble:
                for byte in ESTABLISHED:
                    client.sendall(bytes([byte]))
                    time.sleep(0.002)
            else:
                client.sendall(ESTABLISHED + first)
            if self.config.dribble and first:
                client.sendall(first)
            self._relay(client, upstream)

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        while not self._stopping.is_set():
            readable, _, _ = select.select(list(peers), [], [], 0.02)
            for source in readable:
                data = source.recv(65536)
                if not data:
                    return
                peers[source].sendall(data)

    def _wait_for_close(self, client: socket.socket) -> None:
        while not self._stopping.is_set():
            ready, _, _ = select.select([client], [], [], 0.02)
            if ready and not client.recv(65536):
                return


def _read_request(client: socket.socket) -> ProxiedRequest:
    raw = b""
    while b"\r\n\r\n" not in raw:
        chunk = client.recv(65536)
        if not chunk:
            break
        raw += chunk
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return ProxiedRequest(raw=raw, request_line=lines[0], headers=headers)


def _authorized(request: ProxiedRequest, credentials: tuple[str, str]) -> bool:
    expected = base64.b64encode(":".join(credentials).encode("utf-8")).decode("ascii")
    return request.headers.get("proxy-authorization") == f"Basic {expected}"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
