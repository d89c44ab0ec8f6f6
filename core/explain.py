"""Explain a pasted TLS or certificate error message in plain words.

Support staff paste what a customer's program printed — a Java stack trace, a Go error, curl's
output, a Python traceback, a browser error page, an OpenSSL log line — and `explain` returns the
known failures it recognises, best first, each with a plain explanation and what to check next.

Recognition keys on numbers wherever the text carries them, because message wording drifts
between versions while numbers do not: TLS alert numbers (and who sent the alert), OpenSSL X509
verification codes, OpenSSL packed error codes (`error:0A000086`), curl exit codes, errno values
and Windows (schannel) status codes. Names that stand for those numbers — `unknown_ca`,
`X509_V_ERR_CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `SEC_E_UNTRUSTED_ROOT` — are
read the same way. Phrases are the last resort, for stacks that print no number.

Patterns repeat only within fixed bounds or over a single character class, never nested, and
the input is capped at `MAX_INPUT` characters, so no text can make matching slow. Each pattern
is searched on its own over a lower-cased copy of the text, which keeps the search fast.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ALERTS",
    "FAILURES",
    "MAX_INPUT",
    "VERIFY_CODES",
    "Alert",
    "Explanation",
    "Failure",
    "VerifyCode",
    "explain",
]

logger = logging.getLogger(__name__)

MAX_INPUT = 64 * 1024
"""Characters of a pasted text that are read: its first and last halves of this when longer."""


# --- What is returned ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One known failure, worded for a support engineer to forward to a customer."""

    code: str
    """A stable finding code (DESIGN.md), such as `chain.missing-intermediate`."""
    title: str
    explanation: str
    next_steps: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """A failure recognised in a pasted text."""

    code: str
    title: str
    explanation: str
    """The failure's explanation, preceded by what the matched number says when there is one."""
    next_steps: tuple[str, ...]
    matched: str
    """The fragment of the text that was recognised (whitespace collapsed)."""


# --- The known failures -------------------------------------------------------------------------


def _connect(options: str = "") -> str:
    """The `pinscope connect` command line, quoted for Markdown-like text."""
    return f"`pinscope connect HOST:PORT{' ' if options else ''}{options}`"


_CONNECT = _connect()


def _failures(*failures: Failure) -> Mapping[str, Failure]:
    table = {failure.code: failure for failure in failures}
    if len(table) != len(failures):
        raise ValueError("two failures share a code")
    return MappingProxyType(table)


FAILURES: Mapping[str, Failure] = _failures(
    Failure(
        "chain.missing-intermediate",
        "The server does not send its intermediate certificate",
        "The server presents its own certificate but not the intermediate CA certificate that "
        "links it to a trusted root. Browsers often hide the mistake by downloading or caching "
        "the missing certificate, so the site may work in a browser while curl, Java, Python, "
        "Go, Node.js and most devices refuse it. The fix belongs on the server: it must send "
        "the complete chain.",
        (
            f"Run {_CONNECT} to see the chain exactly as the server sends it; `pinscope inspect "
            "HOST:PORT --fetch-missing` names the missing intermediate and where to get it.",
            "On the server, use the full chain as the certificate file: the server certificate "
            "first, then each intermediate (for example nginx `ssl_certificate fullchain.pem`).",
            "If the server is not yours, ask its operator to add the intermediate; adding it to "
            "your own trust store only hides the problem on your machine.",
        ),
    ),
    Failure(
        "chain.untrusted-root",
        "The certificate chain ends at a CA this client does not trust",
        "The chain leads to a root certificate that is not in the client's trust store: a "
        "company or private CA, a development CA, or a proxy or security product that inspects "
        "TLS traffic by re-signing it. The server may be set up correctly; the client has not "
        "been told to trust that CA.",
        (
            f"Run {_CONNECT} from the failing machine and look at the end of the chain: that "
            "issuer is the CA the client must trust.",
            "If it is your organisation's CA, add it to the client's trust store (the Java "
            "truststore or `cacerts`, `SSL_CERT_FILE` or `REQUESTS_CA_BUNDLE` for Python, "
            "`NODE_EXTRA_CA_CERTS` for Node.js, the system store for .NET and browsers).",
            "If the issuer is unexpected, run the same command from another network: a "
            "different issuer means something between client and server intercepts TLS.",
        ),
    ),
    Failure(
        "cert.self-signed",
        "The server's certificate is self-signed",
        "The certificate is signed by its own key instead of by a certificate authority, so no "
        "client trusts it unless told to trust exactly this certificate. Normal for test and "
        "internal systems, wrong for anything public.",
        (
            f"Run {_CONNECT} to confirm that the chain is one certificate whose issuer is its "
            "own subject.",
            "For a public service, replace it with a certificate from a public CA.",
            "For an internal service, issue it from your internal CA, or add this exact "
            "certificate to the client's trust store (or pin it); do not turn verification off.",
        ),
    ),
    Failure(
        "cert.expired",
        "A certificate has expired",
        "A certificate in the chain is past its end date, so it is refused. If the dates look "
        "right, suspect the clock of the machine that reported the error: validity is judged "
        "by the checking machine's own date.",
        (
            f"Run {_CONNECT} (or `pinscope inspect FILE`) to see the validity dates of every "
            "certificate in the chain.",
            "Renew the expired certificate, install it with its chain, and reload the service "
            "so that it uses the new files.",
            "If nothing has expired, check the date and time of the failing machine.",
        ),
    ),
    Failure(
        "cert.not-yet-valid",
        "A certificate is not valid yet",
        "A certificate's start date lies in the future for the machine that checked it. Either "
        "it was issued with a future start date or, far more often, that machine's clock is "
        "behind (a device that lost its time, a virtual machine restored from a snapshot).",
        (
            "Check the date, time and time zone of the failing machine and turn on time "
            "synchronisation.",
            f"Run {_CONNECT} to see the certificate's start date and compare it with that clock.",
        ),
    ),
    Failure(
        "chain.expired-intermediate",
        "An intermediate certificate in the chain has expired",
        "The server certificate may be fine, but the server still sends an intermediate CA "
        "certificate that has expired (often an old cross-signed one), and some clients build "
        "their path through it and fail.",
        (
            f"Run {_CONNECT} and check the dates of every certificate after the first.",
            "Replace the chain file on the server with the CA's current intermediates and drop "
            "the expired one.",
        ),
    ),
    Failure(
        "cert.hostname-mismatch",
        "The certificate is not valid for the name the client used",
        "The certificate may be trusted, but it was issued for other names: the name (or IP "
        "address) the client connected to is not in its subjectAltName list. Usual causes: the "
        "wrong certificate on that virtual host, a default certificate returned because the "
        "client sent no or another SNI name, connecting by IP address or by an internal alias, "
        "or a load balancer serving another site's certificate.",
        (
            f"Run {_CONNECT} with the exact name the client uses; it lists the names the "
            "certificate covers.",
            "If the server sends the wrong certificate, fix the server or load balancer for that "
            "name, and check again with `--sni NAME`.",
            "If the name is simply missing, reissue the certificate with it in the "
            "subjectAltName, or make the client use a name the certificate covers.",
        ),
    ),
    Failure(
        "cert.no-san",
        "The certificate names no host in its subjectAltName",
        "Current clients decide which hosts a certificate is for from its subjectAltName "
        "extension alone and ignore the old Common Name field. This certificate has no "
        "subjectAltName, or none of the right kind (an IP address entry for a client that "
        "connects by IP), so it matches nothing.",
        (
            f"Run {_CONNECT} (or `pinscope inspect FILE`) to see the certificate's names.",
            "Reissue the certificate with each host name as a DNS entry and each IP address as "
            "an IP entry of the subjectAltName.",
        ),
    ),
    Failure(
        "cert.ca-as-leaf",
        "A CA certificate is used as the server's own certificate",
        "The certificate presented as the end-entity certificate is marked as a certificate "
        "authority. Clients expect a certificate issued by the CA, not the CA certificate "
        "itself; the wrong file was most likely installed.",
        (
            f"Run {_CONNECT} (or `pinscope inspect FILE`) to see which certificate is sent first.",
            "Install the certificate issued for the host first, with the CA certificates after it.",
        ),
    ),
    Failure(
        "cert.revoked",
        "The certificate has been revoked",
        "The certificate authority has withdrawn this certificate before its end date (after a "
        "key compromise or a mis-issuance, for example) and the client learned it through OCSP "
        "or a revocation list. Reinstalling the same certificate does not help; a new one is "
        "needed.",
        (
            f"Run {_CONNECT} to see which certificate is served and its serial number.",
            "Request a new certificate (with a new key if the old one may be compromised) and "
            "install it with its chain.",
        ),
    ),
    Failure(
        "cert.revocation-unchecked",
        "The client could not check whether the certificate is revoked",
        "The client tried to ask the certificate authority (through OCSP or a revocation list) "
        "whether the certificate is still good, got no answer, and treats that as a failure. "
        "Typical for Windows (schannel) clients behind a firewall or proxy that blocks the CA's "
        "revocation servers; the certificate itself is usually fine.",
        (
            "Check that the failing machine can reach the OCSP and CRL addresses named in the "
            "certificate (`pinscope inspect HOST:PORT` lists its extensions).",
            "Allow those addresses through the firewall or proxy.",
            "With curl on Windows, `--ssl-no-revoke` confirms the diagnosis; use it only as a "
            "test.",
        ),
    ),
    Failure(
        "cert.missing-server-auth",
        "The certificate is not allowed for TLS servers",
        "The certificate's extended key usage lacks serverAuth, so clients refuse it from a "
        "server. This happens when a client-only, code-signing or other special-purpose "
        "certificate is installed on a server.",
        (
            f"Run {_CONNECT} to see the usages of the served certificate.",
            "Reissue the certificate with the serverAuth extended key usage (a server "
            "certificate profile or template).",
        ),
    ),
    Failure(
        "cert.missing-client-auth",
        "The client certificate is not allowed for TLS clients",
        "The certificate the client offered lacks the clientAuth extended key usage, so the "
        "server refuses it for client authentication. A server certificate reused as a client "
        "certificate is the usual cause.",
        (
            "Run `pinscope inspect CLIENT-CERT` to see its extended key usages.",
            "Request a certificate with clientAuth from the CA the server trusts.",
        ),
    ),
    Failure(
        "cert.key-usage-mismatch",
        "The certificate's key usage does not fit how TLS uses it",
        "The key usage extension does not allow what the handshake needs (for example "
        "digitalSignature for an ECDSA key or for TLS 1.3, keyEncipherment for RSA key "
        "exchange), so strict clients refuse the certificate.",
        (
            f"Run {_CONNECT} to see the key usages and key type of the served certificate.",
            "Reissue the certificate with key usages that match its key type.",
        ),
    ),
    Failure(
        "cert.weak-key",
        "A certificate's key is too small",
        "A certificate in the chain has a key that current clients consider too weak, such as "
        "RSA under 2048 bits. OpenSSL 3 at its default security level and current browsers "
        "refuse it while older clients accept it, which is why only some clients fail.",
        (
            f"Run {_CONNECT} to see the key type and size of each certificate.",
            "Reissue the certificate with an RSA key of at least 2048 bits or an ECDSA P-256 key.",
        ),
    ),
    Failure(
        "cert.weak-signature",
        "A certificate is signed with a weak algorithm",
        "A certificate in the chain is signed with SHA-1 or MD5, which current clients no "
        "longer accept. The self-signature of a trusted root does not matter; the server "
        "certificate and the intermediates do.",
        (
            f"Run {_CONNECT} to see the signature algorithm of each certificate.",
            "Reissue the affected certificate with SHA-256 or better and send current "
            "intermediates.",
        ),
    ),
    Failure(
        "cert.key-mismatch",
        "The private key does not belong to the certificate",
        "The certificate and the private key configured with it come from different key "
        "pairs, so the program refuses to load them, or the other side cannot verify what was "
        "signed with the wrong key. It usually follows a renewal that replaced only one of the "
        "two files.",
        (
            "Run `pinscope inspect CERT-FILE KEY-FILE` to check whether the key matches.",
            "Install the key generated together with the certificate's request, or issue a new "
            "certificate for the current key.",
        ),
    ),
    Failure(
        "cert.no-sct",
        "The certificate lacks Certificate Transparency proof",
        "Chrome and Safari require publicly trusted certificates to carry signed timestamps "
        "(SCTs) proving they were recorded in public Certificate Transparency logs. This "
        "certificate has none the browser accepts.",
        (
            f"Run {_CONNECT} to see the certificate's issuer and extensions.",
            "Reissue the certificate from a public CA (they log by default); a private CA "
            "should be installed as a locally trusted root, which browsers exempt.",
        ),
    ),
    Failure(
        "tls.ocsp-staple-rejected",
        "The server's stapled revocation status was missing or not accepted",
        "The client checks the OCSP response a server attaches to the handshake (stapling) and "
        "refused what it got: none although one was required, a stale one, one about another "
        "certificate, or one signed by a responder it does not trust.",
        (
            f"Run {_CONNECT} to see the stapled response, its status and its update times.",
            "Make sure the server can reach its CA's OCSP responder to refresh the staple, or "
            "turn stapling off until it can.",
        ),
    ),
    Failure(
        "tls.must-staple-missing",
        "The certificate requires OCSP stapling and the server stapled nothing",
        "The certificate is marked must-staple (the TLS Feature extension with status_request), "
        "so clients that honour it, Firefox first, refuse the connection unless the server "
        "attaches a current OCSP response to the handshake, and this server attached none.",
        (
            f"Run {_CONNECT} to see whether the server staples a response.",
            "Turn OCSP stapling on in the server and check that it can reach the CA's OCSP "
            "responder, or issue a certificate without must-staple.",
        ),
    ),
    Failure(
        "cert.long-validity",
        "The certificate is valid for longer than browsers allow",
        "Browsers refuse publicly trusted server certificates whose lifetime exceeds the "
        "industry limit (398 days since September 2020).",
        (
            f"Run {_CONNECT} to see the certificate's validity period.",
            "Reissue the certificate for at most 398 days.",
        ),
    ),
    Failure(
        "cert.verify-failed",
        "The certificate could not be verified",
        "The certificate presented was checked and refused, but this part of the message does "
        "not say why. The usual causes, most frequent first: a missing intermediate "
        "certificate, a CA the client does not trust (private, self-signed or intercepting), an "
        "expired certificate, or a certificate for another host name.",
        (
            f"Run {_CONNECT} from the failing machine: it validates the chain and names the "
            "exact problem.",
            "Paste the complete error, with its 'Caused by' lines or the text after the error "
            "code, into `pinscope explain` for a precise answer.",
        ),
    ),
    Failure(
        "chain.invalid-signature",
        "A certificate's signature does not verify",
        "A certificate in the chain was not signed by the certificate presented as its issuer. "
        "Usually the server sends the wrong intermediate (an older one with the same name but "
        "another key); sometimes a certificate was altered or damaged.",
        (
            f"Run {_CONNECT} to see the chain and which issuer does not match.",
            "Replace the intermediate on the server with the one the CA delivered with this "
            "certificate.",
        ),
    ),
    Failure(
        "chain.invalid-ca",
        "A certificate used as an issuer is not a CA certificate",
        "A certificate in the middle of the chain is not marked as a certificate authority "
        "(its basic constraints lack CA:TRUE), so it may not sign other certificates. A server "
        "or client certificate was used to sign another one, or the chain file holds a wrong "
        "certificate.",
        (
            f"Run {_CONNECT} (or `pinscope inspect FILE`) to see which certificate lacks CA:TRUE.",
            "Issue the certificate from a real CA certificate, or correct the chain file.",
        ),
    ),
    Failure(
        "chain.path-length",
        "The chain is longer than a CA allows",
        "A CA certificate in the chain limits how many intermediates may follow it, and this "
        "chain has more: unexpected intermediates were sent, or the CA hierarchy has too "
        "strict a limit.",
        (
            f"Run {_CONNECT} to see each CA's limit next to the chain.",
            "Send the intermediates the CA intends for this certificate, or reissue from a CA "
            "whose limit fits the hierarchy.",
        ),
    ),
    Failure(
        "chain.name-constraints",
        "A CA is not allowed to issue certificates for this name",
        "A CA in the chain is restricted to certain names (name constraints) and the "
        "certificate names a host outside them. Private CAs are often limited to internal "
        "domains.",
        (
            f"Run {_CONNECT} to see the certificate's names and each CA's constraints.",
            "Issue the certificate from a CA allowed to cover this name.",
        ),
    ),
    Failure(
        "tls.client-cert-required",
        "The server requires a client certificate and received none",
        "The server uses mutual TLS: it asks the client to prove its identity with a "
        "certificate, and this client presented none. The client is not configured with a "
        "certificate and key, could not load them, or did not offer its certificate because it "
        "is not issued by a CA the server listed. With TLS 1.3 the refusal arrives just after "
        "the handshake, so clients may report a read error or a reset instead.",
        (
            f"Run {_CONNECT} to see whether the server asks for a certificate and which CAs it "
            "accepts.",
            f"Run {_connect('--client-cert CERT --client-key KEY')} with the customer's "
            "certificate to see whether the server accepts it.",
            "Check the client's configuration: certificate, private key and intermediates must "
            "all be loaded (and, for Java, the keystore password must be right).",
        ),
    ),
    Failure(
        "tls.client-cert-rejected",
        "The server refused the client certificate",
        "The client sent a certificate and the server rejected it. The alert the server sent "
        "usually says why: expired, revoked, not allowed for client authentication, or refused "
        "by the server's access rules.",
        (
            "Run `pinscope inspect CLIENT-CERT` to check its dates, its clientAuth usage and "
            "that its key matches.",
            f"Run {_connect('--client-cert CERT --client-key KEY')} to reproduce and read "
            "the server's exact answer.",
            "Ask the server's operator which certificates it accepts (issuer, subject, usage).",
        ),
    ),
    Failure(
        "tls.client-cert-wrong-ca",
        "The server does not trust the issuer of the client certificate",
        "The client sent a certificate, but the server could not link it to a CA it trusts: "
        "the certificate comes from another CA than the one the server is set up with, or it "
        "was sent without the intermediate CA certificate the server needs.",
        (
            f"Run {_CONNECT} to list the CA names the server accepts, and compare them with the "
            "issuer shown by `pinscope inspect CLIENT-CERT`.",
            "If the issuer is right, include the intermediate certificates with the client "
            "certificate (in the PEM file, PKCS#12 file or keystore entry).",
            "Otherwise get a certificate from a CA the server accepts, or have the server trust "
            "the client's CA.",
        ),
    ),
    Failure(
        "tls.client-cert-unusable",
        "The client could not use its own certificate or key",
        "The failure happened on the client before a certificate was presented: the "
        "certificate or private key file is missing, unreadable, in a format the program does "
        "not expect, protected by a password it was not given, or the key does not belong to "
        "the certificate.",
        (
            "Run `pinscope inspect CERT-FILE KEY-FILE` to check that both read, what format "
            "they are in and that the key matches.",
            "Check the paths, permissions and password settings of the client program, and "
            "convert the files to the format it expects (PEM, PKCS#12...).",
        ),
    ),
    Failure(
        "tls.post-handshake-auth",
        "The server asked for a client certificate after the handshake",
        "The server requests a client certificate only for some paths, after a TLS 1.3 "
        "handshake (post-handshake authentication). Most clients, curl and OpenSSL-based "
        "programs included, do not offer it by default, so the server answers with an error "
        "such as HTTP 403 instead.",
        (
            "Retry with TLS 1.2, or enable post-handshake authentication in the client if it "
            "has the option.",
            "Better, configure the server to request the client certificate during the handshake.",
            f"Run {_connect('--client-cert CERT --client-key KEY --tls-max 1.2')} to check "
            "that the certificate itself is accepted.",
        ),
    ),
    Failure(
        "tls.server-cert-rejected",
        "A client refused the server's certificate",
        "This message comes from the server's side: a client ended the handshake because it "
        "did not accept the server's certificate. The client's own error says why; the usual "
        "causes are a missing intermediate, a CA the client does not trust (self-signed or "
        "private), an expired certificate or a host name the certificate does not cover.",
        (
            f"Run {_CONNECT} against this server with the name clients use: it validates the "
            "chain the way a client does.",
            "Send the complete chain and use a certificate from a CA the clients trust.",
        ),
    ),
    Failure(
        "tls.protocol-mismatch",
        "Client and server have no TLS version in common",
        "One side accepts only TLS versions the other does not offer: an old server limited to "
        "TLS 1.0 or 1.1 against a current client, an old client (older Java, .NET Framework, "
        "OpenSSL) against a server requiring TLS 1.2 or 1.3, or a client configured with a "
        "minimum version the server does not reach.",
        (
            f"Run {_connect('--probe-versions')} to see which TLS versions the server accepts.",
            "Enable TLS 1.2 (and 1.3) on the side that lacks it; on .NET Framework and older "
            "Java this is a runtime setting.",
        ),
    ),
    Failure(
        "tls.no-shared-cipher",
        "Client and server have no cipher suite in common",
        "Both sides speak the same TLS version but accept no common cipher suite, key-exchange "
        "group or signature algorithm: a hardened server with an old client, a client limited "
        "to a short cipher list, or a certificate key type (RSA or ECDSA) that does not fit the "
        "suites the client offers.",
        (
            f"Run {_CONNECT} to see what the server negotiates with a current client.",
            "Compare the cipher settings of both sides and enable at least one modern suite "
            "(ECDHE with AES-GCM, for example) on each.",
        ),
    ),
    Failure(
        "tls.weak-dh",
        "The server's Diffie-Hellman key is too small",
        "The server offered a Diffie-Hellman key exchange with parameters the client considers "
        "breakable (1024 bits or fewer), so the client stopped. A server setting, not a "
        "certificate problem.",
        (
            f"Run {_CONNECT} to see the negotiated cipher suite and group.",
            "On the server, prefer ECDHE cipher suites or use DH parameters of at least 2048 bits.",
        ),
    ),
    Failure(
        "tls.sni-required",
        "The server does not recognise the host name the client asked for",
        "Servers and load balancers that host several sites pick the site from the name the "
        "client sends in the handshake (SNI). This one has no site for the name it received, "
        "or received none: connecting by IP address sends no name, and some old clients never "
        "send one.",
        (
            f"Run {_connect('--sni NAME')} with the exact name the client should use, and "
            "once without it, to compare.",
            "Make the client connect by host name rather than IP address, or add the name to the "
            "server's configuration.",
        ),
    ),
    Failure(
        "tls.alpn-mismatch",
        "Client and server have no application protocol in common",
        "In the handshake the client lists the protocols it can speak over TLS (ALPN: h2, "
        "http/1.1...) and the server accepts none of them. gRPC and HTTP/2-only servers refuse "
        "clients that do not offer h2.",
        (
            f"Run {_connect('--alpn h2,http/1.1')} to see which protocol the server selects.",
            "Enable HTTP/2 in the client, or allow http/1.1 on the server.",
        ),
    ),
    Failure(
        "tls.not-tls",
        "The other side is not speaking TLS",
        "What came back was not a TLS handshake: the port answers in plain text (an HTTP "
        "server, a mail or database server that expects STARTTLS first, another service), a "
        "proxy replied on its own, or, seen from a server, a client sent plain HTTP to the TLS "
        "port. Certificates are not involved.",
        (
            "Check the port and the scheme: https usually on 443, plain http on 80; mail and "
            "database ports often need STARTTLS.",
            f"Run {_CONNECT}; for mail and database ports add `--starttls PROTOCOL` (smtp, "
            "imap, pop3, ldap, postgres...).",
            "If a proxy is in the way, check that it tunnels HTTPS (CONNECT) instead of "
            "answering itself.",
        ),
    ),
    Failure(
        "tls.legacy-renegotiation",
        "The server does not support secure renegotiation",
        "The server runs an old TLS implementation without secure renegotiation (RFC 5746). "
        "OpenSSL 3 and what is built on it (Python, Node.js, curl) refuse such servers by "
        "default because the old behaviour can be abused; older clients still connect, which "
        "is why only newer ones fail.",
        (
            "Update or reconfigure the server, or the appliance in front of it; that is the "
            "real fix.",
            "As a stopgap for one client, OpenSSL's `UnsafeLegacyServerConnect` option (Python: "
            "`ssl.OP_LEGACY_SERVER_CONNECT`) lets it connect.",
            f"Run {_CONNECT} to see the server's TLS version and negotiation details.",
        ),
    ),
    Failure(
        "tls.handshake-failed",
        "The TLS handshake failed",
        "Client and server started TLS but did not complete the handshake. The message alone "
        "does not say which side objected or why; an alert number, a verification code or the "
        "rest of the message usually does.",
        (
            f"Run {_CONNECT} to repeat the handshake and see which side stopped it, and with "
            "which alert.",
            "If the server requires client certificates, add `--client-cert CERT --client-key "
            "KEY` to test with the customer's identity.",
            "Paste the whole error, with the lines around it, into `pinscope explain` again.",
        ),
    ),
    Failure(
        "tls.ca-file-unreadable",
        "The client could not load its trusted CA certificates",
        "The client failed before connecting: the file or folder of trusted CA certificates "
        "it was told to use is missing, unreadable or not in the expected format (curl's "
        "`--cacert` or `--capath`, `CURL_CA_BUNDLE`, `SSL_CERT_FILE`...).",
        (
            "Check the configured path, and that the file exists and is readable by the "
            "program's user.",
            "Run `pinscope inspect FILE` on it to check that it holds certificates.",
        ),
    ),
    Failure(
        "net.reset",
        "The connection was closed or reset without explanation",
        "The other side, or something in between (firewall, intrusion prevention, load "
        "balancer, proxy), ended the connection abruptly without a TLS alert. Frequent causes: "
        "a firewall blocking the traffic, a server that drops clients without a certificate or "
        "with an unknown SNI name, client and server with no TLS version in common, or a TLS "
        "1.3 server whose refusal of the client certificate arrived as a reset.",
        (
            f"Run {_CONNECT} to see at which step the connection is closed.",
            "Change one thing at a time: `--tls-max 1.2`, a client certificate "
            "(`--client-cert`), another `--sni` name; the change that alters the outcome "
            "points at the cause.",
            "Try from another network to rule out a firewall or proxy near the client.",
        ),
    ),
    Failure(
        "net.timeout",
        "The connection timed out",
        "No answer came within the client's time limit. Usually a firewall silently drops the "
        "packets, the address or port is wrong, the client needs a proxy to get out, or the "
        "server is overloaded. A timeout during the TLS handshake, rather than while "
        "connecting, points at a middlebox or an overloaded server.",
        (
            f"Run {_connect('--timeout 10')} to see whether connecting or the handshake hangs.",
            "Check firewall rules, and whether the client must use a proxy (`--proxy URL`).",
        ),
    ),
    Failure(
        "net.refused",
        "The connection was refused",
        "The server's machine answered, but nothing accepts connections on that port: the "
        "service is stopped, listens on another port or address, or a firewall rejects the "
        "connection. TLS and certificates are not involved yet.",
        (
            f"Check the host name and port; {_CONNECT} shows which address was tried.",
            "On the server, check that the service runs and listens on that port and address.",
        ),
    ),
    Failure(
        "net.dns",
        "The host name could not be resolved",
        "The client could not turn the host name into an address: the name is misspelled, "
        "does not exist in the DNS the client uses (an internal name looked up from outside, "
        "for example), or the DNS server could not be reached.",
        (
            f"Check the spelling; {_CONNECT} shows whether the name resolves from this machine.",
            "Compare with the failing machine's DNS settings (VPN, internal DNS, hosts file).",
        ),
    ),
    Failure(
        "net.unreachable",
        "The server's network cannot be reached",
        "The client's machine has no route to the server's address: the network is down, a "
        "VPN is not connected, the address is internal, or a firewall answers that it is "
        "unreachable.",
        (
            f"Check the client's network, VPN and routes; {_CONNECT} shows which address is tried.",
            "Ask the network team whether a firewall blocks that address and port.",
        ),
    ),
    Failure(
        "net.proxy",
        "The proxy refused or failed to open the connection",
        "The client goes through an HTTP proxy, and the proxy refused the tunnel (HTTP 403, or "
        "407 when it wants credentials) or could not reach the server itself.",
        (
            "Check the proxy address and credentials the client uses (`HTTPS_PROXY`, system "
            "proxy settings).",
            f"Run {_connect('--proxy URL')} to see the proxy's answer.",
        ),
    ),
    Failure(
        "pin.mismatch",
        "The server's key does not match the app's pinned keys",
        "The app accepts only specific public keys (certificate pinning) and none of the "
        "certificates the server presented carries one of them: the server certificate was "
        "renewed with a new key, the app pins a key that was never in the chain, or a proxy "
        "re-signs the traffic. The connection is refused even if the certificate is otherwise "
        "valid.",
        (
            f"Run {_CONNECT} to see the SPKI pin of every certificate the server sends and "
            "compare them with the app's pins.",
            "Run `pinscope check-pins CONFIG HOST:PORT` on the app's pin configuration to see "
            "which pins still match.",
            "Pin an intermediate or root key plus a backup key, and ship new pins before the "
            "server's key changes.",
        ),
    ),
)


# --- How a recognised fragment reads ------------------------------------------------------------

_PRIMARY, _ALTERNATIVE, _GENERIC = 0, 1, 2


@dataclass(frozen=True)
class _Meaning:
    """What a recognised fragment says: the failures it points at, best first."""

    codes: tuple[str, ...]
    note: str = ""
    """A sentence on what the matched number or alert means, put before the explanation."""
    generic: bool = False
    """It only says that something failed; it is dropped when a more specific match exists."""
    verifies: bool = False
    """It reports a failed check of the peer's certificate; seen from a server, the client's."""


def _m(*codes: str, note: str = "", generic: bool = False, verifies: bool = False) -> _Meaning:
    unknown = [code for code in codes if code not in FAILURES]
    if unknown:
        raise ValueError(f"unknown failure codes {unknown}")
    return _Meaning(codes, note, generic, verifies)


# --- TLS alerts (RFC 8446 section 6 and the registry) -------------------------------------------


@dataclass(frozen=True)
class Alert:
    """A TLS alert description and what it means depending on who sent it."""

    number: int
    name: str
    """The RFC name, such as `unknown_ca`."""
    meaning: str
    """What the sender says with it, as the end of a sentence."""
    from_server: tuple[str, ...]
    """Failure codes, best first, when the server sent it (the client was refused)."""
    from_client: tuple[str, ...]
    """Failure codes, best first, when the client sent it (the server was refused)."""
    aliases: tuple[str, ...] = ()
    """Other stacks' spellings: OpenSSL's reason text, Go's, .NET's, browsers' error names."""


_HANDSHAKE = ("tls.handshake-failed",)


def _alerts(*alerts: Alert) -> Mapping[int, Alert]:
    return MappingProxyType({alert.number: alert for alert in alerts})


ALERTS: Mapping[int, Alert] = _alerts(
    Alert(
        0,
        "close_notify",
        "it closed the connection on purpose, without giving a reason",
        ("net.reset",),
        ("net.reset",),
    ),
    Alert(
        10,
        "unexpected_message",
        "a message arrived that does not fit the handshake at that point, a sign of an "
        "incompatible TLS stack or of a device in between altering the traffic",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        20,
        "bad_record_mac",
        "a record failed its integrity check: data was altered in transit, often by a proxy, "
        "load balancer or faulty network equipment",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        21,
        "decryption_failed",
        "a record could not be decrypted: data was altered in transit or a TLS stack is faulty",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        22,
        "record_overflow",
        "a record was longer than allowed, a sign of a faulty TLS stack or altered traffic",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        30,
        "decompression_failure",
        "compressed data could not be decompressed",
        _HANDSHAKE,
        _HANDSHAKE,
        ("decompression fail",),
    ),
    Alert(
        40,
        "handshake_failure",
        "it could not agree on the handshake's parameters: no common cipher suite or version, "
        "a missing or unknown SNI name, or (TLS 1.2) a required client certificate that was "
        "not sent",
        (
            "tls.handshake-failed",
            "tls.client-cert-required",
            "tls.no-shared-cipher",
            "tls.sni-required",
        ),
        ("tls.no-shared-cipher", "tls.protocol-mismatch", "tls.handshake-failed"),
    ),
    Alert(
        41,
        "no_certificate",
        "it requires a certificate and none was sent",
        ("tls.client-cert-required",),
        _HANDSHAKE,
    ),
    Alert(
        42,
        "bad_certificate",
        "it rejected the certificate it was shown (invalid, not trusted, or unacceptable for a "
        "reason it does not name)",
        ("tls.client-cert-rejected",),
        ("tls.server-cert-rejected",),
        ("bad cert",),
    ),
    Alert(
        43,
        "unsupported_certificate",
        "the certificate it was shown is of a type or usage it does not accept, typically a "
        "missing clientAuth or serverAuth extended key usage",
        ("tls.client-cert-rejected", "cert.missing-client-auth"),
        ("cert.missing-server-auth", "tls.server-cert-rejected"),
        ("unsupported cert",),
    ),
    Alert(
        44,
        "certificate_revoked",
        "the certificate it was shown has been revoked by its CA",
        ("tls.client-cert-rejected", "cert.revoked"),
        ("cert.revoked",),
        ("revoked certificate", "revoked cert"),
    ),
    Alert(
        45,
        "certificate_expired",
        "the certificate it was shown has expired (or the sender's clock is wrong)",
        ("tls.client-cert-rejected", "cert.expired"),
        ("cert.expired",),
        ("expired certificate", "expired cert"),
    ),
    Alert(
        46,
        "certificate_unknown",
        "it refused the certificate it was shown for a reason it does not name",
        ("tls.client-cert-rejected",),
        ("tls.server-cert-rejected",),
        ("unknown certificate",),
    ),
    Alert(
        47,
        "illegal_parameter",
        "a handshake field had a value it does not accept; a few servers also use this alert "
        "to refuse a client certificate",
        ("tls.handshake-failed", "tls.client-cert-rejected"),
        _HANDSHAKE,
    ),
    Alert(
        48,
        "unknown_ca",
        "it does not trust the CA that issued the certificate it was shown, or the chain it "
        "received lacked an intermediate it needs",
        ("tls.client-cert-wrong-ca",),
        ("chain.untrusted-root", "chain.missing-intermediate", "cert.self-signed"),
        ("unknown certificate authority",),
    ),
    Alert(
        49,
        "access_denied",
        "the certificate was valid, but its access rules refused the connection",
        ("tls.client-cert-rejected",),
        _HANDSHAKE,
    ),
    Alert(
        50,
        "decode_error",
        "a handshake message could not be decoded",
        _HANDSHAKE,
        _HANDSHAKE,
        ("error decoding message",),
    ),
    Alert(
        51,
        "decrypt_error",
        "a signature or key-exchange check failed; from a server this often means the client's "
        "private key does not match its certificate, or signs with an algorithm the server "
        "cannot verify",
        ("tls.client-cert-rejected", "cert.key-mismatch"),
        _HANDSHAKE,
        ("error decrypting message",),
    ),
    Alert(
        60,
        "export_restriction",
        "an obsolete export-grade setting was refused",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        70,
        "protocol_version",
        "it does not support the TLS version that was offered",
        ("tls.protocol-mismatch",),
        ("tls.protocol-mismatch",),
        ("protocol version not supported",),
    ),
    Alert(
        71,
        "insufficient_security",
        "the cipher suites offered are weaker than it requires",
        ("tls.no-shared-cipher",),
        ("tls.no-shared-cipher",),
        ("insufficient security level",),
    ),
    Alert(
        80,
        "internal_error",
        "it hit an error of its own, unrelated to the other side (a bug, a misconfiguration "
        "or overload)",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        86,
        "inappropriate_fallback",
        "it detected a downgrade: the client retried with an older TLS version although both "
        "support a newer one, typically after something in between broke the first attempt",
        ("tls.protocol-mismatch",),
        ("tls.protocol-mismatch",),
    ),
    Alert(
        90,
        "user_canceled",
        "the handshake was cancelled on purpose",
        _HANDSHAKE,
        _HANDSHAKE,
        ("user cancelled",),
    ),
    Alert(
        100,
        "no_renegotiation",
        "it refused to renegotiate the session",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        109,
        "missing_extension",
        "a TLS extension it requires was not sent",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        110,
        "unsupported_extension",
        "an extension it did not ask for was sent",
        _HANDSHAKE,
        _HANDSHAKE,
        ("unsupported ext",),
    ),
    Alert(
        111,
        "certificate_unobtainable",
        "a certificate could not be fetched from the address given",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        112,
        "unrecognized_name",
        "it does not serve the host name sent in SNI, or needs one and received none",
        ("tls.sni-required",),
        ("tls.sni-required",),
    ),
    Alert(
        113,
        "bad_certificate_status_response",
        "the stapled OCSP response it received is not acceptable",
        ("tls.ocsp-staple-rejected",),
        ("tls.ocsp-staple-rejected",),
    ),
    Alert(
        114,
        "bad_certificate_hash_value",
        "a certificate hash value did not match",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        115,
        "unknown_psk_identity",
        "the pre-shared key identity is unknown",
        _HANDSHAKE,
        _HANDSHAKE,
    ),
    Alert(
        116,
        "certificate_required",
        "it requires a client certificate and none was sent",
        ("tls.client-cert-required",),
        ("tls.client-cert-required",),
    ),
    Alert(
        120,
        "no_application_protocol",
        "none of the application protocols offered (ALPN, such as h2 or http/1.1) suits it",
        ("tls.alpn-mismatch",),
        ("tls.alpn-mismatch",),
    ),
    Alert(
        121,
        "ech_required",
        "it requires Encrypted Client Hello, which was not used",
        _HANDSHAKE,
        _HANDSHAKE,
        ("encrypted client hello required",),
    ),
)


def _squash(name: str) -> str:
    """`unknown_ca`, `unknown ca`, `UnknownCA` and `UNKNOWN_CA` all become `unknownca`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_ALERT_BY_NAME: Mapping[str, Alert] = MappingProxyType(
    {
        _squash(spelling): alert
        for alert in ALERTS.values()
        for spelling in (alert.name, *alert.aliases)
    }
)


def _alert_names() -> str:
    """A regex alternative for every alert spelling: words joined by an optional space or _."""
    spellings = {spelling for alert in ALERTS.values() for spelling in (alert.name, *alert.aliases)}
    words = [re.split(r"[ _]", spelling) for spelling in spellings]
    words.sort(key=lambda parts: -len("".join(parts)))
    return "|".join(r"[\s_]?".join(map(re.escape, parts)) for parts in words)


# --- OpenSSL X509 verification codes ------------------------------------------------------------


@dataclass(frozen=True)
class VerifyCode:
    """An OpenSSL X509 verification result (`X509_V_ERR_*`), also Node.js's error codes."""

    number: int
    name: str
    """The name without its `X509_V_ERR_` prefix, as Node.js prints it."""
    texts: tuple[str, ...]
    """OpenSSL's wording, across versions."""
    codes: tuple[str, ...]
    """Failure codes, best first."""


_UNTRUSTED = ("chain.missing-intermediate", "chain.untrusted-root")


def _verify_codes(*codes: VerifyCode) -> Mapping[int, VerifyCode]:
    return MappingProxyType({code.number: code for code in codes})


VERIFY_CODES: Mapping[int, VerifyCode] = _verify_codes(
    VerifyCode(2, "UNABLE_TO_GET_ISSUER_CERT", ("unable to get issuer certificate",), _UNTRUSTED),
    VerifyCode(
        3, "UNABLE_TO_GET_CRL", ("unable to get certificate CRL",), ("cert.revocation-unchecked",)
    ),
    VerifyCode(
        4,
        "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
        ("unable to decrypt certificate's signature",),
        ("chain.invalid-signature",),
    ),
    VerifyCode(
        6,
        "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
        ("unable to decode issuer public key",),
        ("chain.invalid-signature",),
    ),
    VerifyCode(
        7,
        "CERT_SIGNATURE_FAILURE",
        ("certificate signature failure",),
        ("chain.invalid-signature",),
    ),
    VerifyCode(9, "CERT_NOT_YET_VALID", ("certificate is not yet valid",), ("cert.not-yet-valid",)),
    VerifyCode(10, "CERT_HAS_EXPIRED", ("certificate has expired",), ("cert.expired",)),
    VerifyCode(
        18,
        "DEPTH_ZERO_SELF_SIGNED_CERT",
        ("self-signed certificate", "self signed certificate"),
        ("cert.self-signed",),
    ),
    VerifyCode(
        19,
        "SELF_SIGNED_CERT_IN_CHAIN",
        (
            "self-signed certificate in certificate chain",
            "self signed certificate in certificate chain",
        ),
        ("chain.untrusted-root",),
    ),
    VerifyCode(
        20,
        "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
        ("unable to get local issuer certificate",),
        _UNTRUSTED,
    ),
    VerifyCode(
        21,
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        ("unable to verify the first certificate",),
        _UNTRUSTED,
    ),
    VerifyCode(22, "CERT_CHAIN_TOO_LONG", ("certificate chain too long",), ("chain.path-length",)),
    VerifyCode(23, "CERT_REVOKED", ("certificate revoked",), ("cert.revoked",)),
    VerifyCode(24, "INVALID_CA", ("invalid CA certificate",), ("chain.invalid-ca",)),
    VerifyCode(
        25, "PATH_LENGTH_EXCEEDED", ("path length constraint exceeded",), ("chain.path-length",)
    ),
    VerifyCode(
        26,
        "INVALID_PURPOSE",
        ("unsupported certificate purpose", "unsuitable certificate purpose"),
        ("cert.missing-server-auth",),
    ),
    VerifyCode(27, "CERT_UNTRUSTED", ("certificate not trusted",), ("chain.untrusted-root",)),
    VerifyCode(28, "CERT_REJECTED", ("certificate rejected",), ("chain.untrusted-root",)),
    VerifyCode(
        47, "PERMITTED_VIOLATION", ("permitted subtree violation",), ("chain.name-constraints",)
    ),
    VerifyCode(
        48, "EXCLUDED_VIOLATION", ("excluded subtree violation",), ("chain.name-constraints",)
    ),
    VerifyCode(62, "HOSTNAME_MISMATCH", ("hostname mismatch",), ("cert.hostname-mismatch",)),
    VerifyCode(64, "IP_ADDRESS_MISMATCH", ("IP address mismatch",), ("cert.hostname-mismatch",)),
    VerifyCode(66, "EE_KEY_TOO_SMALL", ("EE certificate key too weak",), ("cert.weak-key",)),
    VerifyCode(67, "CA_KEY_TOO_SMALL", ("CA certificate key too weak",), ("cert.weak-key",)),
    VerifyCode(
        68,
        "CA_MD_TOO_WEAK",
        ("CA signature digest algorithm too weak",),
        ("cert.weak-signature",),
    ),
)


def _verify_meaning(number: int, depth: int | None = None) -> _Meaning | None:
    verify = VERIFY_CODES.get(number)
    if verify is None:
        return None
    where = ""
    codes = verify.codes
    if depth is not None:
        where = " on the server's own certificate" if depth == 0 else f" at depth {depth}"
        if number == 10 and depth > 0:
            codes = ("chain.expired-intermediate",)
    note = f"OpenSSL verification error {number}{where}: {verify.texts[0]}."
    return _m(*codes, note=note, verifies=True)


# --- OpenSSL reason codes (the low bits of `error:0A000086`) ------------------------------------


@dataclass(frozen=True)
class _Reason:
    name: str
    text: str
    meaning: _Meaning
    anywhere: bool = True
    """Whether the text is distinctive enough to be recognised outside an OpenSSL message."""


_SSL_REASONS: Mapping[int, _Reason] = MappingProxyType(
    {
        134: _Reason(
            "CERTIFICATE_VERIFY_FAILED",
            "certificate verify failed",
            _m("cert.verify-failed", generic=True, verifies=True),
        ),
        155: _Reason(
            "HTTPS_PROXY_REQUEST",
            "https proxy request",
            _m("tls.not-tls", note="A proxy request arrived on a TLS port."),
            anywhere=False,
        ),
        156: _Reason(
            "HTTP_REQUEST",
            "http request",
            _m("tls.not-tls", note="A plain-HTTP request arrived on a TLS port."),
            anywhere=False,
        ),
        166: _Reason("VERSION_TOO_HIGH", "version too high", _m("tls.protocol-mismatch")),
        181: _Reason("NO_CIPHERS_AVAILABLE", "no ciphers available", _m("tls.no-shared-cipher")),
        185: _Reason("NO_CIPHER_MATCH", "no cipher match", _m("tls.no-shared-cipher")),
        191: _Reason(
            "NO_PROTOCOLS_AVAILABLE",
            "no protocols available",
            _m(
                "tls.protocol-mismatch",
                note="The client's own settings leave no TLS version it may use.",
            ),
        ),
        193: _Reason("NO_SHARED_CIPHER", "no shared cipher", _m("tls.no-shared-cipher")),
        198: _Reason("PACKET_LENGTH_TOO_LONG", "packet length too long", _m("tls.not-tls")),
        199: _Reason(
            "PEER_DID_NOT_RETURN_A_CERTIFICATE",
            "peer did not return a certificate",
            _m("tls.client-cert-required"),
        ),
        101: _Reason("NO_SUITABLE_KEY_SHARE", "no suitable key share", _m("tls.no-shared-cipher")),
        118: _Reason(
            "NO_SUITABLE_SIGNATURE_ALGORITHM",
            "no suitable signature algorithm",
            _m("tls.no-shared-cipher"),
        ),
        216: _Reason("NO_VALID_SCTS", "no valid scts", _m("cert.no-sct")),
        229: _Reason(
            "SSL_HANDSHAKE_FAILURE",
            "ssl handshake failure",
            _m("tls.handshake-failed", generic=True),
        ),
        235: _Reason("NO_APPLICATION_PROTOCOL", "no application protocol", _m("tls.alpn-mismatch")),
        241: _Reason(
            "INSUFFICIENT_SECURITY",
            "insufficient security",
            _m("tls.no-shared-cipher"),
            anywhere=False,
        ),
        252: _Reason("UNKNOWN_PROTOCOL", "unknown protocol", _m("tls.not-tls"), anywhere=False),
        258: _Reason(
            "UNSUPPORTED_PROTOCOL",
            "unsupported protocol",
            _m("tls.protocol-mismatch"),
            anywhere=False,
        ),
        266: _Reason("WRONG_SSL_VERSION", "wrong ssl version", _m("tls.protocol-mismatch")),
        267: _Reason(
            "WRONG_VERSION_NUMBER",
            "wrong version number",
            _m("tls.not-tls", "tls.protocol-mismatch"),
        ),
        288: _Reason("PRIVATE_KEY_MISMATCH", "private key mismatch", _m("cert.key-mismatch")),
        294: _Reason(
            "UNEXPECTED_EOF_WHILE_READING", "unexpected eof while reading", _m("net.reset")
        ),
        312: _Reason("READ_TIMEOUT_EXPIRED", "read timeout expired", _m("net.timeout")),
        328: _Reason(
            "INVALID_STATUS_RESPONSE", "invalid status response", _m("tls.ocsp-staple-rejected")
        ),
        333: _Reason(
            "LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED",
            "legacy sigalg disallowed or unsupported",
            _m("tls.no-shared-cipher"),
        ),
        338: _Reason(
            "UNSAFE_LEGACY_RENEGOTIATION_DISABLED",
            "unsafe legacy renegotiation disabled",
            _m("tls.legacy-renegotiation"),
        ),
        373: _Reason(
            "INAPPROPRIATE_FALLBACK", "inappropriate fallback", _m("tls.protocol-mismatch")
        ),
        376: _Reason(
            "NO_SHARED_SIGNATURE_ALGORITHMS",
            "no shared signature algorithms",
            _m("tls.no-shared-cipher"),
        ),
        383: _Reason(
            "WRONG_CERTIFICATE_TYPE", "wrong certificate type", _m("tls.no-shared-cipher")
        ),
        394: _Reason("DH_KEY_TOO_SMALL", "dh key too small", _m("tls.weak-dh")),
        396: _Reason("VERSION_TOO_LOW", "version too low", _m("tls.protocol-mismatch")),
        397: _Reason("CA_KEY_TOO_SMALL", "ca key too small", _m("cert.weak-key")),
        398: _Reason("CA_MD_TOO_WEAK", "ca md too weak", _m("cert.weak-signature")),
        399: _Reason("EE_KEY_TOO_SMALL", "ee key too small", _m("cert.weak-key")),
        410: _Reason("NO_SHARED_GROUPS", "no shared groups", _m("tls.no-shared-cipher")),
    }
)
"""SSL library reasons; 1000 + N is "alert N received" and is read through `ALERTS`."""

_X509_REASONS: Mapping[int, _Reason] = MappingProxyType(
    {116: _Reason("KEY_VALUES_MISMATCH", "key values mismatch", _m("cert.key-mismatch"))}
)

_ALERT_REASON_OFFSET = 1000
_LIB_SSL, _LIB_X509 = 20, 11


# --- Other numbers: curl exit codes, errno, Windows status codes ---------------------------------


def _curl(number: int, what: str, *codes: str, generic: bool = False) -> tuple[int, _Meaning]:
    return number, _m(*codes, note=f"curl exit code {number}: {what}.", generic=generic)


_CURL_EXITS: Mapping[int, _Meaning] = MappingProxyType(
    dict(
        [
            _curl(5, "the proxy's host name could not be resolved", "net.dns"),
            _curl(6, "the host name could not be resolved", "net.dns"),
            _curl(
                7,
                "no connection could be made",
                "net.refused",
                "net.unreachable",
                "net.timeout",
                generic=True,
            ),
            _curl(28, "the operation timed out", "net.timeout"),
            _curl(35, "the TLS handshake failed", "tls.handshake-failed", generic=True),
            _curl(51, "the certificate does not match the host name", "cert.hostname-mismatch"),
            _curl(52, "the server closed the connection without answering", "net.reset"),
            _curl(55, "sending data failed", "net.reset", generic=True),
            _curl(
                56,
                "receiving data failed; after a TLS 1.3 handshake this is how a server's refusal "
                "of the client certificate often shows",
                "net.reset",
                "tls.client-cert-required",
                generic=True,
            ),
            _curl(
                58, "the client certificate or key could not be used", "tls.client-cert-unusable"
            ),
            _curl(59, "the cipher list given to curl could not be used", "tls.no-shared-cipher"),
            _curl(
                60,
                "the server's certificate could not be verified",
                "cert.verify-failed",
                generic=True,
            ),
            _curl(77, "the CA certificate file could not be read", "tls.ca-file-unreadable"),
            _curl(90, "the server's public key does not match the pinned key", "pin.mismatch"),
            _curl(91, "the certificate status (OCSP) is invalid", "tls.ocsp-staple-rejected"),
            _curl(97, "the proxy handshake failed", "net.proxy"),
            _curl(98, "the server requires a client certificate", "tls.client-cert-required"),
            _curl(101, "Encrypted Client Hello was required and failed", "tls.handshake-failed"),
        ]
    )
)

_RESET, _REFUSED, _TIMEOUT = _m("net.reset"), _m("net.refused"), _m("net.timeout")
_UNREACHABLE, _DNS = _m("net.unreachable"), _m("net.dns")

_ERRNOS: Mapping[int, _Meaning] = MappingProxyType(
    {
        # Linux, then macOS and the BSDs where they differ, then Windows sockets (WSA*).
        104: _RESET,
        103: _RESET,
        32: _RESET,
        111: _REFUSED,
        110: _TIMEOUT,
        113: _UNREACHABLE,
        101: _UNREACHABLE,
        54: _RESET,
        53: _RESET,
        61: _REFUSED,
        60: _TIMEOUT,
        65: _UNREACHABLE,
        51: _UNREACHABLE,
        10053: _RESET,
        10054: _RESET,
        10061: _REFUSED,
        10060: _TIMEOUT,
        10065: _UNREACHABLE,
        10051: _UNREACHABLE,
        # getaddrinfo: EAI_NONAME, EAI_AGAIN, EAI_NODATA on Linux; EAI_NONAME on macOS; Windows.
        -2: _DNS,
        -3: _DNS,
        -5: _DNS,
        8: _DNS,
        11001: _DNS,
        11002: _DNS,
        11004: _DNS,
    }
)


@dataclass(frozen=True)
class _Status:
    name: str
    meaning: _Meaning


_WINDOWS_STATUS: Mapping[int, _Status] = MappingProxyType(
    {
        0x80090302: _Status("SEC_E_UNSUPPORTED_FUNCTION", _m("tls.protocol-mismatch")),
        0x80090308: _Status(
            "SEC_E_INVALID_TOKEN",
            _m("tls.handshake-failed", "tls.not-tls", "tls.protocol-mismatch", generic=True),
        ),
        0x8009030D: _Status("SEC_E_UNKNOWN_CREDENTIALS", _m("tls.client-cert-unusable")),
        0x80090322: _Status("SEC_E_WRONG_PRINCIPAL", _m("cert.hostname-mismatch", verifies=True)),
        0x80090325: _Status(
            "SEC_E_UNTRUSTED_ROOT",
            _m("chain.untrusted-root", "chain.missing-intermediate", verifies=True),
        ),
        0x80090326: _Status("SEC_E_ILLEGAL_MESSAGE", _m("tls.handshake-failed", generic=True)),
        0x80090327: _Status(
            "SEC_E_CERT_UNKNOWN", _m("cert.verify-failed", generic=True, verifies=True)
        ),
        0x80090328: _Status("SEC_E_CERT_EXPIRED", _m("cert.expired", verifies=True)),
        0x80090331: _Status(
            "SEC_E_ALGORITHM_MISMATCH", _m("tls.protocol-mismatch", "tls.no-shared-cipher")
        ),
        0x80090349: _Status(
            "SEC_E_CERT_WRONG_USAGE", _m("cert.missing-server-auth", verifies=True)
        ),
        0x80092010: _Status("CRYPT_E_REVOKED", _m("cert.revoked", verifies=True)),
        0x80092012: _Status("CRYPT_E_NO_REVOCATION_CHECK", _m("cert.revocation-unchecked")),
        0x80092013: _Status("CRYPT_E_REVOCATION_OFFLINE", _m("cert.revocation-unchecked")),
        0x800B0101: _Status("CERT_E_EXPIRED", _m("cert.expired", verifies=True)),
        0x800B0109: _Status("CERT_E_UNTRUSTEDROOT", _m("chain.untrusted-root", verifies=True)),
        0x800B010A: _Status(
            "CERT_E_CHAINING", _m("chain.missing-intermediate", "chain.untrusted-root")
        ),
        0x800B010C: _Status("CERT_E_REVOKED", _m("cert.revoked", verifies=True)),
        0x800B010F: _Status("CERT_E_CN_NO_MATCH", _m("cert.hostname-mismatch", verifies=True)),
        0x800B0110: _Status("CERT_E_WRONG_USAGE", _m("cert.missing-server-auth", verifies=True)),
    }
)


# --- Identifiers: error names printed by each stack ---------------------------------------------

_NOT_TRUSTED = _m(*_UNTRUSTED, verifies=True)
_NOT_TRUSTED_ROOT_FIRST = _m("chain.untrusted-root", "chain.missing-intermediate", verifies=True)
_DATE = _m("cert.expired", "cert.not-yet-valid", verifies=True)
_VERIFY_GENERIC = _m("cert.verify-failed", generic=True, verifies=True)
_HANDSHAKE_GENERIC = _m("tls.handshake-failed", generic=True)
_HOSTNAME = _m("cert.hostname-mismatch", verifies=True)

_IDENTIFIER_MEANINGS: dict[str, _Meaning] = {
    # Chrome and Edge (NET::ERR_*).
    "ERR_CERT_AUTHORITY_INVALID": _m(
        "chain.untrusted-root", "chain.missing-intermediate", "cert.self-signed", verifies=True
    ),
    "ERR_CERT_COMMON_NAME_INVALID": _HOSTNAME,
    "ERR_CERT_NON_UNIQUE_NAME": _HOSTNAME,
    "ERR_CERT_DATE_INVALID": _DATE,
    "ERR_CERT_REVOKED": _m("cert.revoked", verifies=True),
    "ERR_CERT_UNABLE_TO_CHECK_REVOCATION": _m("cert.revocation-unchecked"),
    "ERR_CERT_NO_REVOCATION_MECHANISM": _m("cert.revocation-unchecked"),
    "ERR_CERT_WEAK_SIGNATURE_ALGORITHM": _m("cert.weak-signature", verifies=True),
    "ERR_CERT_WEAK_KEY": _m("cert.weak-key", verifies=True),
    "ERR_CERT_NAME_CONSTRAINT_VIOLATION": _m("chain.name-constraints", verifies=True),
    "ERR_CERT_VALIDITY_TOO_LONG": _m("cert.long-validity"),
    "ERR_CERTIFICATE_TRANSPARENCY_REQUIRED": _m("cert.no-sct"),
    "ERR_CERT_SYMANTEC_LEGACY": _m("chain.untrusted-root"),
    "ERR_CERT_KNOWN_INTERCEPTION_BLOCKED": _m(
        "chain.untrusted-root", note="The browser recognised a known TLS interception product."
    ),
    "ERR_CERT_INVALID": _VERIFY_GENERIC,
    "ERR_CERT_CONTAINS_ERRORS": _VERIFY_GENERIC,
    "ERR_SSL_SERVER_CERT_BAD_FORMAT": _VERIFY_GENERIC,
    "ERR_SSL_KEY_USAGE_INCOMPATIBLE": _m("cert.key-usage-mismatch"),
    "ERR_SSL_VERSION_OR_CIPHER_MISMATCH": _m("tls.protocol-mismatch", "tls.no-shared-cipher"),
    "ERR_SSL_OBSOLETE_VERSION": _m("tls.protocol-mismatch"),
    "ERR_SSL_OBSOLETE_VERSION_OR_CIPHER": _m("tls.protocol-mismatch", "tls.no-shared-cipher"),
    "ERR_SSL_PROTOCOL_ERROR": _m("tls.handshake-failed", "tls.not-tls", generic=True),
    "ERR_SSL_WEAK_SERVER_EPHEMERAL_DH_KEY": _m("tls.weak-dh"),
    "ERR_BAD_SSL_CLIENT_AUTH_CERT": _m("tls.client-cert-rejected", "tls.client-cert-wrong-ca"),
    "ERR_SSL_CLIENT_AUTH_CERT_NEEDED": _m("tls.client-cert-required"),
    "ERR_SSL_CLIENT_AUTH_CERT_NO_PRIVATE_KEY": _m("tls.client-cert-unusable"),
    "ERR_SSL_CLIENT_AUTH_SIGNATURE_FAILED": _m("tls.client-cert-unusable"),
    "ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS": _m("tls.client-cert-unusable"),
    "ERR_SSL_PINNED_KEY_NOT_IN_CERT_CHAIN": _m("pin.mismatch"),
    "ERR_CONNECTION_RESET": _RESET,
    "ERR_CONNECTION_CLOSED": _RESET,
    "ERR_EMPTY_RESPONSE": _RESET,
    "ERR_CONNECTION_REFUSED": _REFUSED,
    "ERR_CONNECTION_TIMED_OUT": _TIMEOUT,
    "ERR_TIMED_OUT": _TIMEOUT,
    "ERR_NAME_NOT_RESOLVED": _DNS,
    "ERR_ADDRESS_UNREACHABLE": _UNREACHABLE,
    "ERR_TUNNEL_CONNECTION_FAILED": _m("net.proxy"),
    "ERR_PROXY_CONNECTION_FAILED": _m("net.proxy"),
    # Node.js beyond OpenSSL's names.
    "ERR_TLS_CERT_ALTNAME_INVALID": _HOSTNAME,
    "ERR_TLS_HANDSHAKE_TIMEOUT": _TIMEOUT,
    # Firefox (NSS and mozilla::pkix).
    "SEC_ERROR_UNKNOWN_ISSUER": _NOT_TRUSTED,
    "SEC_ERROR_UNTRUSTED_ISSUER": _NOT_TRUSTED_ROOT_FIRST,
    "SEC_ERROR_UNTRUSTED_CERT": _m("chain.untrusted-root", verifies=True),
    "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT": _m("cert.self-signed", verifies=True),
    "MOZILLA_PKIX_ERROR_MITM_DETECTED": _m(
        "chain.untrusted-root",
        note="Firefox detected that something between it and the server intercepts TLS.",
    ),
    "SEC_ERROR_EXPIRED_CERTIFICATE": _m("cert.expired", verifies=True),
    "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE": _m("chain.expired-intermediate", verifies=True),
    "MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE": _m("cert.not-yet-valid", verifies=True),
    "MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE": _m("cert.not-yet-valid", verifies=True),
    "SSL_ERROR_BAD_CERT_DOMAIN": _HOSTNAME,
    "SEC_ERROR_REVOKED_CERTIFICATE": _m("cert.revoked", verifies=True),
    "SEC_ERROR_CA_CERT_INVALID": _m("chain.invalid-ca", verifies=True),
    "MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY": _m("cert.ca-as-leaf", verifies=True),
    "SEC_ERROR_BAD_SIGNATURE": _m("chain.invalid-signature", verifies=True),
    "SEC_ERROR_INADEQUATE_KEY_USAGE": _m("cert.key-usage-mismatch", verifies=True),
    "SEC_ERROR_INADEQUATE_CERT_TYPE": _m("cert.missing-server-auth", verifies=True),
    "SEC_ERROR_PATH_LEN_CONSTRAINT_INVALID": _m("chain.path-length", verifies=True),
    "SEC_ERROR_CERT_NOT_IN_NAME_SPACE": _m("chain.name-constraints", verifies=True),
    "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED": _m("cert.weak-signature", verifies=True),
    "MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE": _m("cert.weak-key", verifies=True),
    "MOZILLA_PKIX_ERROR_KEY_PINNING_FAILURE": _m("pin.mismatch"),
    "MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING": _m("tls.must-staple-missing"),
    "SSL_ERROR_NO_CYPHER_OVERLAP": _m("tls.no-shared-cipher"),
    "SSL_ERROR_UNSUPPORTED_VERSION": _m("tls.protocol-mismatch"),
    "SSL_ERROR_RX_RECORD_TOO_LONG": _m("tls.not-tls"),
    "SSL_ERROR_WEAK_SERVER_EPHEMERAL_DH_KEY": _m("tls.weak-dh"),
    # .NET: SslPolicyErrors and X509ChainStatusFlags.
    "REMOTECERTIFICATENAMEMISMATCH": _HOSTNAME,
    "REMOTECERTIFICATECHAINERRORS": _VERIFY_GENERIC,
    "REMOTECERTIFICATENOTAVAILABLE": _m("tls.client-cert-required", "tls.handshake-failed"),
    "UNTRUSTEDROOT": _NOT_TRUSTED_ROOT_FIRST,
    "PARTIALCHAIN": _NOT_TRUSTED,
    "NOTTIMEVALID": _DATE,
    "REVOCATIONSTATUSUNKNOWN": _m("cert.revocation-unchecked"),
    "OFFLINEREVOCATION": _m("cert.revocation-unchecked"),
    "NOTSIGNATUREVALID": _m("chain.invalid-signature", verifies=True),
    "NOTVALIDFORUSAGE": _m("cert.missing-server-auth", verifies=True),
    "INVALIDBASICCONSTRAINTS": _m("chain.invalid-ca", verifies=True),
    "HASNOTPERMITTEDNAMECONSTRAINT": _m("chain.name-constraints", verifies=True),
    "HASEXCLUDEDNAMECONSTRAINT": _m("chain.name-constraints", verifies=True),
    "INVALIDNAMECONSTRAINTS": _m("chain.name-constraints", verifies=True),
    "EXPLICITDISTRUST": _m("chain.untrusted-root", verifies=True),
    "HASWEAKSIGNATURE": _m("cert.weak-signature", verifies=True),
    # Windows CryptoAPI chain status, as curl's schannel back end prints it.
    "CERT_TRUST_IS_UNTRUSTED_ROOT": _NOT_TRUSTED_ROOT_FIRST,
    "CERT_TRUST_IS_PARTIAL_CHAIN": _NOT_TRUSTED,
    "CERT_TRUST_IS_NOT_TIME_VALID": _DATE,
    "CERT_TRUST_IS_REVOKED": _m("cert.revoked", verifies=True),
    "CERT_TRUST_REVOCATION_STATUS_UNKNOWN": _m("cert.revocation-unchecked"),
    "CERT_TRUST_IS_OFFLINE_REVOCATION": _m("cert.revocation-unchecked"),
    "CERT_TRUST_IS_NOT_SIGNATURE_VALID": _m("chain.invalid-signature", verifies=True),
    "CERT_TRUST_IS_NOT_VALID_FOR_USAGE": _m("cert.missing-server-auth", verifies=True),
    # Java exception classes.
    "SUNCERTPATHBUILDEREXCEPTION": _NOT_TRUSTED,
    "CERTIFICATEEXPIREDEXCEPTION": _m("cert.expired", verifies=True),
    "CERTIFICATENOTYETVALIDEXCEPTION": _m("cert.not-yet-valid", verifies=True),
    "CERTIFICATEREVOKEDEXCEPTION": _m("cert.revoked", verifies=True),
    "CERTPATHVALIDATOREXCEPTION": _VERIFY_GENERIC,
    "VALIDATOREXCEPTION": _VERIFY_GENERIC,
    "SSLPEERUNVERIFIEDEXCEPTION": _VERIFY_GENERIC,
    "SSLHANDSHAKEEXCEPTION": _HANDSHAKE_GENERIC,
    "UNKNOWNHOSTEXCEPTION": _DNS,
    "SOCKETTIMEOUTEXCEPTION": _TIMEOUT,
    "NOROUTETOHOSTEXCEPTION": _UNREACHABLE,
    # Python (ssl, socket, urllib3, requests, httpx).
    "SSLCERTVERIFICATIONERROR": _VERIFY_GENERIC,
    "SSLEOFERROR": _RESET,
    "SSLZERORETURNERROR": _RESET,
    "CONNECTIONRESETERROR": _RESET,
    "CONNECTIONABORTEDERROR": _RESET,
    "BROKENPIPEERROR": _RESET,
    "CONNECTIONREFUSEDERROR": _REFUSED,
    "CONNECTTIMEOUTERROR": _TIMEOUT,
    "CONNECTTIMEOUT": _TIMEOUT,
    "READTIMEOUTERROR": _TIMEOUT,
    "READTIMEOUT": _TIMEOUT,
    "GAIERROR": _DNS,
    "NAMERESOLUTIONERROR": _DNS,
    "PROXYERROR": _m("net.proxy"),
    # errno names (Node.js prints them as error codes).
    "ECONNRESET": _RESET,
    "ECONNABORTED": _RESET,
    "EPIPE": _RESET,
    "ECONNREFUSED": _REFUSED,
    "ETIMEDOUT": _TIMEOUT,
    "ESOCKETTIMEDOUT": _TIMEOUT,
    "ENOTFOUND": _DNS,
    "EAI_AGAIN": _DNS,
    "EAI_NONAME": _DNS,
    "EHOSTUNREACH": _UNREACHABLE,
    "ENETUNREACH": _UNREACHABLE,
    # rustls certificate errors.
    "UNKNOWNISSUER": _NOT_TRUSTED,
    "NOTVALIDFORNAME": _HOSTNAME,
    "NOTVALIDFORNAMECONTEXT": _HOSTNAME,
    "NOTVALIDYET": _m("cert.not-yet-valid", verifies=True),
    "NOTVALIDYETCONTEXT": _m("cert.not-yet-valid", verifies=True),
    "CAUSEDASENDENTITY": _m("cert.ca-as-leaf", verifies=True),
    "UNKNOWNREVOCATIONSTATUS": _m("cert.revocation-unchecked"),
}


def _identifier_table() -> Mapping[str, _Meaning]:
    """Every identifier that carries a meaning, upper-case, prefixes stripped."""
    table = dict(_IDENTIFIER_MEANINGS)
    for verify in VERIFY_CODES.values():
        meaning = _verify_meaning(verify.number)
        if meaning is not None:
            table.setdefault(verify.name, meaning)
    for reason in (*_SSL_REASONS.values(), *_X509_REASONS.values()):
        if reason.anywhere:
            table.setdefault(reason.name, reason.meaning)
    for status in _WINDOWS_STATUS.values():
        table.setdefault(status.name, status.meaning)
    return MappingProxyType({name.upper(): meaning for name, meaning in table.items()})


_IDENTIFIERS = _identifier_table()
_REASONS_BY_NAME: Mapping[str, _Reason] = MappingProxyType(
    {reason.name: reason for reason in (*_SSL_REASONS.values(), *_X509_REASONS.values())}
)

_IDENTIFIER_PREFIXES = ("X509_V_ERR_", "SSL_R_", "X509_R_", "ERR_SSL_")
_OPENSSL_ALERT_NAME = re.compile(r"(?:SSLV3|TLSV13|TLSV1|TLS)_(?:ALERT_)?(\w+)")
_BROWSER_ALERT_NAME = re.compile(r"(?:SSL_ERROR|ERR_SSL)_(?:RX_)?(\w+?)_ALERT")


# --- Phrases: stacks that print words and no number ---------------------------------------------

_PHRASES: tuple[tuple[str, _Meaning], ...] = (
    # Go (crypto/tls, crypto/x509, net/http).
    (
        r'x509: certificate signed by unknown authority \(possibly because of "[^"]{0,120}'
        r"verification (?:error|failure)",
        _m("chain.invalid-signature", "chain.missing-intermediate", verifies=True),
    ),
    (
        r"x509: certificate signed by unknown authority",
        _m(*_UNTRUSTED, "cert.self-signed", verifies=True),
    ),
    (
        r"x509: certificate has expired or is not yet valid: current time \S{1,40} is after",
        _m("cert.expired", verifies=True),
    ),
    (
        r"x509: certificate has expired or is not yet valid: current time \S{1,40} is before",
        _m("cert.not-yet-valid", verifies=True),
    ),
    (r"x509: certificate has expired or is not yet valid", _DATE),
    (r"x509: certificate is valid for ", _HOSTNAME),
    (
        r"x509: certificate is not valid for any names",
        _m("cert.hostname-mismatch", "cert.no-san", verifies=True),
    ),
    (
        r"x509: cannot validate certificate for \S{1,64} because it doesn't contain any ip sans",
        _m("cert.hostname-mismatch", "cert.no-san", verifies=True),
    ),
    (
        r"x509: certificate relies on legacy common name field",
        _m("cert.no-san", "cert.hostname-mismatch", verifies=True),
    ),
    (
        r"x509: certificate specifies an incompatible key usage",
        _m("cert.missing-server-auth", verifies=True),
    ),
    (
        r"x509: a root or intermediate certificate is not authorized to sign for this name",
        _m("chain.name-constraints", verifies=True),
    ),
    (
        r"x509: certificate is not authorized to sign other certificates",
        _m("chain.invalid-ca", verifies=True),
    ),
    (
        r"x509: too many intermediates for path length constraint",
        _m("chain.path-length", verifies=True),
    ),
    (r"insecure algorithm (?:sha1|md5)", _m("cert.weak-signature", verifies=True)),
    (r"tls: client didn't provide a certificate", _m("tls.client-cert-required")),
    (r"tls: first record does not look like a tls handshake", _m("tls.not-tls")),
    (r"server gave http response to https client", _m("tls.not-tls")),
    (
        r"tls: (?:server selected unsupported protocol version|no supported versions satisfy "
        r"minversion and maxversion|client offered only unsupported versions)",
        _m("tls.protocol-mismatch"),
    ),
    (r"tls: no cipher suite supported by both client and server", _m("tls.no-shared-cipher")),
    (r"tls: failed to verify (?:client )?certificate", _VERIFY_GENERIC),
    (r"tls handshake timeout|i/o timeout|context deadline exceeded", _TIMEOUT),
    # Java, Android, OkHttp, Apache HttpClient.
    (r"pkix path building failed", _NOT_TRUSTED),
    (r"unable to find valid certification path to requested target", _NOT_TRUSTED),
    (r"trust anchor for certification path not found", _NOT_TRUSTED),
    (r"path does not chain with any of the trust anchors", _NOT_TRUSTED_ROOT_FIRST),
    (r"(?:validity|timestamp) check failed", _DATE),
    (r"certificate has been revoked", _m("cert.revoked", verifies=True)),
    (r"could not determine revocation status", _m("cert.revocation-unchecked")),
    (
        r"algorithm constraints check failed on keysize",
        _m("cert.weak-key", verifies=True),
    ),
    (
        r"algorithm constraints check failed on (?:signature|disabled) algorithm",
        _m("cert.weak-signature", verifies=True),
    ),
    (r"dh serverkeyexchange does not comply to algorithm constraints", _m("tls.weak-dh")),
    (
        r"basic constraints check failed: pathlenconstraint violated",
        _m("chain.path-length", verifies=True),
    ),
    (r"basic constraints check failed", _m("chain.invalid-ca", verifies=True)),
    (r"signature check failed", _m("chain.invalid-signature", verifies=True)),
    (
        r"no subject alternative names present",
        _m("cert.no-san", "cert.hostname-mismatch", verifies=True),
    ),
    (r"no subject alternative (?:dns name|names) matching", _HOSTNAME),
    (r"no name matching \S{1,255} found", _HOSTNAME),
    (r"hostname \S{1,255} not verified", _HOSTNAME),
    (r"doesn't match any of the subject alternative names", _HOSTNAME),
    (
        r"no appropriate protocol \(protocol is disabled or cipher suites are inappropriate\)",
        _m("tls.protocol-mismatch", "tls.no-shared-cipher"),
    ),
    (r"is not accepted by client preferences", _m("tls.protocol-mismatch")),
    (r"is not enabled or supported in (?:server|client) context", _m("tls.protocol-mismatch")),
    (r"no cipher suites in common", _m("tls.no-shared-cipher")),
    (r"unrecognized ssl message|unsupported or unrecognized ssl message", _m("tls.not-tls")),
    (
        r"remote host terminated the handshake|remote host closed connection during handshake"
        r"|ssl peer shut down incorrectly|received close_notify during handshake",
        _RESET,
    ),
    (r"empty client certificate chain", _m("tls.client-cert-required")),
    (
        r"certificate pinning failure|pin verification failed|pin validation failed",
        _m("pin.mismatch"),
    ),
    # Python.
    (r"eof occurred in violation of protocol", _RESET),
    (r"\[ssl\] pem lib", _m("tls.client-cert-unusable")),
    # Node.js.
    (r"client network socket disconnected before secure tls connection was established", _RESET),
    (r"hostname/ip does not match certificate's altnames", _HOSTNAME),
    (r"socket hang up", _RESET),
    # .NET and Windows.
    (
        r"the remote certificate was rejected by the provided remotecertificatevalidationcallback",
        _m("cert.verify-failed", "pin.mismatch"),
    ),
    (r"the remote certificate is invalid", _VERIFY_GENERIC),
    (
        r"authentication failed because the remote party has closed the transport stream"
        r"|received an unexpected eof or 0 bytes from the transport stream",
        _m("net.reset", "tls.protocol-mismatch"),
    ),
    (
        r"the client and server cannot communicate, because they do not possess a common "
        r"algorithm",
        _m("tls.protocol-mismatch", "tls.no-shared-cipher"),
    ),
    (r"issued by an authority that is not trusted", _NOT_TRUSTED_ROOT_FIRST),
    (r"terminated in a root certificate which is not trusted", _NOT_TRUSTED_ROOT_FIRST),
    (r"the target principal name is incorrect", _HOSTNAME),
    (r"the received certificate has expired", _m("cert.expired", verifies=True)),
    (r"the revocation function was unable to check revocation", _m("cert.revocation-unchecked")),
    (
        r"the credentials supplied to the package were not recognized",
        _m("tls.client-cert-unusable"),
    ),
    (r"the ssl connection could not be established", _HANDSHAKE_GENERIC),
    (r"an existing connection was forcibly closed by the remote host", _RESET),
    (r"the target machine actively refused it", _REFUSED),
    (r"the connected party did not properly respond after a period of time", _TIMEOUT),
    (r"no such host is known", _DNS),
    # curl.
    (r"no alternative certificate subject name matches target host ?name", _HOSTNAME),
    (r"certificate subject name '[^']{0,255}' does not match target host ?name", _HOSTNAME),
    (r"could not resolve (?:host|proxy)|couldn't resolve (?:host|proxy)", _DNS),
    (
        r"couldn't connect to server|could not connect to server",
        _m("net.refused", "net.unreachable", "net.timeout", generic=True),
    ),
    (r"empty reply from server", _RESET),
    (r"ssl_error_syscall", _RESET),
    (r"public key does not match pinned public key", _m("pin.mismatch")),
    (
        r"unable to set (?:private key|client certificate) file|could not load pem client "
        r"certificate|unable to use client certificate|could not load private key",
        _m("tls.client-cert-unusable"),
    ),
    (
        r"error setting certificate (?:verify locations|file)|error reading ca cert file",
        _m("tls.ca-file-unreadable"),
    ),
    (
        r"received http code \d{3} from proxy after connect|connect tunnel failed"
        r"|proxy connect aborted",
        _m("net.proxy"),
    ),
    (r"ssl certificate problem|failed to verify the legitimacy of the server", _VERIFY_GENERIC),
    (r"certgetcertificatechain trust error", _VERIFY_GENERIC),
    # GnuTLS (git on Debian and Ubuntu).
    (r"server certificate verification failed", _NOT_TRUSTED),
    (r"the certificate issuer is unknown", _NOT_TRUSTED),
    (r"error in the pull function|the tls connection was non-properly terminated", _RESET),
    (r"an unexpected tls packet was received", _m("tls.not-tls", "tls.handshake-failed")),
    # rustls.
    (r"invalid peer certificate: expired", _m("cert.expired", verifies=True)),
    # Apache httpd and nginx.
    (r"cannot perform post-handshake authentication|ah10158", _m("tls.post-handshake-auth")),
    (r"no required ssl certificate was sent", _m("tls.client-cert-required")),
    (r"the ssl certificate error", _m("tls.client-cert-rejected")),
    (r"plain http request was sent to https port", _m("tls.not-tls")),
    # Words any stack may print.
    (r"connection reset|reset by peer|broken pipe|unexpectedly closed the connection", _RESET),
    (r":\s?(?:unexpected )?eof\b", _RESET),
    (r"connection refused", _REFUSED),
    (r"\btimed out\b|timeout was reached", _TIMEOUT),
    (r"no route to host|network is unreachable|host is unreachable", _UNREACHABLE),
    (
        r"name or service not known|temporary failure in name resolution|nodename nor servname "
        r"provided|getaddrinfo failed|no address associated with hostname|failed to resolve"
        r"|no such host",
        _DNS,
    ),
    (r"gnutls_handshake\(\) failed", _HANDSHAKE_GENERIC),
)

_GENERIC_PHRASES: tuple[tuple[str, _Meaning], ...] = (
    (
        r"(?:tls|ssl) handshake (?:failed|failure|error)|handshake (?:failed|failure)"
        r"|ssl_do_handshake\(\) failed|ssl_error_ssl|ssl routines",
        _HANDSHAKE_GENERIC,
    ),
)


def _text_pattern(text: str) -> str:
    """A literal phrase, lower-cased, whose spaces and hyphens may also be written as _ or -."""
    words = re.split(r"[ _-]", text.lower())
    return r"[\s_-]".join(map(re.escape, words))


def _phrase_table() -> tuple[tuple[str, _Meaning], ...]:
    """Stack phrases first, then OpenSSL's verification and reason texts, then generic words.

    Where two alternatives match at the same place, the earlier one wins.
    """
    table = list(_PHRASES)
    verify_texts = [
        (text, verify.number) for verify in VERIFY_CODES.values() for text in verify.texts
    ]
    verify_texts.sort(key=lambda pair: -len(pair[0]))
    for text, number in verify_texts:
        meaning = _verify_meaning(number)
        if meaning is not None:
            table.append((_text_pattern(text), meaning))
    for reason in (*_SSL_REASONS.values(), *_X509_REASONS.values()):
        if reason.anywhere:
            table.append((_text_pattern(reason.text), reason.meaning))
    table.extend(_GENERIC_PHRASES)
    return tuple(table)


_PHRASE_TABLE = _phrase_table()


# --- Rules: one regular expression each, tried in order ------------------------------------------


@dataclass(frozen=True)
class _Context:
    server_side: bool
    """The text is a server's log: "the other side" is a client."""


_Reader = Callable[["re.Match[str]", _Context], "_Meaning | None"]


@dataclass(frozen=True)
class _Rule:
    name: str
    regex: re.Pattern[str]
    read: _Reader


_ESCAPE = re.compile(r"\\.")


def _compile(name: str, pattern: str) -> re.Pattern[str]:
    """A pattern over the lower-cased text: it must not ask for upper-case letters."""
    if re.search(r"[A-Z]", _ESCAPE.sub("", pattern)):
        raise ValueError(f"pattern {name!r} has upper-case letters: {pattern!r}")
    return re.compile(pattern)


def _rule(name: str, pattern: str, read: _Reader) -> _Rule:
    return _Rule(name, _compile(name, pattern), read)


def _alert(number: int, sender_is_peer: bool, context: _Context) -> _Meaning | None:
    """What an alert means given who sent it; the text's own side is the client by default."""
    alert = ALERTS.get(number)
    if alert is None:
        return None
    from_server = sender_is_peer != context.server_side
    if sender_is_peer:
        who = (
            "The client (the other side)" if context.server_side else "The server (the other side)"
        )
    else:
        who = "This server itself" if context.server_side else "This client itself"
    note = f"{who} ended the connection with TLS alert {number} ({alert.name}): {alert.meaning}."
    return _m(*(alert.from_server if from_server else alert.from_client), note=note)


def _alert_named(name: str, sender_is_peer: bool, context: _Context) -> _Meaning | None:
    alert = _ALERT_BY_NAME.get(_squash(name))
    return None if alert is None else _alert(alert.number, sender_is_peer, context)


def _read_packed(match: re.Match[str], context: _Context) -> _Meaning | None:
    """`error:0A000086` (OpenSSL 3: library << 23 | reason) or `error:1416F086` (1.x)."""
    value = int(match.group(1), 16)
    if value & 0x80000000:  # OpenSSL 3 system error: the rest is errno
        return _ERRNOS.get(value & 0x7FFFFFFF)
    if value >> 23 == _LIB_SSL or value >> 24 == _LIB_SSL:
        reason = value & 0xFFF
        if reason > _ALERT_REASON_OFFSET:
            return _alert(reason - _ALERT_REASON_OFFSET, True, context)
        ssl_reason = _SSL_REASONS.get(reason)
        return _noted(ssl_reason, f"OpenSSL error {match.group(1)}")
    if value >> 23 == _LIB_X509 or value >> 24 == _LIB_X509:
        return _noted(_X509_REASONS.get(value & 0xFFF), f"OpenSSL error {match.group(1)}")
    return None


def _noted(reason: _Reason | None, source: str) -> _Meaning | None:
    if reason is None:
        return None
    meaning = reason.meaning
    note = f"{source} means: {reason.text}."
    return _Meaning(
        meaning.codes, f"{note} {meaning.note}".strip(), meaning.generic, meaning.verifies
    )


def _read_alert_number(match: re.Match[str], context: _Context) -> _Meaning | None:
    return _alert(int(match.group(1)), True, context)


def _read_curl_alert(match: re.Match[str], context: _Context) -> _Meaning | None:
    """curl's trace: `(IN), TLS alert, unknown (628)` is level 2, description 116, received."""
    direction, value = match.group(1), int(match.group(2))
    return _alert(value & 0xFF, direction != "out", context)


def _read_go_alert(match: re.Match[str], context: _Context) -> _Meaning | None:
    sender_is_peer = match.group(1) == "remote"
    if match.group(2):
        return _alert(int(match.group(2)), sender_is_peer, context)
    return _alert_named(match.group(3), sender_is_peer, context)


def _read_received_alert(match: re.Match[str], context: _Context) -> _Meaning | None:
    return _alert_named(match.group(1), True, context)


def _read_windows_alert(match: re.Match[str], context: _Context) -> _Meaning | None:
    return _alert(int(match.group(2)), match.group(1) == "received", context)


def _read_verify_at_depth(match: re.Match[str], context: _Context) -> _Meaning | None:
    return _verify_meaning(int(match.group(2)), depth=int(match.group(1)))


def _read_verify(match: re.Match[str], context: _Context) -> _Meaning | None:
    if match.group(3):
        return _verify_meaning(int(match.group(3)), depth=int(match.group(4)))
    return _verify_meaning(int(match.group(1) or match.group(2)))


def _read_client_verify(match: re.Match[str], context: _Context) -> _Meaning | None:
    """nginx: `client SSL certificate verify error: (20:...)` — a server checking a client."""
    meaning = _verify_meaning(int(match.group(1)))
    return None if meaning is None else _as_client_certificate(meaning)


def _read_curl_exit(match: re.Match[str], context: _Context) -> _Meaning | None:
    return _CURL_EXITS.get(int(match.group(1) or match.group(2)))


def _read_errno(match: re.Match[str], context: _Context) -> _Meaning | None:
    return _ERRNOS.get(int(match.group(1)))


def _read_windows_status(match: re.Match[str], context: _Context) -> _Meaning | None:
    status = _WINDOWS_STATUS.get(int(match.group(1), 16))
    return None if status is None else status.meaning


def _read_identifier(match: re.Match[str], context: _Context) -> _Meaning | None:
    word = match.group(0).upper()
    meaning = _IDENTIFIERS.get(word)
    if meaning is not None or "_" not in word:
        return meaning
    for prefix in _IDENTIFIER_PREFIXES:
        if word.startswith(prefix):
            name = word[len(prefix) :]
            reason = _REASONS_BY_NAME.get(name)
            meaning = reason.meaning if reason is not None else _IDENTIFIERS.get(name)
            if meaning is not None:
                return meaning
    return _alert_identifier(word, context)


def _alert_identifier(word: str, context: _Context) -> _Meaning | None:
    """Alert names: browsers' `SSL_ERROR_BAD_CERT_ALERT`, OpenSSL's `TLSV1_ALERT_UNKNOWN_CA`
    (also behind Node's `ERR_SSL_` prefix)."""
    alert = _BROWSER_ALERT_NAME.fullmatch(word) or _OPENSSL_ALERT_NAME.fullmatch(
        word.removeprefix("ERR_SSL_")
    )
    return None if alert is None else _alert_named(alert.group(1), True, context)


def _read_bracket(match: re.Match[str], context: _Context) -> _Meaning | None:
    """Python's `[SSL: WRONG_VERSION_NUMBER]`, `[X509: KEY_VALUES_MISMATCH]`."""
    name = match.group(1).upper()
    reason = _REASONS_BY_NAME.get(name)
    if reason is not None:
        return reason.meaning
    return _IDENTIFIERS.get(name) or _alert_identifier(name, context)


def _always(meaning: _Meaning) -> _Reader:
    def read(match: re.Match[str], context: _Context) -> _Meaning | None:
        return meaning

    return read


def _phrase_rules() -> tuple[_Rule, ...]:
    """One rule per phrase: a single literal-led pattern is searched far faster than one
    alternation of them all, and the table's order becomes the order of preference."""
    return tuple(
        _rule(f"phrase {index}", pattern, _always(meaning))
        for index, (pattern, meaning) in enumerate(_PHRASE_TABLE)
    )


def _routines_rule() -> _Rule:
    """OpenSSL's text without its number: `SSL routines::unsupported protocol`, pyOpenSSL's
    `('SSL routines', 'ssl3_get_record', 'wrong version number')`."""
    reasons = {reason.text: reason for reason in (*_SSL_REASONS.values(), *_X509_REASONS.values())}
    texts = sorted(reasons, key=len, reverse=True)
    pattern = r"routines\W{0,8}(?:\w{1,60}\W{1,8})?(" + "|".join(map(_text_pattern, texts)) + ")"

    def read(match: re.Match[str], context: _Context) -> _Meaning | None:
        text = re.sub(r"[\s_-]", " ", match.group(1))
        reason = reasons.get(text)
        return None if reason is None else reason.meaning

    return _rule("openssl-reason-text", pattern, read)


_ALERT_NAMES = _alert_names()
_VERIFY_TEXTS = "|".join(
    _text_pattern(text)
    for text in sorted(
        (text for verify in VERIFY_CODES.values() for text in verify.texts), key=len, reverse=True
    )
)
"""OpenSSL's verification texts, consumed with the number that precedes them."""

_RULES: tuple[_Rule, ...] = (
    _rule("openssl-packed-error", r"\berror:([0-9a-f]{8})\b", _read_packed),
    _rule("openssl-alert-number", r"\bssl alert number (\d{1,3})\b", _read_alert_number),
    _rule(
        "curl-trace-alert",
        r"(?:\((in|out)\),\s?)?tls alert,\s?[\w ]{0,40}?\((\d{1,4})\)",
        _read_curl_alert,
    ),
    _rule(
        "go-alert",
        rf"\b(remote|local) error: tls: (?:alert\((\d{{1,3}})\)|({_ALERT_NAMES})\b)",
        _read_go_alert,
    ),
    _rule(
        "received-alert",
        r"(?:received (?:an? )?(?:fatal |warning )?(?:tls )?alert|handshake alert"
        rf"|sent a tls alert):?\s?'?({_ALERT_NAMES})\b",
        _read_received_alert,
    ),
    _rule(
        "openssl-alert-text",
        rf"\b(?:(?:sslv3|tlsv1|tlsv13)[\s_](?:alert[\s_])?|tls[\s_]alert[\s_])({_ALERT_NAMES})\b",
        _read_received_alert,
    ),
    _rule(
        "windows-alert",
        r"fatal alert was (received|generated)(?:(?!fatal alert).){0,200}?fatal alert code is "
        r"(\d{1,3})",
        _read_windows_alert,
    ),
    _rule(
        "openssl-verify-depth",
        r"\bdepth=(\d{1,2})\b(?:(?!depth=).){0,300}?verify error:num=(\d{1,3})"
        rf"(?::(?:{_VERIFY_TEXTS}))?",
        _read_verify_at_depth,
    ),
    _rule(
        "openssl-verify",
        rf"verify error:num=(\d{{1,3}})(?::(?:{_VERIFY_TEXTS}))?"
        rf"|verify return code: (\d{{1,3}})(?: \((?:{_VERIFY_TEXTS})\))?"
        rf"|\berror (\d{{1,3}}) at (\d{{1,2}}) depth lookup(?::\s?(?:{_VERIFY_TEXTS}))?",
        _read_verify,
    ),
    _rule(
        "nginx-client-verify",
        r"client ssl certificate verify error:\s?\((\d{1,3}):",
        _read_client_verify,
    ),
    _rule("curl-exit", r"\bcurl:\s?\((\d{1,3})\)|\bcurl error:?\s?\(?(\d{1,3})\b", _read_curl_exit),
    _rule(
        "errno",
        r"(?:\[|\b)(?:errno|winerror|os error)\s?[=:]?\s?(-?\d{1,5})\b",
        _read_errno,
    ),
    _rule("windows-status", r"\b0x(8009[0-9a-f]{4}|800b[0-9a-f]{4})\b", _read_windows_status),
    _rule("python-ssl-reason", r"\[(?:ssl|x509|pem): (\w{2,60})\]", _read_bracket),
    _rule("identifier", r"\b[a-z][a-z0-9_]{3,70}\b", _read_identifier),
    _routines_rule(),
    *_phrase_rules(),
)

_SERVER_SIDE = _compile(
    "server side",
    r"while ssl handshaking(?! to upstream)|client ssl certificate verify error"
    r"|http: tls handshake error from|failed to verify client certificate"
    r"|client didn't provide a certificate|peer did not return a certificate"
    r"|empty client certificate chain|ssl_accept\b",
)
"""Words only a server's log contains: there, "the other side" is a client."""

_CLIENT_CERTIFICATE_CODES = {
    "chain.missing-intermediate": "tls.client-cert-wrong-ca",
    "chain.untrusted-root": "tls.client-cert-wrong-ca",
    "cert.self-signed": "tls.client-cert-wrong-ca",
    "chain.invalid-ca": "tls.client-cert-wrong-ca",
    "chain.invalid-signature": "tls.client-cert-wrong-ca",
    "chain.path-length": "tls.client-cert-wrong-ca",
    "chain.name-constraints": "tls.client-cert-wrong-ca",
    "cert.missing-server-auth": "cert.missing-client-auth",
    "cert.verify-failed": "tls.client-cert-rejected",
}


def _as_client_certificate(meaning: _Meaning) -> _Meaning:
    """The same verification failure seen from a server that was checking a client."""
    codes: list[str] = []
    for code in meaning.codes:
        mapped = _CLIENT_CERTIFICATE_CODES.get(code)
        if mapped is None and code != "cert.hostname-mismatch":
            codes.extend(("tls.client-cert-rejected", code))
        elif mapped is not None:
            codes.append(mapped)
    unique = tuple(dict.fromkeys(codes)) or ("tls.client-cert-rejected",)
    note = f"The server could not verify the client's certificate. {meaning.note}".strip()
    return _Meaning(unique, note, meaning.generic, verifies=False)


# --- Matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    code: str
    rank: int
    start: int
    order: int
    fragment: str
    note: str


_ESCAPES = re.compile(r"\\[nrt]|\x1b\[[0-9;]{0,20}m")
_WHITESPACE = re.compile(r"\s+")
_MAX_FRAGMENT = 200


def _prepare(text: str) -> str:
    """Cap the size (keeping both ends: the outer error and the root cause) and flatten lines."""
    if len(text) > MAX_INPUT:
        half = MAX_INPUT // 2
        text = f"{text[:half]}\n{text[-half:]}"
    text = _ESCAPES.sub(" ", text)
    return _WHITESPACE.sub(" ", text).strip()


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _scan(text: str, lowered: str, context: _Context) -> Iterable[_Hit]:
    """Run the rules in order; a fragment claimed by an earlier rule is not read again.

    The rules read `lowered`, an ASCII-lower-cased copy of `text` of the same length, so that
    positions match and fragments are shown as written.
    """
    claimed = bytearray(len(text))
    for rule in _RULES:
        for match in rule.regex.finditer(lowered):
            start, end = match.span()
            if 1 in claimed[start:end]:
                continue
            meaning = rule.read(match, context)
            if meaning is None:
                continue
            claimed[start:end] = b"\x01" * (end - start)
            if meaning.verifies and context.server_side:
                meaning = _as_client_certificate(meaning)
            yield from _hits(meaning, start, text[start:end])


def _hits(meaning: _Meaning, start: int, fragment: str) -> Iterable[_Hit]:
    if len(fragment) > _MAX_FRAGMENT:
        fragment = fragment[: _MAX_FRAGMENT - 1] + "…"
    for order, code in enumerate(meaning.codes):
        rank = _GENERIC if meaning.generic else _PRIMARY if order == 0 else _ALTERNATIVE
        yield _Hit(code, rank, start, order, fragment, meaning.note)


def _ranked(hits: Iterable[_Hit]) -> list[_Hit]:
    """One hit per code, its best; generic ones only when nothing specific was recognised."""
    best: dict[str, _Hit] = {}
    for hit in hits:
        current = best.get(hit.code)
        if current is None or (hit.rank, hit.start, hit.order) < (
            current.rank,
            current.start,
            current.order,
        ):
            best[hit.code] = hit
    kept = list(best.values())
    if any(hit.rank != _GENERIC for hit in kept):
        kept = [hit for hit in kept if hit.rank != _GENERIC]
    kept.sort(key=lambda hit: (hit.rank, hit.start, hit.order))
    return kept


def explain(text: str) -> list[Explanation]:
    """Recognise the TLS and certificate failures a pasted error message describes.

    Matching is case-insensitive and ignores line breaks, so a whole stack trace or log can be
    pasted. Only the first and last `MAX_INPUT // 2` characters of a longer text are read.

    Args:
        text: an error message, log excerpt or stack trace from any TLS stack.

    Returns:
        The failures recognised, most specific first (alternatives of an ambiguous message
        after every first choice; a merely generic "handshake failed" only when nothing more
        specific was found); an empty list when nothing was recognised.
    """
    prepared = _prepare(text)
    lowered = prepared.translate(_ASCII_LOWER)
    context = _Context(server_side=_SERVER_SIDE.search(lowered) is not None)
    hits = _ranked(_scan(prepared, lowered, context))
    logger.debug("explain: %d failure(s) recognised in %d characters", len(hits), len(prepared))
    return [_explanation(hit) for hit in hits]


def _explanation(hit: _Hit) -> Explanation:
    failure = FAILURES[hit.code]
    explanation = f"{hit.note} {failure.explanation}" if hit.note else failure.explanation
    return Explanation(
        code=failure.code,
        title=failure.title,
        explanation=explanation,
        next_steps=failure.next_steps,
        matched=hit.fragment,
    )
