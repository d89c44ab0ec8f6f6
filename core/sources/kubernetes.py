"""Kubernetes TLS Secrets (`tls.crt`, `tls.key`, `ca.crt`) in YAML or JSON.

Secrets are read as kubectl prints them and as cert-manager writes them.

A manifest may hold many documents (a Certificate, an Issuer, the Secret) or a `kind: List`;
every Secret with certificate data among them is read. Other keys of the Secret that hold
keystores (cert-manager's `keystore.jks`, `keystore.p12`, `truststore.p12`) are read too.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import yaml

from pinscope.core.errors import DamagedInput, LoadError, UnsupportedFormat
from pinscope.core.model import Entry, Finding, Severity, Source
from pinscope.core.sources import pem
from pinscope.core.sources.assemble import assemble_loose
from pinscope.core.sources.passwords import Passwords

_PEM_KEYS = ("tls.crt", "tls.key", "ca.crt")
_STORE_SUFFIXES = (".jks", ".p12", ".pfx")
_INVALID = b"\0invalid base64"  # marks a value that did not decode

# Loads nested keystore bytes; given by the dispatcher to avoid an import cycle.
NestedLoader = Callable[[bytes, str, Passwords], Source]


def load_kubernetes(data: bytes, name: str, passwords: Passwords, nested: NestedLoader) -> Source:
    """Read every TLS Secret in a YAML or JSON manifest.

    Raises:
        UnsupportedFormat: the text is YAML/JSON but holds no Secret with certificate data.
        DamagedInput: the YAML or JSON is malformed.
    """
    secrets = list(_secrets(_documents(data)))
    if not secrets:
        raise UnsupportedFormat("the YAML/JSON holds no Kubernetes Secret with tls.crt or ca.crt")

    entries: list[Entry] = []
    findings: list[Finding] = []
    for secret in secrets:
        secret_entries, secret_findings = _read_secret(secret, passwords, nested)
        entries.extend(secret_entries)
        findings.extend(secret_findings)
    return Source(name, "file", "kubernetes-secret", tuple(entries), tuple(findings))


def _documents(data: bytes) -> list[Any]:
    text = data.decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as error:
            raise DamagedInput(f"the JSON is malformed: {error}") from error
    try:
        return [document for document in yaml.safe_load_all(text) if document is not None]
    except yaml.YAMLError as error:
        raise DamagedInput(f"the YAML is malformed: {str(error).splitlines()[0]}") from error


def _secrets(documents: list[Any]) -> Iterator[dict[str, Any]]:
    for document in documents:
        if not isinstance(document, dict):
            continue
        if document.get("kind") == "List" and isinstance(document.get("items"), list):
            yield from _secrets(document["items"])
        elif document.get("kind", "Secret") == "Secret" and _values(document):
            yield document


def _values(secret: dict[str, Any]) -> dict[str, bytes]:
    """The Secret's data, base64 decoded, with stringData as Kubernetes merges it."""
    values: dict[str, bytes] = {}
    data = secret.get("data")
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and _wanted(str(key)):
                try:
                    values[str(key)] = base64.b64decode("".join(value.split()), validate=True)
                except (binascii.Error, ValueError):
                    values[str(key)] = _INVALID
    string_data = secret.get("stringData")
    if isinstance(string_data, dict):
        for key, value in string_data.items():
            if isinstance(value, str) and _wanted(str(key)):
                values[str(key)] = value.encode("utf-8")
    return values


def _wanted(key: str) -> bool:
    return key in _PEM_KEYS or key.endswith(_STORE_SUFFIXES)


def _read_secret(
    secret: dict[str, Any], passwords: Passwords, nested: NestedLoader
) -> tuple[list[Entry], list[Finding]]:
    metadata = secret.get("metadata") if isinstance(secret.get("metadata"), dict) else {}
    secret_name = str((metadata or {}).get("name", "secret"))
    values = _values(secret)
    findings: list[Finding] = []

    def blocks_of(key: str) -> tuple[bytes, list[pem.PEMBlock]]:
        raw = values.get(key, b"")
        if raw == _INVALID:
            findings.append(_bad_value(secret_name, key, "its value is not valid base64"))
            return b"", []
        return raw, pem.split_pem(raw)

    tls = [blocks_of("tls.crt"), blocks_of("tls.key")]
    collected = [pem.collect_blocks(raw, blocks, passwords) for raw, blocks in tls if blocks]
    certs = [cert for part in collected for cert in part.certs]
    keys = [key for part in collected for key in part.keys]
    entries, pair_findings = assemble_loose(certs, keys, [], [])
    findings.extend(pair_findings)
    for part in collected:
        findings.extend(part.findings)
    entries = [_prefixed(entry, f"{secret_name}/tls.crt") for entry in entries]

    ca_raw, ca_blocks = blocks_of("ca.crt")
    if ca_blocks:
        ca_collected = pem.collect_blocks(ca_raw, ca_blocks, passwords)
        ca_entries, _ = assemble_loose(ca_collected.certs, [], [], [])
        entries.extend(_prefixed(entry, f"{secret_name}/ca.crt") for entry in ca_entries)
        findings.extend(ca_collected.findings)

    for key, raw in values.items():
        if key.endswith(_STORE_SUFFIXES) and raw != _INVALID:
            try:
                store = nested(raw, f"{secret_name}/{key}", passwords)
            except LoadError as error:
                findings.append(_bad_value(secret_name, key, str(error)))
                continue
            entries.extend(_prefixed(entry, f"{secret_name}/{key}") for entry in store.entries)
            findings.extend(store.findings)
    return entries, findings


def _prefixed(entry: Entry, prefix: str) -> Entry:
    return replace(entry, alias=f"{prefix}: {entry.alias}")


def _bad_value(secret_name: str, key: str, reason: str) -> Finding:
    return Finding(
        code="source.damaged-block",
        severity=Severity.ERROR,
        title=f"{key} in Secret {secret_name} could not be read",
        detail=f"The value of {key} in the Secret \u201c{secret_name}\u201d could not be read: "
        f"{reason}.",
        remedy="Recreate the Secret from the original files (kubectl create secret tls).",
    )
