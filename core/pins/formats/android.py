"""Android Network Security Config and TrustKit-Android: `res/xml/network_security_config.xml`.

Written to pin-formats.md sections 1 and 5: one `<domain-config>` holding every domain and one
`<pin-set>` of `SHA-256` pins, each 32 bytes once decoded. Android has no wildcard syntax
(`*.example.com` is taken literally and never matches), so a wildcard domain is written as its
apex with `includeSubdomains="true"`, which covers the apex and every depth below it.
"""

from __future__ import annotations

import ipaddress
import re
from xml.sax.saxutils import escape, quoteattr

from pinscope.core.model import Finding, Severity
from pinscope.core.pins.formats.common import checked_value, describe
from pinscope.core.pins.model import PinSet, Rendered

__all__ = ["MANIFEST_LINE", "render_android", "render_trustkit_android"]

ANDROID_EXPECTS = "Android expects a SHA-256 of 32 bytes as 44 characters of base64"

FILENAME = "network_security_config.xml"
MANIFEST_LINE = 'android:networkSecurityConfig="@xml/network_security_config"'
INDENT = "    "

_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
# Characters XML 1.0 does not allow anywhere, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_android(pin_set: PinSet) -> Rendered:
    """The Network Security Config file for `pin_set`, with the manifest line in its header.

    Raises:
        ValueError: a domain Android cannot match, or a pin that is not a SHA-256 in base64;
            Android would fail to parse the file and refuse every HTTPS connection.
    """
    domains, findings = _android_domains(pin_set)
    lines = [
        *_header("Android Network Security Config (API 24 and later; older releases ignore it)."),
        "<network-security-config>",
        *_domain_config(pin_set, domains, trustkit=None),
        *_debug_overrides_comment(),
        "</network-security-config>",
    ]
    return Rendered(text="\n".join(lines) + "\n", filename=FILENAME, findings=tuple(findings))


def render_trustkit_android(pin_set: PinSet) -> Rendered:
    """The same file with a `<trustkit-config enforcePinning="true">` element (section 5).

    Reports go only to `pin_set.report_uri`: TrustKit's default report server is disabled.

    Raises:
        ValueError: fewer than two distinct pins (TrustKit refuses to start when enforcing), a
            domain TrustKit's DomainValidator rejects, or anything `render_android` refuses.
    """
    pins = pin_set.all_pins
    if len(pins) < 2:
        raise ValueError(
            f"TrustKit-Android with enforcePinning needs at least 2 distinct pins, found "
            f"{len(pins)}; add a backup pin (a spare key or another CA)"
        )
    domains, findings = _android_domains(pin_set)
    for domain, _ in domains:
        _require_trustkit_domain(domain)

    trustkit = ['<trustkit-config enforcePinning="true" disableDefaultReportUri="true">']
    if pin_set.report_uri:
        trustkit.append(f"{INDENT}<report-uri>{_text(pin_set.report_uri)}</report-uri>")
    trustkit.append("</trustkit-config>")

    lines = [
        *_header(
            "TrustKit for Android: also call "
            "TrustKit.initializeWithNetworkSecurityConfiguration(context)."
        ),
        "<network-security-config>",
        *_domain_config(pin_set, domains, trustkit=trustkit),
        "</network-security-config>",
    ]
    return Rendered(text="\n".join(lines) + "\n", filename=FILENAME, findings=tuple(findings))


def _header(note: str) -> list[str]:
    return [
        '<?xml version="1.0" encoding="utf-8"?>',
        _comment(f"res/xml/{FILENAME}. {note}"),
        _comment(f"In AndroidManifest.xml: <application {MANIFEST_LINE} ...>"),
    ]


def _domain_config(
    pin_set: PinSet, domains: list[tuple[str, bool]], trustkit: list[str] | None
) -> list[str]:
    """The `<domain-config>` element, indented one level."""
    lines = ["<domain-config>"]
    for domain, include_subdomains in domains:
        flag = "true" if include_subdomains else "false"
        lines.append(f'{INDENT}<domain includeSubdomains="{flag}">{_text(domain)}</domain>')

    expiration = ""
    if pin_set.expires is not None:
        expiration = f" expiration={quoteattr(pin_set.expires.strftime('%Y-%m-%d'))}"
    lines.append(f"{INDENT}<pin-set{expiration}>")
    for pin in pin_set.all_pins:
        lines.append(INDENT * 2 + _comment(describe(pin, pin_set)))
        lines.append(
            f'{INDENT * 2}<pin digest="SHA-256">{_text(checked_value(pin, ANDROID_EXPECTS))}</pin>'
        )
    lines.append(f"{INDENT}</pin-set>")

    lines.extend(INDENT + line for line in trustkit or ())
    lines.append("</domain-config>")
    return [INDENT + line for line in lines]


def _debug_overrides_comment() -> list[str]:
    """A commented-out `<debug-overrides>`: debuggable builds may trust user CAs, pins aside."""
    return [
        f"{INDENT}<!-- Uncomment to let debuggable builds trust user-installed CAs (a proxy such",
        f"{INDENT}     as mitmproxy); overridePins defaults to true here, so pins are not checked",
        f"{INDENT}     for chains ending at those CAs. Release builds ignore debug-overrides.",
        f"{INDENT}<debug-overrides>",
        f"{INDENT * 2}<trust-anchors>",
        f'{INDENT * 3}<certificates src="user" />',
        f"{INDENT * 2}</trust-anchors>",
        f"{INDENT}</debug-overrides>",
        f"{INDENT}-->",
    ]


def _android_domains(pin_set: PinSet) -> tuple[list[tuple[str, bool]], list[Finding]]:
    """Each domain once, as Android matches it, with its includeSubdomains flag.

    A `*.` or `**.` domain becomes its apex with includeSubdomains; a domain given both ways
    keeps the broader flag.
    """
    if not pin_set.domains:
        raise ValueError("a Network Security Config needs at least one domain; none was given")

    flags: dict[str, bool] = {}
    widened: list[str] = []
    for given in pin_set.domains:
        domain = _hostname(given)
        include = pin_set.include_subdomains
        if domain.startswith("**."):
            domain, include = domain[3:], True
        elif domain.startswith("*."):
            domain, include = domain[2:], True
            widened.append(given.strip())
        _require_hostname(domain, given)
        flags[domain] = flags.get(domain, False) or include

    findings = [_widened_finding(widened)] if widened else []
    return list(flags.items()), findings


def _widened_finding(wildcards: list[str]) -> Finding:
    names = ", ".join(wildcards)
    apexes = ", ".join(name.strip().lower()[2:] for name in wildcards)
    return Finding(
        code="pin.subdomain-depth",
        severity=Severity.WARNING,
        title=f"Android has no wildcards: {names} written as {apexes} with includeSubdomains",
        detail=(
            "Android's Network Security Config takes '*.' literally, so such a domain would "
            "never match and nothing would be pinned. includeSubdomains pins the apex itself "
            "and names at every depth below it, which is more than '*.' means elsewhere "
            "(OkHttp: exactly one label; iOS: one extra label)."
        ),
        remedy=(
            f"Make sure {apexes} and all of its subdomains serve a chain these pins match, or "
            "list the exact host names instead of a wildcard."
        ),
    )


def _hostname(given: str) -> str:
    """Trimmed, lower case, no trailing dot, international names as punycode."""
    domain = given.strip().lower().rstrip(".")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"domain {given!r} is not a valid host name: {error}") from error


def _require_hostname(domain: str, given: str) -> None:
    if "*" in domain:
        raise ValueError(
            f"domain {given!r}: Android matches no wildcards; only a leading '*.' can be turned "
            "into includeSubdomains"
        )
    if "://" in domain or "/" in domain or ":" in domain:
        raise ValueError(f"domain {given!r} must be a bare host name, without scheme or port")
    labels = domain.split(".")
    if len(domain) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"domain {given!r} is not a valid host name")


def _require_trustkit_domain(domain: str) -> None:
    """TrustKit's DomainValidator refuses IP addresses and names without a dot."""
    try:
        ipaddress.ip_address(domain)
    except ValueError:
        pass
    else:
        raise ValueError(f"TrustKit-Android cannot pin IP address {domain}; use a host name")
    if "." not in domain:
        raise ValueError(
            f"TrustKit-Android rejects domain {domain!r}: it needs a registered name with a dot"
        )


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def _comment(text: str) -> str:
    """An XML comment holding `text`, which must not contain '--' nor end with '-'."""
    safe = _NOT_XML.sub("", text).replace("\r", " ").replace("\n", " ")
    while "--" in safe:
        safe = safe.replace("--", "- -")
    if safe.endswith("-"):
        safe += " "
    return f"<!-- {safe} -->"
