"""Checking configured domains without sources: core contacts each one as an app would.

Real TLS servers on 127.0.0.1; a domain's port 443 is reached through `--connect-to` rules or
through a loopback CONNECT proxy named by an environment that tests pass in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pinscope.core.checks.context import CheckContext
from pinscope.core.endpoint.handshake import ConnectOptions
from pinscope.core.endpoint.proxy import parse_proxy
from pinscope.core.inspection import Settings
from pinscope.core.pins.check import ConnectTo, check_config, no_host_reason
from pinscope.core.pins.configs import PinConfig, read_config
from pinscope.core.trust import load_trust_stores
from tests.core import minting
from tests.core.endpoint.servers import ServerConfig, serving
from tests.core.pins.loopback import RedirectingProxy, connects_asked

HOST = "api.pins.test"
SPARE = "NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain(HOST, prefix="Contacted")


@pytest.fixture
def settings(tmp_path: Path, chain: minting.Chain) -> Settings:
    roots = tmp_path / "root.pem"
    roots.write_bytes(chain.root.pem)
    return Settings(CheckContext(), tuple(load_trust_stores(None, [str(roots)])))


def strict_server(chain: minting.Chain) -> ServerConfig:
    """A TLS server for HOST that refuses a ClientHello naming another host."""
    return ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate],
        key=chain.leaf.key,
        sni_names=[HOST],
    )


def android(*domains: str, pin: str) -> PinConfig:
    entries = "".join(
        f"<domain-config><domain>{domain}</domain><pin-set>"
        f'<pin digest="SHA-256">{pin}</pin><pin digest="SHA-256">{SPARE}</pin>'
        "</pin-set></domain-config>"
        for domain in domains
    )
    xml = f"<network-security-config>{entries}</network-security-config>"
    return read_config(xml.encode(), "nsc.xml")


def test_a_configuration_naming_no_host_cannot_be_checked_without_sources(
    chain: minting.Chain,
) -> None:
    curl = read_config(f"sha256//{chain.leaf.pin}".encode(), "pins.txt")

    assert no_host_reason(curl) == (
        "pins.txt names no host (curl --pinnedpubkey); give the server or its certificate to "
        "check it against"
    )
    assert no_host_reason(android(HOST, pin=SPARE)) is None


def test_a_configured_domain_is_contacted_with_tls_at_once_as_itself(
    chain: minting.Chain, settings: Settings
) -> None:
    # STARTTLS and a server name are options for typed endpoints; an app contacting the
    # configured domain speaks TLS on port 443 and sends the domain as SNI.
    options = ConnectOptions(starttls="smtp", sni="other.pins.test", timeout=3)
    with serving(strict_server(chain)) as server:
        rule = ConnectTo(HOST, 443, "127.0.0.1", server.port)
        (verdict,) = check_config(
            android(HOST, pin=chain.intermediate.pin), [], settings, None, options, [rule]
        )

    assert [visit.sni for visit in server.visits] == [HOST]
    assert verdict.connects is True, verdict.verdict


def test_the_environment_proxy_is_chosen_for_each_domain(
    chain: minting.Chain, settings: Settings
) -> None:
    config = android(HOST, "localhost", pin=chain.intermediate.pin)
    with serving(strict_server(chain)) as server, RedirectingProxy(server.port) as proxy:
        environ = {"https_proxy": f"http://127.0.0.1:{proxy.port}", "no_proxy": "localhost"}
        through_proxy, direct = check_config(
            config, [], settings, None, ConnectOptions(timeout=3), environ=environ
        )

    assert connects_asked(proxy) == [f"{HOST}:443"]
    assert through_proxy.connects is True, through_proxy.verdict
    assert (direct.source, direct.connects) == ("localhost:443", False)


def test_a_proxy_given_in_the_options_wins_over_the_environment(
    chain: minting.Chain, settings: Settings
) -> None:
    config = android(HOST, pin=chain.intermediate.pin)
    with serving(strict_server(chain)) as server, RedirectingProxy(server.port) as proxy:
        options = ConnectOptions(proxy=parse_proxy(f"127.0.0.1:{proxy.port}"), timeout=3)
        environ = {"https_proxy": "http://127.0.0.1:9", "no_proxy": HOST}
        (verdict,) = check_config(config, [], settings, None, options, environ=environ)

    assert connects_asked(proxy) == [f"{HOST}:443"]
    assert verdict.connects is True, verdict.verdict
