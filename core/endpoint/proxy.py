"""HTTP CONNECT proxies: reading a proxy URL or the environment, and opening a tunnel through one.

`open_tunnel` asks a proxy, on a socket already connected to it, for a tunnel to the endpoint
and reads the proxy's answer byte-exactly through `PlaintextChannel`: nothing past the blank
line that ends the answer is consumed, so the TLS handshake (or a STARTTLS prelude) that follows
finds the endpoint's first bytes on the socket itself. A refusal becomes an `EndpointError` with
code `net.proxy` that names the proxy, quotes its status line and says what it means.

Passwords never appear in a message, a log line or a `repr`: `Proxy.label` shows `***` instead.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
import socket
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from pinscope.core import __version__
from pinscope.core.endpoint.starttls import (
    EXCERPT_LIMIT,
    TLS_PORT_HINT,
    PlaintextChannel,
    looks_like_tls,
    printable,
)
from pinscope.core.errors import EndpointError

logger = logging.getLogger(__name__)

PROXY_ERROR = "net.proxy"

DEFAULT_PROXY_PORT = 1080
"""The port of a proxy URL that names none. curl's default, so that `--proxy http://proxy.test`
means what it means to curl (Python's urllib and requests would use 80 instead)."""

UNSUPPORTED_SCHEMES = {
    "https": "HTTPS proxies (TLS to the proxy itself)",
    "socks4": "SOCKS4 proxies",
    "socks4a": "SOCKS4a proxies",
    "socks5": "SOCKS5 proxies",
    "socks5h": "SOCKS5 proxies",
}

# A proxy's answer to CONNECT is a status line and a few headers. The caps only stop a broken
# or hostile proxy from making us read without end.
HEAD_LIMIT = 16 * 1024
HEADER_LINE_LIMIT = 100
INFORMATIONAL_LIMIT = 5
"""How many 1xx interim answers may precede the final one."""

_STATUS_LINE = re.compile(rb"HTTP/(\d)\.(\d) (\d{3})(?: (.*))?")
_HOST_NAME = re.compile(r"[\w.-]+")
_BASIC_TOKEN = re.compile(r"(Authorization:\s*Basic\s+)[A-Za-z0-9+/=]+", re.IGNORECASE)
_USAGE = "http://[user:password@]host:port"


@dataclass(frozen=True, repr=False)
class Proxy:
    """An HTTP proxy that opens tunnels with CONNECT.

    `str()` and `repr()` show `label`, in which the password is replaced by `***`.
    """

    host: str
    """A host name, or an IP address; IPv6 addresses without brackets."""
    port: int
    username: str | None = None
    """The user to authenticate as (percent-decoded); None sends no Proxy-Authorization."""
    password: str | None = None
    """The password (percent-decoded); None when the URL gives a user without one."""

    @property
    def has_credentials(self) -> bool:
        return self.username is not None

    @property
    def address(self) -> str:
        """host:port, with an IPv6 address in brackets."""
        return _authority(self.host, self.port)

    @property
    def label(self) -> str:
        """The proxy as a URL fit for messages: "http://alice:***@proxy.test:3128"."""
        if self.username is None:
            return f"http://{self.address}"
        user = urllib.parse.quote(self.username, safe="")
        secret = ":***" if self.password is not None else ""
        return f"http://{user}{secret}@{self.address}"

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"Proxy({self.label!r})"


def parse_proxy(url: str) -> Proxy:
    """Read a proxy URL, `http://[user:password@]host[:port]`.

    A URL without a scheme is taken as http://, and one without a port gets
    `DEFAULT_PROXY_PORT` (1080), as curl does. The user and password are percent-decoded, so a
    password with `@` or `:` is written `%40` or `%3A`. IPv6 addresses go in brackets.

    Raises:
        ValueError: the URL names another kind of proxy (https://, socks5://...), which
            Pinscope does not support, or is not a proxy URL at all. The message never shows
            the password.
    """
    text = url.strip()
    shown = _redacted_url(text)
    if not text:
        raise ValueError(f"the proxy URL is empty; expected {_USAGE}")

    scheme, separator, rest = text.partition("://")
    if not separator:
        scheme, rest = "http", text
    scheme = scheme.lower()
    if scheme in UNSUPPORTED_SCHEMES:
        raise ValueError(
            f"{UNSUPPORTED_SCHEMES[scheme]} are not supported ({shown}): Pinscope tunnels only"
            f" through HTTP proxies that accept CONNECT, written {_USAGE}"
        )
    if scheme != "http":
        raise ValueError(f"{shown} is not an HTTP proxy URL; expected {_USAGE}")

    userinfo, at, hostport = rest.rpartition("@")
    username, password = _credentials(userinfo) if at else (None, None)
    hostport, _, path = hostport.partition("/")
    if path or any(mark in hostport for mark in "?#"):
        raise ValueError(f"a proxy URL has no path or query: {shown}; expected {_USAGE}")
    host, port = _host_and_port(hostport, shown)
    return Proxy(host, port, username, password)


def proxy_from_environment(host: str, environ: Mapping[str, str]) -> Proxy | None:
    """The proxy that `environ` says to use for a TLS connection to `host`, or None.

    Reads `https_proxy`, then `HTTPS_PROXY` (curl checks the lower-case name first), and
    returns None when neither is set or when `no_proxy` / `NO_PROXY` lists `host` (see
    `no_proxy_matches`). `ALL_PROXY` is not read: it often names a SOCKS proxy.

    Args:
        host: the endpoint's host name or IP address.
        environ: the environment, `os.environ` or a test's dict.

    Raises:
        ValueError: the variable holds something `parse_proxy` refuses; the message names
            the variable.
    """
    for variable in ("https_proxy", "HTTPS_PROXY"):
        value = environ.get(variable, "").strip()
        if value:
            break
    else:
        return None

    no_proxy = environ.get("no_proxy", "").strip() or environ.get("NO_PROXY", "").strip()
    if no_proxy_matches(host, no_proxy):
        logger.debug("%s is listed in NO_PROXY; connecting directly", host)
        return None
    try:
        return parse_proxy(value)
    except ValueError as error:
        raise ValueError(f"{variable}: {error}") from None


def no_proxy_matches(host: str, no_proxy: str) -> bool:
    """Whether the NO_PROXY list `no_proxy` says to reach `host` directly.

    Follows curl: entries are separated by commas (or spaces); `*` alone matches every host; a
    name matches itself and every name under it, with or without a leading dot ("example.test"
    and ".example.test" both match "example.test" and "www.example.test"); ports are ignored;
    IP addresses match exactly or by CIDR ("10.0.0.0/8"), IPv6 with or without brackets.
    A leading "*." is read as a leading dot. Matching ignores case and a final dot.
    """
    wanted = host.strip().lower().rstrip(".")
    if wanted.startswith("[") and wanted.endswith("]"):
        wanted = wanted[1:-1]
    address = _ip_address(wanted)

    for raw in re.split(r"[,\s]+", no_proxy.lower()):
        if raw == "*":
            return True
        entry = _without_port(raw)
        if not entry:
            continue
        if address is not None:
            if _address_in(address, entry):
                return True
            continue
        entry = entry.removeprefix("*").lstrip(".").rstrip(".")
        if entry and (wanted == entry or wanted.endswith("." + entry)):
            return True
    return False


def open_tunnel(sock: socket.socket, proxy: Proxy, host: str, port: int, deadline: float) -> None:
    """Ask `proxy` for a tunnel to `host`:`port` and return once it is open.

    On return the socket carries the endpoint's bytes: the proxy's answer has been read up to
    and including its blank line, and not one byte further.

    Args:
        sock: a TCP socket connected to the proxy, blocking or not; its timeout mode is
            restored on return.
        proxy: the proxy; its credentials, if any, are sent as Basic Proxy-Authorization.
        host: the endpoint's host name or IP address, as the proxy should resolve it.
        port: the endpoint's port.
        deadline: a `time.monotonic()` value bounding the whole exchange.

    Raises:
        ValueError: `host` or `port` cannot be put in a CONNECT request.
        EndpointError: code net.proxy when the proxy refuses the tunnel (the message says
            why: credentials, a forbidden destination, a destination it cannot reach...),
            answers something that is not HTTP, closes or resets the connection; net.timeout
            when the deadline passes first. No message shows the password.
    """
    if not 0 < port < 65536:
        raise ValueError(f"{port} is not a port number; expected 1 to 65535")
    authority = _authority(_request_host(host), port)
    channel = PlaintextChannel(sock, f"the proxy {proxy.label}", deadline)
    what = f"its answer to CONNECT {authority}"

    original_timeout = sock.gettimeout()
    try:
        channel.send(_connect_request(proxy, authority), f"CONNECT {authority}")
        answer = _read_final_answer(channel, what)
    except EndpointError as error:
        raise _as_proxy_error(error, proxy) from error.__cause__
    finally:
        sock.settimeout(original_timeout)

    if 200 <= answer.status < 300:
        logger.debug(
            "tunnel to %s through %s open in %.1f ms (%s)",
            authority,
            proxy.label,
            (time.monotonic() - channel.started) * 1000,
            answer.status_text,
        )
        return
    message = _refusal(answer, proxy, authority)
    raise EndpointError(_redact(message, proxy), PROXY_ERROR)


# ---- reading a proxy URL ---------------------------------------------------------------------


def _redacted_url(text: str) -> str:
    """`text` quoted for an error message, its password (if any) replaced by ***."""
    before, at, after = text.rpartition("@")
    scheme, separator, userinfo = before.rpartition("://")
    user, colon, _ = userinfo.partition(":")
    if at and colon:
        text = f"{scheme}{separator}{user}:***@{after}"
    return repr(text)


def _credentials(userinfo: str) -> tuple[str, str | None]:
    user, colon, password = userinfo.partition(":")
    decoded_password = urllib.parse.unquote(password) if colon else None
    return urllib.parse.unquote(user), decoded_password


def _host_and_port(hostport: str, shown: str) -> tuple[str, int]:
    if hostport.startswith("["):
        inside, bracket, after = hostport[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise ValueError(f"{shown} has an unclosed or malformed IPv6 address in brackets")
        if _ip_address(inside) is None or ":" not in inside:
            raise ValueError(f"{shown} holds {inside!r} in brackets, which is not an IPv6 address")
        return inside, _port(after[1:] if after else "", shown)

    if hostport.count(":") > 1:
        raise ValueError(f"{shown}: write an IPv6 address in brackets, as in http://[::1]:3128")
    host, _, port_text = hostport.partition(":")
    if not host or _HOST_NAME.fullmatch(host) is None:
        raise ValueError(f"{shown} names no valid proxy host; expected {_USAGE}")
    return host.lower(), _port(port_text if ":" in hostport else "", shown)


def _port(text: str, shown: str) -> int:
    if not text:
        return DEFAULT_PROXY_PORT
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{shown} has the port {text!r}; a port is a number from 1 to 65535")
    return int(text)


# ---- NO_PROXY ----------------------------------------------------------------------------


def _ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _without_port(entry: str) -> str:
    """A NO_PROXY entry without its port: "[::1]:8080" → "::1", "example.test:443" → ..."""
    if entry.startswith("["):
        return entry[1:].partition("]")[0]
    if entry.count(":") == 1:
        return entry.partition(":")[0]
    return entry  # a bare IPv6 address, or a name


def _address_in(address: ipaddress.IPv4Address | ipaddress.IPv6Address, entry: str) -> bool:
    try:
        return address in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False


# ---- the CONNECT exchange -----------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    """A proxy's answer to CONNECT: its status and the headers that explain a refusal."""

    status: int
    status_text: str
    """The status line, quoted for a message."""
    reason: str
    authenticate: tuple[str, ...]
    """The Proxy-Authenticate challenges, e.g. ('Basic realm="corp"', 'Negotiate')."""
    location: str | None


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _request_host(host: str) -> str:
    """`host` as it goes in the request line: ASCII (IDNA for a name), no brackets."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if _ip_address(bare) is not None:
        return bare
    try:
        ascii_host = bare.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"{host!r} is not a host name a proxy can resolve") from error
    if not ascii_host or _HOST_NAME.fullmatch(ascii_host) is None:
        raise ValueError(f"{host!r} is not a host name a proxy can resolve")
    return ascii_host


def _connect_request(proxy: Proxy, authority: str) -> bytes:
    lines = [
        f"CONNECT {authority} HTTP/1.1",
        f"Host: {authority}",
        f"User-Agent: Pinscope/{__version__}",
    ]
    if proxy.has_credentials:
        lines.append(f"Proxy-Authorization: Basic {_basic_token(proxy)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def _basic_token(proxy: Proxy) -> str:
    """user:password in base64 (RFC 7617, UTF-8), as Proxy-Authorization carries it."""
    pair = f"{proxy.username or ''}:{proxy.password or ''}"
    return base64.b64encode(pair.encode("utf-8")).decode("ascii")


def _read_final_answer(channel: PlaintextChannel, what: str) -> _Answer:
    """The first answer that is not a 1xx interim one."""
    for _ in range(INFORMATIONAL_LIMIT + 1):
        answer = _read_answer(channel, what)
        if not 100 <= answer.status < 200:
            return answer
    raise EndpointError(
        f"{channel.peer} sent more than {INFORMATIONAL_LIMIT} interim (1xx) answers to CONNECT",
        PROXY_ERROR,
    )


def _read_answer(channel: PlaintextChannel, what: str) -> _Answer:
    """One status line and its headers, up to and including the blank line that ends them."""
    start = channel.read_exact(5, what)
    if start != b"HTTP/":
        raise _not_http(channel, start + channel.read_some(EXCERPT_LIMIT))
    status_line = start + channel.read_line(what, HEAD_LIMIT)
    match = _STATUS_LINE.fullmatch(status_line)
    if match is None:
        raise _not_http(channel, status_line)

    headers: list[tuple[str, str]] = []
    size = len(status_line)
    while True:
        if len(headers) >= HEADER_LINE_LIMIT or size >= HEAD_LIMIT:
            raise EndpointError(
                f"{channel.peer} sent more than {HEADER_LINE_LIMIT} header lines or"
                f" {HEAD_LIMIT // 1024} KiB in {what}",
                PROXY_ERROR,
            )
        line = channel.read_line(what, HEAD_LIMIT - size)
        size += len(line) + 2
        if not line:
            break
        name, _, value = _decode(line).partition(":")
        headers.append((name.strip().lower(), value.strip()))

    return _Answer(
        status=int(match.group(3)),
        status_text=printable(status_line),
        reason=_decode(match.group(4) or b"").strip(),
        authenticate=tuple(value for name, value in headers if name == "proxy-authenticate"),
        location=next((value for name, value in headers if name == "location"), None),
    )


def _decode(data: bytes) -> str:
    return data.decode("latin-1")  # HTTP header bytes: any octet, never a decoding error


def _not_http(channel: PlaintextChannel, answer: bytes) -> EndpointError:
    if answer.startswith(b"CONNE"):
        return EndpointError(
            f"{channel.peer} sent Pinscope's own CONNECT request back instead of an HTTP status"
            " line: the host and port are an echo service, not an HTTP proxy",
            PROXY_ERROR,
        )
    message = f"{channel.peer} answered {printable(answer)} instead of an HTTP status line"
    if looks_like_tls(answer):
        message += ": it speaks TLS from the first byte" + _HTTPS_PROXY_HINT
    else:
        message += ": the host and port may not be an HTTP proxy"
    return EndpointError(message, PROXY_ERROR)


_HTTPS_PROXY_HINT = (
    ", as an HTTPS proxy does; Pinscope supports only plain HTTP proxies, so use the proxy's"
    " plain HTTP port"
)
_SILENT_TLS_HINT = (
    "; an HTTPS proxy, which expects TLS from the first byte, behaves like this, and Pinscope"
    " supports only plain HTTP proxies"
)


def _as_proxy_error(error: EndpointError, proxy: Proxy) -> EndpointError:
    """A channel's error in proxy terms: net.timeout stays, everything else is net.proxy.

    The channel's hint about STARTTLS on a TLS port becomes the proxy's equivalent: a proxy
    that closes or resets before answering may expect TLS from the first byte.
    """
    message = str(error).replace(TLS_PORT_HINT, _SILENT_TLS_HINT)
    code = "net.timeout" if error.code == "net.timeout" else PROXY_ERROR
    return EndpointError(_redact(message, proxy), code)


def _redact(message: str, proxy: Proxy) -> str:
    """`message` without the password, in case the proxy echoed our request back.

    Replaces any Basic token, even one cut short by a quote's length limit, and the password
    itself, also as `printable` escapes it. A password shorter than four characters is left
    alone: replacing it would garble the message, and only the token would carry it.
    """
    message = _BASIC_TOKEN.sub(r"\1***", message)
    if not proxy.has_credentials:
        return message
    secrets = [_basic_token(proxy)]
    password = proxy.password or ""
    if len(password) >= 4:
        secrets += [password, repr(password.encode("utf-8"))[2:-1]]
        secrets.append(urllib.parse.quote(password, safe=""))
    for secret in secrets:
        message = message.replace(secret, "***")
    return message


# ---- explaining a refusal ----------------------------------------------------------------


def _refusal(answer: _Answer, proxy: Proxy, authority: str) -> str:
    peer = f"the proxy {proxy.label}"
    said = f"it answered {answer.status_text}"
    status = answer.status

    if status == 407:
        return _authentication_refused(answer, proxy, peer)
    if status == 403:
        return (
            f"{peer} forbids a tunnel to {authority} ({said}): proxies commonly allow CONNECT"
            " only to port 443 or to listed destinations; ask its administrators to allow"
            f" {authority}"
        )
    if status in _UNREACHABLE:
        return (
            f"{peer} could not reach {authority} itself ({said}, {answer.reason or status}):"
            f" {_UNREACHABLE[status]}"
        )
    if status in (405, 501):
        return (
            f"{peer} does not accept CONNECT ({said}): the host and port may be a web server or"
            " a reverse proxy rather than a forward proxy"
        )
    if 300 <= status < 400 and answer.location:
        return (
            f"{peer} redirects to {answer.location!r} instead of opening a tunnel to"
            f" {authority} ({said}): a captive portal or a login page may be in the way"
        )
    return f"{peer} refused a tunnel to {authority}: {said}, and a tunnel needs a 2xx answer"


_UNREACHABLE = {
    502: "its own connection there failed (the name did not resolve, the port refused the"
    " connection, or the proxy's upstream failed); check that the destination is reachable"
    " from the proxy",
    503: "it is unavailable or refuses to connect there; try again later or ask its administrators",
    504: "the destination did not answer the proxy in time; check that it is up and reachable"
    " from the proxy's network",
}


def _authentication_refused(answer: _Answer, proxy: Proxy, peer: str) -> str:
    schemes = [challenge.split()[0] for challenge in answer.authenticate if challenge.split()]
    offered = " or ".join(dict.fromkeys(schemes)) or "an unnamed scheme"
    basic_accepted = not schemes or any(scheme.lower() == "basic" for scheme in schemes)

    if proxy.has_credentials:
        message = (
            f"{peer} refused the credentials of user {proxy.username!r} (it answered"
            f" {answer.status_text})"
        )
        if not basic_accepted:
            return f"{message}: it asks for {offered} authentication, and Pinscope sends Basic"
        return f"{message}: check the user name and password"

    message = f"{peer} requires credentials (it answered {answer.status_text})"
    if not basic_accepted:
        return f"{message}: it asks for {offered} authentication, which Pinscope does not speak"
    return (
        f"{message}: give them in the proxy URL, http://USER:PASSWORD@{proxy.address}"
        " (percent-encode '@' and ':' in them)"
    )
