"""Checks that look at certificates, paths and sources and yield findings.

Each check is a small function over one certificate, one path or one source; `run_checks` runs
them all over a loaded source: it validates each chain that ends in an end-entity certificate
against the trust stores, then checks every certificate once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from pinscope.core.aia import IssuerFetcher
from pinscope.core.certificate import Certificate
from pinscope.core.chain import Validation, validate
from pinscope.core.checks.context import CLIENT, SERVER, CheckContext
from pinscope.core.checks.expiry import check_expiry
from pinscope.core.checks.keystore import (
    check_entry_chain,
    entry_certificates,
    in_entry,
    is_keystore,
    with_aliases,
)
from pinscope.core.checks.path import check_path, quoted, related_certificates
from pinscope.core.checks.strength import check_strength
from pinscope.core.checks.usage import check_leaf
from pinscope.core.checks.validity import check_certificate
from pinscope.core.model import Entry, EntryType, Finding, Severity, Source
from pinscope.core.sources.assemble import leaf_of
from pinscope.core.trust import TrustStore

__all__ = [
    "CLIENT",
    "SERVER",
    "CheckContext",
    "Checked",
    "chain_leaf",
    "check_certificate",
    "run_checks",
]

DISAGREEMENT = "chain.clients-disagree"
PUBLIC_STORES = ("mozilla", "system")
FILE_FORMATS = ("pem", "der", "pkcs7", "kubernetes-secret")
BROKEN_LINK_CODES = ("chain.unrelated-certificate", "chain.invalid-signature")


@dataclass(frozen=True)
class Checked:
    """What the checks found in one source."""

    findings: tuple[Finding, ...]
    validations: tuple[Validation | None, ...]
    """One per entry of the source, in order; None for entries that are not an end-entity
    certificate's chain (keys, CSRs, CA certificates, trusted-certificate entries)."""


def run_checks(
    source: Source,
    ctx: CheckContext | None = None,
    stores: Sequence[TrustStore] = (),
    fetcher: IssuerFetcher | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Checked:
    """Validate the chains of `source` and check each of its certificates once.

    Args:
        source: what was loaded.
        ctx: when, for which host, how strictly; the defaults when None.
        stores: the trust stores to validate against; none means trust is not judged.
        fetcher: downloads missing intermediates from AIA URLs when given.
        progress: called with (entries done, entries in all) before each entry, so that a
            caller can report progress (or let other threads run) on a big source.
    """
    ctx = ctx or CheckContext()
    findings: list[Finding] = []
    validations: list[Validation | None] = []
    total = len(source.entries)
    for done, entry in enumerate(source.entries):
        if progress is not None:
            progress(done, total)
        broken = list(check_entry_chain(entry)) if is_keystore(source) else []
        leaf = chain_leaf(entry, ctx)
        if leaf is None:
            validations.append(None)
            findings.extend(broken)
            continue
        validation = validate(leaf, entry.certificates, stores, ctx.host, ctx.now, fetcher)
        validations.append(validation)
        findings.extend(_entry_findings(source, entry, leaf, validation, ctx, broken))

    findings.extend(with_aliases(source, _certificate_findings(source, validations, ctx)))
    findings.extend(_duplicates(source))
    if source.format in FILE_FORMATS:
        findings.extend(_strays(source, validations))
    return Checked(tuple(_unique(findings)), tuple(validations))


def _entry_findings(
    source: Source,
    entry: Entry,
    leaf: Certificate,
    validation: Validation,
    ctx: CheckContext,
    broken: Sequence[Finding],
) -> list[Finding]:
    """The findings about one entry's chain and its leaf.

    When the chain stored in a keystore entry breaks, that finding explains the certificates
    the path checks would call unrelated or wrongly signed, so theirs are left out.
    """
    path = list(check_path(entry.certificates, validation, ctx))
    if broken:
        path = [f for f in path if f.code not in BROKEN_LINK_CODES]
    public = validation.store is not None and validation.store.name in PUBLIC_STORES
    leaf_found = check_leaf(leaf, ctx, validation.purpose, public)
    return _explained([*broken, *in_entry(source, entry, [*path, *leaf_found])])


def chain_leaf(entry: Entry, ctx: CheckContext) -> Certificate | None:
    """The end-entity certificate whose chain an entry holds, or None when it holds none.

    A CA certificate counts as a leaf only when it is plainly used as one: it names hosts or
    is meant for TLS, or a host to check was given.
    """
    if entry.type not in (EntryType.CERTIFICATE_CHAIN, EntryType.PRIVATE_KEY):
        return None
    if not entry.certificates:
        return None
    certs = list(entry.certificates)
    leaf = certs[0] if entry.type == EntryType.PRIVATE_KEY else leaf_of(certs)
    details = leaf.details
    if not details.is_ca:
        return leaf
    names = details.san.dns or details.san.ip or details.san.email
    tls = {"serverAuth", "clientAuth"} & set(details.extended_key_usage)
    return leaf if names or tls or ctx.host is not None else None


def _certificate_findings(
    source: Source, validations: Sequence[Validation | None], ctx: CheckContext
) -> Iterator[Finding]:
    """The checks of each certificate on its own, once per certificate of the source."""
    issuers: set[str] = set()
    for validation in validations:
        if validation is not None:
            issuers.update(cert.sha256 for cert in validation.path.certificates[1:])
    # A keystore entry of its own (a trusted root, a key's certificate) is an entry a person
    # renews or deletes, even when it also issued another entry's certificate.
    issuers -= entry_certificates(source)

    seen: set[str] = set()
    for cert in source.certificates():
        if cert.sha256 in seen:
            continue
        seen.add(cert.sha256)
        for finding in check_certificate(cert, ctx.now):
            # An expired issuer on a path is reported as the chain's problem instead.
            if finding.code in ("cert.expired", "cert.not-yet-valid") and cert.sha256 in issuers:
                continue
            yield finding
        yield from check_expiry(cert, ctx)
        anchor = cert.details.self_signed and cert.details.is_ca
        yield from check_strength(cert, is_anchor=anchor)

    # Trust anchors from a store are on the path but not in the source: their dates matter.
    for validation in validations:
        if validation is None:
            continue
        for cert in validation.path.certificates[1:]:
            if cert.sha256 not in seen:
                seen.add(cert.sha256)
                yield from check_strength(cert, is_anchor=cert is validation.path.anchor)


def _duplicates(source: Source) -> Iterator[Finding]:
    """The same certificate stored under several aliases of a keystore or bundle."""
    where: dict[str, list[str]] = {}
    certs: dict[str, Certificate] = {}
    for entry in source.entries:
        for cert in dict.fromkeys(entry.certificates[:1] or ()):
            where.setdefault(cert.sha256, []).append(entry.alias)
            certs[cert.sha256] = cert
    for sha256, aliases in where.items():
        if len(aliases) < 2:
            continue
        cert = certs[sha256]
        names = ", ".join(f"\u201c{alias}\u201d" for alias in aliases)
        yield Finding(
            code="source.duplicate",
            severity=Severity.WARNING,
            title=f"{quoted(cert)} is stored {len(aliases)} times",
            detail=f"The same certificate appears under {names}. Tools that pick an entry by "
            "its certificate may pick either, and removing one copy leaves the other in use.",
            remedy="Keep one entry and delete the others.",
            certificate=sha256,
        )


def _strays(source: Source, validations: Sequence[Validation | None]) -> Iterator[Finding]:
    """CA certificates in a file that no chain of the file uses."""
    validated = [v for v in validations if v is not None]
    # Only certificates outside every validated chain can be strays: a bundle of leaves has none.
    candidates = [
        cert
        for entry, validation in zip(source.entries, validations, strict=True)
        if validation is None and entry.type == EntryType.CERTIFICATE_CHAIN
        for cert in entry.certificates
    ]
    if not validated or not candidates:
        return
    used = {sha256 for v in validated for sha256 in related_certificates(v, candidates)}
    leaf = validated[0].path.certificates[0]
    for cert in dict.fromkeys(candidates):
        if cert.sha256 not in used:
            yield Finding(
                code="chain.unrelated-certificate",
                severity=Severity.WARNING,
                title=f"{quoted(cert)} does not belong to the chain of {quoted(leaf)}",
                detail=f"The file holds {quoted(cert)} ({cert.details.subject}), which "
                f"issued none of the certificates on the path of {quoted(leaf)}. A server "
                "sending this file sends it too; clients ignore it at best.",
                remedy=f"Remove {quoted(cert)} from the file, or replace it with the "
                "intermediate the chain needs.",
                certificate=cert.sha256,
            )


def _explained(findings: Sequence[Finding]) -> list[Finding]:
    """Drop "the validators disagree" when another error already explains the refusal.

    OpenSSL is asked without a purpose, so it accepts, for example, a server certificate
    without serverAuth that a client asking for the server purpose refuses.
    """
    explained = any(f.severity == Severity.ERROR and f.code != DISAGREEMENT for f in findings)
    return [f for f in findings if not (explained and f.code == DISAGREEMENT)]


def _unique(findings: Sequence[Finding]) -> list[Finding]:
    """Findings without repeats: two chains sharing an intermediate report it once."""
    return list(dict.fromkeys(findings))
