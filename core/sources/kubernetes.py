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

from pinscope.core.certificate import Certificate
from pinscope.core.errors import DamagedInput, LoadError, PasswordRequired, UnsupportedFormat
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
    """Entries for one Secret: tls.crt with tls.key paired, ca.crt, and any keystores."""
    metadata = secret.get("metadata")
    secret_name = str(metadata.get("name", "secret")) if isinstance(metadata, dict) else "secret"
    values = _values(secret)
    entries: list[Entry] = []
    findings: list[Finding] = []
    certs: dict[str, list[Certificate]] = {"tls.crt": [], "ca.crt": []}
    keys = []

    for key, raw in values.items():
        where = f"{secret_name}/{key}"
        if not raw.strip():
            continue  # cert-manager writes an empty ca.crt for ACME issuers
        if raw == _INVALID:
            findings.append(_bad_value(secret_name, key, "its value is not valid base64"))
        elif key in _PEM_KEYS and pem.contains_pem(raw):
            collected = pem.collect_blocks(raw, pem.split_pem(raw), passwords, part_of_more=True)
            certs.setdefault(key, []).extend(collected.certs)
            keys.extend(collected.keys)
            findings.extend(_located(finding, where) for finding in collected.findings)
        else:  # DER in tls.crt, or a keystore such as cert-manager's keystore.jks
            try:
                store = nested(raw, where, passwords)
            except PasswordRequired:
                findings.append(_locked_value(secret_name, key))
                continue
            except LoadError as error:
                findings.append(_bad_value(secret_name, key, str(error)))
                continue
            entries.extend(_prefixed(entry, where) for entry in store.entries)
            findings.extend(store.findings)

    paired, pair_findings = assemble_loose(certs["tls.crt"], keys, [], [])
    ca_entries, _ = assemble_loose(certs["ca.crt"], [], [], [])
    prefixed = [_prefixed(entry, f"{secret_name}/tls.crt") for entry in paired]
    prefixed += [_prefixed(entry, f"{secret_name}/ca.crt") for entry in ca_entries]
    return prefixed + entries, pair_findings + findings


def _prefixed(entry: Entry, prefix: str) -> Entry:
    return replace(entry, alias=f"{prefix}: {entry.alias}")


def _located(finding: Finding, where: str) -> Finding:
    """Say which Secret value a finding about a PEM block is about."""
    return replace(finding, detail=f"In {where}: {finding.detail}")


def _locked_value(secret_name: str, key: str) -> Finding:
    return Finding(
        code="source.key-not-decrypted",
        severity=Severity.INFO,
        title=f"{key} in Secret {secret_name} needs a password",
        detail=f"The value of {key} in the Secret \u201c{secret_name}\u201d is protected by a "
        "password and none was given, so it was not read. The rest of the Secret was.",
        remedy="Give its password (--password on the command line); cert-manager keeps it in "
        "the Secret named by the Certificate's keystores.*.passwordSecretRef.",
    )


def _bad_value(secret_name: str, key: str, reason: str) -> Finding:
    return Finding(
        code="source.damaged-block",
        severity=Severity.ERROR,
        title=f"{key} in Secret {secret_name} could not be read",
        detail=f"The value of {key} in the Secret \u201c{secret_name}\u201d could not be read: "
        f"{reason}.",
        remedy="Recreate the Secret from the original files (kubectl create secret tls).",
    )
