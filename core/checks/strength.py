"""Cryptographic strength of one certificate: the size of its key and the hash it is signed with.

Signature algorithms are recognised by OID, not through cryptography's hash objects: an MD2 or
MD4 signature has no hash object cryptography can load, and the OID is what the certificate says.
"""

from __future__ import annotations

from collections.abc import Iterator

from pinscope.core.certificate import Certificate
from pinscope.core.keys import PublicKeyDetails
from pinscope.core.model import Finding, Severity

MIN_RSA_BITS = 2048
"""The smallest RSA (and DSA) modulus the CA/Browser Forum and NIST SP 800-131A accept."""
MIN_EC_BITS = 256
"""The smallest EC curve size the CA/Browser Forum allows (P-256): P-224, P-192 and secp160
curves fall short."""

# Signature algorithm OID -> the broken hash it signs over.
# TODO(#3): RSASSA-PSS names its hash in parameters whose default is SHA-1; such a signature is
# not reported yet: that needs a fixture made by openssl, as cryptography will not sign one.
_BROKEN_HASHES = {
    "1.2.840.113549.1.1.2": "MD2",  # md2WithRSAEncryption
    "1.2.840.113549.1.1.3": "MD4",  # md4WithRSAEncryption
    "1.2.840.113549.1.1.4": "MD5",  # md5WithRSAEncryption
    "1.3.14.3.2.3": "MD5",  # md5WithRSA (OIW)
    "1.3.14.3.2.25": "MD5",  # md5WithRSASignature (OIW)
    "1.2.840.113549.1.1.5": "SHA-1",  # sha1WithRSAEncryption
    "1.3.14.3.2.29": "SHA-1",  # sha-1WithRSASignature (OIW)
    "1.2.840.10045.4.1": "SHA-1",  # ecdsa-with-SHA1
    "1.2.840.10040.4.3": "SHA-1",  # dsa-with-SHA1
    "1.3.14.3.2.27": "SHA-1",  # dsaWithSHA1 (OIW)
}


def check_strength(cert: Certificate, is_anchor: bool = False) -> Iterator[Finding]:
    """Yield `cert.weak-key` and `cert.weak-signature` findings about `cert`.

    RSA and DSA keys under 2048 bits and EC keys under 256 bits are errors: they are below
    every current baseline (CA/Browser Forum, NIST SP 800-131A) and 1024-bit RSA is within
    reach of a well-funded attacker. A DSA key of 2048 bits or more is a warning instead: it is
    not weak by size, but DSA is obsolete (TLS 1.3 has no DSA signatures, browsers and Go do
    not accept DSA certificates, FIPS 186-5 no longer approves DSA signing), so a DSA
    certificate fails with most clients even though nobody can forge its signatures.

    MD2, MD4, MD5 and SHA-1 signatures are errors: collisions in them have been used to forge
    certificates (a rogue CA from MD5 in 2008, a chosen-prefix SHA-1 collision in 2020), and
    browsers and current TLS libraries refuse them.

    Args:
        cert: the certificate.
        is_anchor: whether `cert` is the trust anchor of its chain. Clients never check the
            self-signature of a trust anchor: they trust its key because it is in their store.
            A self-signed anchor's signature is therefore not judged; its key still is, as the
            key signs everything below it.
    """
    yield from _key_strength(cert)
    if not (is_anchor and cert.details.self_signed):
        yield from _signature_strength(cert)


def _key_strength(cert: Certificate) -> Iterator[Finding]:
    key = cert.details.public_key
    name = cert.details.short_name()
    minimum = _minimum_bits(key)
    if key.size is not None and minimum is not None and key.size < minimum:
        yield Finding(
            code="cert.weak-key",
            severity=Severity.ERROR,
            title=f"\u201c{name}\u201d has a weak {_key_text(key)} key",
            detail=f"The certificate's {key.type} key has {key.size} bits; at least {minimum} "
            "bits are expected. Keys this small no longer resist a well-equipped attacker; "
            "the CA/Browser Forum forbids them in publicly trusted certificates, and OpenSSL "
            "at security level 2 (the default on Debian and Ubuntu) refuses them in TLS.",
            remedy=f"Generate a new key (EC P-256, or RSA {MIN_RSA_BITS} bits or more) and "
            "reissue the certificate for it.",
            certificate=cert.sha256,
        )
    elif key.type == "DSA":
        yield Finding(
            code="cert.weak-key",
            severity=Severity.WARNING,
            title=f"\u201c{name}\u201d has an obsolete DSA key",
            detail=f"The certificate's key is DSA ({key.size} bits). DSA is obsolete: TLS 1.3 "
            "has no DSA signatures, browsers and Go do not accept DSA certificates, and FIPS "
            "186-5 no longer approves it for signing.",
            remedy="Generate a new EC P-256 or RSA key and reissue the certificate for it.",
            certificate=cert.sha256,
        )


def _minimum_bits(key: PublicKeyDetails) -> int | None:
    """The smallest acceptable size for this kind of key; None when size does not apply."""
    if key.type in ("RSA", "RSA-PSS", "DSA"):
        return MIN_RSA_BITS
    if key.type == "EC":
        return MIN_EC_BITS
    return None


def _key_text(key: PublicKeyDetails) -> str:
    """The key as a title shows it, such as "1024-bit RSA" or "192-bit EC (secp192r1)"."""
    curve = f" ({key.curve})" if key.curve else ""
    return f"{key.size}-bit {key.type}{curve}"


def _signature_strength(cert: Certificate) -> Iterator[Finding]:
    details = cert.details
    oid = details.signature_algorithm_oid
    broken = _BROKEN_HASHES.get(oid)
    if broken is None:
        return
    yield Finding(
        code="cert.weak-signature",
        severity=Severity.ERROR,
        title=f"\u201c{details.short_name()}\u201d is signed with {broken}",
        detail=f"The issuer signed this certificate with {details.signature_algorithm}; a "
        f"signature with SHA-256 or stronger is expected. {_why_broken(broken)}",
        remedy="Have the issuer sign a new certificate with SHA-256 (most CA software's "
        "default today); if the issuer itself is old, replace it too.",
        certificate=cert.sha256,
    )


def _why_broken(hash_name: str) -> str:
    if hash_name == "SHA-1":
        return (
            "SHA-1 is broken: since the chosen-prefix collision of 2020, an attacker who gets "
            "one certificate signed can forge another with the same signature. Browsers have "
            "refused SHA-1 certificates since 2017, Go since version 1.18, and RHEL 9's default "
            "crypto policy refuses them too."
        )
    if hash_name == "MD5":
        return (
            "MD5 is broken: MD5 collisions were used to forge a CA certificate in 2008 and a "
            "Microsoft code-signing certificate (the Flame malware) in 2012. No current client "
            "accepts MD5 signatures."
        )
    return (
        f"{hash_name} is older and weaker than MD5, whose collisions were used to forge a CA "
        f"certificate in 2008. No current client accepts {hash_name} signatures."
    )
