"""What a person reads about one certificate: names, keys, extensions, pins, and validity."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import warnings

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    NameOID,
    ObjectIdentifier,
)

from pinscope.core import report
from pinscope.core.certificate import Certificate, CertificateDetails
from pinscope.core.inspection import inspect_bytes
from pinscope.core.sources import load_bytes
from tests.core import minting

UPN = ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")


def details_of(der_or_pem: bytes) -> CertificateDetails:
    """The details of the only certificate in `der_or_pem`, read through the loaders."""
    return only_certificate(der_or_pem).details


def only_certificate(der_or_pem: bytes) -> Certificate:
    source = load_bytes(der_or_pem, "certificate")
    [entry] = source.entries
    [cert] = entry.certificates
    return cert


@pytest.fixture
def issuing_ca() -> minting.Issued:
    root = minting.mint_ca("Details Root CA", key=minting.new_key("rsa-2048"))
    return minting.mint_ca("Details Issuing CA", issuer=root, path_length=0)


# ---- names -------------------------------------------------------------------------------


@pytest.fixture
def unicode_name() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ärger & Söhne"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Zweig, Nord"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Zoë Ünïcødé"),
        ]
    )


def test_utf8_subject_is_rfc4514_with_text_intact(unicode_name: x509.Name) -> None:
    issued = minting.mint_certificate(unicode_name)

    details = details_of(issued.der)

    assert details.subject == "CN=Zoë Ünïcødé,OU=Zweig\\, Nord,O=Ärger & Söhne,C=DE"
    assert details.subject == unicode_name.rfc4514_string()
    assert details.issuer == details.subject
    assert details.common_name == "Zoë Ünïcødé"


def test_subject_attributes_are_listed_in_encoded_order(unicode_name: x509.Name) -> None:
    details = details_of(minting.mint_certificate(unicode_name).der)

    assert [(a.name, a.oid, a.value) for a in details.subject_attributes] == [
        ("C", "2.5.4.6", "DE"),
        ("O", "2.5.4.10", "Ärger & Söhne"),
        ("OU", "2.5.4.11", "Zweig, Nord"),
        ("CN", "2.5.4.3", "Zoë Ünïcødé"),
    ]


@pytest.mark.parametrize(
    "value",
    [
        'a,b+c"d\\e<f>g;h',
        "#starts with a hash",
        " leading space",
        "trailing space ",
        " ",
        "nul\x00inside",
        "=equals=",
        "émoji 😀",
    ],
)
def test_special_characters_are_escaped_as_cryptography_escapes_them(value: str) -> None:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, value),
            x509.NameAttribute(NameOID.COMMON_NAME, value),
        ]
    )

    details = details_of(minting.mint_certificate(subject).der)

    assert details.subject == subject.rfc4514_string()
    assert [a.value for a in details.subject_attributes] == [value, value]


def test_multi_valued_rdn_and_unusual_attribute_types() -> None:
    subject = x509.Name(
        [
            x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "test")]),
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "multi+valued"),
                    x509.NameAttribute(NameOID.SERIAL_NUMBER, "42"),
                ]
            ),
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ops@details.test"),
                ]
            ),
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(
                        NameOID.ORGANIZATION_NAME, "BMP €", x509.name._ASN1Type.BMPString
                    ),
                ]
            ),
        ]
    )

    issued = minting.mint_certificate(subject)

    details = details_of(issued.der)

    # DER sorts the attributes of a multi-valued RDN, so compare with the name as encoded.
    assert details.subject == issued.certificate.subject.rfc4514_string()
    assert (
        details.subject
        == "O=BMP €,1.2.840.113549.1.9.1=ops@details.test,2.5.4.5=42+CN=multi\\+valued,DC=test"
    )
    assert [a.name for a in details.subject_attributes] == [
        "DC",
        "serialNumber",
        "CN",
        "emailAddress",
        "O",
    ]
    assert details.subject_attributes[-1].value == "BMP €"


def test_empty_subject_is_an_empty_string() -> None:
    issuer = minting.mint_ca("Empty Subject Issuer")
    san = x509.SubjectAlternativeName([x509.DNSName("nameless.test")])
    issued = minting.mint_certificate(x509.Name([]), issuer=issuer, extensions=[(san, True)])

    details = details_of(issued.der)

    assert details.subject == ""
    assert details.subject_attributes == ()
    assert details.short_name() == "(empty subject)"


# ---- serial, validity, keys, signatures --------------------------------------------------


@pytest.mark.parametrize(
    ("serial", "text"),
    [(0x1234, "1234"), (0xABC, "0abc"), (0x80, "80"), (1, "01"), (0x0100, "0100")],
)
def test_serial_is_even_length_lowercase_hex(serial: int, text: str) -> None:
    cert = only_certificate(
        minting.mint_certificate(minting.name("serial.test"), serial=serial).der
    )

    assert cert.details.serial == serial
    assert report.serial_hex(cert.details.serial) == text
    assert report.certificate_json(cert, dt.datetime.now(dt.UTC))["serial"] == text


def test_long_random_serial_round_trips() -> None:
    issued = minting.mint_certificate(minting.name("random-serial.test"))
    serial = issued.certificate.serial_number

    text = report.serial_hex(details_of(issued.der).serial)

    assert int(text, 16) == serial
    assert len(text) % 2 == 0
    assert text == text.lower()


def test_validity_is_exact_and_utc() -> None:
    start = dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    end = dt.datetime(2032, 7, 8, 9, 10, 11, tzinfo=dt.UTC)
    issued = minting.mint_certificate(minting.name("dates.test"), not_before=start, not_after=end)

    cert = only_certificate(issued.der)

    assert (cert.details.not_before, cert.details.not_after) == (start, end)
    assert cert.details.not_before.utcoffset() == dt.timedelta(0)
    document = report.certificate_json(cert, start)
    assert (document["not_before"], document["not_after"]) == (
        "2031-02-03T04:05:06Z",
        "2032-07-08T09:10:11Z",
    )


@pytest.mark.parametrize(
    ("kind", "key_type", "size", "curve", "signature"),
    [
        ("rsa-2048", "RSA", 2048, None, "sha256WithRSAEncryption"),
        ("rsa-3072", "RSA", 3072, None, "sha256WithRSAEncryption"),
        ("ec-p256", "EC", 256, "secp256r1", "ecdsa-with-SHA256"),
        ("ec-p384", "EC", 384, "secp384r1", "ecdsa-with-SHA256"),
        ("ed25519", "Ed25519", 256, None, "ED25519"),
        ("ed448", "Ed448", 456, None, "ED448"),
    ],
)
def test_public_key_and_signature_algorithm(
    kind: str, key_type: str, size: int, curve: str | None, signature: str
) -> None:
    key = minting.new_key(kind)
    issued = minting.mint_certificate(minting.name(f"{kind}.test"), key=key)

    details = details_of(issued.der)

    assert (details.public_key.type, details.public_key.size, details.public_key.curve) == (
        key_type,
        size,
        curve,
    )
    assert details.signature_algorithm == signature
    assert (
        details.signature_algorithm_oid == issued.certificate.signature_algorithm_oid.dotted_string
    )
    assert details.public_key.spki_sha256 == minting.spki_pin(key)
    assert details.self_signed is True


def test_spki_pin_is_base64_sha256_of_the_subject_public_key_info(
    issuing_ca: minting.Issued,
) -> None:
    leaf = minting.mint_leaf(issuing_ca, "pin.test", key=minting.new_key("rsa-2048"))
    spki = leaf.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = base64.b64encode(hashlib.sha256(spki).digest()).decode()

    source = load_bytes(leaf.pem, "pin.pem")

    cert = source.entries[0].certificates[0]
    assert cert.spki_der == spki
    assert cert.details.public_key.spki_sha256 == expected
    assert len(expected) == 44
    assert [pin.value for pin in source.entries[0].pins] == [expected]
    assert source.entries[0].pins[0].algorithm == "sha256"
    assert cert.sha256 == hashlib.sha256(leaf.der).hexdigest()
    assert cert.sha1 == hashlib.sha1(leaf.der).hexdigest()


# ---- extensions --------------------------------------------------------------------------


@pytest.fixture
def every_san_type() -> x509.SubjectAlternativeName:
    directory = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Dir, Org"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Dir Name"),
        ]
    )
    return x509.SubjectAlternativeName(
        [
            x509.DNSName("www.details.test"),
            x509.DNSName("*.details.test"),
            x509.IPAddress(ipaddress.ip_address("192.0.2.10")),
            x509.IPAddress(ipaddress.ip_address("2001:db8::1")),
            x509.UniformResourceIdentifier("https://details.test/path"),
            x509.UniformResourceIdentifier("spiffe://cluster.local/ns/prod/sa/api"),
            x509.RFC822Name("ops@details.test"),
            x509.DirectoryName(directory),
            x509.OtherName(UPN, minting.der_utf8_string("alice@corp.test")),
            x509.OtherName(ObjectIdentifier("1.2.3.4.99"), bytes.fromhex("020105")),
            x509.RegisteredID(ObjectIdentifier("1.2.3.4.5.6")),
        ]
    )


def test_every_san_type_is_decoded(
    issuing_ca: minting.Issued, every_san_type: x509.SubjectAlternativeName
) -> None:
    leaf = minting.mint_leaf(
        issuing_ca, "www.details.test", dns=[], extra=[(every_san_type, False)]
    )

    san = details_of(leaf.der).san

    assert san.dns == ("www.details.test", "*.details.test")
    assert san.ip == ("192.0.2.10", "2001:db8::1")
    assert san.uri == ("https://details.test/path", "spiffe://cluster.local/ns/prod/sa/api")
    assert san.email == ("ops@details.test",)
    assert san.directory == ("CN=Dir Name,O=Dir\\, Org",)
    assert san.registered_id == ("1.2.3.4.5.6",)
    assert [(o.oid, o.name, o.value) for o in san.other] == [
        ("1.3.6.1.4.1.311.20.2.3", "UPN", "alice@corp.test"),
        ("1.2.3.4.99", "1.2.3.4.99", "020105"),
    ]


def test_spiffe_ids_come_from_uri_sans(
    issuing_ca: minting.Issued, every_san_type: x509.SubjectAlternativeName
) -> None:
    leaf = minting.mint_leaf(issuing_ca, "spiffe.test", dns=[], extra=[(every_san_type, False)])

    cert = only_certificate(leaf.der)

    assert cert.details.spiffe_ids == ("spiffe://cluster.local/ns/prod/sa/api",)
    assert report.certificate_json(cert, dt.datetime.now(dt.UTC))["spiffe_ids"] == [
        "spiffe://cluster.local/ns/prod/sa/api"
    ]


def test_san_extension_text_reads_like_openssl(
    issuing_ca: minting.Issued, every_san_type: x509.SubjectAlternativeName
) -> None:
    leaf = minting.mint_leaf(issuing_ca, "text.test", dns=[], extra=[(every_san_type, False)])

    [san] = [e for e in details_of(leaf.der).extensions if e.name == "subjectAltName"]

    assert san.oid == "2.5.29.17"
    assert san.critical is False
    assert san.value.split(", ")[:4] == [
        "DNS:www.details.test",
        "DNS:*.details.test",
        "IP:192.0.2.10",
        "IP:2001:db8::1",
    ]
    assert "othername:UPN:alice@corp.test" in san.value
    assert "RID:1.2.3.4.5.6" in san.value


@pytest.mark.parametrize(
    ("flags", "names"),
    [
        ({"digital_signature": True}, ("digitalSignature",)),
        (
            {"digital_signature": True, "key_encipherment": True},
            ("digitalSignature", "keyEncipherment"),
        ),
        ({"key_cert_sign": True, "crl_sign": True}, ("keyCertSign", "cRLSign")),
        (
            {"content_commitment": True, "data_encipherment": True},
            ("nonRepudiation", "dataEncipherment"),
        ),
        ({"key_agreement": True, "encipher_only": True}, ("keyAgreement", "encipherOnly")),
        ({"key_agreement": True, "decipher_only": True}, ("keyAgreement", "decipherOnly")),
    ],
)
def test_key_usage_names(flags: dict[str, bool], names: tuple[str, ...]) -> None:
    usage = minting.key_usage(**flags)
    issued = minting.mint_certificate(minting.name("ku.test"), extensions=[(usage, True)])

    details = details_of(issued.der)

    assert details.key_usage == names
    [extension] = [e for e in details.extensions if e.oid == "2.5.29.15"]
    assert (extension.name, extension.critical) == ("keyUsage", True)


def test_extended_key_usage_names_and_unknown_oid() -> None:
    usage = x509.ExtendedKeyUsage(
        [
            ExtendedKeyUsageOID.SERVER_AUTH,
            ExtendedKeyUsageOID.CLIENT_AUTH,
            ExtendedKeyUsageOID.CODE_SIGNING,
            ExtendedKeyUsageOID.OCSP_SIGNING,
            ExtendedKeyUsageOID.EMAIL_PROTECTION,
            ExtendedKeyUsageOID.TIME_STAMPING,
            ObjectIdentifier("1.2.3.4.77"),
        ]
    )
    issued = minting.mint_certificate(minting.name("eku.test"), extensions=[(usage, False)])

    details = details_of(issued.der)

    assert details.extended_key_usage == (
        "serverAuth",
        "clientAuth",
        "codeSigning",
        "OCSPSigning",
        "emailProtection",
        "timeStamping",
        "1.2.3.4.77",
    )


@pytest.mark.parametrize(
    ("path_length", "text"),
    [(None, "CA:TRUE"), (0, "CA:TRUE, pathlen:0"), (3, "CA:TRUE, pathlen:3")],
)
def test_basic_constraints_of_a_ca(path_length: int | None, text: str) -> None:
    ca = minting.mint_ca("Constraints CA", path_length=path_length)

    details = details_of(ca.der)

    assert details.is_ca is True
    assert details.path_length == path_length
    assert details.key_usage == ("keyCertSign", "cRLSign")
    [extension] = [e for e in details.extensions if e.name == "basicConstraints"]
    assert (extension.value, extension.critical) == (text, True)


def test_basic_constraints_of_a_leaf(issuing_ca: minting.Issued) -> None:
    details = details_of(minting.mint_leaf(issuing_ca, "leaf.test").der)

    assert details.is_ca is False
    assert details.path_length is None
    assert details.self_signed is False


def test_key_identifiers_are_hex(issuing_ca: minting.Issued) -> None:
    leaf = minting.mint_leaf(issuing_ca, "ids.test")

    details = details_of(leaf.der)

    expected_ski = x509.SubjectKeyIdentifier.from_public_key(leaf.key.public_key()).digest.hex()
    expected_aki = x509.SubjectKeyIdentifier.from_public_key(
        issuing_ca.key.public_key()
    ).digest.hex()
    assert details.subject_key_id == expected_ski
    assert details.authority_key_id == expected_aki
    assert details_of(issuing_ca.der).subject_key_id == expected_aki


def test_authority_information_access_and_crl_distribution_points(
    issuing_ca: minting.Issued,
) -> None:
    aia = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier("http://ocsp.details.test"),
            ),
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier("http://ca.details.test/ca.crt"),
            ),
        ]
    )
    crl = x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                [x509.UniformResourceIdentifier("http://crl.details.test/ca.crl")], None, None, None
            ),
        ]
    )
    leaf = minting.mint_leaf(issuing_ca, "aia.test", extra=[(aia, False), (crl, False)])

    cert = only_certificate(leaf.der)

    assert cert.details.ocsp_urls == ("http://ocsp.details.test",)
    assert cert.details.ca_issuer_urls == ("http://ca.details.test/ca.crt",)
    assert cert.details.crl_urls == ("http://crl.details.test/ca.crl",)
    document = report.certificate_json(cert, dt.datetime.now(dt.UTC))
    assert document["authority_info_access"] == {
        "ocsp": ["http://ocsp.details.test"],
        "ca_issuers": ["http://ca.details.test/ca.crt"],
    }
    assert document["crl_distribution_points"] == ["http://crl.details.test/ca.crl"]


def test_certificate_policies_name_the_validation_level(issuing_ca: minting.Issued) -> None:
    policies = x509.CertificatePolicies(
        [
            x509.PolicyInformation(ObjectIdentifier("2.23.140.1.2.1"), None),
            x509.PolicyInformation(ObjectIdentifier("2.23.140.1.2.2"), None),
            x509.PolicyInformation(ObjectIdentifier("1.3.6.1.4.1.55555.1"), ["https://cps.test"]),
        ]
    )
    leaf = minting.mint_leaf(issuing_ca, "policy.test", extra=[(policies, False)])

    assert details_of(leaf.der).policies == (
        "2.23.140.1.2.1 (DV)",
        "2.23.140.1.2.2 (OV)",
        "1.3.6.1.4.1.55555.1",
    )


def test_name_constraints_permitted_and_excluded() -> None:
    constraints = x509.NameConstraints(
        permitted_subtrees=[
            x509.DNSName(".corp.test"),
            x509.IPAddress(ipaddress.ip_network("10.0.0.0/8")),
        ],
        excluded_subtrees=[
            x509.DNSName("secret.corp.test"),
            x509.IPAddress(ipaddress.ip_network("2001:db8::/32")),
        ],
    )
    ca = minting.mint_certificate(
        minting.name("Constrained CA"),
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True), (constraints, True)],
    )

    details = details_of(ca.der)

    assert details.permitted_subtrees == ("DNS:.corp.test", "IP:10.0.0.0/8")
    assert details.excluded_subtrees == ("DNS:secret.corp.test", "IP:2001:db8::/32")
    [extension] = [e for e in details.extensions if e.name == "nameConstraints"]
    assert extension.critical is True


def test_tls_feature_must_staple(issuing_ca: minting.Issued) -> None:
    feature = x509.TLSFeature([x509.TLSFeatureType.status_request])
    stapled = minting.mint_leaf(issuing_ca, "staple.test", extra=[(feature, False)])
    plain = minting.mint_leaf(issuing_ca, "plain.test")

    assert details_of(stapled.der).must_staple is True
    assert details_of(plain.der).must_staple is False


def test_unknown_extension_is_shown_as_hex(issuing_ca: minting.Issued) -> None:
    unknown = x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.9"), b"\x04\x03abc")
    leaf = minting.mint_leaf(issuing_ca, "unknown.test", extra=[(unknown, False)])

    [extension] = [e for e in details_of(leaf.der).extensions if e.oid == "1.3.6.1.4.1.55555.9"]

    assert (extension.name, extension.critical, extension.value) == (
        "1.3.6.1.4.1.55555.9",
        False,
        "0403616263",
    )


def test_embedded_scts_give_log_ids_and_timestamps(issuing_ca: minting.Issued) -> None:
    first_log, second_log = bytes(range(32)), bytes([0xAA] * 32)
    first_time = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.UTC)
    second_time = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    scts = minting.sct_list_extension([(first_log, first_time), (second_log, second_time)])
    leaf = minting.mint_leaf(issuing_ca, "ct.test", extra=[(scts, False)])

    cert = only_certificate(leaf.der)

    assert [(sct.log_id, sct.timestamp) for sct in cert.details.scts] == [
        (base64.b64encode(first_log).decode(), first_time),
        (base64.b64encode(second_log).decode(), second_time),
    ]
    [extension] = [e for e in cert.details.extensions if e.oid == "1.3.6.1.4.1.11129.2.4.2"]
    assert extension.name == "signedCertificateTimestampList"
    document = report.certificate_json(cert, second_time)
    assert document["scts"][1] == {
        "log_id": base64.b64encode(second_log).decode(),
        "timestamp": "2025-01-01T00:00:00Z",
    }


def test_report_document_of_a_certificate_is_json(
    issuing_ca: minting.Issued, every_san_type: x509.SubjectAlternativeName
) -> None:
    leaf = minting.mint_leaf(issuing_ca, "json.test", dns=[], extra=[(every_san_type, False)])
    now = dt.datetime.now(dt.UTC)

    document = report.document([inspect_bytes(leaf.pem, "json.pem", now=now)], now)

    [source] = json.loads(json.dumps(document))["sources"]
    assert (source["name"], source["kind"], source["format"]) == ("json.pem", "file", "pem")
    [entry] = source["entries"]
    [cert] = entry["certificates"]
    assert cert["sha256"] == leaf.sha256
    assert cert["sha1"] == leaf.sha1
    assert cert["spki_sha256"] == leaf.pin
    assert cert["subject"] == "CN=json.test"
    assert cert["issuer"] == issuing_ca.subject
    assert cert["san"]["other"] == [
        {"oid": "1.3.6.1.4.1.311.20.2.3", "name": "UPN", "value": "alice@corp.test"},
        {"oid": "1.2.3.4.99", "name": "1.2.3.4.99", "value": "020105"},
    ]
    assert cert["public_key"] == {"type": "EC", "size": 256, "curve": "secp256r1"}
    assert entry["pins"] == [
        {"algorithm": "sha256", "value": leaf.pin, "source": "certificate CN=json.test"}
    ]
    # A leaf on its own: the one finding is its missing issuer.
    assert [finding["code"] for finding in source["findings"]] == ["chain.missing-intermediate"]


# ---- serial numbers RFC 5280 forbids, and validity ----------------------------------------


@pytest.fixture
def zero_serial_root() -> bytes:
    """A root from certifi's bundle whose serial is zero (several real roots have one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open(certifi.where(), "rb") as bundle:
            roots = x509.load_pem_x509_certificates(bundle.read())
        zero = [root for root in roots if root.serial_number <= 0]
    if not zero:
        pytest.skip("this certifi release has no root with a non-positive serial")
    return zero[0].public_bytes(serialization.Encoding.PEM)


def test_zero_serial_root_loads_without_a_python_warning(zero_serial_root: bytes) -> None:
    # pytest turns warnings into errors here, so a CryptographyDeprecationWarning would fail this.
    cert = only_certificate(zero_serial_root)

    assert cert.serial == 0
    assert cert.details.serial == 0
    assert report.serial_hex(cert.details.serial) == "00"
    assert cert.details.is_ca is True


def test_zero_serial_root_is_a_finding(zero_serial_root: bytes) -> None:
    inspection = inspect_bytes(zero_serial_root, "root.pem", now=dt.datetime.now(dt.UTC))

    assert inspection.error is None
    assert inspection.source is not None
    sha256 = inspection.source.entries[0].certificates[0].sha256
    [finding] = [f for f in inspection.findings if f.code == "cert.negative-serial"]
    assert finding.severity == "warning"
    assert finding.certificate == sha256
    assert "zero serial number" in finding.title


@pytest.mark.parametrize(("serial", "text"), [(-1, "-01"), (-0x1234, "-1234"), (-0x80, "-80")])
def test_negative_serial_is_read_and_reported(
    issuing_ca: minting.Issued, serial: int, text: str
) -> None:
    leaf = minting.mint_leaf(issuing_ca, "negative.test")
    der = minting.with_serial(leaf, serial, issuer=issuing_ca)

    inspection = inspect_bytes(der, "negative.cer", now=dt.datetime.now(dt.UTC))

    assert inspection.error is None
    assert inspection.source is not None
    cert = inspection.source.entries[0].certificates[0]
    assert cert.details.serial == serial
    assert cert.sha256 == hashlib.sha256(der).hexdigest()
    assert report.serial_hex(cert.details.serial) == text
    [finding] = [f for f in inspection.findings if f.code == "cert.negative-serial"]
    assert "negative serial number" in finding.title
    assert str(serial) in finding.detail


def test_whole_certifi_bundle_loads_without_warnings() -> None:
    with open(certifi.where(), "rb") as bundle:
        data = bundle.read()

    inspection = inspect_bytes(data, "cacert.pem", now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    assert inspection.error is None
    assert inspection.source is not None
    assert len(inspection.source.certificates()) == data.count(b"-----BEGIN CERTIFICATE-----")


@pytest.fixture
def one_year_leaf(issuing_ca: minting.Issued) -> minting.Issued:
    return minting.mint_leaf(
        issuing_ca,
        "dated.test",
        not_before=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2031, 1, 1, tzinfo=dt.UTC),
    )


def _validity_codes(issued: minting.Issued, now: dt.datetime) -> list[tuple[str, str]]:
    inspection = inspect_bytes(issued.pem, "dated.pem", now=now)
    return [
        (f.code, f.severity.value)
        for f in inspection.findings
        if f.code in ("cert.expired", "cert.not-yet-valid")
    ]


def test_expired_certificate_is_an_error(one_year_leaf: minting.Issued) -> None:
    now = dt.datetime(2031, 1, 11, tzinfo=dt.UTC)

    inspection = inspect_bytes(one_year_leaf.pem, "dated.pem", now=now)

    [finding] = [f for f in inspection.findings if f.code == "cert.expired"]
    assert finding.severity == "error"
    assert finding.certificate == one_year_leaf.sha256
    assert "2031-01-01" in finding.detail
    assert "10 days ago" in finding.detail
    assert inspection.has_errors is True


def test_not_yet_valid_certificate_is_an_error(one_year_leaf: minting.Issued) -> None:
    assert _validity_codes(one_year_leaf, dt.datetime(2029, 12, 1, tzinfo=dt.UTC)) == [
        ("cert.not-yet-valid", "error")
    ]


def test_the_now_argument_decides_validity(one_year_leaf: minting.Issued) -> None:
    assert _validity_codes(one_year_leaf, dt.datetime(2030, 6, 1, tzinfo=dt.UTC)) == []
    assert _validity_codes(one_year_leaf, dt.datetime(2031, 1, 1, 0, 0, 1, tzinfo=dt.UTC)) == [
        ("cert.expired", "error")
    ]
    assert _validity_codes(one_year_leaf, dt.datetime(2029, 12, 31, 23, 59, tzinfo=dt.UTC)) == [
        ("cert.not-yet-valid", "error")
    ]
