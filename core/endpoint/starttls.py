"""STARTTLS preludes: the plaintext each protocol speaks before TLS starts on the same socket.

`negotiate` runs one protocol's prelude up to the server's go-ahead and returns with not one
byte past it consumed, so the TLS handshake that follows finds the server's first record on the
socket itself. Replies are read line by line or by exact lengths through `PlaintextChannel`,
which peeks before it consumes; every read is capped in length and bounded by one deadline.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import struct
import time
from collections.abc import Callable

from pinscope.core.errors import EndpointError

logger = logging.getLogger(__name__)

DEFAULT_PORTS: dict[str, int] = {
    "smtp": 25,
    "imap": 143,
    "pop3": 110,
    "ftp": 21,
    "ldap": 389,
    "xmpp": 5222,
    "postgres": 5432,
    "mysql": 3306,
}

PROTOCOL_NAMES = {
    "smtp": "SMTP",
    "imap": "IMAP",
    "pop3": "POP3",
    "ftp": "FTP",
    "ldap": "LDAP",
    "xmpp": "XMPP",
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
}

REFUSED = "tls.starttls-refused"

# What a server may send before its go-ahead. Real preludes are a few hundred bytes; the caps
# only stop a hostile or broken server from making us allocate or loop without end.
LINE_LIMIT = 8192
REPLY_LINE_LIMIT = 200
TOTAL_LIMIT = 256 * 1024
EXCERPT_LIMIT = 120
PEEK_SIZE = 4096
# How long to wait for the rest of an answer that is only quoted in an error message.
QUOTE_WAIT = 0.2

# Said when a server was silent, closed or reset before sending a byte: what a port that
# expects TLS from the first byte does when it gets plaintext (or waits for a ClientHello).
TLS_PORT_HINT = (
    "; a port that expects TLS from the first byte behaves like this: if so, connect to it"
    " without STARTTLS"
)


def printable(data: bytes, limit: int = EXCERPT_LIMIT) -> str:
    """`data` quoted for a message: printable ASCII as is, everything else escaped, bounded."""
    shown = repr(bytes(data[:limit]))[2:-1]
    return f"'{shown}…'" if len(data) > limit else f"'{shown}'"


def looks_like_tls(data: bytes) -> bool:
    """Whether `data` starts like a TLS record (handshake or alert, version 3.x)."""
    return len(data) >= 2 and data[0] in (0x15, 0x16) and data[1] == 0x03


def tls_instead(peer: str, answer: bytes, expected: str) -> EndpointError:
    """The error for a server that sent TLS bytes where its plaintext prelude belongs."""
    return EndpointError(
        f"{peer} answered with TLS bytes {printable(answer)} instead of {expected}:"
        " this port expects TLS from the first byte, connect to it without STARTTLS",
        REFUSED,
    )


class PlaintextChannel:
    """Reads and writes a plaintext prelude, never consuming a byte past what a read returns.

    Each read first peeks at what has arrived and then consumes exactly up to the delimiter or
    length asked for, so whatever follows (a TLS record) stays in the socket. The socket is put
    in timeout mode for each call; callers restore its original mode (see `negotiate`).
    """

    def __init__(self, sock: socket.socket, peer: str, deadline: float) -> None:
        """Args:
        sock: a connected TCP socket.
        peer: how messages name the other end, e.g. "the SMTP server at mail.example.test".
        deadline: a `time.monotonic()` value after which every call raises net.timeout.
        """
        self.sock = sock
        self.peer = peer
        self.deadline = deadline
        self.started = time.monotonic()
        self.received = 0
        self.sent = 0

    def send(self, data: bytes, what: str) -> None:
        """Send all of `data`; `what` names it in error messages ("the EHLO command")."""
        self.sock.settimeout(self._remaining(f"to send {what}"))
        try:
            self.sock.sendall(data)
        except TimeoutError as error:
            raise self._timeout(f"to send {what}") from error
        except OSError as error:
            raise self._reset(f"while Pinscope sent {what}", error) from error
        self.sent += len(data)

    def read_until(self, delimiter: bytes, what: str, limit: int = LINE_LIMIT) -> bytes:
        """Bytes up to and including the one-byte `delimiter`, at most `limit` of them."""
        unit = bytearray()
        while True:
            room = limit - len(unit)
            if room <= 0:
                raise EndpointError(
                    f"{self.peer} sent more than {limit} bytes without a break while Pinscope "
                    f"waited for {what}: {printable(bytes(unit))}",
                    REFUSED,
                )
            peeked = self.peek(min(room, PEEK_SIZE), what, bytes(unit))
            # A TLS record never ends where a delimiter is looked for: waiting for one would
            # turn "this is a TLS port" into a timeout.
            if len(unit) < 2 and looks_like_tls(bytes(unit) + peeked[:2]):
                raise tls_instead(self.peer, bytes(unit) + peeked, what)
            end = peeked.find(delimiter)
            take = len(peeked) if end < 0 else end + 1
            unit += self.read_exact(take, what)
            if end >= 0:
                return bytes(unit)

    def read_line(self, what: str, limit: int = LINE_LIMIT) -> bytes:
        """One line without its CRLF (or bare LF) ending."""
        return self.read_until(b"\n", what, limit).rstrip(b"\r\n")

    def read_exact(self, count: int, what: str) -> bytes:
        """Exactly `count` bytes."""
        data = bytearray()
        while len(data) < count:
            data += self._receive(count - len(data), what, bytes(data))
        return bytes(data)

    def peek(self, limit: int, what: str, so_far: bytes = b"") -> bytes:
        """What has arrived (waiting for at least one byte), up to `limit`, left unconsumed."""
        return self._receive(limit, what, so_far, socket.MSG_PEEK)

    def read_some(self, limit: int) -> bytes:
        """Whatever arrives within a moment, up to `limit` bytes, or b"".

        Only for quoting an answer that ends the prelude in an error message: it never raises,
        so a server that sent a short wrong answer and then waits is still quoted promptly.
        """
        wait = min(QUOTE_WAIT, self.deadline - time.monotonic())
        if wait <= 0:
            return b""
        self.sock.settimeout(wait)
        try:
            data = self.sock.recv(limit)
        except OSError:
            return b""
        self.received += len(data)
        return data

    def _receive(self, size: int, what: str, so_far: bytes, flags: int = 0) -> bytes:
        self.sock.settimeout(self._remaining(what))
        try:
            data = self.sock.recv(size, flags)
        except TimeoutError as error:
            raise self._timeout(what) from error
        except OSError as error:
            raise self._reset(f"while Pinscope waited for {what}", error) from error
        if not data:
            raise self._closed(what, so_far)
        if not flags & socket.MSG_PEEK:
            self.received += len(data)
            if self.received > TOTAL_LIMIT:
                raise EndpointError(
                    f"{self.peer} sent more than {TOTAL_LIMIT // 1024} KiB before its go-ahead",
                    REFUSED,
                )
        return data

    def _remaining(self, what: str) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._timeout(what)
        return remaining

    def _timeout(self, what: str) -> EndpointError:
        """net.timeout; `what` is what was awaited ("its greeting") or done ("to send EHLO")."""
        waited = time.monotonic() - self.started
        activity = what if what.startswith("to ") else f"for {what}"
        message = f"{self.peer} did not answer in time: Pinscope waited {waited:.1f} s {activity}"
        if self.received == 0 and self.sent == 0:
            message += TLS_PORT_HINT
        return EndpointError(message, "net.timeout")

    def _reset(self, when: str, error: OSError) -> EndpointError:
        reason = error.strerror or type(error).__name__
        message = f"{self.peer} reset the connection {when} ({reason})"
        if self.received == 0:
            message += TLS_PORT_HINT
        return EndpointError(message, "net.reset")

    def _closed(self, what: str, so_far: bytes) -> EndpointError:
        if looks_like_tls(so_far):
            return tls_instead(self.peer, so_far, what)
        message = f"{self.peer} closed the connection while Pinscope waited for {what}"
        if so_far:
            message += f" (it had sent {printable(so_far)})"
        elif self.received == 0:
            message += TLS_PORT_HINT
        return EndpointError(message, "net.reset")


def negotiate(sock: socket.socket, protocol: str, host: str, deadline: float) -> None:
    """Speak `protocol`'s plaintext prelude on `sock` until the server says to start TLS.

    Args:
        sock: a connected TCP socket, blocking or not; its timeout mode is restored on return.
        protocol: one of DEFAULT_PORTS ("smtp", "imap", "pop3", "ftp", "ldap", "xmpp",
            "postgres", "mysql").
        host: the server's name as the user gave it; XMPP sends it as the stream's `to`.
        deadline: a `time.monotonic()` value bounding the whole prelude.

    Raises:
        ValueError: `protocol` is not one Pinscope speaks.
        EndpointError: code tls.starttls-refused when the server does not offer STARTTLS,
            refuses it, answers in another protocol or with TLS bytes (a TLS-only port), or
            sends more than a prelude ever holds; net.timeout when the deadline passes;
            net.reset when the connection resets or closes.
    """
    key = protocol.lower()
    prelude = _PRELUDES.get(key)
    if prelude is None:
        choices = ", ".join(sorted(_PRELUDES))
        raise ValueError(f"unknown STARTTLS protocol {protocol!r}; expected one of {choices}")

    channel = PlaintextChannel(sock, f"the {PROTOCOL_NAMES[key]} server at {host}", deadline)
    original_timeout = sock.gettimeout()
    try:
        prelude(channel, host)
    finally:
        sock.settimeout(original_timeout)
    logger.debug(
        "%s STARTTLS prelude with %s done in %.1f ms (%d bytes read)",
        key,
        host,
        (time.monotonic() - channel.started) * 1000,
        channel.received,
    )


def _refused(message: str) -> EndpointError:
    return EndpointError(message, REFUSED)


def _decode(line: bytes) -> str:
    return line.decode("utf-8", "backslashreplace")


def _not_the_protocol(channel: PlaintextChannel, answer: bytes, expected: str) -> EndpointError:
    if looks_like_tls(answer):
        return tls_instead(channel.peer, answer, expected)
    return _refused(f"{channel.peer} answered {printable(answer)} instead of {expected}")


# SMTP (RFC 3207) and FTP (RFC 4217) share the three-digit reply format of RFC 5321 / RFC 959.

_NUMERIC_REPLY = re.compile(rb"(\d{3})([ -]|$)")


def _read_numeric_reply(channel: PlaintextChannel, what: str) -> tuple[int, list[str]]:
    """A possibly multi-line reply ("250-A", "250-B", "250 C"): its code and its lines' texts.

    FTP allows free text between the first and the last line; SMTP prefixes every line.
    Both end at a line that starts with the first line's code and a space.
    """
    first = channel.read_line(what)
    match = _NUMERIC_REPLY.match(first)
    if match is None:
        raise _not_the_protocol(channel, first, f"a numbered reply as {what}")
    code = match.group(1)
    texts = [_decode(first[4:])]
    last = match.group(2) != b"-"
    while not last:
        if len(texts) >= REPLY_LINE_LIMIT:
            raise _refused(f"{channel.peer} sent more than {REPLY_LINE_LIMIT} lines as {what}")
        line = channel.read_line(what)
        last = line == code or line.startswith(code + b" ")
        texts.append(_decode(line[4:] if line[:3] == code and line[3:4] in b" -" else line))
    return int(code), texts


def _reply_text(code: int, texts: list[str]) -> str:
    return f"{code} {' / '.join(text for text in texts if text)}".strip()


def _client_address_literal(sock: socket.socket) -> str:
    """This end's address as an RFC 5321 address literal, the EHLO argument without a name."""
    # A link-local IPv6 address comes with its "%zone", which has no place in a literal.
    address = ipaddress.ip_address(sock.getsockname()[0].partition("%")[0])
    if address.version == 6:
        return f"[IPv6:{address}]"
    return f"[{address}]"


def _smtp(channel: PlaintextChannel, host: str) -> None:
    code, texts = _read_numeric_reply(channel, "its greeting")
    if code != 220:
        raise _refused(f"{channel.peer} turned the session away: {_reply_text(code, texts)}")

    ehlo = f"EHLO {_client_address_literal(channel.sock)}\r\n"
    channel.send(ehlo.encode("ascii"), "EHLO")
    code, texts = _read_numeric_reply(channel, "its reply to EHLO")
    if code != 250:
        raise _refused(f"{channel.peer} refused EHLO: {_reply_text(code, texts)}")

    # The first line greets; each further line names one extension and its parameters.
    extensions = [text.split()[0].upper() for text in texts[1:] if text.strip()]
    if "STARTTLS" not in extensions:
        listed = ", ".join(extensions) or "no extensions"
        raise _refused(f"{channel.peer} does not offer STARTTLS (its EHLO reply lists: {listed})")

    channel.send(b"STARTTLS\r\n", "STARTTLS")
    code, texts = _read_numeric_reply(channel, "its reply to STARTTLS")
    if code != 220:
        raise _refused(f"{channel.peer} refused STARTTLS: {_reply_text(code, texts)}")


def _ftp(channel: PlaintextChannel, host: str) -> None:
    code, texts = _read_numeric_reply(channel, "its greeting")
    if code == 120:  # "service ready in n minutes": the real greeting follows.
        code, texts = _read_numeric_reply(channel, "its greeting")
    if code != 220:
        raise _refused(f"{channel.peer} turned the session away: {_reply_text(code, texts)}")

    channel.send(b"AUTH TLS\r\n", "AUTH TLS")
    code, texts = _read_numeric_reply(channel, "its reply to AUTH TLS")
    if code != 234:
        raise _refused(f"{channel.peer} refused AUTH TLS: {_reply_text(code, texts)}")


# IMAP (RFC 3501 §6.2.1, RFC 2595)

_IMAP_CAPABILITY_CODE = re.compile(r"\[CAPABILITY ([^\]]*)\]", re.IGNORECASE)


def _imap_tagged_reply(channel: PlaintextChannel, tag: str, what: str) -> tuple[str, list[str]]:
    """Lines up to the one tagged `tag`: its status text ("OK done") and the untagged lines."""
    untagged: list[str] = []
    prefix = f"{tag} ".encode("ascii")
    while True:
        line = channel.read_line(what)
        if line[: len(prefix)].lower() == prefix.lower():
            return _decode(line[len(prefix) :]), untagged
        if not line.startswith((b"* ", b"+")):
            raise _not_the_protocol(channel, line, f"an IMAP response as {what}")
        if len(untagged) >= REPLY_LINE_LIMIT:
            raise _refused(f"{channel.peer} sent more than {REPLY_LINE_LIMIT} lines as {what}")
        untagged.append(_decode(line[2:]))


def _imap_capabilities(channel: PlaintextChannel, greeting: str) -> list[str]:
    match = _IMAP_CAPABILITY_CODE.search(greeting)
    if match is not None:
        return match.group(1).upper().split()

    channel.send(b"a000 CAPABILITY\r\n", "CAPABILITY")
    status, untagged = _imap_tagged_reply(channel, "a000", "its reply to CAPABILITY")
    capabilities = [
        word.upper()
        for line in untagged
        if line.upper().startswith("CAPABILITY")
        for word in line.split()[1:]
    ]
    if not status.upper().startswith("OK") and not capabilities:
        raise _refused(f"{channel.peer} refused CAPABILITY: {status}")
    return capabilities


def _imap(channel: PlaintextChannel, host: str) -> None:
    greeting = channel.read_line("its greeting")
    text = _decode(greeting)
    if text[:5].upper() == "* BYE":
        raise _refused(f"{channel.peer} turned the session away: {text}")
    if text[:4].upper() != "* OK" and text[:9].upper() != "* PREAUTH":
        raise _not_the_protocol(channel, greeting, "an IMAP greeting (* OK)")

    capabilities = _imap_capabilities(channel, text)
    if "STARTTLS" not in capabilities:
        listed = " ".join(capabilities) or "none"
        raise _refused(f"{channel.peer} does not offer STARTTLS (its capabilities: {listed})")

    channel.send(b"a001 STARTTLS\r\n", "STARTTLS")
    status, _ = _imap_tagged_reply(channel, "a001", "its reply to STARTTLS")
    if not status.upper().startswith("OK"):
        raise _refused(f"{channel.peer} refused STARTTLS: {status}")


# POP3 (RFC 2595 §4)


def _pop3_capabilities(channel: PlaintextChannel) -> list[str] | None:
    """The lines of the server's CAPA list (RFC 2449), or None when it does not know CAPA."""
    channel.send(b"CAPA\r\n", "CAPA")
    status = channel.read_line("its reply to CAPA")
    if status.startswith(b"-ERR"):
        return None
    if not status.startswith(b"+OK"):
        raise _not_the_protocol(channel, status, "+OK or -ERR in reply to CAPA")

    capabilities: list[str] = []
    while True:
        line = channel.read_line("its capability list")
        if line == b".":
            return capabilities
        if len(capabilities) >= REPLY_LINE_LIMIT:
            raise _refused(f"{channel.peer} sent more than {REPLY_LINE_LIMIT} capabilities")
        # Lines of a multi-line response that start with "." have it doubled ("dot-stuffed").
        text = _decode(line[1:] if line.startswith(b"..") else line).strip()
        if text:
            capabilities.append(text)


def _pop3(channel: PlaintextChannel, host: str) -> None:
    greeting = channel.read_line("its greeting")
    if greeting.startswith(b"-ERR"):
        raise _refused(f"{channel.peer} turned the session away: {_decode(greeting)}")
    if not greeting.startswith(b"+OK"):
        raise _not_the_protocol(channel, greeting, "a POP3 greeting (+OK)")

    # A server older than CAPA answers -ERR; STLS itself then says whether TLS is on offer.
    capabilities = _pop3_capabilities(channel)
    if capabilities is not None and not any(
        text.split()[0].upper() == "STLS" for text in capabilities
    ):
        listed = ", ".join(capabilities) or "nothing"
        raise _refused(
            f"{channel.peer} does not offer STLS, POP3's STARTTLS (its CAPA reply lists: {listed})"
        )

    channel.send(b"STLS\r\n", "STLS")
    reply = channel.read_line("its reply to STLS")
    if reply.startswith(b"-ERR"):
        raise _refused(f"{channel.peer} refused STLS: {_decode(reply)}")
    if not reply.startswith(b"+OK"):
        raise _not_the_protocol(channel, reply, "+OK in reply to STLS")


# LDAP (RFC 4511 §4.12 and §4.14, RFC 4513 §3)

LDAP_STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"
LDAP_MESSAGE_LIMIT = 64 * 1024

LDAP_RESULT_CODES = {
    0: "success",
    1: "operationsError",
    2: "protocolError",
    7: "authMethodNotSupported",
    8: "strongerAuthRequired",
    12: "unavailableCriticalExtension",
    50: "insufficientAccessRights",
    51: "busy",
    52: "unavailable",
    53: "unwillingToPerform",
    80: "other",
}


def _ber(tag: int, content: bytes) -> bytes:
    """One BER element with a definite length (short form below 128 bytes, long form above)."""
    if len(content) < 0x80:
        return bytes([tag, len(content)]) + content
    length = len(content).to_bytes((len(content).bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _ldap_starttls_request(message_id: int) -> bytes:
    extended_request = _ber(0x77, _ber(0x80, LDAP_STARTTLS_OID))  # [APPLICATION 23], [0]
    return _ber(0x30, _ber(0x02, bytes([message_id])) + extended_request)


def _ber_elements(data: bytes) -> list[tuple[int, bytes]]:
    """The (tag, content) pairs of the elements concatenated in `data`.

    Raises:
        ValueError: an element runs past the end or uses a form LDAP does not allow.
    """
    elements = []
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise ValueError("truncated element")
        tag, length = data[offset], data[offset + 1]
        offset += 2
        if length & 0x80:
            size = length & 0x7F
            if size == 0 or size > 4 or offset + size > len(data):
                raise ValueError("bad length")
            length = int.from_bytes(data[offset : offset + size], "big")
            offset += size
        if offset + length > len(data):
            raise ValueError("truncated element")
        elements.append((tag, data[offset : offset + length]))
        offset += length
    return elements


def _read_ldap_message(channel: PlaintextChannel) -> bytes:
    """The content of one LDAPMessage SEQUENCE, read by its exact BER length."""
    what = "its StartTLS ExtendedResponse"
    head = channel.read_exact(2, what)
    if head[0] != 0x30:
        raise _not_the_protocol(channel, head + channel.read_some(64), "an LDAP message")
    length = head[1]
    if length & 0x80:
        size = length & 0x7F
        if size == 0 or size > 4:
            raise _not_the_protocol(channel, head, "an LDAP message with a definite length")
        length = int.from_bytes(channel.read_exact(size, what), "big")
    if length > LDAP_MESSAGE_LIMIT:
        raise _refused(f"{channel.peer} announced an LDAP message of {length} bytes")
    return channel.read_exact(length, what)


def _ldap(channel: PlaintextChannel, host: str) -> None:
    channel.send(_ldap_starttls_request(message_id=1), "the StartTLS ExtendedRequest")
    content = _read_ldap_message(channel)
    try:
        (_, message_id), (operation, response), *_ = _ber_elements(content)
        (_, result), _, (_, diagnostic), *_ = _ber_elements(response)
    except ValueError as error:
        raise _refused(
            f"{channel.peer} sent a malformed LDAP message in reply to StartTLS: "
            f"{printable(content)}"
        ) from error

    if operation != 0x78:  # [APPLICATION 24] ExtendedResponse
        raise _refused(
            f"{channel.peer} answered StartTLS with an LDAP operation of tag 0x{operation:02x}"
            " instead of an ExtendedResponse"
        )
    result_code = int.from_bytes(result, "big") if result else -1
    if result_code == 0 and int.from_bytes(message_id, "big") == 1:
        return

    name = LDAP_RESULT_CODES.get(result_code, "unknown")
    said = f": {_decode(diagnostic)}" if diagnostic else ""
    if int.from_bytes(message_id, "big") == 0:  # an unsolicited notice, e.g. of disconnection
        raise _refused(f"{channel.peer} sent a notice of disconnection ({name}){said}")
    raise _refused(f"{channel.peer} refused StartTLS: resultCode {result_code} ({name}){said}")


# XMPP (RFC 6120 §4 and §5)

XMPP_TLS_NAMESPACE = "urn:ietf:params:xml:ns:xmpp-tls"
XMPP_TAG_LIMIT = 500
_XML_TAG = re.compile(rb"<\s*(/?)([^\s/>]+)")


class _XMLTag:
    """One tag read from an XMPP stream: its local name and whether it opens or closes."""

    def __init__(self, raw: bytes) -> None:
        match = _XML_TAG.match(raw)
        self.raw = raw
        self.name = match.group(2).decode("utf-8", "replace").rpartition(":")[2] if match else ""
        self.closing = bool(match and match.group(1))
        self.empty = raw.endswith(b"/>") or raw.startswith(b"<?")


def _read_xml_tag(channel: PlaintextChannel, what: str, text_allowed: bool = False) -> _XMLTag:
    """The next tag, skipping the character data before it.

    Outside elements only whitespace (a keep-alive) may precede a tag; anything else means the
    server does not speak XML.
    """
    if not text_allowed:
        _skip_whitespace(channel, what)
    chunk = channel.read_until(b">", what)
    start = chunk.find(b"<")
    # A '>' inside a quoted attribute value does not end the tag.
    while start >= 0 and _ends_inside_quotes(chunk[start:]):
        chunk += channel.read_until(b">", what)
    text_ok = text_allowed or not chunk[:start].strip()
    if start < 0 or not text_ok or _XML_TAG.match(chunk[start:]) is None:
        raise _not_the_protocol(channel, chunk, f"XML as {what}")
    return _XMLTag(chunk[start:])


def _skip_whitespace(channel: PlaintextChannel, what: str) -> None:
    """Consume whitespace up to the next '<'; anything else is not XML, and is said at once.

    Without this look ahead, an answer in another protocol that holds no '>' (an HTTP error,
    a TLS alert) would only end at the line limit, the server's close or the deadline.
    """
    while True:
        peeked = channel.peek(PEEK_SIZE, what)
        rest = peeked.lstrip()
        channel.read_exact(len(peeked) - len(rest), what)
        if rest.startswith(b"<"):
            return
        if rest:
            raise _not_the_protocol(channel, channel.read_some(EXCERPT_LIMIT), f"XML as {what}")


def _ends_inside_quotes(tag: bytes) -> bool:
    """Whether `tag`, read from its '<' up to a '>', stops inside a quoted attribute value."""
    quote: int | None = None
    for byte in tag:
        if quote is None and byte in b"'\"":
            quote = byte
        elif byte == quote:
            quote = None
    return quote is not None


def _xml_attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;")


def _xmpp_features(channel: PlaintextChannel) -> list[str]:
    """The names of the elements inside the server's <stream:features>."""
    what = "its stream features"
    features: list[str] = []
    depth = 0
    for _ in range(XMPP_TAG_LIMIT):
        tag = _read_xml_tag(channel, what, text_allowed=depth > 0)
        if depth == 0 and tag.closing and tag.name == "stream":
            raise _refused(f"{channel.peer} closed the stream before sending its features")
        if depth == 0 and tag.name == "error":
            condition = _read_xml_tag(channel, "the condition of its stream error")
            raise _refused(
                f"{channel.peer} closed the stream with the stream error <{condition.name}/>"
                " before offering STARTTLS"
            )
        if depth == 0 and tag.name == "features":
            if tag.empty:
                return features
            depth = 1
        elif depth > 0 and tag.closing:
            depth -= 1
            if depth == 0:
                return features
        elif depth > 0 and not tag.empty:
            if depth == 1:
                features.append(tag.name)
            depth += 1
        elif depth == 1:
            features.append(tag.name)
    raise _refused(f"{channel.peer} sent more than {XMPP_TAG_LIMIT} tags before its features")


def _xmpp(channel: PlaintextChannel, host: str) -> None:
    header = (
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
        " xmlns:stream='http://etherx.jabber.org/streams'"
        f" to='{_xml_attribute(host)}' version='1.0'>"
    )
    channel.send(header.encode("utf-8"), "the stream header")

    features = _xmpp_features(channel)
    if "starttls" not in features:
        listed = ", ".join(features) or "none"
        raise _refused(f"{channel.peer} does not offer STARTTLS (its stream features: {listed})")

    channel.send(f"<starttls xmlns='{XMPP_TLS_NAMESPACE}'/>".encode("ascii"), "<starttls/>")
    answer = _read_xml_tag(channel, "its reply to <starttls/>")
    if answer.name == "failure":
        raise _refused(f"{channel.peer} refused STARTTLS: it answered <failure/>")
    if answer.name != "proceed" or answer.closing:
        raise _not_the_protocol(channel, answer.raw, "<proceed/> in reply to <starttls/>")
    if not answer.empty:
        closing = _read_xml_tag(channel, "the end of its <proceed>")
        if not (closing.closing and closing.name == "proceed"):
            raise _not_the_protocol(channel, closing.raw, "</proceed>")


# PostgreSQL (protocol 3, "SSL Session Encryption")

POSTGRES_SSL_REQUEST = struct.pack("!II", 8, 80877103)
POSTGRES_ERROR_LIMIT = 4096


def _postgres_error(channel: PlaintextChannel) -> EndpointError:
    """The refusal for the ErrorResponse whose 'E' was just read, quoting its M (message)."""
    what = "its error message"
    length_bytes = channel.read_exact(4, what)
    length = struct.unpack("!I", length_bytes)[0]
    if not 4 < length <= POSTGRES_ERROR_LIMIT:
        expected = f"an ErrorResponse of at most {POSTGRES_ERROR_LIMIT} bytes"
        return _not_the_protocol(channel, b"E" + length_bytes + channel.read_some(64), expected)

    body = channel.read_exact(length - 4, what)
    texts = [_decode(field[1:]) for field in body.split(b"\0") if field.startswith(b"M")]
    said = texts[0] if texts else f"(no message) {printable(body)}"
    return _refused(f"{channel.peer} answered the SSLRequest with an error: {said}")


def _postgres(channel: PlaintextChannel, host: str) -> None:
    channel.send(POSTGRES_SSL_REQUEST, "the SSLRequest")
    answer = channel.read_exact(1, "its reply to the SSLRequest")
    if answer == b"S":
        return
    if answer == b"N":
        raise _refused(f"{channel.peer} does not accept TLS: it answered 'N' to the SSLRequest")
    if answer == b"E":
        raise _postgres_error(channel)
    answer += channel.read_some(64)
    raise _not_the_protocol(channel, answer, "'S' or 'N' in reply to the SSLRequest")


# MySQL (Protocol::HandshakeV10 and Protocol::SSLRequest)

MYSQL_PACKET_LIMIT = 16 * 1024
CLIENT_LONG_PASSWORD = 0x1
CLIENT_LONG_FLAG = 0x4
CLIENT_PROTOCOL_41 = 0x200
CLIENT_SSL = 0x800
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_PLUGIN_AUTH = 0x80000
MYSQL_CLIENT_FLAGS = (
    CLIENT_LONG_PASSWORD
    | CLIENT_LONG_FLAG
    | CLIENT_PROTOCOL_41
    | CLIENT_TRANSACTIONS
    | CLIENT_SECURE_CONNECTION
    | CLIENT_PLUGIN_AUTH
)
MYSQL_MAX_PACKET = 16 * 1024 * 1024
MYSQL_UTF8_CHARSET = 33


def _read_mysql_greeting(channel: PlaintextChannel) -> tuple[int, bytes]:
    """The sequence id and payload of the server's first packet."""
    what = "its greeting"
    header = channel.read_exact(4, what)
    length = int.from_bytes(header[:3], "little")
    if not 1 <= length <= MYSQL_PACKET_LIMIT or header[3] != 0:  # the greeting's sequence id is 0
        answer = header + channel.read_some(64)
        raise _not_the_protocol(channel, answer, "a MySQL greeting packet")
    return header[3], channel.read_exact(length, what)


def _mysql_error(payload: bytes) -> str:
    """The text of an ERR_Packet: its error number and message."""
    number = int.from_bytes(payload[1:3], "little")
    message = payload[3:]
    if message.startswith(b"#"):  # "#" and the five-character SQL state
        message = message[6:]
    return f"{number} {_decode(message)}"


def _mysql(channel: PlaintextChannel, host: str) -> None:
    sequence, greeting = _read_mysql_greeting(channel)
    if greeting[0] == 0xFF:
        raise _refused(f"{channel.peer} turned the session away: {_mysql_error(greeting)}")
    if greeting[0] != 10:
        raise _not_the_protocol(channel, greeting, "a MySQL protocol 10 greeting")

    # protocol version, NUL-terminated server version, connection id (4), auth data (8),
    # filler (1), capabilities low (2), then optionally charset (1), status (2), capabilities high.
    version_end = greeting.find(b"\0", 1)
    fixed = greeting[version_end + 1 :] if version_end > 0 else b""
    if len(fixed) < 15:
        raise _not_the_protocol(channel, greeting, "a complete MySQL greeting")
    server_version = _decode(greeting[1:version_end])
    capabilities = int.from_bytes(fixed[13:15], "little")
    charset = MYSQL_UTF8_CHARSET
    if len(fixed) >= 20:
        charset = fixed[15]
        capabilities |= int.from_bytes(fixed[18:20], "little") << 16
    if not capabilities & CLIENT_SSL:
        raise _refused(
            f"{channel.peer} (MySQL {server_version}) does not offer TLS: CLIENT_SSL is not"
            " among the capabilities in its greeting"
        )

    flags = (MYSQL_CLIENT_FLAGS & capabilities) | CLIENT_SSL
    if flags & CLIENT_PROTOCOL_41:
        payload = struct.pack("<IIB23x", flags, MYSQL_MAX_PACKET, charset)
    else:  # servers before 4.1 read the short form
        payload = struct.pack("<H", flags & 0xFFFF) + (0xFFFFFF).to_bytes(3, "little")
    header = len(payload).to_bytes(3, "little") + bytes([(sequence + 1) & 0xFF])
    channel.send(header + payload, "the SSL request packet")


_PRELUDES: dict[str, Callable[[PlaintextChannel, str], None]] = {
    "smtp": _smtp,
    "imap": _imap,
    "pop3": _pop3,
    "ftp": _ftp,
    "ldap": _ldap,
    "xmpp": _xmpp,
    "postgres": _postgres,
    "mysql": _mysql,
}
