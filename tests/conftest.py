"""Shared fixtures: paths to the committed test files and their passwords."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"

# Passwords of the committed fixtures (see tests/data/README.md).
PASSWORDS = {
    "p12-aes.p12": "secret",
    "p12-legacy-rc2.p12": "secret",
    "p12-3des.p12": "secret",
    "p12-certs-only.p12": "secret",
    "p12-camellia.p12": "secret",
    "p12-aria.p12": "secret",
    "java-keystore.p12": "storepass",
    "java-secret-key.p12": "storepass",
    "java-truststore.p12": "changeit",
    "keystore.jks": "storepass",
    "truststore.jks": "changeit",
    "keystore.jceks": "storepass",
    "keystore.bks": "storepass",
    "keystore.uber": "storepass",
    "key-pkcs8-pbes1-3des.pem": "secret",
    "key-pkcs8-pbes2.pem": "secret",
    "key-pkcs8-pbes2.der": "secret",
    "key-rsa-traditional-encrypted.pem": "secret",
}


@pytest.fixture
def data_dir() -> Path:
    return DATA
