"""Kubernetes TLS Secrets, as kubectl prints them and as cert-manager manifests hold them."""

from __future__ import annotations

import base64
import json
import textwrap
from typing import Any

import pytest
import yaml

from pinscope.core.errors import UnsupportedFormat
from pinscope.core.model import Entry, EntryType, Source
from pinscope.core.sources import load_bytes
from tests.core import minting


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def secret(name: str, tls: minting.Chain, namespace: str = "prod") -> dict[str, Any]:
    """A TLS Secret as `kubectl get secret -o yaml` returns it: full chain, key and CA."""
    return {
        "apiVersion": "v1",
        "data": {
            "ca.crt": b64(tls.root.pem),
            "tls.crt": b64(tls.leaf.pem + tls.intermediate.pem),
            "tls.key": b64(tls.leaf.key_pem()),
        },
        "kind": "Secret",
        "metadata": {
            "annotations": {
                "cert-manager.io/alt-names": "api.k8s.test",
                "cert-manager.io/certificate-name": name,
                "cert-manager.io/issuer-name": "k8s-issuer",
            },
            "creationTimestamp": "2026-11-30T10:00:00Z",
            "name": name,
            "namespace": namespace,
            "resourceVersion": "123456",
            "uid": "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6",
        },
        "type": "kubernetes.io/tls",
    }


def load(text: str | bytes, name: str = "secret.yaml") -> Source:
    return load_bytes(text.encode() if isinstance(text, str) else text, name)


def prefix(entry: Entry) -> str:
    """The `<secret>/<key>` part of an entry's alias."""
    return entry.alias.split(":", 1)[0]


@pytest.fixture
def tls() -> minting.Chain:
    return minting.mint_chain("api.k8s.test", prefix="K8s")


def assert_api_tls_entries(
    source: Source, tls: minting.Chain, secret_name: str = "api-tls"
) -> None:
    """The Secret's leaf and intermediate with its key, and its CA as a separate entry."""
    assert source.format == "kubernetes-secret"
    keyed, ca = source.entries
    assert prefix(keyed) == f"{secret_name}/tls.crt"
    assert "api.k8s.test" in keyed.alias
    assert keyed.type is EntryType.PRIVATE_KEY
    assert [cert.sha256 for cert in keyed.certificates] == [
        tls.leaf.sha256,
        tls.intermediate.sha256,
    ]
    assert keyed.private_key is not None
    assert keyed.private_key.matches_certificate is True
    assert keyed.private_key.public_key is not None
    assert keyed.private_key.public_key.spki_sha256 == tls.leaf.pin
    assert prefix(ca) == f"{secret_name}/ca.crt"
    assert ca.type is EntryType.CERTIFICATE_CHAIN
    assert [cert.sha256 for cert in ca.certificates] == [tls.root.sha256]
    assert source.findings == ()


def test_kubectl_yaml_secret(tls: minting.Chain) -> None:
    text = yaml.safe_dump(secret("api-tls", tls), default_flow_style=False)
    assert text.startswith("apiVersion: v1\n")

    source = load(text)

    assert_api_tls_entries(source, tls)


def test_kubectl_json_secret(tls: minting.Chain) -> None:
    source = load(json.dumps(secret("api-tls", tls), indent=4), "secret.json")

    assert_api_tls_entries(source, tls)


def test_multi_document_manifest_with_certificate_and_issuer_first(tls: minting.Chain) -> None:
    issuer = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Issuer",
        "metadata": {"name": "k8s-issuer", "namespace": "prod"},
        "spec": {"ca": {"secretName": "k8s-ca"}},
    }
    certificate = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "api-tls", "namespace": "prod"},
        "spec": {
            "secretName": "api-tls",
            "dnsNames": ["api.k8s.test"],
            "issuerRef": {"name": "k8s-issuer", "kind": "Issuer"},
        },
    }
    text = "# rendered by helm\n" + yaml.safe_dump_all(
        [issuer, certificate, secret("api-tls", tls)], explicit_start=True
    )

    source = load(text)

    assert_api_tls_entries(source, tls)


def test_kind_list_with_two_secrets(tls: minting.Chain) -> None:
    other = minting.mint_chain("admin.k8s.test", prefix="Admin")
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [secret("api-tls", tls), secret("admin-tls", other)],
        "metadata": {"resourceVersion": ""},
    }

    source = load(yaml.safe_dump(listing))

    assert [prefix(entry) for entry in source.entries] == [
        "api-tls/tls.crt",
        "api-tls/ca.crt",
        "admin-tls/tls.crt",
        "admin-tls/ca.crt",
    ]
    assert source.entries[2].certificates[0].sha256 == other.leaf.sha256
    assert source.entries[2].private_key.matches_certificate is True  # type: ignore[union-attr]


def test_string_data_holds_pem_text(tls: minting.Chain) -> None:
    def literal(pem: bytes) -> str:
        return "|\n" + textwrap.indent(pem.decode(), "    ")

    text = (
        "apiVersion: v1\n"
        "kind: Secret\n"
        "metadata:\n"
        "  name: api-tls\n"
        "type: kubernetes.io/tls\n"
        "stringData:\n"
        f"  tls.crt: {literal(tls.leaf.pem + tls.intermediate.pem)}"
        f"  tls.key: {literal(tls.leaf.key_pem())}"
        f"  ca.crt: {literal(tls.root.pem)}"
    )
    assert yaml.safe_load(text)["stringData"]["ca.crt"] == tls.root.pem.decode()

    source = load(text)

    assert_api_tls_entries(source, tls)


def test_key_that_does_not_match_the_certificate(tls: minting.Chain) -> None:
    manifest = secret("api-tls", tls)
    manifest["data"]["tls.key"] = b64(minting.key_pem(minting.new_key()))

    source = load(yaml.safe_dump(manifest))

    assert [f.code for f in source.findings] == ["cert.key-mismatch"]
    assert source.findings[0].certificate == tls.leaf.sha256


def test_yaml_without_a_secret_is_unsupported() -> None:
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings"},
        "data": {"log-level": "debug"},
    }

    with pytest.raises(UnsupportedFormat, match="Secret"):
        load(yaml.safe_dump(config_map))


def test_invalid_base64_in_tls_crt_is_a_damaged_block(tls: minting.Chain) -> None:
    manifest = secret("api-tls", tls)
    manifest["data"]["tls.crt"] = "this is not base64!"

    source = load(yaml.safe_dump(manifest))

    [finding] = [f for f in source.findings if f.code == "source.damaged-block"]
    assert finding.severity == "error"
    assert "tls.crt" in finding.title
    assert "api-tls" in finding.detail
    assert "base64" in finding.detail
    ca_entries = [e for e in source.entries if prefix(e) == "api-tls/ca.crt"]
    assert [cert.sha256 for e in ca_entries for cert in e.certificates] == [tls.root.sha256]


def test_secret_in_another_namespace_keeps_its_name(tls: minting.Chain) -> None:
    source = load(yaml.safe_dump(secret("ingress-cert", tls, namespace="kube-system")))

    assert_api_tls_entries(source, tls, secret_name="ingress-cert")


# ---- one bad value never hides the rest --------------------------------------------------------


def test_encrypted_key_without_password_still_shows_the_certificates(tls: minting.Chain) -> None:
    document = secret("locked", tls)
    document["data"]["tls.key"] = b64(tls.leaf.key_pem(password=b"k8s-secret"))

    source = load(yaml.safe_dump(document))

    chains = [e for e in source.entries if e.type is EntryType.CERTIFICATE_CHAIN]
    assert any(e.certificates[0].details.common_name == "api.k8s.test" for e in chains)
    assert "source.key-not-decrypted" in {f.code for f in source.findings}


def test_a_broken_secret_does_not_hide_the_good_one(tls: minting.Chain) -> None:
    broken = secret("broken", tls)
    broken["data"]["tls.crt"] = b64(tls.leaf.pem[:200])  # no END line
    text = yaml.safe_dump_all([broken, secret("good", tls)])

    source = load(text)

    assert "good/tls.crt" in {prefix(entry) for entry in source.entries}
    (damaged,) = [f for f in source.findings if f.code == "source.damaged-block"]
    assert "broken/tls.crt" in damaged.detail


def test_der_certificate_in_tls_crt_is_read(tls: minting.Chain) -> None:
    document = secret("der", tls)
    document["data"] = {"tls.crt": b64(tls.leaf.der)}

    source = load(yaml.safe_dump(document))

    (entry,) = source.entries
    assert prefix(entry) == "der/tls.crt"
    assert entry.certificates[0].details.common_name == "api.k8s.test"


def test_keystore_that_needs_a_password_is_a_finding_not_an_error(tls: minting.Chain) -> None:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    keystore = pkcs12.serialize_key_and_certificates(
        b"api", tls.leaf.key, tls.leaf.certificate, None, BestAvailableEncryption(b"store-pw")
    )
    document = secret("cm", tls)
    document["data"]["keystore.p12"] = b64(keystore)

    source = load(yaml.safe_dump(document))

    assert "cm/tls.crt" in {prefix(entry) for entry in source.entries}
    (locked,) = [f for f in source.findings if "keystore.p12" in f.title]
    assert locked.severity.value == "info"
    assert "--password" in locked.remedy


def test_empty_ca_crt_as_acme_issuers_leave_it_is_not_a_problem(tls: minting.Chain) -> None:
    document = secret("acme", tls)
    document["data"]["ca.crt"] = ""

    source = load(yaml.safe_dump(document))

    assert source.findings == ()
    assert {prefix(entry) for entry in source.entries} == {"acme/tls.crt"}
