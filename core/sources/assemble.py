"""Turn loose certificates, keys and CSRs into entries: chains grouped, keys paired.

A PEM file, a PKCS#7 bundle or a Kubernetes Secret is just a heap of objects in an order. This
module groups certificates that issue one another into one entry, pairs each private key with
the certificate it belongs to, and says so when a key belongs to none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import exceptions as crypto_exceptions
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from pinscope.core.certificate import Certificate
from pinscope.core.keys import describe_public_key, spki_bytes
from pinscope.core.model import (
    CSRDetails,
    Entry,
    EntryType,
    Finding,
    PrivateKeyDetails,
    PublicKeyDetails,
    Severity,
)


@dataclass
class LoadedKey:
    """A private key as a loader found it, before it is placed in an entry."""

    key: PrivateKeyTypes | None
    """The decrypted key; None when it stayed encrypted (no password for it)."""
    format: str
    protection: str | None = None
    label: str | None = None
    local_key_id: bytes | None = None

    def details(self, matches: bool | None) -> PrivateKeyDetails:
        public = describe_public_key(self.key.public_key()) if self.key is not None else None
        return PrivateKeyDetails(public, self.format, self.protection, matches, self.key)


def key_matches(key: PrivateKeyTypes, cert: Certificate) -> bool:
    """True when `key` is the private half of the certificate's public key."""
    try:
        public = spki_bytes(key.public_key())
    except (ValueError, TypeError):
        return False
    if public == cert.spki_der:
        return True
    try:  # the certificate's SPKI may be encoded unusually; compare re-encoded forms
        return public == spki_bytes(cert.x509.public_key())
    except (ValueError, TypeError, crypto_exceptions.UnsupportedAlgorithm):
        return False


def group_chains(certs: list[Certificate]) -> list[list[Certificate]]:
    """Split certificates into groups linked by issuer and subject, each in the given order.

    A CA bundle of unrelated roots becomes one group per root; a leaf with its intermediates
    (in any order) becomes one group.
    """
    parent = list(range(len(certs)))

    def find(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    def join(a: int, b: int) -> None:
        if a != b:
            parent[find(a)] = find(b)

    # One representative per subject and per certificate keeps this linear: a bundle of
    # thousands of certificates with one name must not link each to all the others.
    first_with_subject: dict[bytes, int] = {}
    first_with_hash: dict[str, int] = {}
    for index, cert in enumerate(certs):
        first_with_subject.setdefault(cert.tbs_fields["subject"], index)
        join(index, first_with_hash.setdefault(cert.sha256, index))
    for index, cert in enumerate(certs):
        subject, issuer = cert.tbs_fields["subject"], cert.tbs_fields["issuer"]
        if issuer == subject:
            continue  # a root links to nothing; what it issued links to it
        if issuer in first_with_subject:
            join(index, first_with_subject[issuer])
        same_name = first_with_subject[subject]  # cross-signed versions of one intermediate
        if certs[same_name].tbs_fields["issuer"] != subject:
            join(index, same_name)

    groups: dict[int, list[Certificate]] = {}
    for index, cert in enumerate(certs):
        groups.setdefault(find(index), []).append(cert)
    return list(groups.values())


def chain_from(leaf: Certificate, pool: Iterable[Certificate]) -> list[Certificate]:
    """The leaf followed by its issuers found in `pool`, nearest first."""
    by_subject: dict[bytes, Certificate] = {}
    for cert in pool:
        by_subject.setdefault(cert.tbs_fields["subject"], cert)
    chain = [leaf]
    seen = {leaf.sha256}
    current = leaf
    while current.tbs_fields["issuer"] != current.tbs_fields["subject"]:
        issuer = by_subject.get(current.tbs_fields["issuer"])
        if issuer is None or issuer.sha256 in seen:
            break
        chain.append(issuer)
        seen.add(issuer.sha256)
        current = issuer
    return chain


def leaf_of(group: list[Certificate]) -> Certificate:
    """The certificate in a group that issues none of the others (the first such one)."""
    issuers = {
        cert.tbs_fields["issuer"]
        for cert in group
        if cert.tbs_fields["issuer"] != cert.tbs_fields["subject"]
    }
    for cert in group:
        if cert.tbs_fields["subject"] not in issuers:
            return cert
    return group[0]


def chain_alias(group: list[Certificate]) -> str:
    return leaf_of(group).short_name


def key_mismatch_finding(cert: Certificate, alias: str | None = None) -> Finding:
    """`cert.key-mismatch` for a key stored with `cert`; `alias` names the keystore entry."""
    name = cert.short_name
    where = f" under alias \u201c{alias}\u201d" if alias else ""
    title = "The private key does not belong to the certificate"
    return Finding(
        code="cert.key-mismatch",
        severity=Severity.ERROR,
        title=f"{title} (alias \u201c{alias}\u201d)" if alias else title,
        detail=(
            f"The private key stored{where} with \u201c{name}\u201d has a different public key "
            "from the certificate, so a server or client using this pair cannot complete a "
            "handshake."
        ),
        remedy=(
            "Find the key that was used to request this certificate, or issue a new certificate "
            "for this key."
        ),
        certificate=cert.sha256,
    )


def damaged_item(reason: str) -> Finding:
    """A certificate or key inside a container that could not be read; the rest still shows."""
    return Finding(
        code="source.damaged-block",
        severity=Severity.ERROR,
        title="Part of the file could not be read",
        detail=f"{reason[:1].upper()}{reason[1:]}. Everything else in the file was read.",
        remedy="Export the file again from where it came from; this part of it is damaged.",
    )


def assemble_loose(
    certs: list[Certificate],
    keys: list[LoadedKey],
    csrs: list[CSRDetails],
    public_keys: list[PublicKeyDetails],
) -> tuple[list[Entry], list[Finding]]:
    """Entries for a file holding any mix of certificates, keys, CSRs and public keys."""
    entries: list[Entry] = []
    findings: list[Finding] = []
    groups = group_chains(certs)
    paired: dict[int, LoadedKey] = {}
    unpaired: list[LoadedKey] = []

    for loaded in keys:
        index = _group_of_key(loaded, groups, paired)
        if index is None:
            unpaired.append(loaded)
        else:
            paired[index] = loaded

    # One stray key beside one chain: it was meant for that chain, and it does not fit.
    if len(unpaired) == 1 and len(groups) == 1 and not paired and unpaired[0].key is not None:
        paired[0] = unpaired.pop()
        findings.append(key_mismatch_finding(leaf_of(groups[0])))

    for index, group in enumerate(groups):
        loaded_key = paired.get(index)
        if loaded_key is None:
            entries.append(Entry(chain_alias(group), EntryType.CERTIFICATE_CHAIN, tuple(group)))
            continue
        leaf = _matching_cert(loaded_key, group)
        ordered = group
        if leaf is not None:  # the key's certificate, its issuers, then anything else
            chain = chain_from(leaf, group)
            ordered = chain + [cert for cert in group if cert not in chain]
        details = loaded_key.details(matches=leaf is not None)
        alias = loaded_key.label or chain_alias(group)
        entries.append(Entry(alias, EntryType.PRIVATE_KEY, tuple(ordered), private_key=details))

    for loaded in unpaired:
        entries.append(
            Entry(
                loaded.label or "private key",
                EntryType.PRIVATE_KEY,
                private_key=loaded.details(matches=None),
            )
        )
    for csr in csrs:
        entries.append(Entry(csr.subject or "certificate request", EntryType.CSR, csr=csr))
    for public_key in public_keys:
        entries.append(Entry("public key", EntryType.PUBLIC_KEY, public_key=public_key))
    return entries, findings


def _matching_cert(loaded: LoadedKey, group: list[Certificate]) -> Certificate | None:
    if loaded.key is None:
        return None
    return next((cert for cert in group if key_matches(loaded.key, cert)), None)


def _group_of_key(
    loaded: LoadedKey, groups: list[list[Certificate]], taken: dict[int, LoadedKey]
) -> int | None:
    for index, group in enumerate(groups):
        if index not in taken and _matching_cert(loaded, group) is not None:
            return index
    return None
