"""Compute SPKI pins from what was loaded: certificates and their chains, keys, CSRs, endpoints.

A certificate, the CSR it was issued from and its private key hold the same SubjectPublicKeyInfo,
so they give the same pin (pin-formats.md §0.1). Chains are taken as built against the trust
store when a validation is given, so the root a server never sends can be pinned too (§0.2);
each other complete path (a cross-signed root) is kept as its own list of pins.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from pinscope.core.certificate import Certificate
from pinscope.core.chain import CertificationPath, Validation
from pinscope.core.keys import spki_pin
from pinscope.core.model import Source
from pinscope.core.pins.model import BACKUP, INTERMEDIATE, LEAF, LEVELS, ROOT, PinSet, SPKIPin

__all__ = [
    "RECOMMENDATION",
    "ComputedPins",
    "PathPins",
    "backup_pins",
    "build_pin_set",
    "chain_pins",
    "order_chain",
    "pins_from_source",
    "role_of",
]

logger = logging.getLogger(__name__)

RECOMMENDATION = (
    "Pinning the intermediate CA plus a backup pin is usually best: the leaf key can then be "
    "renewed freely, while a root pin trusts everything that CA signs. A backup pin (a spare "
    "key kept offline, see `pinscope new-backup-key`, or another CA) keeps the app working when "
    "the CA changes."
)
"""Why `--level intermediate` is the default, printed with every export."""

_ALL = "all"
_GENERIC_ALIASES = frozenset({"private key", "public key", ""})
"""Aliases the loaders give keys that have no name of their own."""


@dataclass(frozen=True)
class PathPins:
    """The pins of one certification path, leaf first, each labelled with its role."""

    chain: tuple[Certificate, ...]
    pins: tuple[SPKIPin, ...]
    complete: bool
    """Whether the path ends at a trust anchor (so its last pin is a root)."""


@dataclass(frozen=True)
class ComputedPins:
    """What `pins_from_source` found: the pins chosen at a level, and everything else known."""

    name: str
    """The source's name."""
    selected: tuple[SPKIPin, ...]
    """The pins at the chosen level, over every path, most specific first, each value once."""
    paths: tuple[PathPins, ...]
    """The chain the client builds first, then one entry per alternative (cross-signed) path;
    empty when the source holds no certificate."""
    keys: tuple[SPKIPin, ...]
    """Pins of private keys, public keys and CSRs not already given by a certificate."""
    level: str
    notes: tuple[str, ...] = ()
    """Sentences for the person exporting: what the level means here, what was left out."""

    @property
    def chain(self) -> tuple[Certificate, ...]:
        return self.paths[0].chain if self.paths else ()

    @property
    def all_pins(self) -> tuple[SPKIPin, ...]:
        """Every pin of every path and key, each value once."""
        return _unique([*(pin for path in self.paths for pin in path.pins), *self.keys])


def role_of(cert: Certificate, index: int, length: int, anchored: bool) -> str:
    """LEAF, INTERMEDIATE or ROOT for the certificate at `index` of a leaf-first chain."""
    details = cert.details
    if index == 0 and not details.is_ca:
        return LEAF
    if details.self_signed or (anchored and index == length - 1):
        return ROOT
    return INTERMEDIATE


def chain_pins(chain: Sequence[Certificate], anchored: bool = False) -> tuple[SPKIPin, ...]:
    """The pin of each certificate of a leaf-first chain, labelled leaf, intermediate or root.

    Args:
        chain: the certificates, leaf first.
        anchored: whether the last certificate is a trust anchor (a root even if not
            self-signed, as with a cross-signed anchor in a custom store).
    """
    return tuple(
        SPKIPin(
            spki_pin(cert.spki_der),
            f"{role_of(cert, index, len(chain), anchored)} certificate {cert.details.subject}",
            role_of(cert, index, len(chain), anchored),
            cert,
            cert.details.public_key,
        )
        for index, cert in enumerate(chain)
    )


def pins_from_source(
    source: Source, validation: Validation | None = None, level: str = INTERMEDIATE
) -> ComputedPins:
    """The pins of `source` at `level`, with every path and key pin kept for reference.

    Args:
        source: what was loaded (a file, an endpoint's handshake, pasted text).
        validation: the verdict on its first chain (`Inspection.validation`); its path, built
            against the trust store, includes the root. None to use the certificates as stored.
        level: LEAF, INTERMEDIATE, ROOT or "all".

    Returns:
        The computed pins. With certificates but none at `level` (a lone leaf and
        `--level intermediate`), `selected` is empty and `notes` says why.

    Raises:
        ValueError: an unknown level, or a source holding nothing to pin.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown pin level {level!r}; expected one of {', '.join(LEVELS)}")

    paths = _paths(source, validation)
    chain_keys = {pin.value for path in paths for pin in path.pins}
    keys = tuple(pin for pin in _key_pins(source) if pin.value not in chain_keys)
    if not paths and not keys:
        raise ValueError(f"{source.name} holds no certificate, key or CSR to pin")

    notes: list[str] = []
    if paths:
        selected: Sequence[SPKIPin] = _select(paths, level)
        if not selected:
            notes.append(_nothing_at_level(source.name, level, paths[0]))
    else:
        # A key or CSR is an end-entity key: the level has nothing to choose from.
        selected = keys
        if level not in (LEAF, _ALL):
            notes.append(
                f"{source.name} holds only keys or CSRs; their pins are used whatever the level"
            )
    if len(paths) > 1:
        notes.append(
            f"{source.name} chains to {len(paths)} roots (cross-signing); the pins of every "
            "path are included so the app connects whichever path the device builds"
        )
    return ComputedPins(source.name, _unique(selected), paths, keys, level, tuple(notes))


def backup_pins(source: Source, validation: Validation | None = None) -> tuple[SPKIPin, ...]:
    """Every key pin of `source` (certificates, keys, CSRs) labelled as a backup.

    Args:
        source: a spare key, its CSR, another CA's certificate, or an endpoint (the new server
            of a migration, say).
        validation: the verdict on the source's first chain; when given, every built path is
            taken, so the root the server never sends becomes a backup too.
    """
    pins = [_as_backup(pin, pin.source) for pin in _key_pins(source, backup=True)]
    for path in _paths(source, validation):
        pins.extend(_as_backup(pin, f"backup {pin.source}") for pin in path.pins)
    for entry in source.entries:  # certificates off the first chain: another CA, a bundle
        for cert in entry.certificates:
            what = f"backup certificate {cert.details.subject}"
            pins.append(
                SPKIPin(spki_pin(cert.spki_der), what, BACKUP, cert, cert.details.public_key)
            )
    return _unique(pins)


def _as_backup(pin: SPKIPin, source: str) -> SPKIPin:
    return SPKIPin(pin.value, source, BACKUP, pin.certificate, pin.public_key)


def build_pin_set(
    computed: Sequence[ComputedPins],
    domains: Sequence[str] = (),
    include_subdomains: bool = False,
    backups: Sequence[SPKIPin] = (),
    expires: dt.date | None = None,
    report_uri: str | None = None,
    host: str | None = None,
) -> PinSet:
    """The pin set to render from computed pins and the user's choices.

    Args:
        computed: one result of `pins_from_source` per source; the first with a chain gives
            the chain the safety checks look at.
        domains: the domains to pin; when empty, `host` (an endpoint's), else the DNS SANs of
            the leaf (a wildcard `*.example.com` becomes `example.com`).
        include_subdomains: whether the pins apply to subdomains too.
        backups: pins outside the current chain (labelled BACKUP, see `backup_pins`).
        expires: a `datetime.date` after which platforms that support it stop pinning.
        report_uri: where TrustKit and HPKP send failure reports.
        host: the endpoint's host name, the default domain.

    Raises:
        ValueError: no pin at all, or no domain given and none can be found.
    """
    pins = _unique(pin for item in computed for pin in item.selected)
    chain = next((item.chain for item in computed if item.chain), ())
    chosen_backups = tuple(pin for pin in _unique(backups) if pin.value not in _values(pins))
    if not pins and not chosen_backups:
        raise ValueError("nothing to pin: no pin at the chosen level and no backup")

    names = tuple(_domains(domains, host, chain))
    if not names:
        raise ValueError(
            "no domain to pin: the sources name none (no endpoint, no DNS name in the leaf); "
            "give one with --domain"
        )
    level = computed[0].level if computed else INTERMEDIATE
    return PinSet(
        domains=names,
        pins=pins,
        backups=chosen_backups,
        include_subdomains=include_subdomains,
        expires=expires,
        report_uri=report_uri,
        chain=chain,
        level=level,
    )


def _paths(source: Source, validation: Validation | None) -> tuple[PathPins, ...]:
    if validation is not None and validation.path.certificates:
        built = [validation.path, *validation.alternatives]
        return tuple(_path_pins(path) for path in _distinct_paths(built))
    for entry in source.entries:
        if entry.certificates:
            ordered = order_chain(entry.certificates)
            return (PathPins(ordered, chain_pins(ordered), False),)
    return ()


def _path_pins(path: CertificationPath) -> PathPins:
    return PathPins(path.certificates, chain_pins(path.certificates, path.complete), path.complete)


def _distinct_paths(paths: Iterable[CertificationPath]) -> list[CertificationPath]:
    seen: set[tuple[str, ...]] = set()
    result = []
    for path in paths:
        key = tuple(cert.sha256 for cert in path.certificates)
        if key not in seen:
            seen.add(key)
            result.append(path)
    return result


def order_chain(certificates: Sequence[Certificate]) -> tuple[Certificate, ...]:
    """The certificates as a leaf-first chain, following issuer names from the one that issued
    none of the others; certificates off that chain are left out."""
    by_subject = {cert.tbs_fields["subject"]: cert for cert in certificates}
    issuers = {cert.tbs_fields["issuer"] for cert in certificates if not cert.details.self_issued}
    leaf = next(
        (cert for cert in certificates if cert.tbs_fields["subject"] not in issuers),
        certificates[0],
    )
    chain = [leaf]
    while not chain[-1].details.self_issued:
        issuer = by_subject.get(chain[-1].tbs_fields["issuer"])
        if issuer is None or issuer in chain:
            break
        chain.append(issuer)
    return tuple(chain)


def _key_pins(source: Source, backup: bool = False) -> list[SPKIPin]:
    """The pins of the private keys, CSRs and public keys of `source`, named after its file
    ("private key server.key"), or "backup key server.key" when `backup`."""
    role = BACKUP if backup else LEAF
    pins: list[SPKIPin] = []
    for entry in source.entries:
        if entry.private_key is not None and entry.private_key.public_key is not None:
            key = entry.private_key.public_key
            what = _key_label("backup key" if backup else "private key", entry.alias, source)
            pins.append(SPKIPin(key.spki_sha256, what, role, None, key))
        if entry.csr is not None:
            csr = entry.csr
            what = f"{'backup ' if backup else ''}certificate request {csr.subject}"
            pins.append(SPKIPin(csr.public_key.spki_sha256, what, role, None, csr.public_key))
        if entry.public_key is not None:
            key = entry.public_key
            what = _key_label("backup key" if backup else "public key", entry.alias, source)
            pins.append(SPKIPin(key.spki_sha256, what, role, None, key))
    return pins


def _key_label(kind: str, alias: str, source: Source) -> str:
    """ "private key server.key", or "private key server (store.jks)" for a keystore alias."""
    name = PurePath(source.name).name or source.name
    if alias in _GENERIC_ALIASES or alias == name:
        return f"{kind} {name}"
    return f"{kind} {alias} ({name})"


def _select(paths: Sequence[PathPins], level: str) -> list[SPKIPin]:
    roles = {LEAF, INTERMEDIATE, ROOT} if level == _ALL else {level}
    return [pin for path in paths for pin in path.pins if pin.role in roles]


def _nothing_at_level(name: str, level: str, path: PathPins) -> str:
    have = ", ".join(sorted({pin.role or "unknown" for pin in path.pins}))
    hint = "" if path.complete else " (is the root in the trust store? try --trust)"
    return f"{name} has no {level} certificate in its chain{hint}; it has: {have}"


def _domains(
    domains: Sequence[str], host: str | None, chain: Sequence[Certificate]
) -> Iterable[str]:
    if domains:
        candidates: Iterable[str] = domains
    elif host:
        candidates = [host]
    elif chain:
        candidates = [name.removeprefix("*.") for name in chain[0].details.san.dns]
    else:
        candidates = []
    return dict.fromkeys(name.strip().rstrip(".").lower() for name in candidates if name.strip())


def _unique(pins: Iterable[SPKIPin]) -> tuple[SPKIPin, ...]:
    seen: dict[str, SPKIPin] = {}
    for pin in pins:
        seen.setdefault(pin.value, pin)
    return tuple(seen.values())


def _values(pins: Iterable[SPKIPin]) -> set[str]:
    return {pin.value for pin in pins}
