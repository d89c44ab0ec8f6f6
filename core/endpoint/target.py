"""Endpoint names as users write them: `host`, `host:port`, `[v6]:port`, `https://host[:port]`."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORT = 443

URL_PORTS = {"https": 443, "ldaps": 636, "imaps": 993, "pop3s": 995, "smtps": 465, "ftps": 990}
"""Schemes that mean TLS from the first byte, with their ports."""

_HOST_PORT = re.compile(r"(?P<host>[^\s:/\[\]]+|\[[0-9A-Fa-f:.%\w]+\])(?::(?P<port>\d{1,5}))?")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


@dataclass(frozen=True)
class Target:
    """Where to connect: a host name or IP address and a TCP port."""

    host: str
    """A DNS name (lower case, no trailing dot) or an IP address without brackets."""
    port: int

    @property
    def is_ip(self) -> bool:
        return is_ip_address(self.host)

    @property
    def label(self) -> str:
        """`host:port`, with brackets around an IPv6 address."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def looks_like_endpoint(text: str) -> bool:
    """Whether a command-line SOURCE names an endpoint rather than a file.

    `https://…` and friends always do; `host:port` does when the port is a number and the host
    part is a name or an address (a Windows path such as `C:\\x` has no numeric port).
    """
    scheme = text.partition("://")[0].lower()
    if "://" in text:
        return scheme in URL_PORTS
    match = _HOST_PORT.fullmatch(text)
    return match is not None and match.group("port") is not None


def parse_target(text: str, default_port: int = DEFAULT_PORT) -> Target:
    """Read `host`, `host:port`, `[::1]:443`, a bare IPv6 address or a URL such as
    `https://api.example.com:8443/path`.

    Raises:
        ValueError: the text names no host, or the port is not 1-65535.
    """
    text = text.strip()
    if "://" in text:
        return _from_url(text)
    if is_ip_address(text):  # a bare IPv6 address has colons but no port
        return Target(text, default_port)
    match = _HOST_PORT.fullmatch(text)
    if match is None:
        raise ValueError(f"not a host or host:port: {text!r}")
    port = int(match.group("port")) if match.group("port") else default_port
    return Target(_host(match.group("host"), text), _port(port, text))


def _from_url(text: str) -> Target:
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in URL_PORTS:
        choices = ", ".join(f"{name}://" for name in URL_PORTS)
        raise ValueError(f"unsupported URL scheme {scheme!r} in {text!r}; expected {choices}")
    if not parts.hostname:
        raise ValueError(f"the URL {text!r} names no host")
    try:
        port = parts.port or URL_PORTS[scheme]
    except ValueError as error:
        raise ValueError(f"bad port in {text!r}: {error}") from error
    return Target(_host(parts.hostname, text), _port(port, text))


def _host(host: str, text: str) -> str:
    host = host.strip("[]")
    if is_ip_address(host):
        return str(ipaddress.ip_address(host))
    host = host.rstrip(".").lower()
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"not a valid host name in {text!r}: {error}") from error
    if not all(_LABEL.fullmatch(label) for label in ascii_host.split(".")):
        raise ValueError(f"not a valid host name in {text!r}")
    return ascii_host


def _port(port: int, text: str) -> int:
    if not 0 < port < 65536:
        raise ValueError(f"the port must be 1-65535 in {text!r}")
    return port
