"""Handshakes with real loopback servers: what is recorded and what is diagnosed, per scenario.

Each test starts a pyOpenSSL server on 127.0.0.1 (tests/core/endpoint/servers.py) that behaves
one way (a good chain, client authentication required, a plain HTTP port...) and checks both
the record of the attempt and the findings a support engineer would read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from OpenSSL import SSL

from pinscope.core.certificate import Certificate
from pinscope.core.checks import CheckContext
from pinscope.core.endpoint.handshake import ClientIdentity, ConnectOptions, Handshake, connect
from pinscope.core.endpoint.probe import inspect_endpoint
from pinscope.core.endpoint.proxy import Proxy
from pinscope.core.endpoint.target import Target
from pinscope.core.inspection import Inspection, Settings
from pinscope.core.model import Severity
from pinscope.core.trust import TrustStore
from tests.core import minting
from tests.core.endpoint import plaintext_servers
from tests.core.endpoint.connect_proxy import ConnectProxy, ProxyConfig
from tests.core.endpoint.servers import (
    CLIENT_AUTH_OPTIONAL,
    CLIENT_AUTH_REQUIRED,
    CLOSE_AFTER_HELLO,
    HTTP_OK,
    NEVER_ANSWERS,
    NGINX_NO_CERT,
    PLAIN_HTTP,
    RESET,
    SMTP_BANNER,
    LoopbackServer,
    ServerConfig,
    serving,
)
from tests.core.endpoint.test_ocsp import mint_response

HOST = "good.test"
FORBIDDEN = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
QUICK = 3.0


def certificate(issued: minting.Issued | x509.Certificate) -> Certificate:
    cert = issued.certificate if isinstance(issued, minting.Issued) else issued
    return Certificate(cert.public_bytes(Encoding.DER), cert)


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain(HOST, prefix="Server")


@pytest.fixture
def client_chain() -> minting.Chain:
    """The CA that client certificates must come from, and a good client certificate."""
    root = minting.mint_ca("Internal Services Root")
    intermediate = minting.mint_ca("Internal Services CA", issuer=root, path_length=0)
    leaf = mint_client(intermediate, "alice")
    return minting.Chain(root, intermediate, leaf)


def mint_client(
    issuer: minting.Issued,
    name: str,
    usages: tuple[x509.ObjectIdentifier, ...] = (ExtendedKeyUsageOID.CLIENT_AUTH,),
    not_after: dt.datetime | None = None,
) -> minting.Issued:
    start = None
    if not_after is not None:
        start = not_after - dt.timedelta(days=30)
    return minting.mint_certificate(
        minting.name(name),
        issuer=issuer,
        not_before=start,
        not_after=not_after,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage(list(usages)), False),
        ],
    )


def identity(*issued: minting.Issued, label: str = "client.pem") -> ClientIdentity:
    return ClientIdentity(tuple(certificate(i) for i in issued), issued[0].key, label)


def server_config(minted: minting.Chain, **changes: object) -> ServerConfig:
    config = ServerConfig(
        chain=[minted.leaf.certificate, minted.intermediate.certificate], key=minted.leaf.key
    )
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def requiring(chain: minting.Chain, client_chain: minting.Chain, **changes: object) -> ServerConfig:
    settings: dict[str, object] = {
        "client_auth": CLIENT_AUTH_REQUIRED,
        "client_trust": [client_chain.root.certificate],
        "ca_names": [client_chain.root.certificate.subject],
    }
    return server_config(chain, **{**settings, **changes})


def target(server: LoopbackServer) -> Target:
    return Target("127.0.0.1", server.port)


def attempt(server: LoopbackServer, **options: object) -> Handshake:
    defaults: dict[str, object] = {"sni": HOST, "timeout": QUICK}
    return connect(target(server), ConnectOptions(**{**defaults, **options}))  # type: ignore[arg-type]


def settings(chain: minting.Chain, host: str | None = HOST) -> Settings:
    store = TrustStore("custom", "the test roots", (certificate(chain.root),))
    return Settings(CheckContext(host=host), (store,))


def inspect(server: LoopbackServer, chain: minting.Chain, **options: object) -> Inspection:
    defaults: dict[str, object] = {"sni": HOST, "timeout": QUICK}
    merged = ConnectOptions(**{**defaults, **options})  # type: ignore[arg-type]
    return inspect_endpoint(target(server), merged, settings(chain))


def codes(inspection: Inspection) -> list[str]:
    return [finding.code for finding in inspection.findings]


def error_codes(inspection: Inspection) -> list[str]:
    return [f.code for f in inspection.findings if f.severity == Severity.ERROR]


# ---- good servers ----------------------------------------------------------------------------


def test_good_chain_records_the_handshake_and_is_trusted(chain: minting.Chain) -> None:
    with serving(server_config(chain)) as server:
        inspection = inspect(server, chain)

    handshake = inspection.endpoint.handshake if inspection.endpoint else None
    assert handshake is not None
    assert handshake.completed and handshake.failure is None
    assert handshake.version == "TLSv1.3"
    assert handshake.cipher and handshake.group
    assert handshake.sni == HOST and server.visits[0].sni == HOST
    assert [c.sha256 for c in handshake.chain] == [chain.leaf.sha256, chain.intermediate.sha256]
    assert not handshake.certificate_requested
    assert handshake.address == "127.0.0.1"
    assert {"dns", "connect", "tls"} <= handshake.timings.keys()
    assert inspection.validation is not None and inspection.validation.trusted
    assert error_codes(inspection) == []
    assert not inspection.could_not_test


def test_tls_1_2_is_recorded_when_the_server_caps_it(chain: minting.Chain) -> None:
    with serving(server_config(chain, max_version=SSL.TLS1_2_VERSION)) as server:
        handshake = attempt(server)

    assert handshake.completed
    assert handshake.version == "TLSv1.2"


def test_ipv6_loopback_is_reached(chain: minting.Chain) -> None:
    with serving(server_config(chain), family=socket.AF_INET6) as server:
        handshake = connect(Target("::1", server.port), ConnectOptions(sni=HOST, timeout=QUICK))

    assert handshake.completed
    assert handshake.address == "::1"


def test_an_ip_address_sends_no_server_name(chain: minting.Chain) -> None:
    with serving(server_config(chain)) as server:
        handshake = connect(target(server), ConnectOptions(timeout=QUICK))

    assert handshake.sni is None
    assert server.visits[0].sni is None


def test_alpn_selection_is_recorded(chain: minting.Chain) -> None:
    with serving(server_config(chain, alpn=[b"h2"])) as server:
        handshake = attempt(server, alpn=("h2", "http/1.1"))
    with serving(server_config(chain, alpn=[b"spdy/3"])) as server:
        inspection = inspect(server, chain, alpn=("h2",))

    assert handshake.alpn == "h2"
    assert inspection.endpoint is not None and inspection.endpoint.handshake.alpn is None
    assert "tls.alpn-none" in codes(inspection)


# ---- the chain as sent -----------------------------------------------------------------------


def test_leaf_only_is_a_missing_intermediate(chain: minting.Chain) -> None:
    config = server_config(chain, chain=[chain.leaf.certificate])
    with serving(config) as server:
        inspection = inspect(server, chain)

    assert "chain.missing-intermediate" in error_codes(inspection)
    assert inspection.validation is not None and not inspection.validation.trusted


def test_reversed_chain_is_reported_in_wire_order(chain: minting.Chain) -> None:
    config = server_config(
        chain,
        chain=[chain.leaf.certificate, chain.root.certificate, chain.intermediate.certificate],
    )
    with serving(config) as server:
        inspection = inspect(server, chain)

    assert inspection.endpoint is not None
    sent = [c.sha256 for c in inspection.endpoint.handshake.chain]
    assert sent == [chain.leaf.sha256, chain.root.sha256, chain.intermediate.sha256]
    assert "chain.wrong-order" in codes(inspection)


def test_expired_leaf_is_an_error_and_exit_status_one(chain: minting.Chain) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    expired = minting.mint_leaf(
        chain.intermediate, HOST, not_before=past - dt.timedelta(days=30), not_after=past
    )
    config = server_config(chain, chain=[expired.certificate, chain.intermediate.certificate])
    config = dataclasses.replace(config, key=expired.key)
    with serving(config) as server:
        inspection = inspect(server, chain)

    assert "cert.expired" in error_codes(inspection)
    assert inspection.has_errors and not inspection.could_not_test


def test_wrong_host_is_a_hostname_mismatch(chain: minting.Chain) -> None:
    with serving(server_config(chain)) as server:
        inspection = inspect_endpoint(
            target(server),
            ConnectOptions(sni="other.test", timeout=QUICK),
            settings(chain, host=None),
        )

    assert "cert.hostname-mismatch" in error_codes(inspection)


def test_self_signed_leaf(chain: minting.Chain) -> None:
    alone = minting.mint_certificate(
        minting.name(HOST),
        extensions=[(x509.SubjectAlternativeName([x509.DNSName(HOST)]), False)],
    )
    with serving(ServerConfig(chain=[alone.certificate], key=alone.key)) as server:
        inspection = inspect(server, chain)

    assert "cert.self-signed" in error_codes(inspection)


def test_untrusted_root(chain: minting.Chain) -> None:
    stranger = minting.mint_chain(HOST, prefix="Stranger")
    with serving(server_config(stranger)) as server:
        inspection = inspect(server, chain)

    found = error_codes(inspection)
    assert "chain.missing-intermediate" in found or "chain.untrusted-root" in found
    assert inspection.validation is not None and not inspection.validation.trusted


# ---- client certificates ---------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_certificate_required_and_none_given(
    chain: minting.Chain, client_chain: minting.Chain, version: str
) -> None:
    with serving(requiring(chain, client_chain)) as server:
        inspection = inspect(server, chain, tls_max=version)

    assert inspection.endpoint is not None
    handshake = inspection.endpoint.handshake
    assert handshake.certificate_requested
    assert handshake.client_ca_texts == (client_chain.root.subject,)
    [alert] = handshake.alerts_received
    assert alert.description == (40 if version == "1.2" else 116)
    assert alert.stage == ("tls" if version == "1.2" else "after-handshake")
    [finding] = [f for f in inspection.findings if f.code == "tls.client-cert-required"]
    assert finding.severity == Severity.ERROR
    assert client_chain.root.subject in finding.detail
    assert "--client-cert" in finding.remedy
    assert not inspection.could_not_test  # tested, and found a problem


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_good_client_certificate_is_accepted(
    chain: minting.Chain, client_chain: minting.Chain, version: str
) -> None:
    client = identity(client_chain.leaf, client_chain.intermediate)
    with serving(requiring(chain, client_chain)) as server:
        inspection = inspect(server, chain, tls_max=version, client=client)

    assert inspection.endpoint is not None
    handshake = inspection.endpoint.handshake
    assert handshake.failure is None
    assert handshake.client_certificate_sent
    seen = server.visits[-1].client_certificate
    assert seen is not None and seen.subject.rfc4514_string() == "CN=alice"
    assert error_codes(inspection) == []
    # The preflight probe went first, without the certificate.
    assert inspection.endpoint.probe is not None
    assert inspection.endpoint.probe.certificate_requested


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_certificate_from_another_ca_is_named_against_the_accepted_list(
    chain: minting.Chain, client_chain: minting.Chain, version: str
) -> None:
    other_ca = minting.mint_ca("Other CA")
    client = identity(mint_client(other_ca, "mallory"), other_ca)
    with serving(requiring(chain, client_chain)) as server:
        inspection = inspect(server, chain, tls_max=version, client=client)

    assert inspection.endpoint is not None
    assert [a.description for a in inspection.endpoint.handshake.alerts_received] == [48]
    wrong_ca = [f for f in inspection.findings if f.code == "tls.client-cert-wrong-ca"]
    assert wrong_ca, codes(inspection)
    preflight = wrong_ca[0]
    assert "issued by CN=Other CA" in preflight.detail
    assert client_chain.root.subject in preflight.detail


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_certificate_without_client_auth_is_refused_with_43(
    chain: minting.Chain, client_chain: minting.Chain, version: str
) -> None:
    server_only = mint_client(
        client_chain.intermediate, "bob", usages=(ExtendedKeyUsageOID.SERVER_AUTH,)
    )
    client = identity(server_only, client_chain.intermediate)
    with serving(requiring(chain, client_chain)) as server:
        inspection = inspect(server, chain, tls_max=version, client=client)

    assert inspection.endpoint is not None
    assert [a.description for a in inspection.endpoint.handshake.alerts_received] == [43]
    assert "tls.client-cert-rejected" in codes(inspection)
    assert "cert.missing-client-auth" in codes(inspection)  # said before connecting


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_expired_client_certificate_is_refused_with_45(
    chain: minting.Chain, client_chain: minting.Chain, version: str
) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    expired = mint_client(client_chain.intermediate, "carol", not_after=past)
    client = identity(expired, client_chain.intermediate)
    with serving(requiring(chain, client_chain)) as server:
        inspection = inspect(server, chain, tls_max=version, client=client)

    assert inspection.endpoint is not None
    assert [a.description for a in inspection.endpoint.handshake.alerts_received] == [45]
    rejected = [f for f in inspection.findings if f.code == "tls.client-cert-rejected"]
    assert rejected and "expired" in rejected[0].detail
    assert "Renew" in rejected[0].remedy


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_leaf_without_its_intermediate_is_refused_as_unknown_ca(
    chain: minting.Chain, client_chain: minting.Chain, version: str
) -> None:
    client = identity(client_chain.leaf)  # the intermediate is missing
    with serving(requiring(chain, client_chain)) as server:
        inspection = inspect(server, chain, tls_max=version, client=client)

    assert inspection.endpoint is not None
    assert [a.description for a in inspection.endpoint.handshake.alerts_received] == [48]
    wrong_ca = [f for f in inspection.findings if f.code == "tls.client-cert-wrong-ca"]
    assert wrong_ca
    assert any("holds no intermediate" in f.detail for f in wrong_ca)


def test_optional_client_authentication_is_information_once_http_answers(
    chain: minting.Chain, client_chain: minting.Chain
) -> None:
    config = requiring(chain, client_chain, client_auth=CLIENT_AUTH_OPTIONAL, http_reply=HTTP_OK)
    with serving(config) as server:
        inspection = inspect(server, chain, http=True)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.failure is None
    [finding] = [f for f in inspection.findings if f.code == "tls.client-cert-optional"]
    assert finding.severity == Severity.INFO
    assert "HTTP/1.1 200 OK" in finding.detail
    assert error_codes(inspection) == []


def test_a_request_without_insisting_suggests_http_when_it_was_not_asked(
    chain: minting.Chain, client_chain: minting.Chain
) -> None:
    # nginx with ssl_verify_client on looks exactly like this until its HTTP answer.
    config = requiring(chain, client_chain, client_auth=CLIENT_AUTH_OPTIONAL)
    with serving(config) as server:
        inspection = inspect(server, chain)

    [finding] = [f for f in inspection.findings if f.code == "tls.client-cert-optional"]
    assert finding.severity == Severity.WARNING
    assert "--http" in finding.remedy
    assert error_codes(inspection) == []


def test_an_empty_ca_list_is_told_apart_from_no_request(
    chain: minting.Chain, client_chain: minting.Chain
) -> None:
    config = requiring(chain, client_chain, client_auth=CLIENT_AUTH_OPTIONAL, ca_names=[])
    with serving(config) as server:
        asked = attempt(server)
    with serving(server_config(chain)) as server:
        not_asked = attempt(server)

    assert asked.certificate_requested and asked.client_ca_names == ()
    assert not not_asked.certificate_requested and not_asked.client_ca_names == ()


def test_nginx_answering_400_for_a_missing_certificate(chain: minting.Chain) -> None:
    with serving(server_config(chain, http_reply=NGINX_NO_CERT)) as server:
        inspection = inspect(server, chain, http=True)

    assert inspection.endpoint is not None
    reply = inspection.endpoint.handshake.http
    assert reply is not None and reply.status == 400
    assert server.visits[0].request.startswith(b"GET / HTTP/1.1\r\n")
    assert "tls.client-cert-required" in error_codes(inspection)


def test_http_answer_is_recorded(chain: minting.Chain) -> None:
    with serving(server_config(chain, http_reply=HTTP_OK)) as server:
        handshake = attempt(server, http=True)

    assert handshake.http is not None and handshake.http.status == 200
    assert handshake.http.body == b"ok"


# ---- negotiation failures --------------------------------------------------------------------


def test_version_mismatch_is_alert_70(chain: minting.Chain) -> None:
    with serving(server_config(chain, max_version=SSL.TLS1_2_VERSION)) as server:
        inspection = inspect(server, chain, tls_min="1.3")

    assert inspection.endpoint is not None
    assert [a.description for a in inspection.endpoint.handshake.alerts_received] == [70]
    assert error_codes(inspection)[0] == "tls.protocol-mismatch"


def test_no_shared_cipher_is_alert_40_without_a_certificate_request(
    chain: minting.Chain,
) -> None:
    # An EC key cannot serve the RSA key exchange suite, so the server has nothing to offer.
    config = server_config(chain, max_version=SSL.TLS1_2_VERSION, ciphers=b"AES128-SHA")
    with serving(config) as server:
        inspection = inspect(server, chain, tls_max="1.2")

    assert inspection.endpoint is not None
    assert [a.description for a in inspection.endpoint.handshake.alerts_received] == [40]
    assert error_codes(inspection)[0] == "tls.no-shared-cipher"
    retries = inspection.endpoint.retries
    assert retries and all(not retry.handshake.completed for retry in retries)


# pyOpenSSL reports the refusal raised in the server's name callback to sys.excepthook.
@pytest.mark.qt_no_exception_capture
def test_sni_required_is_alert_112(chain: minting.Chain) -> None:
    with serving(server_config(chain, sni_names=[HOST])) as server:
        inspection = inspect(server, chain, sni=None)  # an IP address: no SNI

    assert inspection.endpoint is not None
    assert [a.description for a in inspection.endpoint.handshake.alerts_received] == [112]
    [finding] = [f for f in inspection.findings if f.code == "tls.sni-required"]
    assert "no server name" in finding.detail
    with serving(server_config(chain, sni_names=[HOST])) as server:
        assert attempt(server).completed  # with the right name it works


@pytest.mark.parametrize(
    ("behaviour", "what"),
    [(PLAIN_HTTP, "plain HTTP"), (SMTP_BANNER, "SMTP")],
)
def test_plaintext_on_the_port_is_not_tls(chain: minting.Chain, behaviour: str, what: str) -> None:
    with serving(ServerConfig(behaviour=behaviour)) as server:
        inspection = inspect(server, chain)

    [finding] = [f for f in inspection.findings if f.code == "tls.not-tls"]
    assert what in finding.title
    assert not inspection.could_not_test


def test_close_after_the_client_hello_is_a_silent_close(chain: minting.Chain) -> None:
    with serving(ServerConfig(behaviour=CLOSE_AFTER_HELLO)) as server:
        inspection = inspect(server, chain)

    assert inspection.endpoint is not None
    failure = inspection.endpoint.handshake.failure
    assert failure is not None and failure.kind == "closed"
    assert "tls.handshake-failed" in error_codes(inspection)
    assert inspection.endpoint.retries  # ambiguous: retried one change at a time
    assert "tls.retries" in codes(inspection)


def test_reset_is_reported_as_a_reset(chain: minting.Chain) -> None:
    with serving(ServerConfig(behaviour=RESET)) as server:
        inspection = inspect(server, chain)

    assert error_codes(inspection)[0] == "net.reset"
    assert inspection.could_not_test


def test_a_server_that_never_answers_is_bounded_by_the_deadline(chain: minting.Chain) -> None:
    with serving(ServerConfig(behaviour=NEVER_ANSWERS)) as server:
        started = time.monotonic()
        handshake = attempt(server, timeout=0.5)
        took = time.monotonic() - started

    assert handshake.failure is not None and handshake.failure.kind == "timeout"
    assert took < 1.5


def test_refused_connection_cannot_be_tested(chain: minting.Chain) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inspection = inspect_endpoint(
        Target("127.0.0.1", port), ConnectOptions(timeout=QUICK), settings(chain)
    )

    assert codes(inspection) == ["net.refused"]
    assert inspection.could_not_test
    assert inspection.source is not None and inspection.source.entries == ()


def test_unknown_name_is_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    # Resolving a made-up name would ask the network's DNS server; answer as it would.
    def no_such_name(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    handshake = connect(Target("no-such-host.test", 443), ConnectOptions(timeout=QUICK))

    assert handshake.failure is not None and handshake.failure.kind == "dns"
    assert "no-such-host.test" in handshake.failure.message


def test_versions_are_probed_one_at_a_time(chain: minting.Chain) -> None:
    config = server_config(chain, min_version=SSL.TLS1_2_VERSION, max_version=SSL.TLS1_2_VERSION)
    with serving(config) as server:
        inspection = inspect_endpoint(
            target(server), ConnectOptions(sni=HOST, timeout=QUICK), settings(chain), True
        )

    assert inspection.endpoint is not None
    accepted = {probe.version: probe.accepted for probe in inspection.endpoint.versions}
    assert accepted["1.2"] is True
    assert accepted["1.3"] is False
    assert accepted["1.0"] is not True and accepted["1.1"] is not True


# ---- through a proxy -------------------------------------------------------------------------


def test_handshake_through_an_http_connect_proxy(chain: minting.Chain) -> None:
    with (
        serving(server_config(chain)) as server,
        ConnectProxy(ProxyConfig(credentials=("alice", "pr0xy-pass"))) as proxy,
    ):
        via = Proxy("127.0.0.1", proxy.port, "alice", "pr0xy-pass")
        port = server.port
        inspection = inspect_endpoint(
            Target(HOST, port),
            ConnectOptions(proxy=via, timeout=QUICK),
            settings(chain),
        )

    assert inspection.endpoint is not None
    handshake = inspection.endpoint.handshake
    assert handshake.completed
    assert handshake.addresses == ("127.0.0.1",)  # the proxy's, the target is its business
    assert "proxy" in handshake.timings
    [request] = proxy.requests
    assert request.request_line == f"CONNECT {HOST}:{port} HTTP/1.1"
    assert inspection.validation is not None and inspection.validation.trusted


def test_a_proxy_refusing_the_destination_cannot_be_tested(chain: minting.Chain) -> None:
    with ConnectProxy(ProxyConfig(reply=FORBIDDEN)) as proxy:
        inspection = inspect_endpoint(
            Target(HOST, 443),
            ConnectOptions(proxy=Proxy("127.0.0.1", proxy.port), timeout=QUICK),
            settings(chain),
        )

    [finding] = inspection.findings
    assert finding.code == "net.proxy"
    assert "403" in finding.detail
    assert inspection.could_not_test


# ---- OCSP stapling ---------------------------------------------------------------------------


def test_a_good_staple_is_parsed_and_raises_nothing(chain: minting.Chain) -> None:
    staple = mint_response(chain.leaf, chain.intermediate)
    with serving(server_config(chain, ocsp_staple=staple)) as server:
        inspection = inspect(server, chain)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.ocsp_response == staple
    parsed = inspection.endpoint.staple
    assert parsed is not None
    assert (parsed.cert_status, parsed.matches_leaf, parsed.signature_valid) == ("good", True, True)
    assert not [code for code in codes(inspection) if code.startswith("tls.ocsp")]


def test_a_revoked_staple_is_an_error(chain: minting.Chain) -> None:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    staple = mint_response(
        chain.leaf,
        chain.intermediate,
        status=ocsp.OCSPCertStatus.REVOKED,
        revocation_time=moment,
        reason=x509.ReasonFlags.key_compromise,
    )
    with serving(server_config(chain, ocsp_staple=staple)) as server:
        inspection = inspect(server, chain)

    assert "tls.ocsp-revoked" in error_codes(inspection)


def test_no_staple_is_recorded_as_none(chain: minting.Chain) -> None:
    with serving(server_config(chain)) as server:
        inspection = inspect(server, chain)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.ocsp_response is None
    assert inspection.endpoint.staple is None


def test_a_legacy_tls_1_0_server_is_probed_at_security_level_zero(chain: minting.Chain) -> None:
    config = server_config(
        chain,
        min_version=SSL.TLS1_VERSION,
        max_version=SSL.TLS1_VERSION,
        ciphers=b"ALL:@SECLEVEL=0",
    )
    with serving(config) as server:
        inspection = inspect_endpoint(
            target(server), ConnectOptions(sni=HOST, timeout=QUICK), settings(chain), True
        )

    assert inspection.endpoint is not None
    accepted = {probe.version: probe.accepted for probe in inspection.endpoint.versions}
    assert accepted == {"1.0": True, "1.1": False, "1.2": False, "1.3": False}
    # Without --tls-min the ordinary attempt fails: the server speaks only TLS 1.0.
    assert "tls.protocol-mismatch" in error_codes(inspection)


# ---- STARTTLS --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "protocol", ["smtp", "imap", "pop3", "ftp", "ldap", "xmpp", "postgres", "mysql"]
)
def test_starttls_prelude_then_handshake_and_checks(protocol: str) -> None:
    chain = minting.mint_chain(HOST, prefix="Mail")
    script = getattr(plaintext_servers, protocol)
    with plaintext_servers.serving(script, chain=chain) as server:
        server.expect_outside_client()
        inspection = inspect_endpoint(
            target(server), ConnectOptions(starttls=protocol, timeout=QUICK), settings(chain)
        )

    assert inspection.endpoint is not None
    handshake = inspection.endpoint.handshake
    assert handshake.failure is None, handshake.failure
    assert "starttls" in handshake.timings
    assert [c.sha256 for c in handshake.chain] == [chain.leaf.sha256, chain.intermediate.sha256]
    assert inspection.validation is not None and inspection.validation.trusted


def test_a_server_refusing_starttls_is_its_own_finding() -> None:
    chain = minting.mint_chain(HOST, prefix="Mail")
    behaviour = plaintext_servers.Behaviour(offer_starttls=False)
    with plaintext_servers.serving(plaintext_servers.smtp, behaviour, chain) as server:
        server.expect_outside_client()
        inspection = inspect_endpoint(
            target(server), ConnectOptions(starttls="smtp", timeout=QUICK), settings(chain)
        )

    [finding] = inspection.findings
    assert finding.code == "tls.starttls-refused"
    assert "SMTP" in finding.detail
    assert finding.severity == Severity.ERROR
    assert not inspection.could_not_test  # the server answered: a finding, exit status 1


def test_alert_names_agree_with_explain() -> None:
    # The handshake keeps a bare name table so that `connect` need not load explain's patterns.
    from pinscope.core import explain
    from pinscope.core.endpoint import handshake

    assert {n: explain.ALERTS[n].name for n in handshake.ALERTS} == handshake.ALERTS
