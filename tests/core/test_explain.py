"""`explain`: error messages pasted from each TLS stack, read by their numbers first.

The samples are written the way each stack prints them (Java, Go, Node.js, Python, curl, the
OpenSSL command line, .NET and Windows, browsers, servers' logs), each with the failure that
must be named first.
"""

from __future__ import annotations

import dataclasses
import re
import time

import pytest

from pinscope.core.explain import (
    ALERTS,
    FAILURES,
    MAX_INPUT,
    VERIFY_CODES,
    Explanation,
    explain,
)

JAVA = [
    (
        "javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
        "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
        "certification path to requested target",
        "chain.missing-intermediate",
    ),
    (
        "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
        "certification path to requested target",
        "chain.missing-intermediate",
    ),
    (
        "javax.net.ssl.SSLHandshakeException: java.security.cert.CertPathValidatorException: "
        "Trust anchor for certification path not found.",
        "chain.missing-intermediate",
    ),
    (
        "sun.security.validator.ValidatorException: PKIX path validation failed: "
        "java.security.cert.CertPathValidatorException: Path does not chain with any of the "
        "trust anchors",
        "chain.untrusted-root",
    ),
    (
        "sun.security.validator.ValidatorException: PKIX path validation failed: "
        "java.security.cert.CertPathValidatorException: validity check failed",
        "cert.expired",
    ),
    (
        "Caused by: java.security.cert.CertificateExpiredException: NotAfter: Sat Jan 01 "
        "00:00:00 UTC 2022",
        "cert.expired",
    ),
    (
        "Caused by: java.security.cert.CertificateNotYetValidException: NotBefore: Mon Jan 01 "
        "00:00:00 UTC 2035",
        "cert.not-yet-valid",
    ),
    (
        "java.security.cert.CertPathValidatorException: Certificate has been revoked, reason: "
        "KEY_COMPROMISE, revocation date: Tue Mar 01 10:00:00 UTC 2022",
        "cert.revoked",
    ),
    (
        "java.security.cert.CertPathValidatorException: Could not determine revocation status",
        "cert.revocation-unchecked",
    ),
    (
        "java.security.cert.CertPathValidatorException: Algorithm constraints check failed on "
        "signature algorithm: SHA1withRSA",
        "cert.weak-signature",
    ),
    (
        "java.security.cert.CertPathValidatorException: Algorithm constraints check failed on "
        "keysize limits: RSA 1024 bit key used with certificate: CN=old.example",
        "cert.weak-key",
    ),
    (
        "javax.net.ssl.SSLHandshakeException: DH ServerKeyExchange does not comply to "
        "algorithm constraints",
        "tls.weak-dh",
    ),
    (
        "java.security.cert.CertPathValidatorException: basic constraints check failed: this "
        "is not a CA certificate",
        "chain.invalid-ca",
    ),
    (
        "java.security.cert.CertPathValidatorException: basic constraints check failed: "
        "pathLenConstraint violated - this cert must be the last cert in the certification path",
        "chain.path-length",
    ),
    (
        "java.security.cert.CertPathValidatorException: signature check failed",
        "chain.invalid-signature",
    ),
    (
        "javax.net.ssl.SSLHandshakeException: No subject alternative names present",
        "cert.no-san",
    ),
    (
        "java.security.cert.CertificateException: No subject alternative DNS name matching "
        "api.example.com found.",
        "cert.hostname-mismatch",
    ),
    (
        "java.security.cert.CertificateException: No subject alternative names matching IP "
        "address 10.0.0.7 found",
        "cert.hostname-mismatch",
    ),
    (
        "javax.net.ssl.SSLPeerUnverifiedException: Certificate for <api.example.com> doesn't "
        "match any of the subject alternative names: [www.example.com]",
        "cert.hostname-mismatch",
    ),
    ("javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure", None),
    ("javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate", None),
    ("javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_required", None),
    ("javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca", None),
    ("javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version", None),
    (
        "javax.net.ssl.SSLProtocolException: handshake alert:  unrecognized_name",
        "tls.sni-required",
    ),
    (
        "javax.net.ssl.SSLHandshakeException: No appropriate protocol (protocol is disabled or "
        "cipher suites are inappropriate)",
        "tls.protocol-mismatch",
    ),
    (
        "javax.net.ssl.SSLHandshakeException: The server selected protocol version TLS10 is "
        "not accepted by client preferences [TLS13, TLS12]",
        "tls.protocol-mismatch",
    ),
    ("javax.net.ssl.SSLHandshakeException: no cipher suites in common", "tls.no-shared-cipher"),
    (
        "javax.net.ssl.SSLException: Unrecognized SSL message, plaintext connection?",
        "tls.not-tls",
    ),
    ("javax.net.ssl.SSLHandshakeException: Remote host terminated the handshake", "net.reset"),
    (
        "javax.net.ssl.SSLHandshakeException: Remote host closed connection during handshake",
        "net.reset",
    ),
    ("java.net.SocketException: Connection reset", "net.reset"),
    ("java.net.ConnectException: Connection refused (Connection refused)", "net.refused"),
    ("java.net.SocketTimeoutException: connect timed out", "net.timeout"),
    ("java.net.UnknownHostException: api.example.invalid", "net.dns"),
    ("java.net.NoRouteToHostException: No route to host", "net.unreachable"),
    (
        "javax.net.ssl.SSLPeerUnverifiedException: Certificate pinning failure!\n"
        "  Peer certificate chain:\n"
        "    sha256/J2Rs/XhqmFqx7ihj0wVdUwVKMp9txlbWZCUK6zdaylg=: CN=*.badssl.com\n"
        "  Pinned certificates for ecc384.badssl.com:\n"
        "    sha256/NYbU7PBwV4y9J67c4guWTki8FJ+uudrXL0a4V4aRcrg=",
        "pin.mismatch",
    ),
    (
        "javax.net.ssl.SSLHandshakeException: java.security.cert.CertPathValidatorException: "
        "Pin verification failed",
        "pin.mismatch",
    ),
    (
        "javax.net.ssl.SSLPeerUnverifiedException: Hostname api.example.com not verified:\n"
        "    certificate: sha256/AAAA\n    DN: CN=www.example.com",
        "cert.hostname-mismatch",
    ),
    (
        "javax.net.ssl.SSLHandshakeException: Empty client certificate chain",
        "tls.client-cert-required",
    ),
]

GO = [
    (
        'Get "https://api.example.com/": tls: failed to verify certificate: x509: certificate '
        "signed by unknown authority",
        "chain.missing-intermediate",
    ),
    (
        "x509: certificate signed by unknown authority (possibly because of "
        '"crypto/rsa: verification error" while trying to verify candidate authority '
        'certificate "Example Issuing CA")',
        "chain.invalid-signature",
    ),
    (
        "x509: certificate has expired or is not yet valid: current time "
        "2024-03-02T10:00:00Z is after 2024-03-01T23:59:59Z",
        "cert.expired",
    ),
    (
        "x509: certificate has expired or is not yet valid: current time "
        "2019-01-01T00:00:00Z is before 2024-03-01T00:00:00Z",
        "cert.not-yet-valid",
    ),
    (
        "x509: certificate is valid for www.example.com, example.com, not api.example.com",
        "cert.hostname-mismatch",
    ),
    (
        "x509: cannot validate certificate for 10.0.0.7 because it doesn't contain any IP SANs",
        "cert.hostname-mismatch",
    ),
    (
        "x509: certificate relies on legacy Common Name field, use SANs instead",
        "cert.no-san",
    ),
    (
        "x509: a root or intermediate certificate is not authorized to sign for this name: "
        'DNS name "api.example.com" is not permitted by any constraint',
        "chain.name-constraints",
    ),
    (
        "x509: cannot verify signature: insecure algorithm SHA1-RSA (temporarily override with "
        "GODEBUG=x509sha1=1)",
        "cert.weak-signature",
    ),
    (
        "x509: certificate specifies an incompatible key usage",
        "cert.missing-server-auth",
    ),
    ("remote error: tls: unknown certificate authority", "tls.client-cert-wrong-ca"),
    ("remote error: tls: bad certificate", "tls.client-cert-rejected"),
    ("remote error: tls: certificate required", "tls.client-cert-required"),
    ("remote error: tls: expired certificate", "tls.client-cert-rejected"),
    ("remote error: tls: protocol version not supported", "tls.protocol-mismatch"),
    ("remote error: tls: unrecognized name", "tls.sni-required"),
    ("remote error: tls: no application protocol", "tls.alpn-mismatch"),
    ("remote error: tls: alert(116)", "tls.client-cert-required"),
    ("local error: tls: bad record MAC", "tls.handshake-failed"),
    ("tls: first record does not look like a TLS handshake", "tls.not-tls"),
    ('Get "http://api.example.com:443/": http: server gave HTTP response to HTTPS client', None),
    (
        "tls: server selected unsupported protocol version 301",
        "tls.protocol-mismatch",
    ),
    ("tls: no cipher suite supported by both client and server", "tls.no-shared-cipher"),
    ('Get "https://api.example.com/": net/http: TLS handshake timeout', "net.timeout"),
    ("dial tcp 10.0.0.7:443: i/o timeout", "net.timeout"),
    ("dial tcp 127.0.0.1:8443: connect: connection refused", "net.refused"),
    ("read tcp 10.0.0.2:51000->10.0.0.7:443: read: connection reset by peer", "net.reset"),
    ("dial tcp: lookup api.example.invalid on 127.0.0.53:53: no such host", "net.dns"),
    (
        "http: TLS handshake error from 10.1.2.3:51234: remote error: tls: bad certificate",
        "tls.server-cert-rejected",
    ),
    (
        "http: TLS handshake error from 10.1.2.3:51234: remote error: tls: unknown certificate "
        "authority",
        "chain.untrusted-root",
    ),
    (
        "http: TLS handshake error from 10.1.2.3:51234: tls: client didn't provide a certificate",
        "tls.client-cert-required",
    ),
    (
        "http: TLS handshake error from 10.1.2.3:51234: tls: failed to verify client "
        "certificate: x509: certificate signed by unknown authority",
        "tls.client-cert-wrong-ca",
    ),
    (
        "http: TLS handshake error from 10.1.2.3:51234: tls: failed to verify client "
        "certificate: x509: certificate specifies an incompatible key usage",
        "cert.missing-client-auth",
    ),
]

NODE = [
    (
        "Error: unable to verify the first certificate\n"
        "    at TLSSocket.onConnectSecure (node:_tls_wrap:1674:34)\n"
        "    at TLSSocket.emit (node:events:519:28) {\n"
        "  code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'\n}",
        "chain.missing-intermediate",
    ),
    ("Error: unable to get local issuer certificate", "chain.missing-intermediate"),
    ("code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'", "chain.missing-intermediate"),
    ("Error: self-signed certificate\n  code: 'DEPTH_ZERO_SELF_SIGNED_CERT'", "cert.self-signed"),
    (
        "Error: self-signed certificate in certificate chain\n  code: 'SELF_SIGNED_CERT_IN_CHAIN'",
        "chain.untrusted-root",
    ),
    ("Error: certificate has expired\n  code: 'CERT_HAS_EXPIRED'", "cert.expired"),
    ("code: 'CERT_NOT_YET_VALID'", "cert.not-yet-valid"),
    (
        "Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's "
        "altnames: Host: api.example.com. is not in the cert's altnames: DNS:www.example.com",
        "cert.hostname-mismatch",
    ),
    (
        "Error: write EPROTO 40E8C8F8:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert "
        "handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert "
        "number 40\n  code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'",
        "tls.handshake-failed",
    ),
    ("code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'", "tls.client-cert-required"),
    ("code: 'ERR_SSL_UNSAFE_LEGACY_RENEGOTIATION_DISABLED'", "tls.legacy-renegotiation"),
    ("code: 'ERR_SSL_WRONG_VERSION_NUMBER'", "tls.not-tls"),
    (
        "Error: Client network socket disconnected before secure TLS connection was "
        "established\n  code: 'ECONNRESET'",
        "net.reset",
    ),
    ("Error: getaddrinfo ENOTFOUND api.example.invalid", "net.dns"),
    ("Error: connect ECONNREFUSED 127.0.0.1:443", "net.refused"),
    ("Error: connect ETIMEDOUT 10.0.0.7:443", "net.timeout"),
    ("Error: connect EHOSTUNREACH 10.9.9.9:443", "net.unreachable"),
    ("Error: socket hang up", "net.reset"),
]

PYTHON = [
    (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: unable to get local issuer certificate (_ssl.c:1006)",
        "chain.missing-intermediate",
    ),
    (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: self-signed certificate (_ssl.c:1006)",
        "cert.self-signed",
    ),
    (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: self-signed certificate in certificate chain (_ssl.c:1006)",
        "chain.untrusted-root",
    ),
    (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: certificate has expired (_ssl.c:1006)",
        "cert.expired",
    ),
    (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: Hostname mismatch, certificate is not valid for 'api.example.com'. "
        "(_ssl.c:1006)",
        "cert.hostname-mismatch",
    ),
    (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: IP address mismatch, certificate is not valid for '10.0.0.7'. (_ssl.c:1006)",
        "cert.hostname-mismatch",
    ),
    (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: EE certificate key too weak (_ssl.c:1006)",
        "cert.weak-key",
    ),
    (
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: CA signature digest algorithm too weak (_ssl.c:1006)",
        "cert.weak-signature",
    ),
    (
        "ssl.SSLError: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate "
        "required (_ssl.c:2648)",
        "tls.client-cert-required",
    ),
    (
        "ssl.SSLError: [SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (_ssl.c:1006)",
        "tls.client-cert-wrong-ca",
    ),
    (
        "ssl.SSLError: [SSL: SSLV3_ALERT_CERTIFICATE_EXPIRED] sslv3 alert certificate expired "
        "(_ssl.c:2648)",
        "tls.client-cert-rejected",
    ),
    (
        "ssl.SSLError: [SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version "
        "(_ssl.c:1006)",
        "tls.protocol-mismatch",
    ),
    (
        "ssl.SSLError: [SSL: TLSV1_UNRECOGNIZED_NAME] tlsv1 unrecognized name (_ssl.c:1006)",
        "tls.sni-required",
    ),
    (
        "ssl.SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",
        "tls.not-tls",
    ),
    (
        "ssl.SSLError: [SSL: UNSAFE_LEGACY_RENEGOTIATION_DISABLED] unsafe legacy "
        "renegotiation disabled (_ssl.c:1006)",
        "tls.legacy-renegotiation",
    ),
    ("ssl.SSLError: [SSL: DH_KEY_TOO_SMALL] dh key too small (_ssl.c:1006)", "tls.weak-dh"),
    ("ssl.SSLError: [SSL: NO_PROTOCOLS_AVAILABLE] no protocols available (_ssl.c:1006)", None),
    ("ssl.SSLError: [SSL: HTTP_REQUEST] http request (_ssl.c:1006)", "tls.not-tls"),
    ("ssl.SSLError: [SSL] PEM lib (_ssl.c:3900)", "tls.client-cert-unusable"),
    (
        "ssl.SSLError: [X509: KEY_VALUES_MISMATCH] key values mismatch (_ssl.c:3900)",
        "cert.key-mismatch",
    ),
    (
        "ssl.SSLEOFError: [SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of "
        "protocol (_ssl.c:1006)",
        "net.reset",
    ),
    (
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='api.example.com', port=443): "
        "Max retries exceeded with url: / (Caused by SSLError(SSLCertVerificationError(1, "
        "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local "
        "issuer certificate (_ssl.c:1006)')))",
        "chain.missing-intermediate",
    ),
    (
        "urllib3.exceptions.NewConnectionError: <urllib3.connection.HTTPSConnection object at "
        "0x7f2c>: Failed to establish a new connection: [Errno 111] Connection refused",
        "net.refused",
    ),
    (
        "urllib3.exceptions.NameResolutionError: <urllib3.connection.HTTPSConnection object "
        "at 0x7f2c>: Failed to resolve 'api.example.invalid' ([Errno -2] Name or service not "
        "known)",
        "net.dns",
    ),
    ("ConnectionResetError: [Errno 104] Connection reset by peer", "net.reset"),
    ("TimeoutError: _ssl.c:989: The handshake operation timed out", "net.timeout"),
    (
        "OpenSSL.SSL.Error: [('SSL routines', 'ssl3_get_record', 'wrong version number')]",
        "tls.not-tls",
    ),
    (
        "OpenSSL.SSL.Error: [('SSL routines', '', 'unsupported protocol')]",
        "tls.protocol-mismatch",
    ),
]

CURL = [
    (
        "curl: (60) SSL certificate problem: unable to get local issuer certificate\n"
        "More details here: https://curl.se/docs/sslcerts.html",
        "chain.missing-intermediate",
    ),
    ("curl: (60) SSL certificate problem: certificate has expired", "cert.expired"),
    ("curl: (60) SSL certificate problem: self-signed certificate", "cert.self-signed"),
    (
        "curl: (60) SSL certificate problem: self signed certificate in certificate chain",
        "chain.untrusted-root",
    ),
    (
        "curl: (60) SSL: no alternative certificate subject name matches target host name "
        "'api.example.com'",
        "cert.hostname-mismatch",
    ),
    (
        "curl: (51) SSL: certificate subject name 'www.example.com' does not match target host "
        "name 'api.example.com'",
        "cert.hostname-mismatch",
    ),
    (
        "curl: (35) error:0A000410:SSL routines::sslv3 alert handshake failure",
        "tls.handshake-failed",
    ),
    ("curl: (35) error:0A00010B:SSL routines::wrong version number", "tls.not-tls"),
    ("curl: (35) error:1408F10B:SSL routines:ssl3_get_record:wrong version number", None),
    (
        "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to api.example.com:443",
        "net.reset",
    ),
    (
        "curl: (56) OpenSSL SSL_read: error:0A00045C:SSL routines::tlsv13 alert certificate "
        "required, errno 0",
        "tls.client-cert-required",
    ),
    (
        "curl: (56) OpenSSL SSL_read: error:1409445C:SSL routines:ssl3_read_bytes:tlsv13 alert "
        "certificate required, errno 0",
        "tls.client-cert-required",
    ),
    ("curl: (56) Recv failure: Connection reset by peer", "net.reset"),
    ("curl: (52) Empty reply from server", "net.reset"),
    ("curl: (6) Could not resolve host: api.example.invalid", "net.dns"),
    (
        "curl: (7) Failed to connect to api.example.com port 443 after 2 ms: Connection refused",
        "net.refused",
    ),
    (
        "curl: (28) Failed to connect to api.example.com port 443 after 10001 ms: Timeout was "
        "reached",
        "net.timeout",
    ),
    ("curl: (90) SSL: public key does not match pinned public key", "pin.mismatch"),
    ("curl: (58) unable to set private key file: 'client.key' type PEM", None),
    (
        "curl: (58) could not load PEM client certificate from client.pem, OpenSSL error "
        "error:80000002:system library::No such file or directory",
        "tls.client-cert-unusable",
    ),
    ("curl: (77) error setting certificate file: /etc/ssl/missing.pem", "tls.ca-file-unreadable"),
    (
        "curl: (77) error setting certificate verify locations:  CAfile: /etc/ssl/certs/"
        "ca-certificates.crt CApath: none",
        "tls.ca-file-unreadable",
    ),
    ("curl: (91) No OCSP response received", "tls.ocsp-staple-rejected"),
    ("curl: (97) Can't complete SOCKS5 connection to api.example.com", "net.proxy"),
    ("curl: (56) Received HTTP code 407 from proxy after CONNECT", "net.proxy"),
    (
        "curl: (35) schannel: next InitializeSecurityContext failed: CRYPT_E_NO_REVOCATION_CHECK "
        "(0x80092012) - The revocation function was unable to check revocation for the "
        "certificate.",
        "cert.revocation-unchecked",
    ),
    (
        "curl: (60) schannel: SEC_E_UNTRUSTED_ROOT (0x80090325) - The certificate chain was "
        "issued by an authority that is not trusted.",
        "chain.untrusted-root",
    ),
    (
        "curl: (60) schannel: CertGetCertificateChain trust error "
        "CERT_TRUST_REVOCATION_STATUS_UNKNOWN",
        "cert.revocation-unchecked",
    ),
    # The verbose trace: level 2 (fatal) times 256 plus the alert description.
    ("* TLSv1.3 (IN), TLS alert, unknown (628):", "tls.client-cert-required"),
    ("* TLSv1.2 (IN), TLS alert, handshake failure (552):", "tls.handshake-failed"),
    ("* TLSv1.2 (OUT), TLS alert, unknown CA (560):", "chain.untrusted-root"),
    # PHP and Guzzle report curl's codes in their own words.
    (
        "cURL error 60: SSL certificate problem: unable to get local issuer certificate (see "
        "https://curl.haxx.se/libcurl/c/libcurl-errors.html)",
        "chain.missing-intermediate",
    ),
]

OPENSSL = [
    (
        "error:0A000418:SSL routines::tlsv1 alert unknown ca:ssl/record/rec_layer_s3.c:1584:"
        "SSL alert number 48",
        "tls.client-cert-wrong-ca",
    ),
    (
        "4087E1F5B87F0000:error:0A00045C:SSL routines::tlsv13 alert certificate required:"
        "ssl/record/rec_layer_s3.c:1605:SSL alert number 116",
        "tls.client-cert-required",
    ),
    (
        "140283666895488:error:1409445C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate "
        "required:../ssl/record/rec_layer_s3.c:1543:SSL alert number 116",
        "tls.client-cert-required",
    ),
    (
        "140:error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:"
        "ssl/record/rec_layer_s3.c:1543:SSL alert number 40",
        "tls.handshake-failed",
    ),
    (
        "error:0A000086:SSL routines::certificate verify failed",
        "cert.verify-failed",
    ),
    (
        "error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed",
        "cert.verify-failed",
    ),
    ("error:0A000152:SSL routines::unsafe legacy renegotiation disabled", None),
    ("error:0A000126:SSL routines::unexpected eof while reading", "net.reset"),
    ("error:0A0000C1:SSL routines::no shared cipher", "tls.no-shared-cipher"),
    ("error:0A000102:SSL routines::unsupported protocol", "tls.protocol-mismatch"),
    ("error:0A00018A:SSL routines::dh key too small", "tls.weak-dh"),
    ("error:0A00018F:SSL routines::ee key too small", "cert.weak-key"),
    ("error:0A0000C7:SSL routines::peer did not return a certificate", None),
    ("error:0A00009C:SSL routines::http request", "tls.not-tls"),
    ("error:05800074:x509 certificate routines::key values mismatch", "cert.key-mismatch"),
    ("error:80000068:system library::Connection reset by peer", "net.reset"),
    (
        "depth=0 CN = api.example.com\nverify error:num=20:unable to get local issuer "
        "certificate\nverify return:1\ndepth=0 CN = api.example.com\nverify error:num=21:"
        "unable to verify the first certificate\nverify return:1",
        "chain.missing-intermediate",
    ),
    (
        "depth=1 CN = Example Issuing CA\nverify error:num=10:certificate has expired\n"
        "notAfter=Jan  1 00:00:00 2023 GMT\nverify return:1",
        "chain.expired-intermediate",
    ),
    ("verify error:num=62:hostname mismatch", "cert.hostname-mismatch"),
    ("Verify return code: 19 (self-signed certificate in certificate chain)", None),
    ("Verify return code: 18 (self-signed certificate)", "cert.self-signed"),
    ("api.pem: CN = api.example.com\nerror 10 at 0 depth lookup: certificate has expired", None),
    ("error 24 at 1 depth lookup: invalid CA certificate", "chain.invalid-ca"),
    ("error 25 at 1 depth lookup: path length constraint exceeded", "chain.path-length"),
    ("error 7 at 0 depth lookup: certificate signature failure", "chain.invalid-signature"),
    ("error 23 at 0 depth lookup: certificate revoked", "cert.revoked"),
    ("error 47 at 0 depth lookup: permitted subtree violation", "chain.name-constraints"),
    ("verify error:num=26:unsuitable certificate purpose", "cert.missing-server-auth"),
    ("write:errno=104", "net.reset"),
    ("connect:errno=111", "net.refused"),
    ("4087E1F5B87F0000:error:0A000438:SSL routines::tls alert internal error", None),
]

DOTNET = [
    (
        "System.Security.Authentication.AuthenticationException: The remote certificate is "
        "invalid according to the validation procedure: RemoteCertificateNameMismatch",
        "cert.hostname-mismatch",
    ),
    (
        "System.Security.Authentication.AuthenticationException: The remote certificate is "
        "invalid because of errors in the certificate chain: UntrustedRoot",
        "chain.untrusted-root",
    ),
    (
        "AuthenticationException: The remote certificate is invalid because of errors in the "
        "certificate chain: PartialChain",
        "chain.missing-intermediate",
    ),
    (
        "The remote certificate is invalid because of errors in the certificate chain: "
        "NotTimeValid",
        "cert.expired",
    ),
    (
        "The remote certificate is invalid because of errors in the certificate chain: "
        "RevocationStatusUnknown, OfflineRevocation",
        "cert.revocation-unchecked",
    ),
    (
        "The remote certificate is invalid according to the validation procedure: "
        "RemoteCertificateChainErrors",
        "cert.verify-failed",
    ),
    (
        "System.Net.Http.HttpRequestException: The SSL connection could not be established, "
        "see inner exception.\n ---> System.Security.Authentication.AuthenticationException: "
        "Authentication failed because the remote party sent a TLS alert: 'HandshakeFailure'.\n"
        " ---> System.ComponentModel.Win32Exception (0x80090326): The message received was "
        "unexpected or badly formatted.",
        "tls.handshake-failed",
    ),
    (
        "Authentication failed because the remote party sent a TLS alert: 'ProtocolVersion'.",
        "tls.protocol-mismatch",
    ),
    (
        "System.IO.IOException: Authentication failed because the remote party has closed the "
        "transport stream.",
        "net.reset",
    ),
    (
        "System.ComponentModel.Win32Exception (0x80090331): The client and server cannot "
        "communicate, because they do not possess a common algorithm.",
        "tls.protocol-mismatch",
    ),
    (
        "A connection was successfully established with the server, but then an error "
        "occurred during the login process. (provider: SSL Provider, error: 0 - The "
        "certificate chain was issued by an authority that is not trusted.)",
        "chain.untrusted-root",
    ),
    (
        "(provider: SSL Provider, error: 0 - The target principal name is incorrect.)",
        "cert.hostname-mismatch",
    ),
    (
        "System.ComponentModel.Win32Exception (0x8009030D): The credentials supplied to the "
        "package were not recognized",
        "tls.client-cert-unusable",
    ),
    (
        "System.Net.Sockets.SocketException (10054): An existing connection was forcibly "
        "closed by the remote host.",
        "net.reset",
    ),
    (
        "System.Net.Sockets.SocketException (10061): No connection could be made because the "
        "target machine actively refused it.",
        "net.refused",
    ),
    ("System.Net.Sockets.SocketException (11001): No such host is known.", "net.dns"),
    (
        "A fatal alert was received from the remote endpoint. The TLS protocol defined fatal "
        "alert code is 20.",
        "tls.handshake-failed",
    ),
    (
        "A fatal alert was generated and sent to the remote endpoint. This may result in "
        "termination of the connection. The TLS protocol defined fatal alert code is 48.",
        "chain.untrusted-root",
    ),
]

BROWSERS = [
    ("NET::ERR_CERT_AUTHORITY_INVALID", "chain.untrusted-root"),
    ("NET::ERR_CERT_COMMON_NAME_INVALID", "cert.hostname-mismatch"),
    ("NET::ERR_CERT_DATE_INVALID", "cert.expired"),
    ("NET::ERR_CERT_REVOKED", "cert.revoked"),
    ("NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM", "cert.weak-signature"),
    ("NET::ERR_CERT_VALIDITY_TOO_LONG", "cert.long-validity"),
    ("NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED", "cert.no-sct"),
    ("ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "tls.protocol-mismatch"),
    ("ERR_SSL_OBSOLETE_VERSION", "tls.protocol-mismatch"),
    ("ERR_BAD_SSL_CLIENT_AUTH_CERT", "tls.client-cert-rejected"),
    ("ERR_SSL_CLIENT_AUTH_CERT_NEEDED", "tls.client-cert-required"),
    ("ERR_SSL_KEY_USAGE_INCOMPATIBLE", "cert.key-usage-mismatch"),
    ("ERR_SSL_PINNED_KEY_NOT_IN_CERT_CHAIN", "pin.mismatch"),
    ("ERR_SSL_UNRECOGNIZED_NAME_ALERT", "tls.sni-required"),
    ("ERR_SSL_PROTOCOL_ERROR", "tls.handshake-failed"),
    ("ERR_CONNECTION_RESET", "net.reset"),
    ("ERR_CONNECTION_REFUSED", "net.refused"),
    ("ERR_CONNECTION_TIMED_OUT", "net.timeout"),
    ("ERR_NAME_NOT_RESOLVED", "net.dns"),
    ("ERR_TUNNEL_CONNECTION_FAILED", "net.proxy"),
    ("SEC_ERROR_UNKNOWN_ISSUER", "chain.missing-intermediate"),
    ("MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT", "cert.self-signed"),
    ("SEC_ERROR_EXPIRED_CERTIFICATE", "cert.expired"),
    ("SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE", "chain.expired-intermediate"),
    ("MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE", "cert.not-yet-valid"),
    ("SSL_ERROR_BAD_CERT_DOMAIN", "cert.hostname-mismatch"),
    ("MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY", "cert.ca-as-leaf"),
    ("MOZILLA_PKIX_ERROR_MITM_DETECTED", "chain.untrusted-root"),
    ("MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING", "tls.must-staple-missing"),
    ("SSL_ERROR_NO_CYPHER_OVERLAP", "tls.no-shared-cipher"),
    ("SSL_ERROR_UNSUPPORTED_VERSION", "tls.protocol-mismatch"),
    ("SSL_ERROR_RX_RECORD_TOO_LONG", "tls.not-tls"),
    ("SSL_ERROR_BAD_CERT_ALERT", "tls.client-cert-rejected"),
    ("SSL_ERROR_UNKNOWN_CA_ALERT", "tls.client-cert-wrong-ca"),
]

SERVERS = [
    (
        "2024/05/02 10:00:00 [info] 812#812: *41 SSL_do_handshake() failed (SSL: "
        "error:0A000412:SSL routines::sslv3 alert bad certificate:SSL alert number 42) while "
        "SSL handshaking, client: 10.1.2.3, server: 0.0.0.0:443",
        "tls.server-cert-rejected",
    ),
    (
        "2024/05/02 10:00:00 [info] 812#812: *41 client SSL certificate verify error: "
        "(10:certificate has expired) while reading client request headers, client: 10.1.2.3",
        "tls.client-cert-rejected",
    ),
    (
        "2024/05/02 10:00:00 [info] 812#812: *41 client SSL certificate verify error: "
        "(20:unable to get local issuer certificate) while reading client request headers",
        "tls.client-cert-wrong-ca",
    ),
    (
        "<html><head><title>400 No required SSL certificate was sent</title></head>",
        "tls.client-cert-required",
    ),
    (
        "<html><head><title>400 The SSL certificate error</title></head>",
        "tls.client-cert-rejected",
    ),
    ("400 Bad Request The plain HTTP request was sent to HTTPS port", "tls.not-tls"),
    (
        "[ssl:error] [pid 1234] AH10158: cannot perform post-handshake authentication",
        "tls.post-handshake-auth",
    ),
    (
        "error:0A0000C7:SSL routines::peer did not return a certificate",
        "tls.client-cert-required",
    ),
]

OTHERS = [
    ("invalid peer certificate: UnknownIssuer", "chain.missing-intermediate"),
    ("invalid peer certificate: Expired", "cert.expired"),
    ("received fatal alert: CertificateRequired", "tls.client-cert-required"),
    (
        "fatal: unable to access 'https://git.example.com/repo.git/': server certificate "
        "verification failed. CAfile: none CRLfile: none",
        "chain.missing-intermediate",
    ),
    (
        "gnutls_handshake() failed: The TLS connection was non-properly terminated.",
        "net.reset",
    ),
    (
        "fatal: unable to access 'https://git.example.com/repo.git/': SSL certificate problem: "
        "unable to get local issuer certificate",
        "chain.missing-intermediate",
    ),
    ("Error: connect EHOSTUNREACH 10.9.9.9:443 - Local (10.0.0.2:0)", "net.unreachable"),
]

# A None above means: the first code is checked by its own test below; only recognition here.
SAMPLES = JAVA + GO + NODE + PYTHON + CURL + OPENSSL + DOTNET + BROWSERS + SERVERS + OTHERS


def _sample_id(sample: tuple[str, str | None]) -> str:
    return re.sub(r"\s+", " ", sample[0])[:60]


def codes(text: str) -> list[str]:
    return [explanation.code for explanation in explain(text)]


# --- Each stack's own words ---------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=_sample_id)
def test_real_messages_are_recognised(sample: tuple[str, str | None]) -> None:
    text, first = sample
    found = codes(text)
    assert found, f"nothing recognised in {text!r}"
    if first is not None:
        assert found[0] == first, found


def test_every_known_failure_has_a_real_message() -> None:
    firsts = {first for _, first in SAMPLES if first is not None}
    assert set(FAILURES) - firsts == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Received fatal alert: handshake_failure",
            [
                "tls.handshake-failed",
                "tls.client-cert-required",
                "tls.no-shared-cipher",
                "tls.sni-required",
            ],
        ),
        (
            "javax.net.ssl.SSLHandshakeException: PKIX path building failed",
            ["chain.missing-intermediate", "chain.untrusted-root"],
        ),
        ("ERR_SSL_VERSION_OR_CIPHER_MISMATCH", ["tls.protocol-mismatch", "tls.no-shared-cipher"]),
        ("NET::ERR_CERT_DATE_INVALID", ["cert.expired", "cert.not-yet-valid"]),
        (
            "javax.net.ssl.SSLHandshakeException: No subject alternative names present",
            ["cert.no-san", "cert.hostname-mismatch"],
        ),
        (
            "curl: (35) error:0A00010B:SSL routines::wrong version number",
            ["tls.not-tls", "tls.protocol-mismatch"],
        ),
        (
            "curl: (58) unable to set private key file: 'client.key' type PEM",
            ["tls.client-cert-unusable"],
        ),
        (
            "curl: (77) error setting certificate file: /etc/ssl/missing.pem",
            ["tls.ca-file-unreadable"],
        ),
        (
            "ssl.SSLError: [SSL: NO_PROTOCOLS_AVAILABLE] no protocols available (_ssl.c:1006)",
            ["tls.protocol-mismatch"],
        ),
        (
            "error:0A000152:SSL routines::unsafe legacy renegotiation disabled",
            ["tls.legacy-renegotiation"],
        ),
        (
            "4087E1F5B87F0000:error:0A000438:SSL routines::tls alert internal error",
            ["tls.handshake-failed"],
        ),
    ],
)
def test_ambiguous_messages_list_every_cause_most_likely_first(
    text: str, expected: list[str]
) -> None:
    assert codes(text) == expected


# --- Numbers first ------------------------------------------------------------------------------

# tls-failures.md section 2.3: the alert numbers and verification codes worth explaining.
CHEAT_SHEET_ALERTS = [
    0,
    10,
    20,
    40,
    42,
    43,
    44,
    45,
    46,
    47,
    48,
    49,
    50,
    51,
    70,
    71,
    80,
    86,
    90,
    109,
    110,
    112,
    113,
    116,
    120,
]
CHEAT_SHEET_VERIFY_CODES = [2, 7, 9, 10, 18, 19, 20, 21, 23, 24, 25, 26, 62, 64, 66, 67, 68]


def test_the_alert_and_verification_tables_cover_the_cheat_sheet() -> None:
    assert set(CHEAT_SHEET_ALERTS) <= set(ALERTS)
    assert set(CHEAT_SHEET_VERIFY_CODES) <= set(VERIFY_CODES)


@pytest.mark.parametrize("number", sorted(ALERTS))
def test_an_alert_received_from_the_server_reads_as_the_server_refusing(number: int) -> None:
    alert = ALERTS[number]
    found = explain(f"error:0A000{1000 + number:03X}:SSL routines:: SSL alert number {number}")
    assert found[0].code == alert.from_server[0]
    assert [item.code for item in found] == list(alert.from_server)
    assert f"The server (the other side) ended the connection with TLS alert {number} " in (
        found[0].explanation
    )


@pytest.mark.parametrize("number", sorted(ALERTS))
def test_an_alert_received_by_a_server_reads_as_the_client_refusing(number: int) -> None:
    alert = ALERTS[number]
    log = f"SSL_do_handshake() failed (SSL alert number {number}) while SSL handshaking"
    found = explain(log)
    assert [item.code for item in found] == list(alert.from_client)
    assert "The client (the other side)" in found[0].explanation


@pytest.mark.parametrize("number", sorted(ALERTS))
def test_alert_names_of_every_stack_read_as_their_number(number: int) -> None:
    alert = ALERTS[number]
    camel = "".join(word.capitalize() for word in alert.name.split("_"))
    texts = [
        f"javax.net.ssl.SSLHandshakeException: Received fatal alert: {alert.name}",
        f"received fatal alert: {camel}",
        f"Authentication failed because the remote party sent a TLS alert: '{camel}'.",
        f"* TLSv1.3 (IN), TLS alert, unknown ({512 + number}):",
        f"remote error: tls: alert({number})",
        *(f"remote error: tls: {alias}" for alias in alert.aliases),
    ]
    for text in texts:
        assert codes(text)[0] == alert.from_server[0], text


def test_curl_trace_direction_says_who_refused() -> None:
    received = explain("* TLSv1.2 (IN), TLS alert, unknown CA (560):")
    sent = explain("* TLSv1.2 (OUT), TLS alert, unknown CA (560):")
    assert received[0].code == "tls.client-cert-wrong-ca"
    assert "The server (the other side)" in received[0].explanation
    assert sent[0].code == "chain.untrusted-root"
    assert "This client itself" in sent[0].explanation


def test_go_local_and_remote_errors_say_who_refused() -> None:
    assert codes("remote error: tls: unknown certificate authority")[0] == (
        "tls.client-cert-wrong-ca"
    )
    assert codes("local error: tls: unknown certificate authority")[0] == "chain.untrusted-root"


@pytest.mark.parametrize("number", sorted(VERIFY_CODES))
def test_verification_codes_read_the_same_by_number_name_and_text(number: int) -> None:
    verify = VERIFY_CODES[number]
    texts = [
        f"verify error:num={number}:{verify.texts[0]}",
        f"Verify return code: {number} ({verify.texts[-1]})",
        f"code: '{verify.name}'",
        f"X509_V_ERR_{verify.name}",
        *(f"certificate verify failed: {text} (_ssl.c:1006)" for text in verify.texts),
    ]
    for text in texts:
        found = explain(text)
        assert [item.code for item in found] == list(verify.codes), text
    assert f"verification error {number}" in explain(f"verify error:num={number}")[0].explanation


def test_an_expired_certificate_at_depth_one_is_the_intermediate() -> None:
    assert codes("error 10 at 1 depth lookup: certificate has expired") == [
        "chain.expired-intermediate"
    ]
    assert codes("error 10 at 0 depth lookup: certificate has expired") == ["cert.expired"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("error:0A000086", "cert.verify-failed"),  # OpenSSL 3: library 20 << 23 | reason
        ("error:1416F086", "cert.verify-failed"),  # OpenSSL 1.1.1: library, function, reason
        ("error:14090086", "cert.verify-failed"),  # OpenSSL 1.0.2
        ("error:0A00045C", "tls.client-cert-required"),  # reason 1000 + alert 116
        ("error:14094418", "tls.client-cert-wrong-ca"),
        ("error:0A00010B", "tls.not-tls"),
        ("error:1408F10B", "tls.not-tls"),
        ("error:0A000152", "tls.legacy-renegotiation"),
        ("error:0A0000C1", "tls.no-shared-cipher"),
        ("error:0B080074", "cert.key-mismatch"),  # 1.1.1 X509 library
        ("error:8000006F", "net.refused"),  # OpenSSL 3 system error: errno 111
        ("error:80002746", "net.reset"),  # the same on Windows: WSAECONNRESET
    ],
)
def test_openssl_packed_error_codes_are_read_from_their_bits(text: str, code: str) -> None:
    found = explain(text)
    assert found[0].code == code
    assert found[0].matched == text


def test_unknown_numbers_are_not_guessed() -> None:
    assert explain("error:0A0003E7") == []  # reason 999: none we know
    assert explain("SSL alert number 255") == []
    assert explain("verify error:num=0:ok") == []
    assert explain("curl: (23) Failure writing output to destination") == []
    assert explain("curl: (56) OpenSSL SSL_read: ... errno 0")[0].code == "net.reset"


# --- Best first ---------------------------------------------------------------------------------


def test_a_specific_cause_hides_the_generic_handshake_failure() -> None:
    assert codes("SSL handshake failed") == ["tls.handshake-failed"]
    assert codes("SSL handshake failed: certificate has expired") == ["cert.expired"]
    assert codes("javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca") == [
        "tls.client-cert-wrong-ca"
    ]
    assert codes("curl: (35) error:0A000126:SSL routines::unexpected eof while reading") == [
        "net.reset"
    ]


def test_a_generic_verification_failure_stands_alone_only_when_nothing_says_why() -> None:
    assert codes("curl: (60) SSL certificate problem") == ["cert.verify-failed"]
    assert codes("sun.security.validator.ValidatorException") == ["cert.verify-failed"]
    assert codes("sun.security.validator.ValidatorException: PKIX path building failed") == [
        "chain.missing-intermediate",
        "chain.untrusted-root",
    ]


def test_alternatives_follow_every_first_choice() -> None:
    text = (
        "certificate verify failed: unable to get local issuer certificate\n"
        "Caused by: java.net.SocketException: Connection reset"
    )
    assert codes(text) == ["chain.missing-intermediate", "net.reset", "chain.untrusted-root"]


def test_curl_56_after_a_tls13_client_certificate_refusal() -> None:
    assert codes("curl: (56) Recv failure") == ["net.reset", "tls.client-cert-required"]
    assert codes(
        "curl: (56) OpenSSL SSL_read: error:0A00045C:SSL routines::tlsv13 alert certificate "
        "required, errno 0"
    ) == ["tls.client-cert-required"]


JAVA_STACK_TRACE = """\
2024-05-02 10:00:00.123 ERROR 4242 --- [nio-8080-exec-1] o.a.c.c.C.[.[.[/].[dispatcherServlet]
org.springframework.web.client.ResourceAccessException: I/O error on GET request for \
"https://api.example.com/orders": PKIX path building failed: \
sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification \
path to requested target
\tat org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:791)
\tat org.springframework.web.client.RestTemplate.execute(RestTemplate.java:717)
Caused by: javax.net.ssl.SSLHandshakeException: PKIX path building failed: \
sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification \
path to requested target
\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)
\tat java.base/sun.security.ssl.TransportContext.fatal(TransportContext.java:371)
\tat java.base/sun.security.ssl.TransportContext.fatal(TransportContext.java:314)
\tat java.base/sun.security.ssl.CertificateMessage$T13CertificateConsumer.checkServerCerts(\
CertificateMessage.java:1357)
\t... 42 common frames omitted
Caused by: sun.security.validator.ValidatorException: PKIX path building failed: \
sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification \
path to requested target
\tat java.base/sun.security.validator.PKIXValidator.doBuild(PKIXValidator.java:439)
\tat java.base/sun.security.validator.PKIXValidator.engineValidate(PKIXValidator.java:306)
Caused by: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid \
certification path to requested target
\tat java.base/sun.security.provider.certpath.SunCertPathBuilder.build(\
SunCertPathBuilder.java:141)
\t... 50 common frames omitted
"""


def test_a_whole_java_stack_trace() -> None:
    found = explain(JAVA_STACK_TRACE)
    assert [item.code for item in found] == ["chain.missing-intermediate", "chain.untrusted-root"]
    assert found[0].matched == "PKIX path building failed"


def test_a_java_trace_whose_root_cause_is_an_expired_certificate() -> None:
    trace = (
        "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: "
        "java.security.cert.CertPathValidatorException: validity check failed\n"
        "\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)\n"
        "Caused by: java.security.cert.CertPathValidatorException: validity check failed\n"
        "\tat java.base/sun.security.provider.certpath.PKIXMasterCertPathValidator.validate("
        "PKIXMasterCertPathValidator.java:135)\n"
        "Caused by: java.security.cert.CertificateExpiredException: NotAfter: Sat Jan 01 "
        "00:00:00 UTC 2022\n"
        "\tat java.base/sun.security.x509.CertificateValidity.valid(CertificateValidity.java:"
        "277)\n"
    )
    assert codes(trace) == ["cert.expired", "cert.not-yet-valid"]


# --- Reading what people paste ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "The build finished in 42 seconds.",
        "GET /health HTTP/1.1 200 OK",
        'Exception in thread "main" java.lang.NullPointerException\n\tat Main.main(Main.java:3)',
        'Unsupported protocol scheme "htps"',
        "The certificate was renewed on Monday and works.",
        "errno 0",
    ],
)
def test_text_that_matches_nothing(text: str) -> None:
    assert explain(text) == []


def test_matching_ignores_case_and_line_breaks() -> None:
    wrapped = "CERTIFICATE VERIFY FAILED: UNABLE TO GET LOCAL\n      ISSUER CERTIFICATE"
    assert codes(wrapped)[0] == "chain.missing-intermediate"
    assert codes("received FATAL alert:\r\n  Certificate_Required")[0] == (
        "tls.client-cert-required"
    )


def test_a_stack_trace_escaped_inside_a_json_log_line() -> None:
    line = (
        '{"level":"error","msg":"javax.net.ssl.SSLHandshakeException: Received fatal alert: '
        'certificate_required\\n\\tat sun.security.ssl.Alert.createSSLException(Alert.java:131)"}'
    )
    assert codes(line) == ["tls.client-cert-required"]


def test_the_matched_fragment_is_shown_as_written() -> None:
    found = explain("oops: Received Fatal Alert:   bad_certificate\n")
    assert found[0].matched == "Received Fatal Alert: bad_certificate"


def test_explanations_are_immutable_values() -> None:
    found = explain("ERR_CERT_REVOKED")[0]
    assert isinstance(found, Explanation)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.code = "other"  # type: ignore[misc]


# --- Size and speed -----------------------------------------------------------------------------


def test_a_huge_input_returns_fast_and_reads_its_last_lines() -> None:
    text = "INFO nothing happened here\n" * 400_000 + "curl: (52) Empty reply from server\n"
    assert len(text) > 10_000_000
    started = time.perf_counter()
    found = explain(text)
    assert time.perf_counter() - started < 1.0
    assert [item.code for item in found] == ["net.reset"]


def test_only_both_ends_of_a_long_text_are_read() -> None:
    filler = "x" * MAX_INPUT
    assert codes(f"ERR_CERT_REVOKED {filler}") == ["cert.revoked"]
    assert codes(f"{filler} ERR_CERT_REVOKED") == ["cert.revoked"]
    assert codes(f"{filler} ERR_CERT_REVOKED {filler}") == []


@pytest.mark.parametrize(
    "unit",
    [
        "a",
        "A_",
        " ",
        "error:",
        "depth=0 ",
        "depth=1 " + "x" * 290 + " ",
        "verify error:num=",
        'x509: certificate signed by unknown authority (possibly because of "',
        "routines::",
        "routines:" + "f" * 59 + ":",
        "fatal alert was received ",
        "(IN), TLS alert, ",
        "Received fatal alert: ",
        "remote error: tls: ",
        "curl: (",
        "[SSL: ",
        "'\"",
        "\\n\\t",
        "tlsv1_alert_",
        "x509: certificate has expired or is not yet valid: current time ",
    ],
)
def test_no_pattern_backtracks_badly(unit: str) -> None:
    text = unit * (2 * MAX_INPUT // len(unit) + 1)
    started = time.perf_counter()
    explain(text)
    assert time.perf_counter() - started < 1.0


# --- The table itself ---------------------------------------------------------------------------

DESIGN_CODES = [
    "chain.missing-intermediate",
    "chain.untrusted-root",
    "cert.expired",
    "cert.hostname-mismatch",
    "cert.self-signed",
    "tls.client-cert-required",
    "tls.client-cert-rejected",
    "tls.client-cert-wrong-ca",
    "tls.protocol-mismatch",
    "tls.no-shared-cipher",
    "tls.sni-required",
    "tls.not-tls",
    "tls.handshake-failed",
    "net.reset",
    "net.timeout",
    "net.refused",
    "net.dns",
    "pin.mismatch",
]


def test_the_design_codes_are_all_explained() -> None:
    assert set(DESIGN_CODES) <= set(FAILURES)


@pytest.mark.parametrize("code", sorted(FAILURES))
def test_every_failure_is_worded_for_a_support_engineer(code: str) -> None:
    failure = FAILURES[code]
    assert failure.code == code
    assert re.fullmatch(r"(cert|chain|tls|net|pin)\.[a-z0-9-]+", code)
    assert failure.title and not failure.title.endswith(".")
    assert failure.explanation.endswith(".")
    assert len(failure.explanation) < 700
    assert failure.next_steps
    assert all(step.endswith(".") for step in failure.next_steps)
    assert any("`pinscope " in step for step in failure.next_steps)
    assert "\n" not in failure.explanation
    assert "  " not in failure.explanation


@pytest.mark.parametrize("number", sorted(ALERTS))
def test_every_alert_points_at_known_failures(number: int) -> None:
    alert = ALERTS[number]
    assert alert.number == number
    assert set(alert.from_server) | set(alert.from_client) <= set(FAILURES)
    assert alert.from_server and alert.from_client
