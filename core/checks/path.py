"""Checks on a certification path: what was given against what a client builds from it."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterator, Sequence

from cryptography import x509

from pinscope.core.certificate import Certificate
from pinscope.core.chain import (
    CertificationPath,
    Validation,
    host_matches,
    issued_by,
    self_signed,
)
from pinscope.core.checks.context import CheckContext
from pinscope.core.model import Finding, Severity


def check_path(
    given: Sequence[Certificate], validation: Validation, ctx: CheckContext
) -> Iterator[Finding]:
    """Yield the findings about how `given` (a file's chain, a server's chain as sent) links up.

    Args:
        given: the certificates as they came, leaf first when they are in order.
        validation: the verdict on the leaf of `given`.
        ctx: the settings of this inspection.
    """
    yield from _anchoring(validation)
    yield from _host(validation)
    yield from _given_order(given, validation)
    yield from _path_length(validation.path)
    yield from _name_constraints(validation.path)
    yield from _expired_issuers(validation, ctx)
    yield from _validators_disagree(validation)


def quoted(cert: Certificate) -> str:
    return f"\u201c{cert.short_name}\u201d"


def _anchoring(validation: Validation) -> Iterator[Finding]:
    path = validation.path
    leaf = path.certificates[0]
    if path.complete:
        if len(path.certificates) == 1:
            yield _self_signed_trusted(validation)
        yield from _fetched(validation)
        return
    if not validation.stores:
        return  # --trust-store none: nothing to anchor at, trust is not judged
    last = path.last
    if last is leaf and self_signed(leaf):
        yield _self_signed_untrusted(validation)
    elif self_signed(last):
        yield _untrusted_root(validation)
    elif (impostor := _same_name_issuer(validation)) is not None:
        yield _invalid_signature(last, impostor)
    else:
        yield _missing_intermediate(validation)


def _self_signed_trusted(validation: Validation) -> Finding:
    leaf = validation.path.certificates[0]
    store = validation.path.store
    label = store.label if store is not None else "a trust store"
    return Finding(
        code="cert.self-signed",
        severity=Severity.INFO,
        title=f"{quoted(leaf)} is self-signed",
        detail=f"The certificate is its own trust anchor, found in {label}. Only clients "
        "configured with this exact certificate accept it.",
        remedy="Nothing to do if every client is configured with it; otherwise use a "
        "certificate issued by a CA the clients trust.",
        certificate=leaf.sha256,
    )


def _self_signed_untrusted(validation: Validation) -> Finding:
    leaf = validation.path.certificates[0]
    return Finding(
        code="cert.self-signed",
        severity=Severity.ERROR,
        title=f"{quoted(leaf)} is self-signed and no trust store holds it",
        detail=f"The certificate signs itself, and it is not in {_labels(validation)}. A client "
        "accepts it only when configured to trust this exact certificate.",
        remedy="Use a certificate issued by a CA the clients trust, or give the clients this "
        "certificate as a trust anchor (and Pinscope with --trust FILE).",
        certificate=leaf.sha256,
    )


def _untrusted_root(validation: Validation) -> Finding:
    root = validation.path.last
    return Finding(
        code="chain.untrusted-root",
        severity=Severity.ERROR,
        title=f"The chain ends at {quoted(root)}, a root no trust store holds",
        detail=f"The path from {quoted(validation.path.certificates[0])} leads to the "
        f"self-signed root {quoted(root)} ({root.details.subject}), which is not in "
        f"{_labels(validation)}. Clients with the usual trust stores refuse this chain.",
        remedy="Use a certificate from a publicly trusted CA, or install this root in every "
        "client's trust store (and pass it to Pinscope with --trust FILE).",
        certificate=root.sha256,
    )


def _missing_intermediate(validation: Validation) -> Finding:
    last = validation.path.last
    issuer = last.details.issuer or "(an empty name)"
    issuer_cn = _issuer_cn(last)
    where = _download_advice(last, validation)
    return Finding(
        code="chain.missing-intermediate",
        severity=Severity.ERROR,
        title=f"The intermediate certificate \u201c{issuer_cn}\u201d is missing",
        detail=f"{quoted(last)} was issued by {issuer}, whose certificate is neither in the "
        f"chain nor in {_labels(validation)}, so clients cannot build a path to a trusted "
        f"root. Browsers sometimes fetch it themselves; other clients do not.{where}",
        remedy=f"Append the intermediate \u201c{issuer_cn}\u201d after {quoted(last)} in the "
        "certificate file the server sends. If it is a private root CA rather than an "
        "intermediate, give it to Pinscope with --trust FILE (the clients need it installed).",
        certificate=last.sha256,
    )


def _download_advice(last: Certificate, validation: Validation) -> str:
    """Where the missing issuer can be had, and what came of downloading it if Pinscope tried."""
    urls = last.details.ca_issuer_urls
    if not urls:
        return " The certificate names no URL to download it from; ask the CA for it."
    attempts = [attempt for attempt in validation.fetch_attempts if attempt.url in urls]
    if not attempts:
        return f" Its certificate can be downloaded from {urls[0]} (named in {quoted(last)})."
    outcomes = []
    for attempt in attempts:
        if attempt.error is not None:
            outcomes.append(attempt.error)
        else:
            served = ", ".join(quoted(cert) for cert in attempt.certificates)
            outcomes.append(f"{attempt.url} serves {served}, which did not issue {quoted(last)}")
    return (
        f" Pinscope tried to download it from the URL named in {quoted(last)} "
        f"(--fetch-missing), but {'; '.join(outcomes)}. Ask the CA for the certificate."
    )


def _fetched(validation: Validation) -> Iterator[Finding]:
    """A path completed only by downloading issuers: the chain as given still lacks them."""
    fetched = {cert.sha256 for cert in validation.fetched}
    for index, cert in enumerate(validation.path.certificates):
        if cert.sha256 not in fetched:
            continue
        child = validation.path.certificates[index - 1]
        url = next(
            (a.url for a in validation.fetch_attempts if cert in a.certificates),
            "its issuer's AIA URL",
        )
        yield Finding(
            code="chain.missing-intermediate",
            severity=Severity.ERROR,
            title=f"The intermediate certificate {quoted(cert)} is missing",
            detail=f"{quoted(child)} was issued by {quoted(cert)}, which the chain does not "
            f"include. Pinscope downloaded it from {url} (--fetch-missing) and the path then "
            "validates, but clients that do not download issuers refuse the chain.",
            remedy=f"Append {quoted(cert)} (from {url}) after {quoted(child)} in the "
            "certificate file the server sends.",
            certificate=child.sha256,
        )


def _same_name_issuer(validation: Validation) -> Certificate | None:
    """A certificate named as the last one's issuer whose key did not sign it."""
    last = validation.path.last
    wanted = last.tbs_fields["issuer"]
    candidates: list[Certificate] = [
        cert for cert in validation.given if cert.tbs_fields["subject"] == wanted
    ]
    for store in validation.stores:
        candidates.extend(store.find_issuers(last))
    return next((cert for cert in candidates if cert.sha256 != last.sha256), None)


def _invalid_signature(cert: Certificate, impostor: Certificate) -> Finding:
    return Finding(
        code="chain.invalid-signature",
        severity=Severity.ERROR,
        title=f"{quoted(impostor)} did not sign {quoted(cert)}",
        detail=f"{quoted(cert)} names {impostor.details.subject} as its issuer, and a "
        f"certificate with that name is present (SHA-256 {impostor.sha256[:16]}\u2026), but its "
        "key does not verify the signature: it is another CA with the same name, or an older "
        "or newer version of the issuer with a different key.",
        remedy=f"Replace {quoted(impostor)} with the issuer certificate that belongs to "
        f"{quoted(cert)} (its Authority Key Identifier says which key it needs).",
        certificate=cert.sha256,
    )


def _host(validation: Validation) -> Iterator[Finding]:
    host = validation.host
    leaf = validation.path.certificates[0]
    if host is None or host_matches(host, leaf):
        return
    names = [*leaf.details.san.dns, *leaf.details.san.ip]
    found = ", ".join(names) if names else "no DNS or IP names at all"
    yield Finding(
        code="cert.hostname-mismatch",
        severity=Severity.ERROR,
        title=f"{quoted(leaf)} is not valid for {host}",
        detail=f"Clients connecting to {host} look for it among the certificate's subject "
        f"alternative names, which hold {found}.",
        remedy=f"Reissue the certificate with {host} in its subject alternative names, or "
        "connect with a name it holds.",
        certificate=leaf.sha256,
    )


def _given_order(given: Sequence[Certificate], validation: Validation) -> Iterator[Finding]:
    counts = Counter(cert.sha256 for cert in given)
    for cert in dict.fromkeys(given):
        if counts[cert.sha256] > 1:
            yield Finding(
                code="chain.duplicate",
                severity=Severity.WARNING,
                title=f"{quoted(cert)} appears {counts[cert.sha256]} times in the chain",
                detail="The same certificate is sent more than once. Most clients ignore the "
                "copies; some strict ones refuse the chain, and every copy costs bytes in each "
                "handshake.",
                remedy=f"Keep one copy of {quoted(cert)} in the certificate file.",
                certificate=cert.sha256,
            )

    unique = list(dict.fromkeys(given))
    related = related_certificates(validation, unique)
    for cert in unique:
        if cert.sha256 not in related:
            yield _unrelated(cert, validation)

    yield from _order(unique, validation.path)
    yield from _root_sent(unique, validation.path)


def related_certificates(validation: Validation, given: Sequence[Certificate]) -> set[str]:
    """The SHA-256s of the certificates on the leaf's paths, and of those in `given` that issued
    them, directly or higher up.

    A path ends at the first trust anchor it meets, so an intermediate trusted on its own
    leaves the root above it off every path; the root still belongs to the chain.
    """
    paths = (validation.path, *validation.alternatives)
    related = {cert.sha256 for path in paths for cert in path.certificates}
    tops = [path.last for path in paths]
    while tops:
        child = tops.pop()
        for cert in given:
            if cert.sha256 not in related and issued_by(child, cert):
                related.add(cert.sha256)
                tops.append(cert)
    return related


def _unrelated(cert: Certificate, validation: Validation) -> Finding:
    leaf = validation.path.certificates[0]
    return Finding(
        code="chain.unrelated-certificate",
        severity=Severity.WARNING,
        title=f"{quoted(cert)} does not belong to the chain of {quoted(leaf)}",
        detail=f"{quoted(cert)} ({cert.details.subject}) is neither an issuer of "
        f"{quoted(leaf)} nor of its issuers. Clients ignore it at best; some stop building "
        "the path when they meet it.",
        remedy=f"Remove {quoted(cert)} from the certificate file, or replace it with the "
        "intermediate that belongs there.",
        certificate=cert.sha256,
    )


def _order(unique: Sequence[Certificate], path: CertificationPath) -> Iterator[Finding]:
    position = {cert.sha256: index for index, cert in enumerate(unique)}
    present = [cert for cert in path.certificates if cert.sha256 in position]
    indexes = [position[cert.sha256] for cert in present]
    if indexes == sorted(indexes) and (not indexes or indexes[0] == 0):
        return
    expected = ", ".join(quoted(cert) for cert in present)
    found = ", ".join(quoted(cert) for cert in unique if cert in present)
    yield Finding(
        code="chain.wrong-order",
        severity=Severity.WARNING,
        title="The certificates are not in chain order",
        detail=f"The chain should run from the leaf to the root, each certificate followed by "
        f"its issuer: {expected}. It is given as {found}. TLS 1.2 requires this order (RFC "
        "5246); OpenSSL and browsers cope, but Java before 11, some embedded clients and "
        "load balancers refuse it.",
        remedy=f"Reorder the certificate file: {expected}.",
        certificate=path.certificates[0].sha256,
    )


def _root_sent(unique: Sequence[Certificate], path: CertificationPath) -> Iterator[Finding]:
    if len(path.certificates) < 2 or not path.complete:
        return  # a self-signed leaf is the chain itself; an untrusted root is the problem
    given = {cert.sha256 for cert in unique}
    root = path.last
    if root.sha256 in given and self_signed(root):
        yield Finding(
            code="chain.root-sent",
            severity=Severity.INFO,
            title=f"The chain includes the root {quoted(root)}",
            detail="Clients use their own copy of a trusted root, so sending it only adds "
            "bytes to every handshake. It does no harm otherwise.",
            remedy=f"Optionally remove {quoted(root)} from the certificate file.",
            certificate=root.sha256,
        )


def _path_length(path: CertificationPath) -> Iterator[Finding]:
    """A CA's pathLenConstraint counts the non-self-issued intermediates below it."""
    certs = path.certificates
    for index in range(1, len(certs)):
        limit = certs[index].details.path_length
        if limit is None:
            continue
        below = [c for c in certs[1:index] if not c.details.self_issued]
        if len(below) > limit:
            ca = certs[index]
            yield Finding(
                code="chain.path-length",
                severity=Severity.ERROR,
                title=f"{quoted(ca)} allows {_count(limit, 'intermediate')} below it, the "
                f"chain has {len(below)}",
                detail=f"{quoted(ca)} limits the path beneath it to {limit} (pathLenConstraint), "
                f"but {', '.join(quoted(c) for c in below)} stand between it and the leaf. "
                "Clients refuse the chain.",
                remedy=f"Have the leaf issued directly under a CA that may issue it, or reissue "
                f"{quoted(ca)} with a larger path length.",
                certificate=ca.sha256,
            )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _name_constraints(path: CertificationPath) -> Iterator[Finding]:
    leaf = path.certificates[0]
    for ca in path.certificates[1:]:
        constraints = _constraints_of(ca)
        if constraints is None:
            continue
        for name in _leaf_names(leaf):
            reason = _violation(name, constraints)
            if reason is not None:
                yield Finding(
                    code="chain.name-constraints",
                    severity=Severity.ERROR,
                    title=f"{quoted(leaf)} names {name.value}, which {quoted(ca)} may not certify",
                    detail=f"{quoted(ca)} carries name constraints: {reason}. Clients that "
                    "enforce them (all current browsers, Go, OpenSSL, Java) refuse the chain.",
                    remedy=f"Remove {name.value} from the certificate, or have it issued by a "
                    "CA whose constraints allow it.",
                    certificate=leaf.sha256,
                )
                break  # one finding per constraining CA is enough to act on


def _constraints_of(ca: Certificate) -> x509.NameConstraints | None:
    try:
        return ca.x509.extensions.get_extension_for_class(x509.NameConstraints).value
    except (x509.ExtensionNotFound, ValueError):
        return None


def _leaf_names(leaf: Certificate) -> list[x509.GeneralName]:
    san = leaf.details.san
    names: list[x509.GeneralName] = [x509.DNSName(d) for d in san.dns]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in san.ip]
    names += [x509.RFC822Name(e) for e in san.email]
    return names


def _violation(name: x509.GeneralName, constraints: x509.NameConstraints) -> str | None:
    """Why `name` breaks `constraints`, or None when it is allowed (RFC 5280 4.2.1.10)."""
    same_type = type(name)
    excluded = [s for s in constraints.excluded_subtrees or () if type(s) is same_type]
    for subtree in excluded:
        if _within(name, subtree):
            return f"{_subtree_text(subtree)} is excluded"
    permitted = [s for s in constraints.permitted_subtrees or () if type(s) is same_type]
    if permitted and not any(_within(name, subtree) for subtree in permitted):
        allowed = ", ".join(_subtree_text(s) for s in permitted)
        return f"only {allowed} permitted"
    return None


def _within(name: x509.GeneralName, subtree: x509.GeneralName) -> bool:
    if isinstance(name, x509.IPAddress) and isinstance(subtree, x509.IPAddress):
        network = subtree.value
        return isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network) and (
            name.value in network
        )
    if isinstance(name, x509.DNSName) and isinstance(subtree, x509.DNSName):
        return _dns_within(name.value.lower().rstrip("."), subtree.value.lower())
    if isinstance(name, x509.RFC822Name) and isinstance(subtree, x509.RFC822Name):
        return _email_within(name.value.lower(), subtree.value.lower())
    return False


def _dns_within(host: str, constraint: str) -> bool:
    if not constraint:
        return True
    if constraint.startswith("."):
        return host.endswith(constraint)
    return host == constraint or host.endswith("." + constraint)


def _email_within(address: str, constraint: str) -> bool:
    if "@" in constraint:
        return address == constraint
    domain = address.rpartition("@")[2]
    if constraint.startswith("."):
        return domain.endswith(constraint)
    return domain == constraint


def _subtree_text(subtree: x509.GeneralName) -> str:
    value = subtree.value
    return str(value) if not isinstance(value, str) else value or "(everything)"


def _expired_issuers(validation: Validation, ctx: CheckContext) -> Iterator[Finding]:
    at = validation.at
    for cert in validation.path.certificates[1:]:
        details = cert.details
        if details.not_before <= at <= details.not_after:
            continue
        expired = at > details.not_after
        when = (
            f"expired on {details.not_after:%Y-%m-%d}"
            if expired
            else f"is not valid before {details.not_before:%Y-%m-%d}"
        )
        anchor = cert is validation.path.anchor
        role = "trust anchor" if anchor else "intermediate"
        yield Finding(
            code="chain.expired-intermediate",
            severity=Severity.ERROR,
            title=f"The {role} {quoted(cert)} {when}",
            detail=f"{quoted(cert)} is on the path to the trust anchor and {when}, so the "
            f"whole chain fails at {at:%Y-%m-%d %H:%M} UTC even though "
            f"{quoted(validation.path.certificates[0])} itself may still be valid.",
            remedy=f"Replace {quoted(cert)} with its current version from the CA (a renewed or "
            "cross-signed intermediate) in the certificate file.",
            certificate=cert.sha256,
        )


def _validators_disagree(validation: Validation) -> Iterator[Finding]:
    if not validation.path.complete:
        return
    strict, openssl = validation.strict_error, validation.openssl_reason
    if (strict is None) == (openssl is None):
        return
    leaf = validation.path.certificates[0]
    if strict is not None:
        title = "Strict validators refuse this chain; OpenSSL-based clients accept it"
        detail = (
            "Validated with the strict RFC 5280 and CA/Browser Forum profile of Python's "
            f"cryptography (close to what rustls and Go enforce), the chain is refused: {strict}. "
            "OpenSSL (curl, Python's ssl, nginx) accepts it, so whether a client connects "
            "depends on the TLS library it uses."
        )
        remedy = "Reissue the certificates so that they follow RFC 5280 strictly."
    else:
        title = "OpenSSL-based clients refuse this chain; strict validators accept it"
        detail = (
            f"OpenSSL (curl, Python's ssl, nginx) refuses the chain: {openssl}. The RFC 5280 "
            "profile that Go, rustls and Python's cryptography apply accepts it."
        )
        remedy = "Test with the clients that matter; reissue the certificate OpenSSL refuses."
    yield Finding(
        code="chain.clients-disagree",
        severity=Severity.WARNING,
        title=title,
        detail=detail,
        remedy=remedy,
        certificate=leaf.sha256,
    )


def _labels(validation: Validation) -> str:
    stores = validation.stores
    if not stores:
        return "any trust store"
    return " or ".join(store.label for store in stores)


def _issuer_cn(cert: Certificate) -> str:
    """The common name of the certificate's issuer, or its whole name when it has none."""
    details = cert.details
    for attribute in details.issuer_attributes:
        if attribute.oid == "2.5.4.3":
            return attribute.value
    return details.issuer or "(an empty name)"
