"""OkHttp `CertificatePinner.Builder()` snippets in Kotlin and Java (pin-formats.md section 2).

OkHttp checks the cleaned chain it builds, root included, so every pin of the set is written.
Host patterns follow OkHttp's own rules: an exact name; `*.example.com` for exactly one extra
label; `**.example.com` (OkHttp 4.3 and later) for the apex and names at any depth, which is
what "include subdomains" becomes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pinscope.core.model import Finding, Severity
from pinscope.core.pins.formats.common import checked_value, describe
from pinscope.core.pins.model import PinSet, Rendered

__all__ = ["host_patterns", "render_java", "render_kotlin"]

OKHTTP_WOULD = "not a SHA-256 of 32; OkHttp would accept it and never match"

INDENT = "    "
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_CONTROL = re.compile("[\x00-\x1f\x7f\u2028\u2029]")


def render_kotlin(pin_set: PinSet) -> Rendered:
    """A Kotlin `CertificatePinner` and the `OkHttpClient` that uses it.

    Raises:
        ValueError: no domain, a domain OkHttp would refuse ("Invalid pattern"), or a pin that
            is not a SHA-256 in base64.
    """
    patterns, findings = host_patterns(pin_set)
    lines = [
        "import okhttp3.CertificatePinner",
        "import okhttp3.OkHttpClient",
        "",
        *_notes(patterns, _kotlin_comment),
        "val certificatePinner = CertificatePinner.Builder()",
        *_adds(pin_set, patterns, _kotlin_string, _kotlin_comment),
        f"{INDENT}.build()",
        "val client = OkHttpClient.Builder()",
        f"{INDENT}.certificatePinner(certificatePinner)",
        f"{INDENT}.build()",
    ]
    return Rendered(
        text="\n".join(lines) + "\n", filename="CertificatePinner.kt", findings=findings
    )


def render_java(pin_set: PinSet) -> Rendered:
    """A Java `CertificatePinner` and the `OkHttpClient` that uses it.

    Raises:
        ValueError: as `render_kotlin`.
    """
    patterns, findings = host_patterns(pin_set)
    lines = [
        "import okhttp3.CertificatePinner;",
        "import okhttp3.OkHttpClient;",
        "",
        *_notes(patterns, _java_comment),
        "CertificatePinner certificatePinner = new CertificatePinner.Builder()",
        *_adds(pin_set, patterns, _java_string, _java_comment),
        f"{INDENT}.build();",
        "OkHttpClient client = new OkHttpClient.Builder()",
        f"{INDENT}.certificatePinner(certificatePinner)",
        f"{INDENT}.build();",
    ]
    return Rendered(
        text="\n".join(lines) + "\n", filename="CertificatePinner.java", findings=findings
    )


def host_patterns(pin_set: PinSet) -> tuple[list[str], tuple[Finding, ...]]:
    """OkHttp's host pattern for each domain, each once, and a note on `*.` depth.

    Raises:
        ValueError: no domain, or one OkHttp would refuse.
    """
    if not pin_set.domains:
        raise ValueError("an OkHttp CertificatePinner needs at least one host; none was given")

    patterns: dict[str, None] = {}
    single_label: list[str] = []
    for given in pin_set.domains:
        pattern = _pattern(given, pin_set.include_subdomains)
        patterns.setdefault(pattern, None)
        if pattern.startswith("*."):
            single_label.append(pattern)

    findings = (_single_label_finding(single_label),) if single_label else ()
    return list(patterns), findings


def _pattern(given: str, include_subdomains: bool) -> str:
    domain = given.strip().lower().rstrip(".")
    if "://" in domain or "/" in domain or ":" in domain:
        raise ValueError(
            f"OkHttp refuses {given!r} (Invalid pattern): give a bare host name, without "
            "scheme, path or port"
        )
    prefix = ""
    for wildcard in ("**.", "*."):
        if domain.startswith(wildcard):
            prefix, domain = wildcard, domain[len(wildcard) :]
            break
    if include_subdomains:
        prefix = "**."

    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"host {given!r} is not a valid host name: {error}") from error
    if "*" in domain:
        raise ValueError(
            f"OkHttp refuses {given!r} (Unexpected pattern): '*' or '**' may only begin a pattern"
        )
    if len(domain) > 253 or not all(_LABEL.match(label) for label in domain.split(".")):
        raise ValueError(f"host {given!r} is not a valid host name")
    return prefix + domain


def _single_label_finding(patterns: list[str]) -> Finding:
    names = ", ".join(patterns)
    return Finding(
        code="pin.subdomain-depth",
        severity=Severity.INFO,
        title=f"OkHttp's {names} pins exactly one extra label",
        detail=(
            "In OkHttp '*.example.com' matches 'api.example.com' but neither 'example.com' nor "
            "'a.b.example.com': those hosts are then not pinned at all. Android's and "
            "TrustKit's includeSubdomains cover the apex and every depth."
        ),
        remedy="Use '**.' (OkHttp 4.3 or later) or --include-subdomains to pin every depth.",
    )


def _notes(patterns: list[str], comment: Callable[[str], str]) -> list[str]:
    notes = [
        "OkHttp passes when any one pin matches a certificate of the chain it builds, root "
        "included."
    ]
    if any(pattern.startswith("**.") for pattern in patterns):
        notes.append("'**.' patterns (the domain and all its subdomains) need OkHttp 4.3+.")
    return [comment(note) for note in notes]


def _adds(
    pin_set: PinSet,
    patterns: list[str],
    string: Callable[[str], str],
    comment: Callable[[str], str],
) -> list[str]:
    """One `.add(pattern, pins...)` call per pattern, each pin under a comment saying what it is."""
    pins = pin_set.all_pins
    lines: list[str] = []
    for pattern in patterns:
        lines.append(f"{INDENT}.add(")
        lines.append(f"{INDENT * 2}{string(pattern)},")
        for index, pin in enumerate(pins):
            separator = "," if index < len(pins) - 1 else ""
            lines.append(INDENT * 2 + comment(describe(pin, pin_set)))
            lines.append(
                f"{INDENT * 2}{string('sha256/' + checked_value(pin, OKHTTP_WOULD))}{separator}"
            )
        lines.append(f"{INDENT})")
    if not pins:
        raise ValueError("an OkHttp CertificatePinner needs at least one pin; none was given")
    return lines


def _kotlin_string(value: str) -> str:
    """A Kotlin string literal: `$` must be escaped too, or it starts a template."""
    escaped = {"\\": "\\\\", '"': '\\"', "$": "\\$", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return '"' + "".join(escaped.get(char, _unicode_escape(char)) for char in value) + '"'


def _java_string(value: str) -> str:
    escaped = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return '"' + "".join(escaped.get(char, _unicode_escape(char)) for char in value) + '"'


def _unicode_escape(char: str) -> str:
    if " " <= char <= "~":
        return char
    return "".join(f"\\u{unit:04x}" for unit in _utf16_units(char))


def _utf16_units(char: str) -> list[int]:
    encoded = char.encode("utf-16-be")
    return [int.from_bytes(encoded[i : i + 2], "big") for i in range(0, len(encoded), 2)]


def _kotlin_comment(text: str) -> str:
    return "// " + _CONTROL.sub(" ", text)


def _java_comment(text: str) -> str:
    """A line comment; backslashes doubled, since javac reads `\\u000a` even inside comments."""
    return "// " + _CONTROL.sub(" ", text).replace("\\", "\\\\")
