"""Cross-platform mobile pin configurations: React Native, Alamofire and Flutter."""

from __future__ import annotations

import logging
import re

from pinscope.core.certificate import Certificate
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.formats.ios import (
    check_digests,
    domain_entries,
    ignored_option_findings,
    swift_string,
    trustkit_domain_refusal,
    trustkit_minimum_refusal,
)
from pinscope.core.pins.model import LEAF, PinSet, Rendered, SPKIPin

__all__ = ["render_alamofire", "render_flutter", "render_react_native"]

logger = logging.getLogger(__name__)

_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


def _js_string(text: str) -> str:
    """A single-quoted JavaScript (or Dart) string literal."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{escaped}'"


# ---------------------------------------------------------------------------------------------
# React Native: react-native-ssl-public-key-pinning

_RN = "react-native-ssl-public-key-pinning"


def render_react_native(pin_set: PinSet) -> Rendered:
    """The `initializeSslPinning({...})` call of react-native-ssl-public-key-pinning.

    Hashes are written without a prefix; the library adds `sha256/` for OkHttp on Android and
    hands them to TrustKit on iOS, so TrustKit's rules apply.

    Raises:
        ValueError: what TrustKit would refuse on iOS: fewer than two pins, an invalid pin, an
            IP address, localhost or a single-label domain.
    """
    check_digests(pin_set.all_pins)
    trustkit_minimum_refusal(pin_set, f"{_RN} on iOS (TrustKit)")
    entries, findings = domain_entries(pin_set, _RN, "its subdomains at any depth")
    trustkit_domain_refusal(entries, f"{_RN} on iOS (TrustKit)")

    lines = [
        "import { initializeSslPinning } from 'react-native-ssl-public-key-pinning';",
        "",
        "await initializeSslPinning({",
    ]
    for entry in entries:
        lines.append(f"  {_js_string(entry.name)}: {{")
        lines.append(f"    includeSubdomains: {'true' if entry.include_subdomains else 'false'},")
        lines.append("    publicKeyHashes: [")
        lines += [f"      {_js_string(pin.value)}," for pin in pin_set.all_pins]
        lines.append("    ],")
        if pin_set.expires is not None:
            lines.append(f"    expirationDate: {_js_string(pin_set.expires.isoformat())},")
        lines.append("  },")
    lines.append("});")

    findings += ignored_option_findings(pin_set, _RN, expiry=True, subdomains=True)
    findings.append(_react_native_scope(pin_set))
    return Rendered("\n".join(lines) + "\n", "sslPinning.js", findings=tuple(findings))


def _react_native_scope(pin_set: PinSet) -> Finding:
    subdomains = (
        " includeSubdomains becomes OkHttp's **. pattern, which needs React Native 0.65 or "
        "later (OkHttp 4.3)."
        if pin_set.include_subdomains
        else ""
    )
    return Finding(
        "pin.scope",
        Severity.INFO,
        "react-native-ssl-public-key-pinning pins fetch and XMLHttpRequest only",
        "Requests made through fetch, XMLHttpRequest and libraries built on them (axios) are "
        "pinned; native modules and WebViews are not. On iOS a cached TLS session can make a "
        f"wrong pin seem to work until the app restarts.{subdomains}",
        "Test pinning with a wrong pin after a cold start of the app.",
    )


# ---------------------------------------------------------------------------------------------
# Alamofire

_ALAMOFIRE = "Alamofire"


def render_alamofire(pin_set: PinSet) -> Rendered:
    """The DER `.cer` files to bundle and the `ServerTrustManager` that uses them.

    Keys are pinned (`PublicKeysTrustEvaluator`, which survives a renewal that keeps the key),
    except for a lone self-signed certificate, which only `PinnedCertificatesTrustEvaluator`
    can trust.

    Raises:
        ValueError: no pin has a certificate (Alamofire would find nothing to pin), or no
            domain Alamofire can match exactly.
    """
    check_digests(pin_set.all_pins)
    files, findings = _certificate_files(pin_set)
    hosts, host_findings = _exact_hosts(pin_set)
    findings += host_findings
    findings += ignored_option_findings(pin_set, _ALAMOFIRE)

    self_signed = len(pin_set.chain) == 1 and pin_set.chain[0].details.self_signed
    if self_signed:
        evaluator = "PinnedCertificatesTrustEvaluator(acceptSelfSignedCertificates: true)"
        comment = [
            "// The server's certificate is self-signed: the bundled certificate becomes the",
            "// only trust anchor, and the pin breaks when that certificate is replaced.",
        ]
    else:
        evaluator = "PublicKeysTrustEvaluator()"
        comment = [
            "// PublicKeysTrustEvaluator() pins the public keys of every DER .cer/.crt/.der",
            "// certificate in Bundle.main: add the .cer files exported with this snippet to the",
            "// app target. PEM files are silently skipped.",
        ]
    lines = [
        "import Alamofire",
        "",
        *comment,
        "// ServerTrustManager matches exact host names only, and hosts not listed here fail",
        "// (allHostsMustBeEvaluated is true by default).",
        "let evaluators: [String: ServerTrustEvaluating] = [",
        *[f"    {swift_string(host)}: {evaluator}," for host in hosts],
        "]",
        "let session = Session(serverTrustManager: ServerTrustManager(evaluators: evaluators))",
    ]
    findings.append(_unlisted_hosts_fail(hosts))
    return Rendered("\n".join(lines) + "\n", "ServerTrustManager.swift", files, tuple(findings))


def _certificate_files(pin_set: PinSet) -> tuple[dict[str, bytes], list[Finding]]:
    """A DER file for each pin with a certificate, and a finding for those without."""
    files: dict[str, bytes] = {}
    keys_only: list[SPKIPin] = []
    for pin in pin_set.all_pins:
        if pin.certificate is None:
            keys_only.append(pin)
            continue
        stem = _UNSAFE_FILE_CHARACTERS.sub("-", pin.certificate.short_name).strip("-.")
        stem = f"{pin.role or 'pinned'}-{stem or pin.certificate.sha256[:16]}"
        name, number = f"{stem}.cer", 2
        while name in files:
            name, number = f"{stem}-{number}.cer", number + 1
        files[name] = pin.certificate.der
    if not files:
        raise ValueError(
            f"{_ALAMOFIRE} pins certificates or keys loaded from bundled .cer files, and none "
            "of the pins has a certificate: export from a certificate, chain or endpoint"
        )

    findings: list[Finding] = []
    if keys_only:
        findings.append(
            Finding(
                "pin.not-bundled",
                Severity.WARNING,
                f"{_join_sources(keys_only)} cannot be bundled as a .cer file",
                f"{_ALAMOFIRE} loads pinned keys from certificates in the app bundle; "
                f"{_join_sources(keys_only)} has no certificate, so the exported files leave "
                "it out and the app does not pin it.",
                "Build a SecKey for it with SecKeyCreateWithData (PKCS#1 RSAPublicKey for RSA, "
                "an X9.63 uncompressed point for EC; not SPKI) and pass it in keys:, or bundle "
                "its certificate once it is issued.",
            )
        )
    return files, findings


def _exact_hosts(pin_set: PinSet) -> tuple[list[str], list[Finding]]:
    """The host names Alamofire can match: it has no wildcards and no subdomain option."""
    entries, _ = domain_entries(pin_set, _ALAMOFIRE, "")
    hosts = [e.name for e in entries if _written_exactly(e.name, pin_set.domains)]
    skipped = [d for d in pin_set.domains if d.strip().startswith("*.")]
    if not hosts:
        raise ValueError(
            f"{_ALAMOFIRE} matches exact host names only, and every domain is a wildcard: "
            "give the host names with --domain"
        )
    findings: list[Finding] = []
    if skipped or pin_set.include_subdomains:
        covered = _join_items([*skipped, *(["subdomains"] if pin_set.include_subdomains else [])])
        findings.append(
            Finding(
                "pin.exact-host",
                Severity.WARNING,
                f"{_ALAMOFIRE} cannot pin {covered}",
                f"ServerTrustManager looks up the exact host name; {covered} cannot be "
                "expressed, and requests to hosts it does not list fail.",
                "List every host the app calls, or subclass ServerTrustManager and override "
                "serverTrustEvaluator(forHost:) to match subdomains.",
            )
        )
    return hosts, findings


def _written_exactly(name: str, domains: tuple[str, ...]) -> bool:
    """True when `name` was given as a host, not only as the base of a `*.` wildcard."""
    for domain in domains:
        written = domain.strip().lower().removesuffix(".")
        if not written.startswith("*.") and written.encode("idna").decode("ascii") == name:
            return True
    return False


def _unlisted_hosts_fail(hosts: list[str]) -> Finding:
    return Finding(
        "pin.exact-host",
        Severity.INFO,
        f"Requests to hosts other than {_join_items(hosts)} fail",
        "With the default allHostsMustBeEvaluated: true, a ServerTrustManager refuses any host "
        "that has no evaluator (error .noRequiredEvaluator), including other APIs and CDNs the "
        "app calls through the same Session.",
        "Add an evaluator for each host (DefaultTrustEvaluator() for unpinned ones), or pass "
        "allHostsMustBeEvaluated: false.",
    )


# ---------------------------------------------------------------------------------------------
# Flutter: http_certificate_pinning

_FLUTTER = "http_certificate_pinning"


def render_flutter(pin_set: PinSet) -> Rendered:
    """SHA-256 fingerprints of the leaf certificate(s) for Flutter's http_certificate_pinning.

    The plugin hashes the whole leaf certificate, not its key; CA pins and keys without a
    certificate are dropped, said in a finding.

    Raises:
        ValueError: there is no leaf certificate to take a fingerprint of.
    """
    leaves = _leaf_certificates(pin_set)
    if not leaves:
        raise ValueError(
            f"{_FLUTTER} pins the SHA-256 fingerprint of the server's leaf certificate, and the "
            "pin set has no leaf certificate: export from the server's certificate or endpoint"
        )
    used = {cert.spki_der for cert in leaves}
    dropped = [
        pin
        for pin in pin_set.all_pins
        if pin.certificate is None or pin.certificate.spki_der not in used
    ]

    domains = _comment_text(", ".join(pin_set.domains)) or "the server"
    lines = [
        "import 'package:http_certificate_pinning/http_certificate_pinning.dart';",
        "",
        f"// SHA-256 fingerprints of the whole leaf certificate of {domains}.",
        "// They are not SPKI pins: they stop matching at every renewal, even with the same key.",
        "const allowedSHAFingerprints = <String>[",
    ]
    for cert in leaves:
        expires = cert.details.not_after.date().isoformat()
        about = _comment_text(f"{cert.short_name}, {expires}")
        lines.append(f"  {_js_string(_colon_hex(cert.sha256))}, // {about}")
    lines += [
        "];",
        "",
        "final client = SecureHttpClient.build(allowedSHAFingerprints);",
        "// with dio: dio.interceptors.add(",
        "//     CertificatePinningInterceptor(allowedSHAFingerprints: allowedSHAFingerprints));",
    ]

    findings = [_whole_certificate(leaves)]
    if dropped:
        findings.append(_dropped(dropped))
    findings += ignored_option_findings(pin_set, _FLUTTER)
    return Rendered("\n".join(lines) + "\n", "certificate_pinning.dart", findings=tuple(findings))


def _leaf_certificates(pin_set: PinSet) -> list[Certificate]:
    """The chain's leaf and the non-CA certificates among the pins and backups, each once."""
    candidates: list[Certificate] = []
    if pin_set.leaf is not None and not pin_set.leaf.details.is_ca:
        candidates.append(pin_set.leaf)
    for pin in pin_set.all_pins:
        cert = pin.certificate
        if cert is not None and (pin.role == LEAF or not cert.details.is_ca):
            candidates.append(cert)
    unique: dict[str, Certificate] = {}
    for cert in candidates:
        unique.setdefault(cert.sha256, cert)
    return list(unique.values())


def _comment_text(text: str) -> str:
    """Text safe inside a `//` comment: one line, no control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _colon_hex(hex_digest: str) -> str:
    upper = hex_digest.upper()
    return ":".join(upper[i : i + 2] for i in range(0, len(upper), 2))


def _whole_certificate(leaves: list[Certificate]) -> Finding:
    return Finding(
        "pin.whole-certificate",
        Severity.WARNING,
        f"{_FLUTTER} pins the whole certificate, which breaks at every renewal",
        f"The plugin compares a hash of the entire leaf certificate, so the app refuses the "
        f"server as soon as {_join_items([c.short_name for c in leaves])} is renewed, even "
        "when the key stays the same. It also checks on a separate connection before the "
        "real request.",
        "Add the next certificate's fingerprint before each renewal, or use SPKI pinning: "
        "NSPinnedDomains on iOS (Dart's HTTP stack honours it) and a package that checks "
        "SPKI hashes on Android.",
        leaves[0].sha256,
    )


def _dropped(pins: list[SPKIPin]) -> Finding:
    return Finding(
        "pin.dropped",
        Severity.WARNING,
        f"{len(pins)} pin(s) left out: {_FLUTTER} checks the leaf certificate only",
        f"{_join_sources(pins)} cannot be expressed: the plugin compares the fingerprint of the "
        "server's leaf certificate and nothing else, so CA pins and keys without a certificate "
        "(spare keys, CSRs, pasted pins) have no place in it.",
        "Keep a backup by adding the fingerprint of the next leaf certificate once it is issued.",
    )


def _join_sources(pins: list[SPKIPin]) -> str:
    return _join_items([pin.source for pin in pins])


def _join_items(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
