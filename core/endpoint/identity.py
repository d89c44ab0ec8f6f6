"""Client certificates to present, from any loadable source: a PEM with certificate and key,
separate certificate and key files, a PKCS#12 file, or one alias of a Java keystore."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from pinscope.core.endpoint.handshake import ClientIdentity
from pinscope.core.errors import LoadError
from pinscope.core.keys import same_public_key
from pinscope.core.model import Entry, EntryType, Source
from pinscope.core.sources import Passwords, load_path

__all__ = ["identity_from_source", "load_client_identity"]


def load_client_identity(
    cert_path: str | Path,
    key_path: str | Path | None = None,
    alias: str | None = None,
    passwords: Passwords | None = None,
) -> ClientIdentity:
    """The certificate, its chain and its key, ready to present.

    Args:
        cert_path: a file holding the certificate, or certificate and key (PEM, PKCS#12,
            a keystore).
        key_path: the key's own file when `cert_path` holds none.
        alias: which keystore entry to use when there are several.
        passwords: where the passwords of encrypted files come from.

    Raises:
        LoadError: a file cannot be read, holds no usable key, several entries could be
            meant, or the key does not match the certificate.
    """
    source = load_path(cert_path, passwords)
    if key_path is None:
        return identity_from_source(source, alias)

    key_source = load_path(key_path, passwords)
    keys = [entry for entry in key_source.entries if _key_of(entry) is not None]
    if not keys:
        raise LoadError(f"{key_path} holds no usable private key")
    key = _key_of(keys[0])
    assert key is not None
    chains = [entry for entry in source.entries if entry.certificates]
    for entry in chains:
        leaf = entry.certificates[0]
        if same_public_key(key, leaf.x509.public_key()):
            return ClientIdentity(entry.certificates, key, f"{cert_path} with {key_path}")
    raise LoadError(
        f"the private key in {key_path} does not belong to the certificate in {cert_path}"
    )


def identity_from_source(source: Source, alias: str | None = None) -> ClientIdentity:
    """The private-key entry of an already loaded source (a keystore, a PKCS#12, a PEM).

    Raises:
        LoadError: no entry with a usable key, or several and no `alias` to choose.
    """
    candidates = [
        entry
        for entry in source.entries
        if entry.type == EntryType.PRIVATE_KEY and entry.certificates
    ]
    if alias is not None:
        chosen = [entry for entry in candidates if entry.alias == alias]
        if not chosen:
            names = ", ".join(repr(entry.alias) for entry in candidates) or "none"
            raise LoadError(
                f"{source.name} has no private-key entry {alias!r}; its key entries: {names}"
            )
        candidates = chosen
    if not candidates:
        raise LoadError(
            f"{source.name} holds no certificate with its private key; give the key's file "
            "with --client-key"
        )
    if len(candidates) > 1:
        names = ", ".join(repr(entry.alias) for entry in candidates)
        raise LoadError(
            f"{source.name} holds several certificates with keys ({names}); choose one with "
            "--client-alias"
        )
    entry = candidates[0]
    key = _key_of(entry)
    if key is None:
        raise LoadError(
            f"the private key of {entry.alias!r} in {source.name} is still encrypted: give its "
            "password with --key-password, --key-password-env or --key-password-file"
        )
    private_key = entry.private_key
    if private_key is not None and private_key.matches_certificate is False:
        raise LoadError(
            f"the private key of {entry.alias!r} in {source.name} does not belong to its "
            "certificate"
        )
    label = source.name if alias is None else f"{source.name} (alias {alias})"
    return ClientIdentity(entry.certificates, key, label)


def _key_of(entry: Entry) -> PrivateKeyTypes | None:
    return entry.private_key.key if entry.private_key is not None else None
