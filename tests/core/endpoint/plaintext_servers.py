"""Loopback servers that speak a STARTTLS prelude and then TLS on the same socket.

A `PreludeServer` accepts one connection on 127.0.0.1 in a background thread and runs a script
on it: a function that plays the server's side of one protocol's plaintext prelude through a
`Peer`, records what the client sent, and at the go-ahead does what its `Behaviour` says
(proceed to a real pyOpenSSL handshake, refuse, close, reset, fall silent). Impostor scripts
answer in another protocol, with TLS bytes, with an oversized reply, or not at all.

The replies follow the RFCs closely enough that a client which reads one byte too many or too
few breaks the TLS handshake that follows.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from cryptography import x509
from OpenSSL import SSL

from tests.core import minting

T = TypeVar("T")

# How long a server waits on a silent client before giving the connection up.
PATIENCE_SECONDS = 5.0
# The pause between two bytes of a trickled reply: long enough that the client reads most
# replies in several pieces, short enough to keep the suite fast.
TRICKLE_DELAY = 0.0005
POLL_SECONDS = 0.01

# What a server does when the client asks for TLS (`Behaviour.at_go_ahead`).
PROCEED = "proceed"
CLOSE = "close"
RESET = "reset"
SILENCE = "silence"

# Bytes a server sends right after its go-ahead, in the same segment, in place of TLS: the
# client must leave every one of them in the socket.
SENTINEL = b"\x16\x03\x01\x00\x05after"

# A fatal protocol_version alert: TLS bytes where a plaintext reply belongs.
TLS_ALERT = bytes.fromhex("15030300020246")

HTTP_400 = (
    b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n"
    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
)

XMPP_TLS = b"urn:ietf:params:xml:ns:xmpp-tls"
LDAP_STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"
POSTGRES_SSL_REQUEST = struct.pack("!II", 8, 80877103)  # length, then the magic request code

MYSQL_CLIENT_SSL = 0x800
MYSQL_CLIENT_PROTOCOL_41 = 0x200
# What MySQL 8.0 announces, less CLIENT_SSL: the server adds it when it offers TLS.
MYSQL_SERVER_CAPABILITIES = 0xDFFFF7FF


class ClientGone(Exception):
    """The client closed or reset the connection, or the server was told to stop."""


@dataclass
class Behaviour:
    """How a prelude script behaves.

    Attributes:
        offer_starttls: list STARTTLS among the capabilities (EHLO, CAPABILITY, CAPA, stream
            features, the MySQL CLIENT_SSL flag).
        refusal: the answer to the client's STARTTLS command instead of the go-ahead, in the
            protocol's own terms (see each script); None sends the go-ahead.
        at_go_ahead: PROCEED, or CLOSE / RESET / SILENCE once the STARTTLS command is read.
        multiline: send the go-ahead as the last line of a multi-line reply, in one segment.
        trailing: bytes sent in the same segment right after the go-ahead; when set the server
            waits for the client to close instead of starting TLS.
        trickle: send every reply a byte at a time.
        variant: a script-specific variation, named in each script's docstring.
    """

    offer_starttls: bool = True
    refusal: bytes | None = None
    at_go_ahead: str = PROCEED
    multiline: bool = False
    trailing: bytes = b""
    trickle: bool = False
    variant: str = ""


@dataclass
class Transcript:
    """What the client did, as the server saw it."""

    received: list[bytes] = field(default_factory=list)
    tls_version: str | None = None
    application_data: bytes = b""
    error: str | None = None


class Peer:
    """The server's end of one connection: reads the client, sends replies, starts TLS."""

    def __init__(
        self,
        connection: socket.socket,
        behaviour: Behaviour,
        context: SSL.Context,
        transcript: Transcript,
        stopping: threading.Event,
    ) -> None:
        self.connection = connection
        self.behaviour = behaviour
        self.context = context
        self.transcript = transcript
        self.stopping = stopping

    # Sending

    def send(self, data: bytes) -> None:
        """Send `data`, a byte at a time when the behaviour trickles."""
        pieces = [data[i : i + 1] for i in range(len(data))] if self.behaviour.trickle else [data]
        try:
            for piece in pieces:
                self.connection.sendall(piece)
                if self.behaviour.trickle:
                    time.sleep(TRICKLE_DELAY)
        except ConnectionError as error:
            raise ClientGone(repr(error)) from error

    def answer_command(self, go_ahead: bytes, refusal: bytes | None = None) -> None:
        """Answer the client's STARTTLS command as the behaviour says.

        `refusal` overrides `behaviour.refusal` for scripts that must complete it (a tag).
        """
        behaviour = self.behaviour
        refusal = refusal if refusal is not None else behaviour.refusal
        if refusal is not None:
            self.send(refusal)
            self.hold()
        elif behaviour.at_go_ahead == CLOSE:
            return
        elif behaviour.at_go_ahead == RESET:
            self.reset()
        elif behaviour.at_go_ahead == SILENCE:
            self.hold()
        else:
            self.go_ahead(go_ahead)

    def go_ahead(self, go_ahead: bytes) -> None:
        """Send the last plaintext bytes, then TLS (or wait, when trailing bytes follow)."""
        if self.behaviour.trailing:
            self.send(go_ahead + self.behaviour.trailing)
            self.hold()
            return
        self.send(go_ahead)
        self.start_tls()

    def reset(self) -> None:
        """Make the coming close() send RST instead of FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    # Receiving

    def receive_line(self) -> bytes:
        """One line from the client, without its CRLF; recorded."""
        line = self._receive_until(b"\n").rstrip(b"\r\n")
        self.transcript.received.append(line)
        return line

    def receive_until(self, delimiter: bytes) -> bytes:
        """Bytes up to and including `delimiter`; recorded."""
        data = self._receive_until(delimiter)
        self.transcript.received.append(data)
        return data

    def receive_exact(self, count: int) -> bytes:
        """Exactly `count` bytes; not recorded (callers record whole messages)."""
        data = b""
        while len(data) < count:
            data += self._recv(count - len(data))
        return data

    def receive_message(self, count: int) -> bytes:
        """Exactly `count` bytes; recorded."""
        data = self.receive_exact(count)
        self.transcript.received.append(data)
        return data

    def receive_any(self, wait: float) -> bytes:
        """What the client sends within `wait` seconds; b"" when it waits for the server."""
        ready, _, _ = select.select([self.connection], [], [], wait)
        if not ready:
            return b""
        data = self._recv(65536)
        self.transcript.received.append(data)
        return data

    def hold(self) -> None:
        """Read and discard until the client closes (or the server stops)."""
        with contextlib.suppress(ClientGone):
            while True:
                self._recv(65536)

    def _receive_until(self, delimiter: bytes) -> bytes:
        data = b""
        while not data.endswith(delimiter):
            data += self._recv(1)
        return data

    def _recv(self, size: int) -> bytes:
        self._wait(readable=True)
        try:
            data = self.connection.recv(size)
        except (ConnectionError, TimeoutError) as error:
            raise ClientGone(repr(error)) from error
        if not data:
            raise ClientGone("the client closed the connection")
        return data

    def _wait(self, readable: bool) -> None:
        give_up = time.monotonic() + PATIENCE_SECONDS
        while not self.stopping.is_set() and time.monotonic() < give_up:
            wanted = [self.connection]
            ready = select.select(
                wanted if readable else [], [] if readable else wanted, [], POLL_SECONDS
            )
            if ready[0] or ready[1]:
                return
        raise ClientGone("the server stopped waiting")

    # TLS

    def start_tls(self) -> None:
        """Handshake as a TLS server on the same socket, then answer one line of data."""
        tls = SSL.Connection(self.context, self.connection)
        tls.set_accept_state()
        self._drive(tls.do_handshake)
        self.transcript.tls_version = tls.get_protocol_version_name()

        request = b""
        while not request.endswith(b"\n"):
            chunk = self._drive(lambda: tls.recv(1024))
            if not chunk:
                break
            request += chunk
        self.transcript.application_data = request
        self._drive(lambda: tls.sendall(b"pong\n"))
        self.hold()

    def _drive(self, operation: Callable[[], T]) -> T:
        while True:
            try:
                return operation()
            except SSL.WantReadError:
                self._wait(readable=True)
            except SSL.WantWriteError:
                self._wait(readable=False)
            except (SSL.ZeroReturnError, SSL.SysCallError) as error:
                raise ClientGone(repr(error)) from error


Script = Callable[[Peer], None]


class PreludeServer:
    """A server on a loopback port that runs `script` on the first connection it accepts."""

    def __init__(
        self,
        script: Script,
        behaviour: Behaviour,
        chain: minting.Chain | None = None,
        family: socket.AddressFamily = socket.AF_INET,
    ) -> None:
        self.script = script
        self.behaviour = behaviour
        self.chain = chain if chain is not None else minting.mint_chain("loopback.test")
        self.transcript = Transcript()
        self._context = tls_server_context(self.chain)
        self._stopping = threading.Event()
        self._connected = threading.Event()
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            self._listener.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
            self._listener.listen(4)
        except OSError:
            self._listener.close()
            raise
        self._thread = threading.Thread(target=self._serve, name="prelude-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def __enter__(self) -> PreludeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=PATIENCE_SECONDS * 2)
        self._listener.close()
        assert not self._thread.is_alive(), "the prelude server did not stop"

    def expect_outside_client(self) -> PreludeServer:
        """Serve a client that connects by itself (Pinscope's own `connect`), not through
        `connect` below, without waiting for it to say it has connected."""
        self._connected.set()
        return self

    def connect(self, kind: type[socket.socket] = socket.socket) -> socket.socket:
        """A client socket (of class `kind`) connected to this server, in timeout mode."""
        sock = kind(self._listener.family, socket.SOCK_STREAM)
        sock.settimeout(PATIENCE_SECONDS)
        try:
            sock.connect(self._listener.getsockname()[:2])
        except OSError:
            sock.close()
            raise
        self._connected.set()
        return sock

    def _serve(self) -> None:
        while not self._stopping.is_set():
            ready, _, _ = select.select([self._listener], [], [], POLL_SECONDS)
            if ready:
                break
        else:
            return
        connection, _ = self._listener.accept()
        # A server that speaks first and resets at once could otherwise beat the client's
        # connect() to it, which then fails with ECONNRESET under load.
        self._connected.wait(PATIENCE_SECONDS)
        with connection:
            connection.settimeout(PATIENCE_SECONDS)
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer = Peer(connection, self.behaviour, self._context, self.transcript, self._stopping)
            try:
                self.script(peer)
            except ClientGone:
                pass
            except Exception as error:  # reported to the test through the transcript
                self.transcript.error = repr(error)


def tls_server_context(chain: minting.Chain) -> SSL.Context:
    """A TLS server context sending the leaf and the intermediate of `chain`."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_options(SSL.OP_NO_TICKET)
    context.use_certificate(chain.leaf.certificate)
    context.add_extra_chain_cert(chain.intermediate.certificate)
    context.use_privatekey(chain.leaf.key)
    return context


@contextlib.contextmanager
def serving(
    script: Script,
    behaviour: Behaviour | None = None,
    chain: minting.Chain | None = None,
    family: socket.AddressFamily = socket.AF_INET,
) -> Iterator[PreludeServer]:
    """A started prelude server, stopped when the block ends."""
    with PreludeServer(script, behaviour or Behaviour(), chain, family) as server:
        yield server


# The client's side of TLS, for tests to run after `negotiate`.


@dataclass
class TLSResult:
    """What a client handshake on an upgraded socket saw."""

    chain_as_sent: list[x509.Certificate]
    version: str
    answer: bytes


def tls_client(sock: socket.socket, server_name: str, seconds: float = 5.0) -> TLSResult:
    """Handshake as a TLS client on `sock`, send one line and read the server's answer."""
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    tls = SSL.Connection(context, sock)
    tls.set_connect_state()
    tls.set_tlsext_host_name(server_name.encode("ascii"))
    deadline = time.monotonic() + seconds

    _drive_client(tls.do_handshake, sock, deadline)
    chain = tls.get_peer_cert_chain(as_cryptography=True) or []
    version = tls.get_protocol_version_name()
    _drive_client(lambda: tls.sendall(b"ping\n"), sock, deadline)
    answer = b""
    while not answer.endswith(b"\n"):
        chunk = _drive_client(lambda: tls.recv(1024), sock, deadline)
        if not chunk:
            break
        answer += chunk
    return TLSResult(list(chain), version, answer)


def _drive_client(operation: Callable[[], T], sock: socket.socket, deadline: float) -> T:
    while True:
        try:
            return operation()
        except SSL.WantReadError:
            readable, writable = [sock], []
        except SSL.WantWriteError:
            readable, writable = [], [sock]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the TLS handshake after STARTTLS did not finish in time")
        select.select(readable, writable, [], remaining)


# Prelude scripts, one per protocol. Each plays the server's side as the RFC describes it.


def _numbered(code: bytes, lines: list[bytes]) -> bytes:
    """An SMTP/FTP reply: every line but the last as "code-text", the last as "code text"."""
    head = b"".join(code + b"-" + line + b"\r\n" for line in lines[:-1])
    return head + code + b" " + lines[-1] + b"\r\n"


def smtp(peer: Peer) -> None:
    """SMTP with STARTTLS (RFC 3207). `refusal`: the whole reply to STARTTLS.

    Variants: "greeting-554" turns the session away.
    """
    behaviour = peer.behaviour
    if behaviour.variant == "greeting-554":
        peer.send(b"554 5.3.2 mail.loopback.test is not accepting mail today\r\n")
        peer.hold()
        return
    peer.send(_numbered(b"220", [b"mail.loopback.test ESMTP Postfix", b"no UCE"]))

    peer.receive_line()  # EHLO
    extensions = [b"mail.loopback.test", b"PIPELINING", b"SIZE 10240000"]
    if behaviour.offer_starttls:
        extensions.append(b"STARTTLS")
    extensions += [b"ENHANCEDSTATUSCODES", b"8BITMIME"]
    peer.send(_numbered(b"250", extensions))

    peer.receive_line()  # STARTTLS
    go_ahead = b"220 2.0.0 Ready to start TLS\r\n"
    if behaviour.multiline:
        go_ahead = _numbered(b"220", [b"2.0.0 TLS go ahead", b"2.0.0 Ready to start TLS"])
    peer.answer_command(go_ahead)


def imap(peer: Peer) -> None:
    """IMAP with STARTTLS (RFC 3501). `refusal`: the tagged status ("NO ...") without the tag.

    Variants: "capability-in-greeting" lists the capabilities in the greeting's response code.
    """
    behaviour = peer.behaviour
    capabilities = b"IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE"
    if behaviour.offer_starttls:
        capabilities += b" STARTTLS"
    capabilities += b" LOGINDISABLED"

    if behaviour.variant == "capability-in-greeting":
        peer.send(b"* OK [CAPABILITY " + capabilities + b"] Dovecot ready.\r\n")
    else:
        peer.send(b"* OK Dovecot ready.\r\n")
        tag = peer.receive_line().split(b" ")[0]
        peer.send(b"* CAPABILITY " + capabilities + b"\r\n" + tag + b" OK Pre-login done.\r\n")

    tag = peer.receive_line().split(b" ")[0]
    refusal = None
    if behaviour.refusal is not None:
        refusal = tag + b" " + behaviour.refusal + b"\r\n"
    go_ahead = tag + b" OK Begin TLS negotiation now.\r\n"
    if behaviour.multiline:
        go_ahead = b"* OK [ALERT] TLS is coming\r\n" + go_ahead
    peer.answer_command(go_ahead, refusal)


def pop3(peer: Peer) -> None:
    """POP3 with STLS (RFC 2595, CAPA from RFC 2449). `refusal`: the whole reply to STLS.

    Variants: "no-capa" answers CAPA with -ERR, as servers older than RFC 2449 do.
    """
    behaviour = peer.behaviour
    peer.send(b"+OK Dovecot ready. <1896.697170952@loopback.test>\r\n")

    peer.receive_line()  # CAPA
    if behaviour.variant == "no-capa":
        peer.send(b"-ERR unknown command\r\n")
    else:
        capabilities = [b"TOP", b"USER", b"SASL PLAIN", b"RESP-CODES", b"PIPELINING"]
        if behaviour.offer_starttls:
            capabilities.append(b"STLS")
        listing = b"".join(capability + b"\r\n" for capability in capabilities)
        peer.send(b"+OK Capability list follows\r\n" + listing + b"UIDL\r\n.\r\n")

    peer.receive_line()  # STLS
    peer.answer_command(b"+OK Begin TLS negotiation\r\n")


def ftp(peer: Peer) -> None:
    """FTP with AUTH TLS (RFC 4217). `refusal`: the whole reply to AUTH TLS.

    Variants: "delayed" sends "120 ready in 1 minute" before the greeting.
    """
    behaviour = peer.behaviour
    if behaviour.variant == "delayed":
        peer.send(b"120 Service ready in 1 minute.\r\n")
    # A multi-line greeting with free text between the first and last lines (RFC 959 §4.2).
    peer.send(b"220-Welcome to the loopback FTP service.\r\n  Be nice.\r\n220 ProFTPD ready\r\n")

    peer.receive_line()  # AUTH TLS
    go_ahead = b"234 AUTH TLS successful\r\n"
    if behaviour.multiline:
        go_ahead = b"234-Using authentication type TLS\r\n" + go_ahead
    peer.answer_command(go_ahead)


def _ber(tag: int, content: bytes) -> bytes:
    if len(content) < 0x80:
        return bytes([tag, len(content)]) + content
    size = len(content).to_bytes(4, "big")
    return bytes([tag, 0x84]) + size + content


def ldap_extended_response(
    message_id: int,
    result_code: int,
    diagnostic: bytes = b"",
    response_name: bytes | None = LDAP_STARTTLS_OID,
) -> bytes:
    """An LDAPMessage holding an ExtendedResponse (RFC 4511 §4.12), BER-encoded."""
    components = _ber(0x0A, bytes([result_code])) + _ber(0x04, b"") + _ber(0x04, diagnostic)
    if response_name is not None:
        components += _ber(0x8A, response_name)  # responseName [10]
    return _ber(0x30, _ber(0x02, bytes([message_id])) + _ber(0x78, components))


def ldap(peer: Peer) -> None:
    """LDAP StartTLS (RFC 4511 §4.14). `refusal`: a whole LDAPMessage to send instead."""
    header = peer.receive_exact(2)
    peer.transcript.received.append(header + peer.receive_exact(header[1]))
    message_id = peer.transcript.received[-1][4]
    peer.answer_command(ldap_extended_response(message_id, 0))


def xmpp(peer: Peer) -> None:
    """XMPP client STARTTLS (RFC 6120 §5). `refusal`: the whole answer to <starttls/>.

    Variants: "stream-error" answers the stream header with <stream:error>; "quoted" puts a
    '>' and the other quote character inside attribute values, as XML allows.
    """
    behaviour = peer.behaviour
    peer.receive_until(b"?>")
    peer.receive_until(b">")  # <stream:stream ...>
    header = (
        b"<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
        b" xmlns:stream='http://etherx.jabber.org/streams' id='c2s-4f2a' from='loopback.test'"
        b" version='1.0' xml:lang='en'>"
    )
    if behaviour.variant == "quoted":
        header = header.replace(b"id='c2s-4f2a'", b"id='c2s>4f2a' xml:base=\"o'hara\"")
    if behaviour.variant == "stream-error":
        error = b"<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        peer.send(header + error + b"</stream:error></stream:stream>")
        peer.hold()
        return

    starttls = b"<starttls xmlns='" + XMPP_TLS + b"'><required/></starttls>"
    mechanisms = (
        b"<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
        b"<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
    )
    features = starttls + mechanisms if behaviour.offer_starttls else mechanisms
    peer.send(header + b"\n<stream:features>" + features + b"</stream:features>")

    peer.receive_until(b">")  # <starttls xmlns='...'/>
    go_ahead = b"<proceed xmlns='" + XMPP_TLS + b"'/>"
    if behaviour.multiline:  # a whitespace keep-alive, then the long form of <proceed>
        go_ahead = b" \n<proceed xmlns='" + XMPP_TLS + b"'></proceed>"
    peer.answer_command(go_ahead)


def postgres(peer: Peer) -> None:
    """PostgreSQL SSLRequest. `refusal`: the whole answer instead of 'S'."""
    peer.receive_message(len(POSTGRES_SSL_REQUEST))
    peer.answer_command(b"S")


def postgres_error(text: bytes) -> bytes:
    """An ErrorResponse message, as servers before 7.0 and some poolers answer an SSLRequest."""
    fields = b"SFATAL\0C08P01\0M" + text + b"\0\0"
    return b"E" + struct.pack("!I", 4 + len(fields)) + fields


def mysql_greeting(capabilities: int, version: bytes = b"8.0.36") -> bytes:
    """A Protocol::HandshakeV10 packet with sequence id 0."""
    payload = (
        b"\x0a"
        + version
        + b"\0"
        + struct.pack("<I", 42)  # connection id
        + b"abcdefgh\0"  # auth-plugin-data part 1, filler
        + struct.pack("<HBHH", capabilities & 0xFFFF, 0xFF, 0x0002, capabilities >> 16)
        + bytes([21])
        + bytes(10)
        + b"ijklmnopqrst\0"
        + b"caching_sha2_password\0"
    )
    return len(payload).to_bytes(3, "little") + b"\0" + payload


def mysql(peer: Peer) -> None:
    """MySQL: HandshakeV10 greeting, then the client's SSL request packet.

    The client speaks last, so `trailing` follows the greeting and `at_go_ahead` acts after it.
    Variants: "error-greeting" sends an ERR packet instead of the greeting.
    """
    behaviour = peer.behaviour
    if behaviour.variant == "error-greeting":
        payload = b"\xff\x6a\x04Host '127.0.0.1' is not allowed to connect to this MySQL server"
        peer.send(len(payload).to_bytes(3, "little") + b"\0" + payload)
        peer.hold()
        return

    capabilities = MYSQL_SERVER_CAPABILITIES
    if behaviour.offer_starttls:
        capabilities |= MYSQL_CLIENT_SSL
    greeting = mysql_greeting(capabilities)
    if behaviour.trailing:
        peer.go_ahead(greeting)
        return
    if behaviour.at_go_ahead == CLOSE:
        peer.send(greeting[: len(greeting) // 2])
        return
    if behaviour.at_go_ahead == RESET:
        peer.send(greeting[: len(greeting) // 2])
        peer.reset()
        return
    if behaviour.at_go_ahead == SILENCE:
        peer.send(greeting[: len(greeting) // 2])
        peer.hold()
        return

    peer.send(greeting)
    header = peer.receive_exact(4)
    peer.transcript.received.append(
        header + peer.receive_exact(int.from_bytes(header[:3], "little"))
    )
    peer.start_tls()


SCRIPTS: dict[str, Script] = {
    "smtp": smtp,
    "imap": imap,
    "pop3": pop3,
    "ftp": ftp,
    "ldap": ldap,
    "xmpp": xmpp,
    "postgres": postgres,
    "mysql": mysql,
}

# Protocols in which the client speaks first; in the others the server greets.
CLIENT_FIRST = ("ldap", "xmpp", "postgres")


# Impostors: servers that do not speak the protocol asked for.


def answering(reply: bytes, then_close: bool = True) -> Script:
    """A script that sends `reply` once the client has spoken (or has stayed silent a moment)."""

    def script(peer: Peer) -> None:
        peer.receive_any(wait=0.05)
        peer.send(reply)
        if not then_close:
            peer.hold()

    return script


def silent(peer: Peer) -> None:
    """A server that accepts the connection and never says a word."""
    peer.hold()


def trickling_forever(peer: Peer) -> None:
    """A server that sends one byte of an endless greeting line every 50 ms."""
    while not peer.stopping.is_set():
        peer.send(b"2")
        if peer.receive_any(wait=0.05):
            return
