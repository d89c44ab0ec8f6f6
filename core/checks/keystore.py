"""Checks on keystores and truststores: the chain stored in a key entry, and findings that name
the alias a person looks the entry up by (`keytool -list -alias`).

A Java server sends a key entry's chain exactly as it is stored, so a chain that does not link
in a keystore is a chain that does not link on the wire.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator, Sequence

from pinscope.core.certificate import Certificate
from pinscope.core.chain import issued_by, self_signed
from pinscope.core.checks.path import quoted
from pinscope.core.model import Entry, EntryType, Finding, Severity, Source

KEYSTORE_FORMATS = ("pkcs12", "jks", "jceks", "bks", "uber")
"""The formats whose entries have aliases a person chose."""


def is_keystore(source: Source) -> bool:
    return source.format in KEYSTORE_FORMATS


def check_entry_chain(entry: Entry) -> Iterator[Finding]:
    """Yield a finding when the chain of a private-key entry breaks in the order it is stored.

    Each certificate must be followed by the one that issued it. Only the first break is
    reported: what follows it is no longer the entry's chain. A chain merely out of order (the
    issuer is further down) is left to `chain.wrong-order`, which says how to reorder it.
    """
    if entry.type != EntryType.PRIVATE_KEY:
        return
    certs = entry.certificates
    for child, next_cert in itertools.pairwise(certs):
        if issued_by(child, next_cert):
            continue
        if self_signed(child):
            yield _beyond_root(entry, child, next_cert)
        elif child.tbs_fields["issuer"] == next_cert.tbs_fields["subject"]:
            yield _wrong_key(entry, child, next_cert)
        elif not any(issued_by(child, cert) for cert in certs):
            yield _unrelated_issuer(entry, child, next_cert)
        return


def with_aliases(source: Source, findings: Iterable[Finding]) -> Iterator[Finding]:
    """The findings of a keystore, each naming the aliases that hold its certificate.

    Outside keystores the findings are yielded unchanged: a PEM file's "aliases" are only
    names Pinscope made up.
    """
    if not is_keystore(source):
        yield from findings
        return
    holders = _holders(source.entries)
    for finding in findings:
        places = holders.get(finding.certificate or "")
        if not places:
            yield finding
            continue
        yield dataclasses.replace(
            finding,
            title=f"{finding.title} ({_aliases_label(places)})",
            detail=f"{_where_stored(places)} {finding.detail}",
        )


def in_entry(source: Source, entry: Entry, findings: Iterable[Finding]) -> Iterator[Finding]:
    """The findings about one keystore entry's chain, each naming the entry's alias.

    Outside keystores the findings are yielded unchanged.
    """
    if not is_keystore(source):
        yield from findings
        return
    for finding in findings:
        yield dataclasses.replace(finding, title=f"{finding.title} (alias {_alias(entry)})")


def entry_certificates(source: Source) -> set[str]:
    """The SHA-256s of the certificates a keystore holds as entries of their own (a trusted
    certificate, a key's certificate); empty for other sources."""
    if not is_keystore(source):
        return set()
    kinds = (EntryType.TRUSTED_CERTIFICATE, EntryType.PRIVATE_KEY)
    return {
        entry.certificates[0].sha256
        for entry in source.entries
        if entry.type in kinds and entry.certificates
    }


# ---- a chain that does not link ----------------------------------------------------------------


def _unrelated_issuer(entry: Entry, child: Certificate, stored: Certificate) -> Finding:
    issuer = child.details.issuer or "(an empty name)"
    return Finding(
        code="chain.unrelated-certificate",
        severity=Severity.ERROR,
        title=f"The chain under alias {_alias(entry)} does not link: {quoted(stored)} did not "
        f"issue {quoted(child)}",
        detail=f"In a key entry each certificate is followed by its issuer. {quoted(child)} "
        f"was issued by {issuer}, but the next certificate under alias {_alias(entry)} is "
        f"{quoted(stored)} ({stored.details.subject}), and no certificate of the entry issued "
        f"it. A Java server sends this chain as stored, so clients get a chain that does not "
        "link and refuse it unless they hold the right intermediate themselves.",
        remedy=f"Import the chain that belongs to {quoted(child)} into alias {_alias(entry)} "
        f"(keytool -importcert -alias {entry.alias} -file fullchain.pem, the file holding "
        f"{quoted(child)} followed by its issuers up to the root).",
        certificate=stored.sha256,
    )


def _wrong_key(entry: Entry, child: Certificate, stored: Certificate) -> Finding:
    return Finding(
        code="chain.invalid-signature",
        severity=Severity.ERROR,
        title=f"The chain under alias {_alias(entry)} does not link: {quoted(stored)} did not "
        f"sign {quoted(child)}",
        detail=f"{quoted(child)} names {stored.details.subject} as its issuer, and the next "
        f"certificate under alias {_alias(entry)} has that name, but its key does not verify "
        f"{quoted(child)}'s signature: it is another CA with the same name, or an older or "
        "newer version of the issuer with a different key. Clients refuse the chain.",
        remedy=f"Import the issuer certificate that belongs to {quoted(child)} (its Authority "
        f"Key Identifier says which key it needs) into alias {_alias(entry)} (keytool "
        f"-importcert -alias {entry.alias} -file fullchain.pem).",
        certificate=child.sha256,
    )


def _beyond_root(entry: Entry, root: Certificate, stored: Certificate) -> Finding:
    return Finding(
        code="chain.unrelated-certificate",
        severity=Severity.WARNING,
        title=f"The chain under alias {_alias(entry)} goes on past the root {quoted(root)}",
        detail=f"{quoted(root)} is self-signed, so the chain ends there, yet alias "
        f"{_alias(entry)} stores {quoted(stored)} ({stored.details.subject}) after it. A Java "
        "server sends it too; clients ignore it at best.",
        remedy=f"Import the chain of alias {_alias(entry)} again, ending at {quoted(root)}.",
        certificate=stored.sha256,
    )


# ---- aliases -------------------------------------------------------------------------------------


def _holders(entries: Sequence[Entry]) -> dict[str, list[tuple[str, bool]]]:
    """For each certificate (by SHA-256), the aliases holding it, and whether as their own
    certificate (True) or in their chain (False)."""
    holders: dict[str, list[tuple[str, bool]]] = {}
    for entry in entries:
        for index, cert in enumerate(dict.fromkeys(entry.certificates)):
            places = holders.setdefault(cert.sha256, [])
            if all(alias != entry.alias for alias, _ in places):
                places.append((entry.alias, index == 0))
    return holders


def _aliases_label(places: Sequence[tuple[str, bool]]) -> str:
    noun = "alias" if len(places) == 1 else "aliases"
    return f"{noun} {', '.join(_quote(alias) for alias, _ in places)}"


def _where_stored(places: Sequence[tuple[str, bool]]) -> str:
    """Where the keystore holds a certificate, as the sentence that opens a finding's detail."""
    own = [_quote(alias) for alias, first in places if first]
    chained = [_quote(alias) for alias, first in places if not first]
    parts = []
    if own:
        parts.append(f"under {'alias' if len(own) == 1 else 'aliases'} {', '.join(own)}")
    if chained:
        noun = "alias" if len(chained) == 1 else "aliases"
        parts.append(f"in the chain of {noun} {', '.join(chained)}")
    return f"The keystore holds it {' and '.join(parts)}."


def _alias(entry: Entry) -> str:
    return _quote(entry.alias)


def _quote(text: str) -> str:
    return f"\u201c{text}\u201d"
