"""The `pin.*` safety checks shown with every export (pin-formats.md §16, §17.4, §17.5).

Codes:

- `pin.no-backup`: fewer than two distinct pins. An error for TrustKit on iOS (and React
  Native's iOS side), which refuses to start when enforcing, and for HPKP, whose header is then
  ignored; a warning elsewhere.
- `pin.all-in-chain`: two or more pins, but every one is a key of the current chain, so one
  re-key or CA change bricks the app. An error for HPKP (RFC 7469 §2.5 requires a pin outside
  the chain), a warning elsewhere.
- `pin.leaf-only`: only leaf pins, which break at the first renewal with a new key; not raised
  for formats whose consumer checks the leaf alone (curl, Envoy, Flutter).
- `pin.expired`: the expiration date is past (error) or within 30 days (warning); Android and
  TrustKit then stop pinning silently.
- `pin.leaf-expires-first`: the leaf's key is the only key of the chain that is pinned, and
  the leaf certificate expires before the pin set's expiration date (or within 30 days when
  there is none): its renewal changes the leaf, and its key unless reused, and the app refuses
  the server before the pin set ends (pin-formats.md §17.5). A warning, for every format.
- `pin.unsupported-key`: a key TrustKit for iOS cannot hash (it hashes only RSA
  2048/3072/4096 and EC P-256/P-384). For TrustKit formats an error when the key is in the
  chain (TrustKit's check stops there), a warning for a pinned key outside it (that pin can
  never match); info when no format is chosen; not raised for other formats. One finding per
  key, naming the certificate whose key it is when known (`Finding.certificate`), so a front
  end can merge findings by (code, certificate). This module is the only one to raise it.
- `pin.include-subdomains`: what "include subdomains" covers on the chosen platform (info).
- `pin.not-spki`: a pin equal to the SHA-256 fingerprint of a whole chain certificate.

`rejection` says when the platform itself would refuse the output, so the export must fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pinscope.core.certificate import Certificate
from pinscope.core.keys import PublicKeyDetails, spki_pin
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.model import LEAF, PinSet, SPKIPin

__all__ = [
    "EXPIRY_WARN_DAYS",
    "LEAF_ONLY_FORMATS",
    "TRUSTKIT_FORMATS",
    "check_pin_set",
    "rejection",
    "trustkit_can_hash",
]

EXPIRY_WARN_DAYS = 30
TRUSTKIT_FORMATS = frozenset({"trustkit-ios", "trustkit-plist", "react-native"})
"""Formats read by TrustKit for iOS, which enforces by default and needs two pins."""
LEAF_ONLY_FORMATS = frozenset({"curl", "envoy", "flutter"})
"""Formats whose consumer checks only the leaf certificate or key."""
_FAIL_OPEN_FORMATS = frozenset({"android", "trustkit-android", *TRUSTKIT_FORMATS})
_ANY_DEPTH = "the domain and its subdomains at any depth"
_SUBDOMAIN_RULES = {
    "android": f"Android's includeSubdomains covers {_ANY_DEPTH}",
    "trustkit-android": f"TrustKit-Android's includeSubdomains covers {_ANY_DEPTH}",
    "okhttp-kotlin": f"OkHttp's **. pattern covers {_ANY_DEPTH} (OkHttp 4.3 and later)",
    "okhttp-java": f"OkHttp's **. pattern covers {_ANY_DEPTH} (OkHttp 4.3 and later)",
    "ios-ats": "iOS NSIncludesSubdomains covers ONE extra label only: api.example.com but "
    "not a.b.example.com",
    "trustkit-ios": f"TrustKit's kTSKIncludeSubdomains covers {_ANY_DEPTH}",
    "trustkit-plist": f"TrustKit's TSKIncludeSubdomains covers {_ANY_DEPTH}",
    "react-native": f"includeSubdomains covers {_ANY_DEPTH} on Android (**.) and iOS (TrustKit)",
    "hpkp": f"HPKP's includeSubDomains covers {_ANY_DEPTH}",
}
_TRUSTKIT_RSA_SIZES = frozenset({2048, 3072, 4096})
_TRUSTKIT_CURVES = frozenset({"secp256r1", "secp384r1"})
"""P-256 and P-384 by cryptography's names; secp256k1 and brainpool curves of the same sizes
are not among them."""
_TRUSTKIT_PLATFORMS = {
    "trustkit-ios": "TrustKit",
    "trustkit-plist": "TrustKit",
    "react-native": "react-native-ssl-public-key-pinning on iOS (TrustKit)",
}


def check_pin_set(
    pin_set: PinSet, format_name: str | None = None, now: dt.datetime | None = None
) -> list[Finding]:
    """The safety findings for exporting `pin_set` as `format_name`.

    Args:
        pin_set: what is about to be written.
        format_name: the `--format NAME`; None to check for every platform at once.
        now: the moment to judge the expiration date at; the current time when None.
    """
    now = now or dt.datetime.now(dt.UTC)
    findings = [
        *_backup_findings(pin_set, format_name),
        *_leaf_only(pin_set, format_name),
        *_leaf_expires_first(pin_set, format_name, now),
        *_expiry(pin_set, format_name, now),
        *_unsupported_keys(pin_set, format_name),
        *_subdomains(pin_set, format_name),
        *_not_spki(pin_set),
    ]
    return findings


def rejection(pin_set: PinSet, format_name: str) -> str | None:
    """Why the platform itself would refuse this output; None when it would accept it."""
    distinct = len(pin_set.all_pins)
    if format_name in TRUSTKIT_FORMATS and distinct < 2:
        return (
            f"TrustKit refuses to start with fewer than two pins when enforcing (found "
            f"{distinct}): add a backup pin with --backup"
        )
    if format_name == "hpkp" and pin_set.chain and not _outside_chain(pin_set):
        return (
            "browsers ignore a Public-Key-Pins header without a backup pin outside the current "
            "chain (RFC 7469 §2.5): add one with --backup"
        )
    return None


def trustkit_can_hash(key: PublicKeyDetails) -> bool:
    """Whether TrustKit for iOS can rebuild and hash this key's SPKI (pin-formats.md §4.2)."""
    if key.type == "RSA":
        return key.size in _TRUSTKIT_RSA_SIZES
    return key.type == "EC" and key.curve in _TRUSTKIT_CURVES


def _backup_findings(pin_set: PinSet, format_name: str | None) -> Iterator[Finding]:
    distinct = len(pin_set.all_pins)
    if distinct < 2:
        fatal = format_name in TRUSTKIT_FORMATS or format_name == "hpkp"
        yield Finding(
            "pin.no-backup",
            Severity.ERROR if fatal else Severity.WARNING,
            "Only one pin: no backup",
            f"The pin set holds {distinct} pin. When that key changes (a renewal with a new "
            "key, a new CA) the app refuses every connection until users install an update. "
            "TrustKit refuses to start with fewer than two pins when enforcing, and browsers "
            "ignore an HPKP header without a backup.",
            "Add a backup pin: a spare key kept offline (`pinscope new-backup-key`), or the "
            "pin of another CA you could move to, with --backup.",
        )
        return
    if pin_set.chain and not _outside_chain(pin_set):
        yield Finding(
            "pin.all-in-chain",
            Severity.ERROR if format_name == "hpkp" else Severity.WARNING,
            "Every pin is a key of the current chain",
            f"All {distinct} pins belong to certificates of the chain in use today. If the CA "
            "re-keys or the server moves to another CA, none of them matches and the app "
            "refuses every connection.",
            "Add a backup pin outside the chain: a spare key kept offline "
            "(`pinscope new-backup-key`) or another CA's key, with --backup.",
        )


def _leaf_only(pin_set: PinSet, format_name: str | None) -> Iterator[Finding]:
    if format_name in LEAF_ONLY_FORMATS or not pin_set.pins:
        return
    if all(pin.role == LEAF for pin in pin_set.pins):
        yield Finding(
            "pin.leaf-only",
            Severity.WARNING,
            "Only the leaf's key is pinned",
            "Every pin taken from the chain is the leaf's. Renewals often make a new key (ACME "
            "clients do by default), and the app then refuses the server until it is updated.",
            "Pin the intermediate CA (--level intermediate) and keep a backup pin, or make "
            "sure every renewal reuses the key.",
            _leaf_fingerprint(pin_set),
        )


def _expiry(pin_set: PinSet, format_name: str | None, now: dt.datetime) -> Iterator[Finding]:
    if pin_set.expires is None:
        return
    days = (pin_set.expires - now.date()).days
    if days > EXPIRY_WARN_DAYS:
        return
    when = "has passed" if days <= 0 else f"is in {days} days"
    consequence = (
        "Android's Network Security Config and TrustKit stop pinning silently after that date "
        "(Android at local midnight, TrustKit iOS at midnight UTC): the app accepts any valid "
        "certificate and nothing says so."
    )
    if format_name is not None and format_name not in _FAIL_OPEN_FORMATS:
        consequence += f" The {format_name} format has no expiration; the date is not written."
    yield Finding(
        "pin.expired",
        Severity.ERROR if days <= 0 else Severity.WARNING,
        "The pin set's expiration date has passed" if days <= 0 else "The pin set expires soon",
        f"The expiration date {pin_set.expires.isoformat()} {when}. {consequence}",
        "Choose a later --expires date (after the next app release you can count on), or "
        "leave it out and plan the rotation with backup pins.",
    )


def _leaf_expires_first(
    pin_set: PinSet, format_name: str | None, now: dt.datetime
) -> Iterator[Finding]:
    leaf = pin_set.leaf
    if leaf is None or leaf.details.is_ca:
        return
    pinned = {pin.value for pin in pin_set.all_pins}
    others = {spki_pin(cert.spki_der) for cert in pin_set.chain[1:]}
    if spki_pin(leaf.spki_der) not in pinned or pinned & others:
        return

    not_after = leaf.details.not_after
    if pin_set.expires is not None:
        limit = dt.datetime.combine(pin_set.expires, dt.time(), dt.UTC)
        until = f"the pin set's expiration date {pin_set.expires.isoformat()}"
    else:
        limit = now + dt.timedelta(days=EXPIRY_WARN_DAYS)
        until = "users install an update with new pins"
    if not_after >= limit:
        return
    yield _leaf_expires_finding(leaf, pin_set, format_name, now, until)


def _leaf_expires_finding(
    leaf: Certificate, pin_set: PinSet, format_name: str | None, now: dt.datetime, until: str
) -> Finding:
    not_after = leaf.details.not_after
    days = (not_after - now).days
    when = f"expired on {not_after.date()}" if days < 0 else f"expires on {not_after.date()}"
    whole = (
        " Flutter's http_certificate_pinning pins the whole certificate, so even a renewal "
        "with the same key breaks it."
        if format_name == "flutter"
        else ""
    )
    spare = (
        " A backup key pinned now only helps if the renewal uses that key."
        if _outside_chain(pin_set)
        else ""
    )
    within = "" if pin_set.expires is not None else f", within {EXPIRY_WARN_DAYS} days"
    return Finding(
        "pin.leaf-expires-first",
        Severity.WARNING,
        "The pinned leaf certificate expires before the pins do",
        f"The leaf certificate {leaf.details.subject} {when}{within}, and of this chain only "
        "the leaf's key is pinned. Its renewal replaces the leaf certificate, and its key "
        f"unless the key is reused, so from then until {until} the app refuses the renewed "
        f"server.{whole}{spare}",
        "Pin the intermediate CA (--level intermediate) with a backup pin, or renew with the "
        f"same key (or the pinned backup key), or ship an update with the new pin before "
        f"{not_after.date()}.",
        leaf.sha256,
    )


def _unsupported_keys(pin_set: PinSet, format_name: str | None) -> Iterator[Finding]:
    if format_name is not None and format_name not in TRUSTKIT_FORMATS:
        return
    platform = _TRUSTKIT_PLATFORMS.get(format_name or "", "TrustKit")
    seen: set[str] = set()
    for what, key, certificate, in_chain in _keys(pin_set):
        if key is None or trustkit_can_hash(key) or key.spki_sha256 in seen:
            continue
        seen.add(key.spki_sha256)
        if format_name is None:
            severity = Severity.INFO
        else:
            severity = Severity.ERROR if in_chain else Severity.WARNING
        yield _unsupported_key(what, key, certificate, platform, in_chain, severity)


def _unsupported_key(
    what: str,
    key: PublicKeyDetails,
    certificate: Certificate | None,
    platform: str,
    in_chain: bool,
    severity: Severity,
) -> Finding:
    described = _describe_key(key)
    if in_chain:
        consequence = (
            "TrustKit checks the chain from the anchor down and stops with an error at the "
            "first key it cannot hash, so connections through this chain can fail."
        )
    else:
        consequence = "this key is not in the chain, and a pin of it can never match."
    return Finding(
        "pin.unsupported-key",
        severity,
        f"{platform} cannot hash the {described} key of {what}",
        f"TrustKit for iOS rebuilds SPKI hashes only for RSA 2048/3072/4096 and EC "
        f"P-256/P-384 keys; {what} has {_article(described)} {described} key, so "
        f"{consequence}",
        "Pin with a platform that hashes any key (iOS NSPinnedDomains), or use RSA "
        "2048-4096 or EC P-256/P-384 keys in the pinned chain and for backup keys.",
        certificate.sha256 if certificate is not None else None,
    )


def _describe_key(key: PublicKeyDetails) -> str:
    """ "EC secp521r1", "RSA 8192", "Ed25519"."""
    if key.type == "EC" and key.curve:
        return f"EC {key.curve}"
    return f"{key.type} {key.size}" if key.size and key.type == "RSA" else key.type


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def _subdomains(pin_set: PinSet, format_name: str | None) -> Iterator[Finding]:
    if not pin_set.include_subdomains:
        return
    if format_name is None:
        rules = "; ".join(dict.fromkeys(_SUBDOMAIN_RULES.values()))
    elif format_name in _SUBDOMAIN_RULES:
        rules = _SUBDOMAIN_RULES[format_name]
    else:
        rules = f"the {format_name} format has no subdomain setting: only the names given match"
    yield Finding(
        "pin.include-subdomains",
        Severity.INFO,
        "Include subdomains means different depths on each platform",
        f"{rules}.",
        "List deeper names with --domain where the platform stops at one level.",
    )


def _not_spki(pin_set: PinSet) -> Iterator[Finding]:
    fingerprints = {cert.sha256: cert for cert in pin_set.chain}
    for pin in pin_set.all_pins:
        cert = fingerprints.get(pin.hex)
        if cert is None:
            continue
        yield Finding(
            "pin.not-spki",
            Severity.ERROR,
            "A pin is a certificate fingerprint, not a key pin",
            f"{pin.value} ({pin.source}) is the SHA-256 of the whole certificate "
            f"{cert.details.subject}, not of its public key; no pinning library will match it.",
            f"Use the key pin of that certificate instead: {spki_pin(cert.spki_der)}",
            cert.sha256,
        )


def _outside_chain(pin_set: PinSet) -> list[SPKIPin]:
    chain_keys = {spki_pin(cert.spki_der) for cert in pin_set.chain}
    return [pin for pin in pin_set.all_pins if pin.value not in chain_keys]


def _keys(
    pin_set: PinSet,
) -> Iterator[tuple[str, PublicKeyDetails | None, Certificate | None, bool]]:
    """Each key TrustKit would meet: (what it is, the key, its certificate, in the chain)."""
    for member in pin_set.chain:
        yield f"the certificate {member.details.subject}", member.details.public_key, member, True
    chain_keys = {spki_pin(cert.spki_der) for cert in pin_set.chain}
    for pin in pin_set.all_pins:
        cert = pin.certificate
        key = pin.public_key or (cert.details.public_key if cert is not None else None)
        what = f"the {pin.source}" if cert is None else f"the certificate {cert.details.subject}"
        yield what, key, cert, pin.value in chain_keys


def _leaf_fingerprint(pin_set: PinSet) -> str | None:
    leaf = pin_set.leaf
    return leaf.sha256 if leaf is not None else None
