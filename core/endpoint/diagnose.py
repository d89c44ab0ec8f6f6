"""What a handshake's outcome means, in findings a support engineer can forward.

The verdict keys on what the wire showed: the failed step, alert numbers and their direction,
whether a CertificateRequest came, the first bytes the server sent, an HTTP answer. Never on
OpenSSL's message text, which changes between versions.
"""

from __future__ import annotations

from collections.abc import Iterator

from pinscope.core.endpoint.handshake import AFTER, Alert, Failure, Handshake
from pinscope.core.endpoint.starttls import printable
from pinscope.core.model import Finding, Severity

__all__ = ["UNTESTABLE", "describe_plaintext", "diagnose"]

UNTESTABLE = frozenset({"dns", "refused", "unreachable", "timeout", "reset", "proxy"})
"""Failure kinds that mean the endpoint could not be tested at all (exit status 2): each is
diagnosed as a `net.*` finding."""

CLIENT_REJECTION_REASONS = {
    42: "the certificate is unacceptable to it (bad_certificate): often not valid yet, a "
    "name or signature the server refuses, or a key too weak for its security level",
    43: "its key usage or extended key usage does not allow TLS client authentication "
    "(unsupported_certificate)",
    44: "it has been revoked (certificate_revoked)",
    45: "it has expired (certificate_expired)",
    46: "the server could not verify it (certificate_unknown)",
    48: "the server does not trust the CA that issued it (unknown_ca)",
    49: "the server's access control refuses it (access_denied)",
    51: "its signature in the handshake does not verify (decrypt_error): the key may not "
    "match the certificate, or the server cannot use this key type",
}

_PLAINTEXT = (
    (b"HTTP/", "a plain HTTP server", "Use the port that serves HTTPS (usually 443)."),
    (
        b"220",
        "an SMTP or FTP server greeting",
        "Connect to the TLS port (465 for SMTP, 990 for FTP) or add `--starttls smtp` "
        "(or `ftp`) to upgrade this plaintext port.",
    ),
    (b"* OK", "an IMAP server greeting", "Use port 993, or add `--starttls imap`."),
    (b"+OK", "a POP3 server greeting", "Use port 995, or add `--starttls pop3`."),
    (b"SSH-", "an SSH server", "This port speaks SSH; TLS runs elsewhere."),
    (b"<?xml", "an XMPP server", "Add `--starttls xmpp`."),
    (b"RFB ", "a VNC server", "This port speaks VNC, not TLS."),
)


def describe_plaintext(data: bytes) -> tuple[str, str]:
    """What a plaintext answer looks like and what to do instead: (what, remedy)."""
    for prefix, what, remedy in _PLAINTEXT:
        if data.startswith(prefix):
            return what, remedy
    if len(data) > 4 and data[4] == 0x0A and data[3] == 0:
        return "a MySQL server greeting", "Add `--starttls mysql`."
    return "something other than TLS", "Check the port number and the protocol it serves."


def diagnose(handshake: Handshake) -> list[Finding]:
    """The `tls.*` and `net.*` findings of one attempt: the failure, client authentication,
    and what the server answered over HTTP."""
    findings = list(_failure_findings(handshake))
    findings.extend(_client_auth_findings(handshake, findings))
    findings.extend(_http_findings(handshake))
    findings.extend(_alpn_findings(handshake))
    return findings


def _finding(code: str, severity: Severity, title: str, detail: str, remedy: str) -> Finding:
    return Finding(code=code, severity=severity, title=title, detail=detail, remedy=remedy)


def _error(code: str, title: str, detail: str, remedy: str) -> Finding:
    return _finding(code, Severity.ERROR, title, detail, remedy)


# ---- failures --------------------------------------------------------------------------------


def _failure_findings(handshake: Handshake) -> Iterator[Finding]:
    failure = handshake.failure
    if failure is None:
        return
    where = handshake.target.label
    if failure.kind == "dns":
        yield _error(
            "net.dns",
            f"{handshake.target.host} does not resolve",
            f"{failure.message}.",
            "Check the spelling of the host name, and that this machine uses the DNS servers "
            "(or VPN) that know it.",
        )
    elif failure.kind == "refused":
        yield _error(
            "net.refused",
            f"Nothing accepts connections on {where}",
            f"{failure.message}: no program listens on that port, or a firewall refuses it.",
            "Check the port number and that the service is running; a firewall may reject "
            "connections from this network.",
        )
    elif failure.kind == "unreachable":
        yield _error(
            "net.unreachable",
            f"{where} cannot be reached",
            f"{failure.message}: there is no network route to it from here.",
            "Check the address, the VPN and the network this machine is on.",
        )
    elif failure.kind == "timeout":
        yield _timeout(handshake, failure)
    elif failure.kind == "proxy":
        yield _error(
            failure.code or "net.proxy",
            "The proxy refused to connect to the server",
            f"{failure.message}.",
            "Check the proxy address and credentials, and whether the proxy allows this "
            "destination and port.",
        )
    elif failure.kind == "starttls-refused":
        yield _error(
            failure.code or "tls.starttls-refused",
            "The server does not start TLS when asked",
            f"{failure.message}.",
            "Check that the server offers STARTTLS on this port, or connect to its "
            "implicit-TLS port without --starttls.",
        )
    elif failure.kind == "client-key":
        yield _error(
            "cert.key-mismatch",
            "The client certificate cannot be presented",
            f"{failure.message}.",
            "Give the private key that belongs to the client certificate (--client-key), or "
            "a PKCS#12 file holding both.",
        )
    elif failure.kind == "not-tls":
        yield _not_tls(handshake)
    elif failure.kind == "reset":
        yield _reset(handshake, failure)
    elif failure.kind == "closed":
        yield _closed(handshake, failure)
    elif failure.kind == "alert":
        yield from _alert_findings(handshake)
    else:
        yield _handshake_failed(handshake, f"{failure.message}.")


def _timeout(handshake: Handshake, failure: Failure) -> Finding:
    seconds = handshake.options.timeout
    if failure.stage == "connect":
        detail = (
            f"{failure.message} within {seconds:g} s: packets to it are dropped, usually "
            "by a firewall, or the host is down."
        )
    elif failure.stage in ("tls", AFTER):
        detail = (
            f"{failure.message} within {seconds:g} s. The TCP connection was accepted but "
            "the server never answered the TLS ClientHello: it may expect another protocol "
            "that waits for the client (use --starttls), or a middlebox holds the traffic."
        )
    else:
        detail = f"{failure.message} within {seconds:g} s."
    return _error(
        "net.timeout",
        f"{handshake.target.label} did not answer in time",
        detail,
        "Check the port and protocol; raise --timeout for slow links.",
    )


def _not_tls(handshake: Handshake) -> Finding:
    what, remedy = describe_plaintext(handshake.first_bytes)
    return _error(
        "tls.not-tls",
        f"{handshake.target.label} does not speak TLS: it is {what}",
        f"Pinscope sent a TLS ClientHello and the server answered in plaintext: "
        f"{printable(handshake.first_bytes)}.",
        remedy,
    )


def _reset(handshake: Handshake, failure: Failure) -> Finding:
    return _error(
        "net.reset",
        f"{handshake.target.label} reset the connection",
        f"{failure.message}, without a TLS alert to say why. Firewalls and intrusion "
        "prevention systems do this, as do servers that drop clients without a certificate, "
        "unknown server names, or a ClientHello they cannot parse.",
        "Look at the retries below for the change that made a difference; check the server's "
        "or the firewall's log for this connection.",
    )


def _closed(handshake: Handshake, failure: Failure) -> Finding:
    return _error(
        "tls.handshake-failed",
        f"{handshake.target.label} closed the connection without an answer",
        f"{failure.message}: no TLS alert, just the end of the connection. Servers do this "
        "when they cannot handle the ClientHello (a version, a cipher, a large post-quantum "
        "key share, a missing server name) or refuse this client outright.",
        "Look at the retries below for the change that made a difference; the server's "
        "error log names the reason.",
    )


def _handshake_failed(handshake: Handshake, detail: str) -> Finding:
    return _error(
        "tls.handshake-failed",
        f"The TLS handshake with {handshake.target.label} failed",
        detail,
        "Look at the retries below and at the server's error log for this connection.",
    )


# ---- alerts ----------------------------------------------------------------------------------


def _alert_findings(handshake: Handshake) -> Iterator[Finding]:
    received = [a for a in handshake.alerts_received if a.fatal]
    sent = [a for a in handshake.alerts_sent if a.fatal]
    if received:
        yield _received(handshake, received[-1])
    elif sent:
        yield _sent(handshake, sent[-1])


def _received(handshake: Handshake, alert: Alert) -> Finding:
    number = alert.description
    when = "after the handshake" if alert.stage == AFTER else "during the handshake"
    said = f"The server sent the fatal alert {alert.name} ({number}) {when}"
    presented = handshake.client_certificate_sent

    if number == 116 or (number == 40 and handshake.certificate_requested and not presented):
        return _client_cert_required(handshake, said)
    if number in CLIENT_REJECTION_REASONS and presented:
        return _client_cert_rejected(handshake, alert, said)
    if number == 70:
        return _error(
            "tls.protocol-mismatch",
            "The server and Pinscope share no TLS version",
            f"{said}: it supports none of the versions offered ({_offered_versions(handshake)}).",
            "Run with --probe-versions to see which versions the server accepts; an old "
            "server needs upgrading, a TLS 1.3-only server needs a newer client.",
        )
    if number in (40, 71):
        return _error(
            "tls.no-shared-cipher",
            "The server found no cipher suite or key exchange it shares with the client",
            f"{said}, before asking for any client certificate: the usual cause is no cipher "
            "suite, key-exchange group or signature algorithm in common.",
            "Compare the server's cipher configuration with what clients offer; see the "
            "retries below for a variant that succeeded.",
        )
    if number == 112:
        return _error(
            "tls.sni-required",
            "The server does not know the server name it was sent",
            f"{said}: "
            + (
                f"it has no site for the name {handshake.sni!r}."
                if handshake.sni
                else "no server name (SNI) was sent and it needs one to pick a site."
            ),
            "Connect with the host name the server is configured for (--sni NAME), and make "
            "sure clients send SNI (connecting by IP address sends none).",
        )
    if number == 120:
        return _error(
            "tls.alpn-mismatch",
            "The server speaks none of the application protocols offered",
            f"{said}: none of {', '.join(handshake.options.alpn) or 'the protocols'} is one "
            "it accepts (a gRPC or HTTP/2-only server, for example).",
            "Offer the protocol the server expects with --alpn (h2, http/1.1…).",
        )
    if number in CLIENT_REJECTION_REASONS:
        return _handshake_failed(
            handshake,
            f"{said}, though no client certificate was sent: it refuses something of the "
            "handshake itself.",
        )
    return _handshake_failed(handshake, f"{said}.")


def _sent(handshake: Handshake, alert: Alert) -> Finding:
    number = alert.description
    said = (
        f"Pinscope's TLS library refused the server's answer with the alert {alert.name} ({number})"
    )
    if number == 70:
        return _error(
            "tls.protocol-mismatch",
            "The server chose a TLS version outside the allowed range",
            f"{said}: the server picked a version not among those offered "
            f"({_offered_versions(handshake)}).",
            "Run with --probe-versions; allow older versions with --tls-min only to "
            "diagnose, never in production.",
        )
    if number in (40, 71):
        return _error(
            "tls.no-shared-cipher",
            "The server chose parameters the client does not allow",
            f"{said}: the cipher suite, group or signature algorithm it picked is not one "
            "offered, or is too weak for OpenSSL's security level.",
            "Update the server's cipher configuration to modern suites.",
        )
    return _handshake_failed(
        handshake,
        f"{said}: the server's messages broke the protocol or used something OpenSSL will "
        "not accept.",
    )


def _offered_versions(handshake: Handshake) -> str:
    low = handshake.options.tls_min or "1.2"
    high = handshake.options.tls_max or "1.3"
    return f"TLS {low}" if low == high else f"TLS {low} to {high}"


def _client_cert_required(handshake: Handshake, said: str) -> Finding:
    names = _ca_names_text(handshake)
    if handshake.options.client is None:
        detail = f"{said}: it requires a client certificate and none was given. {names}"
        remedy = (
            "Connect with the client's certificate and key (--client-cert FILE "
            "[--client-key FILE]); in the client, check that its certificate is configured "
            "and loads."
        )
    else:
        detail = (
            f"{said}: it requires a client certificate, and {handshake.options.client.label} "
            f"was not sent. {names}"
        )
        remedy = "Check that the certificate and key load and belong together."
    return _error(
        "tls.client-cert-required",
        "The server requires a client certificate",
        detail.strip(),
        remedy,
    )


def _client_cert_rejected(handshake: Handshake, alert: Alert, said: str) -> Finding:
    client = handshake.options.client
    label = client.label if client is not None else "the client certificate"
    reason = CLIENT_REJECTION_REASONS[alert.description]
    if alert.description == 48:
        return _error(
            "tls.client-cert-wrong-ca",
            "The server does not trust the client certificate's issuer",
            f"{said}: {label} was sent, and {reason}. {_ca_names_text(handshake)}".strip(),
            "Use a client certificate issued by one of the CAs the server accepts, or send "
            "the intermediate certificates with it (a PKCS#12 or PEM holding the whole "
            "chain).",
        )
    remedies = {
        43: "Reissue the client certificate with extendedKeyUsage clientAuth and keyUsage "
        "digitalSignature.",
        45: "Renew the client certificate.",
        44: "Get a new client certificate; this one is revoked.",
    }
    return _error(
        "tls.client-cert-rejected",
        "The server rejected the client certificate",
        f"{said}: {label} was sent, and {reason}.",
        remedies.get(alert.description, "Check the server's log for the reason it gives."),
    )


def _ca_names_text(handshake: Handshake) -> str:
    if not handshake.certificate_requested:
        return ""
    names = handshake.client_ca_texts
    if not names:
        return "Its request named no acceptable CAs."
    return "It accepts certificates issued by: " + "; ".join(names) + "."


# ---- a completed handshake -------------------------------------------------------------------


def _client_auth_findings(handshake: Handshake, so_far: list[Finding]) -> Iterator[Finding]:
    """Optional client authentication, and a certificate that was given but never asked for."""
    if handshake.failure is not None or any(f.code.startswith("tls.client") for f in so_far):
        return
    http = handshake.http
    if http is not None and http.status == 400 and _nginx_certificate_text(handshake):
        return
    if handshake.certificate_requested and not handshake.client_certificate_sent:
        names = _ca_names_text(handshake)
        if http is None:
            yield _finding(
                "tls.client-cert-optional",
                Severity.WARNING,
                "The server asks for a client certificate and did not insist during the handshake",
                "It sent a CertificateRequest and completed the handshake without a "
                f"certificate. {names} Web servers such as nginx with ssl_verify_client on "
                "behave like this and refuse only in their HTTP answer.".replace("  ", " "),
                "Run again with --http to see whether the web server requires the certificate.",
            )
        else:
            yield _finding(
                "tls.client-cert-optional",
                Severity.INFO,
                "The server asks for a client certificate but does not require one",
                "It sent a CertificateRequest, completed the handshake without a certificate "
                f"and answered {http.status_line!r}. {names}".strip(),
                "Nothing to do, unless clients are expected to be authenticated.",
            )
    if handshake.options.client is not None and not handshake.certificate_requested:
        yield _finding(
            "tls.client-cert-not-requested",
            Severity.WARNING,
            "The server did not ask for a client certificate",
            f"{handshake.options.client.label} was ready but the server never requested it, "
            "so it was not sent.",
            "If the server should authenticate clients, enable client authentication on it "
            "(for TLS 1.3 servers that ask per URL, see post-handshake authentication).",
        )


def _nginx_certificate_text(handshake: Handshake) -> str | None:
    http = handshake.http
    if http is None:
        return None
    body = http.body.decode("utf-8", "replace")
    for text in ("No required SSL certificate was sent", "The SSL certificate error"):
        if text in body:
            return text
    return None


def _http_findings(handshake: Handshake) -> Iterator[Finding]:
    http = handshake.http
    if http is None:
        return
    text = _nginx_certificate_text(handshake)
    client = handshake.options.client
    if http.status == 400 and text == "No required SSL certificate was sent":
        yield _error(
            "tls.client-cert-required",
            "The server requires a client certificate",
            "The TLS handshake completed, then the web server answered "
            f"{http.status_line!r} with “{text}” (nginx with ssl_verify_client on).",
            "Connect with the client's certificate and key (--client-cert FILE "
            "[--client-key FILE]).",
        )
    elif http.status == 400 and text is not None:
        label = client.label if client is not None else "The client certificate"
        yield _error(
            "tls.client-cert-rejected",
            "The server rejected the client certificate",
            f"{label} was sent and the web server answered {http.status_line!r} with "
            f"“{text}”: nginx could not verify it against its ssl_client_certificate CAs.",
            "Use a client certificate from a CA the server trusts, with its intermediates.",
        )
    elif (
        http.status == 403
        and client is not None
        and handshake.version == "TLSv1.3"
        and not handshake.certificate_requested
    ):
        yield _finding(
            "tls.post-handshake-auth",
            Severity.WARNING,
            "The server may want the client certificate after the handshake",
            f"The server answered {http.status_line!r} over TLS 1.3 without ever asking for "
            "the client certificate. Servers that require one only for some paths (Apache "
            "SSLVerifyClient inside a Location) ask after the handshake, which this client "
            "cannot answer.",
            "Retry with --tls-max 1.2; configure the server to ask for certificates during "
            "the handshake.",
        )


def _alpn_findings(handshake: Handshake) -> Iterator[Finding]:
    offered = handshake.options.alpn
    if offered and handshake.completed and handshake.alpn is None and handshake.failure is None:
        yield _finding(
            "tls.alpn-none",
            Severity.INFO,
            "The server selected no application protocol",
            f"It was offered {', '.join(offered)} and chose none; clients that need one of "
            "them (HTTP/2, gRPC) fall back or fail.",
            "Enable the protocol on the server if clients need it.",
        )
