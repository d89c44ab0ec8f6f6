"""A loopback CONNECT proxy that tunnels every request to one server, for checks of configured
domains: a domain is contacted on port 443, which a test server cannot listen on, so the proxy
named by https_proxy carries it to the test server's port instead."""

from __future__ import annotations

import dataclasses
import socket

from tests.core.endpoint.connect_proxy import ConnectProxy, ProxiedRequest


class RedirectingProxy(ConnectProxy):
    """A `ConnectProxy` that records each CONNECT as asked, then tunnels to 127.0.0.1:`port`."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.destination_port = port

    def _tunnel(self, client: socket.socket, request: ProxiedRequest) -> None:
        method, _, rest = request.request_line.partition(" ")
        version = rest.partition(" ")[2]
        line = f"{method} 127.0.0.1:{self.destination_port} {version}"
        super()._tunnel(client, dataclasses.replace(request, request_line=line))


def connects_asked(proxy: ConnectProxy) -> list[str]:
    """The authorities the proxy was asked to CONNECT to, in order."""
    return [request.request_line.split()[1] for request in proxy.requests]
