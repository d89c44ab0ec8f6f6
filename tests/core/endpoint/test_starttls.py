"""STARTTLS preludes against loopback servers, each followed by a real TLS handshake.

Every protocol's server speaks its RFC prelude and then a pyOpenSSL server on the same socket,
so a client that leaves one byte of the go-ahead unread, or reads one byte past it, fails the
handshake. Refusals, impostors and broken servers must each come back as an `EndpointError`
whose code and message a support engineer can act on.
"""

from __future__ import annotations

import re
import socket
import struct
import time

import pytest

from pinscope.core.endpoint.starttls import DEFAULT_PORTS, PROTOCOL_NAMES, negotiate
from pinscope.core.errors import EndpointError
from tests.core import minting
from tests.core.endpoint import plaintext_servers as servers
from tests.core.endpoint.plaintext_servers import (
    CLIENT_FIRST,
    SCRIPTS,
    SENTINEL,
    Behaviour,
    PreludeServer,
    serving,
    tls_client,
)
from tests.core.endpoint.servers import ServerConfig
from tests.core.endpoint.servers import serving as serving_tls

HOST = "mail.loopback.test"
PROTOCOLS = sorted(SCRIPTS)
REFUSED = "tls.starttls-refused"

# What each client must put on the wire, one pattern per message the server reads.
LDAP_STARTTLS_REQUEST = (
    bytes.fromhex("301d02010177188016") + b"1.3.6.1.4.1.1466.20037"
)  # LDAPMessage { messageID 1, ExtendedRequest { requestName [0] the StartTLS OID } }
EXPECTED_WIRE: dict[str, list[bytes]] = {
    "smtp": [rb"EHLO \[127\.0\.0\.1\]", rb"STARTTLS"],
    "imap": [rb"\w+ CAPABILITY", rb"\w+ STARTTLS"],
    "pop3": [rb"CAPA", rb"STLS"],
    "ftp": [rb"AUTH TLS"],
    "ldap": [re.escape(LDAP_STARTTLS_REQUEST)],
    "xmpp": [
        rb"<\?xml version=['\"]1\.0['\"]\?>",
        rb"<stream:stream [^>]*to='mail\.loopback\.test'[^>]*version='1\.0'[^>]*>",
        rb"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
    ],
    "postgres": [re.escape(servers.POSTGRES_SSL_REQUEST)],
    "mysql": [rb"\x20\x00\x00\x01.{32}"],
}


class CountingSocket(socket.socket):
    """A client socket that counts its reads, to show a trickled reply arrived in pieces."""

    reads = 0

    def recv(self, size: int, flags: int = 0) -> bytes:
        self.reads += 1
        return super().recv(size, flags)


def upgrade(protocol: str, sock: socket.socket) -> None:
    negotiate(sock, protocol, HOST, time.monotonic() + 5)


def failure(server: PreludeServer, protocol: str, seconds: float = 5.0) -> EndpointError:
    """The EndpointError `negotiate` raises against `server`."""
    with server.connect() as sock, pytest.raises(EndpointError) as caught:
        negotiate(sock, protocol, HOST, time.monotonic() + seconds)
    return caught.value


def assert_upgraded(server: PreludeServer, sock: socket.socket) -> None:
    """A TLS handshake on `sock` succeeds and the server's own chain arrives."""
    result = tls_client(sock, HOST)

    assert result.chain_as_sent == [
        server.chain.leaf.certificate,
        server.chain.intermediate.certificate,
    ]
    assert result.answer == b"pong\n"


def assert_server_saw(server: PreludeServer, protocol: str) -> None:
    """The client sent exactly the prelude expected, then TLS whose first record was its own."""
    transcript = server.transcript
    assert transcript.error is None
    assert len(transcript.received) == len(EXPECTED_WIRE[protocol]), transcript.received
    for message, pattern in zip(transcript.received, EXPECTED_WIRE[protocol], strict=True):
        assert re.fullmatch(pattern, message, re.DOTALL), message
    assert transcript.tls_version is not None
    assert transcript.application_data == b"ping\n"


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain("loopback.test")


# The go-ahead, then TLS on the same socket


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_prelude_then_tls_handshake(protocol: str, chain: minting.Chain) -> None:
    with serving(SCRIPTS[protocol], Behaviour(), chain) as server, server.connect() as sock:
        upgrade(protocol, sock)
        assert_upgraded(server, sock)

    assert_server_saw(server, protocol)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_replies_trickled_a_byte_at_a_time(protocol: str) -> None:
    with serving(SCRIPTS[protocol], Behaviour(trickle=True)) as server:
        sock = server.connect(CountingSocket)
        assert isinstance(sock, CountingSocket)
        with sock:
            upgrade(protocol, sock)
            reads = sock.reads
            assert_upgraded(server, sock)

    assert_server_saw(server, protocol)
    assert reads > 20 or protocol == "postgres"  # a one-byte answer cannot be trickled


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_not_one_byte_past_the_go_ahead_is_consumed(protocol: str) -> None:
    # Given a server that writes its go-ahead and more bytes in a single segment
    with (
        serving(SCRIPTS[protocol], Behaviour(trailing=SENTINEL)) as server,
        server.connect() as sock,
    ):
        # When the prelude is done
        upgrade(protocol, sock)

        # Then every byte after the go-ahead is still in the socket
        sock.settimeout(2)
        assert sock.recv(len(SENTINEL) + 10, socket.MSG_WAITALL) == SENTINEL


@pytest.mark.parametrize("trailing", [b"", SENTINEL], ids=["tls", "bytes-after"])
@pytest.mark.parametrize("protocol", ["smtp", "imap", "ftp", "xmpp"])
def test_go_ahead_at_the_end_of_a_multiline_reply(protocol: str, trailing: bytes) -> None:
    behaviour = Behaviour(multiline=True, trailing=trailing)
    with serving(SCRIPTS[protocol], behaviour) as server, server.connect() as sock:
        upgrade(protocol, sock)

        if trailing:
            sock.settimeout(2)
            assert sock.recv(len(SENTINEL) + 10, socket.MSG_WAITALL) == SENTINEL
        else:
            assert_upgraded(server, sock)


@pytest.mark.parametrize(
    ("protocol", "variant"),
    [
        ("imap", "capability-in-greeting"),
        ("pop3", "no-capa"),
        ("ftp", "delayed"),
        ("xmpp", "quoted"),
    ],
)
def test_prelude_variants_then_tls_handshake(protocol: str, variant: str) -> None:
    behaviour = Behaviour(variant=variant, trickle=True)
    with serving(SCRIPTS[protocol], behaviour) as server, server.connect() as sock:
        upgrade(protocol, sock)
        assert_upgraded(server, sock)

    assert server.transcript.tls_version is not None


def test_smtp_ehlo_names_an_ipv6_client_by_its_address_literal() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = PreludeServer(SCRIPTS["smtp"], Behaviour(), family=socket.AF_INET6)
    except OSError as error:
        pytest.skip(f"no IPv6 loopback: {error}")
    with server, server.connect() as sock:
        upgrade("smtp", sock)
        assert_upgraded(server, sock)

    assert server.transcript.received[0] == b"EHLO [IPv6:::1]"


def test_mysql_ssl_request_asks_for_tls_and_nothing_else() -> None:
    with serving(SCRIPTS["mysql"]) as server, server.connect() as sock:
        upgrade("mysql", sock)
        assert_upgraded(server, sock)

    packet = server.transcript.received[0]
    flags, max_packet, charset = struct.unpack("<IIB", packet[4:13])
    assert flags & servers.MYSQL_CLIENT_SSL
    assert flags & servers.MYSQL_CLIENT_PROTOCOL_41
    assert flags & ~servers.MYSQL_SERVER_CAPABILITIES & ~servers.MYSQL_CLIENT_SSL == 0
    assert max_packet > 0
    assert charset == 0xFF  # the server's own, from its greeting
    assert packet[13:] == bytes(23)


@pytest.mark.parametrize("timeout", [None, 0.0, 7.5], ids=["blocking", "non-blocking", "timeout"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_socket_mode_is_restored(protocol: str, timeout: float | None) -> None:
    with serving(SCRIPTS[protocol]) as server, server.connect() as sock:
        sock.settimeout(timeout)

        upgrade(protocol, sock)

        assert sock.gettimeout() == timeout
        assert_upgraded(server, sock)


# Refusals


REFUSALS = [
    pytest.param(
        "smtp",
        Behaviour(offer_starttls=False),
        ["SMTP server at mail.loopback.test", "does not offer STARTTLS", "PIPELINING"],
        id="smtp-not-offered",
    ),
    pytest.param(
        "smtp",
        Behaviour(refusal=b"454 4.7.0 TLS not available due to local problem\r\n"),
        ["SMTP server", "refused STARTTLS", "454 4.7.0 TLS not available due to local problem"],
        id="smtp-454",
    ),
    pytest.param(
        "smtp",
        Behaviour(variant="greeting-554"),
        ["SMTP server", "turned the session away", "554 5.3.2"],
        id="smtp-greeting-554",
    ),
    pytest.param(
        "imap",
        Behaviour(offer_starttls=False),
        ["IMAP server at mail.loopback.test", "does not offer STARTTLS", "LOGINDISABLED"],
        id="imap-not-offered",
    ),
    pytest.param(
        "imap",
        Behaviour(offer_starttls=False, variant="capability-in-greeting"),
        ["IMAP server", "does not offer STARTTLS", "IMAP4REV1"],
        id="imap-not-offered-in-greeting",
    ),
    pytest.param(
        "imap",
        Behaviour(refusal=b"NO [UNAVAILABLE] TLS is broken today"),
        ["IMAP server", "refused STARTTLS", "NO [UNAVAILABLE] TLS is broken today"],
        id="imap-no",
    ),
    pytest.param(
        "imap",
        Behaviour(refusal=b"BAD Unknown command STARTTLS"),
        ["IMAP server", "refused STARTTLS", "BAD Unknown command"],
        id="imap-bad",
    ),
    pytest.param(
        "pop3",
        Behaviour(offer_starttls=False),
        ["POP3 server at mail.loopback.test", "does not offer STLS", "SASL PLAIN"],
        id="pop3-not-offered",
    ),
    pytest.param(
        "pop3",
        Behaviour(refusal=b"-ERR TLS support not configured\r\n"),
        ["POP3 server", "refused STLS", "-ERR TLS support not configured"],
        id="pop3-err",
    ),
    pytest.param(
        "pop3",
        Behaviour(variant="no-capa", refusal=b"-ERR Unknown command\r\n"),
        ["POP3 server", "refused STLS", "-ERR Unknown command"],
        id="pop3-no-capa-err",
    ),
    pytest.param(
        "ftp",
        Behaviour(refusal=b"500 AUTH not understood\r\n"),
        ["FTP server at mail.loopback.test", "refused AUTH TLS", "500 AUTH not understood"],
        id="ftp-500",
    ),
    pytest.param(
        "ftp",
        Behaviour(refusal=b"534 Policy requires TLS to be off\r\n"),
        ["FTP server", "refused AUTH TLS", "534 Policy requires TLS to be off"],
        id="ftp-534",
    ),
    pytest.param(
        "ldap",
        Behaviour(
            refusal=servers.ldap_extended_response(
                1, 2, b"unsupported extended operation", response_name=None
            )
        ),
        [
            "LDAP server at mail.loopback.test",
            "refused StartTLS",
            "resultCode 2 (protocolError)",
            "unsupported extended operation",
        ],
        id="ldap-protocol-error",
    ),
    pytest.param(
        "ldap",
        Behaviour(refusal=servers.ldap_extended_response(1, 52, b"no certificate configured")),
        ["LDAP server", "resultCode 52 (unavailable)", "no certificate configured"],
        id="ldap-unavailable",
    ),
    pytest.param(
        "ldap",
        Behaviour(
            refusal=servers.ldap_extended_response(
                0, 52, b"server shutting down", response_name=b"1.3.6.1.4.1.1466.20036"
            )
        ),
        ["LDAP server", "notice of disconnection", "server shutting down"],
        id="ldap-notice-of-disconnection",
    ),
    pytest.param(
        "xmpp",
        Behaviour(offer_starttls=False),
        ["XMPP server at mail.loopback.test", "does not offer STARTTLS", "mechanisms"],
        id="xmpp-not-offered",
    ),
    pytest.param(
        "xmpp",
        Behaviour(refusal=b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>"),
        ["XMPP server", "refused STARTTLS", "<failure/>"],
        id="xmpp-failure",
    ),
    pytest.param(
        "xmpp",
        Behaviour(variant="stream-error"),
        ["XMPP server", "stream error <host-unknown/>"],
        id="xmpp-stream-error",
    ),
    pytest.param(
        "postgres",
        Behaviour(refusal=b"N"),
        ["PostgreSQL server at mail.loopback.test", "does not accept TLS", "'N'"],
        id="postgres-n",
    ),
    pytest.param(
        "postgres",
        Behaviour(refusal=servers.postgres_error(b"unsupported frontend protocol 1234.5679")),
        ["PostgreSQL server", "error", "unsupported frontend protocol 1234.5679"],
        id="postgres-error",
    ),
    pytest.param(
        "mysql",
        Behaviour(offer_starttls=False),
        ["MySQL server at mail.loopback.test", "8.0.36", "does not offer TLS", "CLIENT_SSL"],
        id="mysql-no-client-ssl",
    ),
    pytest.param(
        "mysql",
        Behaviour(variant="error-greeting"),
        ["MySQL server", "turned the session away", "1130", "is not allowed to connect"],
        id="mysql-error-greeting",
    ),
]


@pytest.mark.parametrize(("protocol", "behaviour", "fragments"), REFUSALS)
def test_refusal_names_the_protocol_and_what_the_server_said(
    protocol: str, behaviour: Behaviour, fragments: list[str]
) -> None:
    with serving(SCRIPTS[protocol], behaviour) as server:
        error = failure(server, protocol)

    assert error.code == REFUSED
    for fragment in fragments:
        assert fragment in str(error)
    assert server.transcript.error is None


def test_every_protocol_has_a_refusal_case() -> None:
    assert {param.values[0] for param in REFUSALS} == set(DEFAULT_PORTS)


# Servers that are not what the client asked for


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_tls_bytes_instead_of_the_prelude(protocol: str) -> None:
    with serving(servers.answering(servers.TLS_ALERT)) as server:
        error = failure(server, protocol)

    assert error.code == REFUSED
    message = str(error)
    assert PROTOCOL_NAMES[protocol] in message
    assert "TLS" in message
    assert r"\x15\x03\x03" in message
    assert "without STARTTLS" in message


def tls_only_failure(chain: minting.Chain, protocol: str, seconds: float) -> EndpointError:
    """The EndpointError `negotiate` raises against a real TLS server (a TLS-only port)."""
    config = ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate], key=chain.leaf.key
    )
    with (
        serving_tls(config) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
        pytest.raises(EndpointError) as caught,
    ):
        negotiate(sock, protocol, HOST, time.monotonic() + seconds)
    return caught.value


@pytest.mark.parametrize("protocol", CLIENT_FIRST)
def test_tls_only_port_resets_a_client_first_prelude(protocol: str, chain: minting.Chain) -> None:
    # A TLS server drops the connection on plaintext it cannot parse as a record.
    error = tls_only_failure(chain, protocol, seconds=5)

    assert error.code == "net.reset"
    assert "without STARTTLS" in str(error)


def test_tls_only_port_stays_silent_for_a_server_first_prelude(chain: minting.Chain) -> None:
    # A TLS server waits for a ClientHello while the client waits for a greeting.
    error = tls_only_failure(chain, "smtp", seconds=0.2)

    assert error.code == "net.timeout"
    assert "greeting" in str(error)
    assert "without STARTTLS" in str(error)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_http_answer(protocol: str) -> None:
    with serving(servers.answering(servers.HTTP_400)) as server:
        error = failure(server, protocol)

    assert error.code == REFUSED
    assert PROTOCOL_NAMES[protocol] in str(error)
    assert "HTTP/1.1 400 Bad Request" in str(error)


# Broken servers


@pytest.mark.parametrize("at_go_ahead", [servers.CLOSE, servers.RESET])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_server_drops_the_connection_mid_prelude(protocol: str, at_go_ahead: str) -> None:
    with serving(SCRIPTS[protocol], Behaviour(at_go_ahead=at_go_ahead)) as server:
        error = failure(server, protocol)

    assert error.code == "net.reset"
    message = str(error)
    assert PROTOCOL_NAMES[protocol] in message
    assert ("closed the connection" if at_go_ahead == servers.CLOSE else "reset") in message


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_server_that_never_answers_is_bounded_by_the_deadline(protocol: str) -> None:
    deadline_seconds = 0.2
    with serving(servers.silent) as server:
        started = time.monotonic()
        error = failure(server, protocol, deadline_seconds)
        elapsed = time.monotonic() - started

    assert error.code == "net.timeout"
    assert PROTOCOL_NAMES[protocol] in str(error)
    assert deadline_seconds * 0.9 <= elapsed < deadline_seconds + 1


def test_silence_after_the_starttls_command_is_bounded_by_the_deadline() -> None:
    with serving(SCRIPTS["smtp"], Behaviour(at_go_ahead=servers.SILENCE)) as server:
        started = time.monotonic()
        error = failure(server, "smtp", 0.3)
        elapsed = time.monotonic() - started

    assert error.code == "net.timeout"
    assert "reply to STARTTLS" in str(error)
    assert elapsed < 0.3 + 1


def test_one_deadline_bounds_the_whole_prelude() -> None:
    # A byte every 50 ms keeps every single read short; only an overall deadline ends it.
    with serving(servers.trickling_forever) as server:
        started = time.monotonic()
        error = failure(server, "smtp", 0.3)
        elapsed = time.monotonic() - started

    assert error.code == "net.timeout"
    assert elapsed < 0.3 + 1


# A line without end, or a length no real reply has; and what the message must say about it.
OVERSIZED = {
    "smtp": (b"220-" + b"x" * 10_000, "more than 8192 bytes without a break"),
    "imap": (b"* OK " + b"x" * 10_000, "more than 8192 bytes without a break"),
    "pop3": (b"+OK " + b"x" * 10_000, "more than 8192 bytes without a break"),
    "ftp": (b"220 " + b"x" * 10_000, "more than 8192 bytes without a break"),
    "ldap": (b"\x30\x84\x00\x10\x00\x00\x02\x01\x01" + bytes(1000), "message of 1048576 bytes"),
    "xmpp": (b"<stream:stream id='" + b"x" * 10_000, "more than 8192 bytes without a break"),
    "postgres": (b"E\x00\x10\x00\x00SFATAL\x00" + b"x" * 1000, "at most 4096 bytes"),
    "mysql": (b"\xff\xff\xff\x00\x0a" + b"x" * 1000, "instead of a MySQL greeting packet"),
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_oversized_reply(protocol: str) -> None:
    reply, said = OVERSIZED[protocol]
    with serving(servers.answering(reply, then_close=False)) as server:
        error = failure(server, protocol)

    assert error.code == REFUSED
    assert PROTOCOL_NAMES[protocol] in str(error)
    assert said in str(error)
    assert len(str(error)) < 400  # quoted, not dumped


# Misuse


def test_unknown_protocol_is_a_value_error_and_sends_nothing() -> None:
    left, right = socket.socketpair()
    with left, right:
        with pytest.raises(ValueError, match=r"'gopher'.*imap.*smtp"):
            negotiate(left, "gopher", HOST, time.monotonic() + 1)

        right.setblocking(False)
        with pytest.raises(BlockingIOError):
            right.recv(1)


def test_protocol_names_are_case_insensitive() -> None:
    with serving(SCRIPTS["pop3"]) as server, server.connect() as sock:
        negotiate(sock, "POP3", HOST, time.monotonic() + 5)
        assert_upgraded(server, sock)
