"""Pins for servers and command-line clients: curl, HPKP, Envoy and Go (pin-formats.md 11-14).

curl and Envoy compare only the key of the certificate the server presents, so they get leaf
pins and leaf-replacement backups; a `pin.leaf-only-consumer` finding says what was left out.
HPKP and Go check the validated chain and get every pin.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from pinscope.core.certificate import Certificate
from pinscope.core.keys import spki_pin
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.formats.common import checked_value, describe
from pinscope.core.pins.model import BACKUP, LEAF, PinSet, Rendered, SPKIPin

__all__ = [
    "DEFAULT_HPKP_MAX_AGE",
    "leaf_pins",
    "render_curl",
    "render_envoy",
    "render_go",
    "render_hpkp",
]

DEFAULT_HPKP_MAX_AGE = 60 * 86400
"""Sixty days, the cap RFC 7469 section 4.1 suggests, used when the pin set has no expiry."""

_CONTROL = re.compile("[\x00-\x1f\x7f\u2028\u2029]")


def render_curl(pin_set: PinSet) -> Rendered:
    """The `--pinnedpubkey 'sha256//…;sha256//…'` argument: the leaf key and spare leaf keys.

    Raises:
        ValueError: no leaf pin can be found (the pin set holds only CA pins and no chain), or a
            pin is not a SHA-256 in padded base64, which curl compares byte for byte.
    """
    pins, finding = leaf_pins(pin_set, "curl")
    argument = ";".join(f"sha256//{checked_value(pin)}" for pin in pins)
    return Rendered(
        text=f"--pinnedpubkey '{argument}'\n", filename="pinnedpubkey.txt", findings=(finding,)
    )


def render_hpkp(pin_set: PinSet, *, today: dt.date | None = None) -> Rendered:
    """The `Public-Key-Pins` header (RFC 7469), under a line saying browsers dropped it.

    Args:
        pin_set: the pins; at least one must be in the chain and one outside it.
        today: the date max-age counts from; None for today (UTC).

    Raises:
        ValueError: no pin of the current chain, no backup pin outside it (user agents ignore
            such a header, RFC 7469 section 2.5), an expiry date not after today, or a
            report URI that cannot go in a header.
    """
    chain_values = {pin.value for pin in pin_set.pins} | _chain_values(pin_set.chain)
    current = [pin for pin in pin_set.all_pins if pin.value in chain_values]
    outside = [pin for pin in pin_set.all_pins if pin.value not in chain_values]
    if not current:
        raise ValueError("HPKP needs a pin of the current chain; the pin set has none")
    if not outside:
        raise ValueError(
            "HPKP needs a backup pin that matches no certificate of the current chain "
            "(RFC 7469 section 2.5), or user agents ignore the header; add --backup with a "
            "spare key"
        )

    directives = [f'pin-sha256="{checked_value(pin)}"' for pin in (*current, *outside)]
    directives.append(f"max-age={_max_age(pin_set.expires, today)}")
    if pin_set.include_subdomains:
        directives.append("includeSubDomains")
    if pin_set.report_uri:
        directives.append(f"report-uri={_quoted_string(pin_set.report_uri)}")

    text = (
        "# Deprecated: HPKP was removed from Chrome 72 and Firefox 72 and never supported by "
        "Safari or Edge; only for legacy and non-browser clients.\n"
        f"Public-Key-Pins: {'; '.join(directives)}\n"
    )
    return Rendered(text=text, filename="public-key-pins.txt", findings=(_hpkp_deprecated(),))


def render_envoy(pin_set: PinSet) -> Rendered:
    """An Envoy `UpstreamTlsContext` whose validation context lists `verify_certificate_spki`.

    Raises:
        ValueError: as `render_curl`; Envoy also requires each value to be exactly 44 characters.
    """
    pins, finding = leaf_pins(pin_set, "Envoy")
    domains = [domain.strip().lower().rstrip(".") for domain in pin_set.domains]
    exact = [domain for domain in domains if not domain.startswith("*")]

    lines = [
        "# Envoy upstream TLS with SPKI pins. verify_certificate_spki matches only the key of",
        "# the certificate the server presents (its leaf); CA pins do not apply here.",
        "# Without trusted_ca Envoy verifies no chain at all and the pin is the only check:",
        "# point trusted_ca at the CA bundle that should have issued the server's certificate.",
        "transport_socket:",
        "  name: envoy.transport_sockets.tls",
        "  typed_config:",
        '    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.'
        "UpstreamTlsContext",
    ]
    if exact:
        lines.append(f"    sni: {_yaml_string(exact[0])}")
    lines += [
        "    common_tls_context:",
        "      validation_context:",
        "        trusted_ca:",
        f"          filename: {_yaml_string('<ca-bundle.pem>')}",
    ]
    matchers = _san_matchers(domains, pin_set.include_subdomains)
    if matchers:
        lines.append("        match_typed_subject_alt_names:")
        for kind, value in matchers:
            lines += ["        - san_type: DNS", "          matcher:"]
            lines.append(f"            {kind}: {_yaml_string(value)}")
    lines.append("        verify_certificate_spki:")
    for pin in pins:
        lines.append(f"        # {_comment_text(describe(pin, pin_set))}")
        lines.append(f"        - {_yaml_string(checked_value(pin))}")

    return Rendered(text="\n".join(lines) + "\n", filename="envoy-tls.yaml", findings=(finding,))


def render_go(pin_set: PinSet) -> Rendered:
    """A Go file: the pins, a `VerifyPeerCertificate`-shaped check over the verified chains,
    and a `tls.Config` that runs it from `VerifyConnection` (also called on resumed sessions).

    Raises:
        ValueError: no pin, or a pin that is not a SHA-256 in padded base64.
    """
    pins = pin_set.all_pins
    if not pins:
        raise ValueError("a Go pin check needs at least one pin; none was given")
    entries: list[str] = []
    for pin in pins:
        entries.append(f"\t// {_comment_text(describe(pin, pin_set))}")
        entries.append(f"\t{json.dumps(checked_value(pin))}: true,")
    hosts = ", ".join(pin_set.domains) or "the pinned hosts"
    example = next((d for d in pin_set.domains if "*" not in d), "api.example.com")

    text = _GO_TEMPLATE.format(
        hosts=_comment_text(hosts),
        entries="\n".join(entries),
        example=json.dumps(example.strip().lower()),
    )
    return Rendered(text=text, filename="pins.go")


_GO_TEMPLATE = """\
// Package pinning checks SPKI pins for {hosts}.
package pinning

import (
\t"crypto/sha256"
\t"crypto/tls"
\t"crypto/x509"
\t"encoding/base64"
\t"errors"
)

// spkiPins holds base64 SHA-256 hashes of certificates' SubjectPublicKeyInfo DER.
var spkiPins = map[string]bool{{
{entries}
}}

// VerifyPins passes when a certificate of a verified chain, root included, has a pinned key.
// It has the signature of tls.Config.VerifyPeerCertificate and reads only verifiedChains:
// rawCerts is the chain as sent, which an attacker controls.
func VerifyPins(rawCerts [][]byte, verifiedChains [][]*x509.Certificate) error {{
\tif len(verifiedChains) == 0 {{
\t\treturn errors.New("certificate pinning: no verified chain (InsecureSkipVerify set?)")
\t}}
\tfor _, chain := range verifiedChains {{
\t\tfor _, cert := range chain {{
\t\t\tsum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
\t\t\tif spkiPins[base64.StdEncoding.EncodeToString(sum[:])] {{
\t\t\t\treturn nil
\t\t\t}}
\t\t}}
\t}}
\treturn errors.New("certificate pinning: no certificate of the verified chain has a pinned key")
}}

// NewTLSConfig returns a tls.Config checking the pins on every connection, for example
// NewTLSConfig({example}). It calls VerifyPins from VerifyConnection, because Go does
// not call VerifyPeerCertificate on resumed connections.
func NewTLSConfig(serverName string) *tls.Config {{
\treturn &tls.Config{{
\t\tServerName: serverName,
\t\tVerifyConnection: func(cs tls.ConnectionState) error {{
\t\t\treturn VerifyPins(nil, cs.VerifiedChains)
\t\t}},
\t}}
}}
"""


def leaf_pins(pin_set: PinSet, consumer: str) -> tuple[list[SPKIPin], Finding]:
    """The pins a leaf-only consumer can match, and a finding saying what was left out.

    A pin counts as a leaf pin by its role or, when the role is unknown, by the chain; a backup
    counts unless it belongs to a CA certificate. When the chosen level gave no leaf pin, the
    leaf of the chain is pinned instead.

    Raises:
        ValueError: no pin is left that could match the server's own key.
    """
    roles = _chain_roles(pin_set.chain)
    kept: dict[str, SPKIPin] = {}
    dropped: list[SPKIPin] = []
    for pin in pin_set.pins:
        role = pin.role or roles.get(pin.value)
        if role in (LEAF, None):
            kept.setdefault(pin.value, pin)
        else:
            dropped.append(pin)

    added = None
    leaf = pin_set.leaf
    if leaf is not None and not any(_role(pin, roles) == LEAF for pin in kept.values()):
        added = _certificate_pin(leaf)
        kept = {added.value: added, **kept}

    for backup in pin_set.backups:
        if _is_ca(backup) or roles.get(backup.value, LEAF) != LEAF:
            dropped.append(backup)
        else:
            kept.setdefault(backup.value, backup)

    if not kept:
        raise ValueError(
            f"{consumer} checks only the server's own (leaf) key, and the pin set has only CA "
            "pins; export with --level leaf, or from the leaf certificate or its key"
        )
    return list(kept.values()), _leaf_only_finding(consumer, dropped, added)


def _leaf_only_finding(consumer: str, dropped: list[SPKIPin], added: SPKIPin | None) -> Finding:
    detail = (
        f"{consumer} compares only the public key of the certificate the server presents; "
        "intermediate and root pins can never match there. When the certificate is renewed "
        "with a new key, connections fail until the pin is updated."
    )
    if dropped:
        names = "; ".join(pin.source for pin in dropped)
        detail += f" Left out: {names}."
    if added is not None:
        detail += f" Pinned instead: the leaf key, {added.source}."

    noun = "CA pin" if len(dropped) == 1 else "CA pins"
    title = f"{consumer} checks only the server's own key"
    if dropped:
        title += f": {len(dropped)} {noun} left out"
    return Finding(
        code="pin.leaf-only-consumer",
        severity=Severity.WARNING if dropped or added else Severity.INFO,
        title=title,
        detail=detail,
        remedy=(
            "Ship a backup pin for a spare leaf key (pinscope new-backup-key) and renew the "
            "certificate with the current or the spare key, never a fresh one."
        ),
        certificate=added.certificate.sha256 if added and added.certificate else None,
    )


def _hpkp_deprecated() -> Finding:
    return Finding(
        code="pin.deprecated-format",
        severity=Severity.WARNING,
        title="HPKP is deprecated: browsers ignore Public-Key-Pins",
        detail=(
            "Chrome and Firefox removed HTTP Public Key Pinning in version 72; Safari and Edge "
            "never supported it. Only legacy or custom clients still read the header, and a "
            "mistake in it can lock those clients out for the whole max-age."
        ),
        remedy=(
            "Use it only for clients known to read it; pin in the app instead (Android, OkHttp, "
            "iOS) and watch Certificate Transparency for browsers."
        ),
    )


def _chain_roles(chain: tuple[Certificate, ...]) -> dict[str, str]:
    """The pin of each chain certificate: LEAF for the first, "ca" for the others."""
    roles: dict[str, str] = {}
    for index, certificate in enumerate(chain):
        roles.setdefault(spki_pin(certificate.spki_der), LEAF if index == 0 else "ca")
    return roles


def _chain_values(chain: tuple[Certificate, ...]) -> set[str]:
    return {spki_pin(certificate.spki_der) for certificate in chain}


def _role(pin: SPKIPin, roles: dict[str, str]) -> str | None:
    return pin.role or roles.get(pin.value)


def _is_ca(pin: SPKIPin) -> bool:
    if pin.role not in (None, BACKUP, LEAF):
        return True
    return pin.certificate is not None and pin.certificate.details.is_ca


def _certificate_pin(certificate: Certificate) -> SPKIPin:
    return SPKIPin(
        value=spki_pin(certificate.spki_der),
        source=f"certificate {certificate.short_name}",
        role=LEAF,
        certificate=certificate,
        public_key=certificate.details.public_key,
    )


def _max_age(expires: dt.date | None, today: dt.date | None) -> int:
    if expires is None:
        return DEFAULT_HPKP_MAX_AGE
    today = today or dt.datetime.now(dt.UTC).date()
    days = (expires - today).days
    if days <= 0:
        raise ValueError(
            f"HPKP max-age counts from today ({today:%Y-%m-%d}); the expiry date "
            f"{expires:%Y-%m-%d} is not after it"
        )
    return days * 86400


def _quoted_string(value: str) -> str:
    """An HTTP quoted-string (RFC 9110 section 5.6.4)."""
    if _CONTROL.search(value):
        raise ValueError(f"report URI {value!r} holds control characters; it cannot go in a header")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _san_matchers(domains: list[str], include_subdomains: bool) -> list[tuple[str, str]]:
    matchers: list[tuple[str, str]] = []
    for domain in domains:
        apex = domain.lstrip("*").lstrip(".")
        if not domain.startswith("*"):
            matchers.append(("exact", apex))
        if include_subdomains or domain.startswith("*"):
            matchers.append(("suffix", f".{apex}"))
    return list(dict.fromkeys(matchers))


def _yaml_string(value: str) -> str:
    """A double-quoted YAML scalar; JSON's escapes are YAML's."""
    return json.dumps(value)


def _comment_text(text: str) -> str:
    return _CONTROL.sub(" ", text)
