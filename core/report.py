"""The JSON document of DESIGN.md and the compact text report, shared by every front end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from pinscope.core import __version__
from pinscope.core.certificate import Certificate, CertificateDetails
from pinscope.core.chain import Validation
from pinscope.core.endpoint.report import handshake_json, story_lines
from pinscope.core.errors import (
    DamagedInput,
    EmptyInput,
    LoadError,
    PasswordRequired,
    UnsupportedAlgorithm,
    UnsupportedFormat,
    WrongPassword,
)
from pinscope.core.extensions import SubjectAltNames
from pinscope.core.inspection import Inspection
from pinscope.core.keys import PublicKeyDetails
from pinscope.core.model import Entry, Finding, Pin, Severity, Source

_ERROR_KINDS: tuple[tuple[type[LoadError], str], ...] = (
    (WrongPassword, "wrong-password"),
    (PasswordRequired, "password-required"),
    (EmptyInput, "empty"),
    (UnsupportedAlgorithm, "unsupported-algorithm"),
    (UnsupportedFormat, "unsupported-format"),
    (DamagedInput, "damaged"),
)


def iso(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def serial_hex(serial: int) -> str:
    """Lowercase hex with an even number of digits, as OpenSSL prints serials; "-" if negative."""
    digits = f"{abs(serial):x}"
    digits = digits.zfill(len(digits) + len(digits) % 2)
    return f"-{digits}" if serial < 0 else digits


def error_kind(error: LoadError) -> str:
    for error_type, kind in _ERROR_KINDS:
        if isinstance(error, error_type):
            return kind
    return "unreadable"


def document(inspections: Iterable[Inspection], now: dt.datetime | None = None) -> dict[str, Any]:
    """The whole `--json` document."""
    moment = now or dt.datetime.now(dt.UTC)
    memo: dict[str, dict[str, Any]] = {}
    sources = [inspection_json(i, moment, memo) for i in inspections]
    return {"pinscope": __version__, "sources": sources}


def inspection_json(
    inspection: Inspection, now: dt.datetime, memo: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """One source of the document; `memo` shares the rendering of certificates seen before."""
    memo = {} if memo is None else memo
    if inspection.source is None:
        error = inspection.error or LoadError("unreadable")
        return {
            "name": inspection.name,
            "kind": "file",
            "format": None,
            "entries": [],
            "findings": [],
            "error": {"kind": error_kind(error), "message": str(error)},
        }
    source = inspection.source
    validations = inspection.validations or (None,) * len(source.entries)
    first = inspection.validation
    return {
        "name": source.name,
        "kind": source.kind,
        "format": source.format,
        "protection": source.protection or None,
        "validation": None if first is None else validation_json(first),
        "entries": [
            entry_json(entry, now, memo, validation)
            for entry, validation in zip(source.entries, validations, strict=True)
        ],
        "findings": [finding_json(finding) for finding in inspection.findings],
        **_endpoint_json(inspection),
    }


def _endpoint_json(inspection: Inspection) -> dict[str, Any]:
    if inspection.endpoint is None:
        return {}
    return {"handshake": handshake_json(inspection.endpoint)}


def validation_json(validation: Validation) -> dict[str, Any]:
    """The verdict on one chain: trusted or not, the path leaf first, its anchor and store."""
    path = validation.path
    anchor = path.anchor
    store = path.store
    return {
        "trusted": validation.trusted,
        "purpose": validation.purpose,
        "host": validation.host,
        "at": iso(validation.at),
        "path": [cert.sha256 for cert in path.certificates],
        "path_subjects": [cert.details.subject for cert in path.certificates],
        "complete": path.complete,
        "anchor": None if anchor is None else anchor.sha256,
        "anchor_subject": None if anchor is None else anchor.details.subject,
        "store": None if store is None else store.name,
        "store_label": None if store is None else store.label,
        "stores": [s.name for s in validation.stores],
        "errors": list(validation.errors),
        "strict_error": validation.strict_error,
        "openssl_error": None
        if validation.openssl_error is None
        else {"code": validation.openssl_error, "meaning": validation.openssl_reason},
        "alternatives": [[c.sha256 for c in p.certificates] for p in validation.alternatives],
        "fetched": [
            {
                "url": attempt.url,
                "certificates": [cert.sha256 for cert in attempt.certificates],
                "error": attempt.error,
            }
            for attempt in validation.fetch_attempts
        ],
    }


def entry_json(
    entry: Entry,
    now: dt.datetime,
    memo: dict[str, dict[str, Any]] | None = None,
    validation: Validation | None = None,
) -> dict[str, Any]:
    memo = {} if memo is None else memo
    private_key = entry.private_key
    return {
        "alias": entry.alias,
        "type": entry.type.value,
        "certificates": [_memoised(cert, now, memo) for cert in entry.certificates],
        "pins": [pin_json(pin) for pin in entry.pins],
        "validation": None if validation is None else validation_json(validation),
        "private_key": None
        if private_key is None
        else {
            "format": private_key.format,
            "protection": private_key.protection,
            "public_key": _public_key_json(private_key.public_key),
            "matches_certificate": private_key.matches_certificate,
        },
        "public_key": _public_key_json(entry.public_key),
        "csr": None
        if entry.csr is None
        else {
            "subject": entry.csr.subject,
            "public_key": _public_key_json(entry.csr.public_key),
            "signature_algorithm": entry.csr.signature_algorithm,
            "signature_valid": entry.csr.signature_valid,
            "san": san_json(entry.csr.san),
            "sha256": entry.csr.sha256,
        },
        "secret_key": None
        if entry.secret_key is None
        else {
            "algorithm": entry.secret_key.algorithm,
            "size": entry.secret_key.size,
        },
    }


def _public_key_json(key: PublicKeyDetails | None) -> dict[str, Any] | None:
    if key is None:
        return None
    return {"type": key.type, "size": key.size, "curve": key.curve, "spki_sha256": key.spki_sha256}


def _memoised(
    cert: Certificate, now: dt.datetime, memo: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    rendered = memo.get(cert.sha256)
    if rendered is None:
        rendered = memo[cert.sha256] = certificate_json(cert, now)
    return rendered


def pin_json(pin: Pin) -> dict[str, str]:
    return {"algorithm": pin.algorithm, "value": pin.value, "source": pin.source}


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "title": finding.title,
        "detail": finding.detail,
        "remedy": finding.remedy,
        "certificate": finding.certificate,
    }


def certificate_json(cert: Certificate, now: dt.datetime) -> dict[str, Any]:
    d = cert.details
    return {
        "subject": d.subject,
        "subject_attributes": _attributes(d.subject_attributes),
        "issuer": d.issuer,
        "issuer_attributes": _attributes(d.issuer_attributes),
        "serial": serial_hex(d.serial),
        "version": d.version,
        "not_before": iso(d.not_before),
        "not_after": iso(d.not_after),
        "days_left": int(d.seconds_left(now) // 86400),
        "sha256": cert.sha256,
        "sha1": cert.sha1,
        "spki_sha256": d.public_key.spki_sha256,
        "san": san_json(d.san),
        "spiffe_ids": list(d.spiffe_ids),
        "key_usage": list(d.key_usage),
        "extended_key_usage": list(d.extended_key_usage),
        "public_key": {
            "type": d.public_key.type,
            "size": d.public_key.size,
            "curve": d.public_key.curve,
        },
        "signature_algorithm": d.signature_algorithm,
        "is_ca": d.is_ca,
        "path_length": d.path_length,
        "self_signed": d.self_signed,
        "subject_key_id": d.subject_key_id,
        "authority_key_id": d.authority_key_id,
        "authority_info_access": {"ocsp": list(d.ocsp_urls), "ca_issuers": list(d.ca_issuer_urls)},
        "crl_distribution_points": list(d.crl_urls),
        "certificate_policies": list(d.policies),
        "name_constraints": {
            "permitted": list(d.permitted_subtrees),
            "excluded": list(d.excluded_subtrees),
        },
        "scts": [{"log_id": sct.log_id, "timestamp": iso(sct.timestamp)} for sct in d.scts],
        "must_staple": d.must_staple,
        "extensions": [
            {"oid": e.oid, "name": e.name, "critical": e.critical, "value": e.value}
            for e in d.extensions
        ],
    }


def san_json(san: SubjectAltNames) -> dict[str, list[Any]]:
    return {
        "dns": list(san.dns),
        "ip": list(san.ip),
        "uri": list(san.uri),
        "email": list(san.email),
        "directory": list(san.directory),
        "registered_id": list(san.registered_id),
        "other": [{"oid": o.oid, "name": o.name, "value": o.value} for o in san.other],
    }


def _attributes(attributes: Iterable[Any]) -> list[dict[str, str]]:
    return [{"name": a.name, "oid": a.oid, "value": a.value} for a in attributes]


# ---- text ------------------------------------------------------------------------------------

ARROW = " \u2192 "

_SEVERITY_LABEL = {Severity.ERROR: "ERROR", Severity.WARNING: "WARN ", Severity.INFO: "INFO "}


def text_report(
    inspections: Iterable[Inspection], now: dt.datetime | None = None, include_errors: bool = True
) -> str:
    """The compact readable report `pinscope inspect` prints.

    Args:
        inspections: what was read.
        now: the moment validity is judged at; the current time when None.
        include_errors: also list the inputs that could not be read (the command line says
            those on standard error instead).
    """
    moment = now or dt.datetime.now(dt.UTC)
    shown = [i for i in inspections if include_errors or i.source is not None]
    return "\n".join(_inspection_text(inspection, moment) for inspection in shown)


def _inspection_text(inspection: Inspection, now: dt.datetime) -> str:
    if inspection.source is None:
        return f"{inspection.name}: cannot read: {inspection.error}\n"
    source = inspection.source
    count = len(source.entries)
    lines = [
        f"{source.name}  (TLS endpoint)"
        if source.kind == "endpoint"
        else f"{source.name}  ({_format_label(source)}, {count} entr{'y' if count == 1 else 'ies'})"
    ]
    findings_first = inspection.endpoint is not None
    if inspection.endpoint is not None:
        lines.extend(story_lines(inspection.endpoint))
        lines.extend(_findings_text(inspection))
    for key, value in source.protection.items():
        if value not in (None, [], ""):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            lines.append(f"  {key:<13} {shown}")
    validations = inspection.validations or (None,) * len(source.entries)
    for entry, validation in zip(source.entries, validations, strict=True):
        lines.extend(_entry_text(entry, now, validation))
    if not findings_first:
        lines.extend(_findings_text(inspection))
    return "\n".join(lines) + "\n"


def _findings_text(inspection: Inspection) -> list[str]:
    if not inspection.findings:
        return []
    lines = ["  findings:"]
    for finding in inspection.findings:
        lines.extend(_finding_text(finding))
    return lines


def _format_label(source: Source) -> str:
    return source.format.upper() if len(source.format) <= 6 else source.format


def _entry_text(entry: Entry, now: dt.datetime, validation: Validation | None = None) -> list[str]:
    lines = ["", f"  [{entry.type.value}] {entry.alias}"]
    if validation is not None:
        lines.extend(validation_text(validation))
    for position, cert in enumerate(entry.certificates, start=1):
        lines.extend(_certificate_text(position, cert.details, cert, now))
    key = entry.private_key
    if key is not None:
        if key.public_key is None:
            state = "still encrypted"
        elif key.matches_certificate is None:
            state = _key_text(key.public_key)
        else:
            verdict = "matches" if key.matches_certificate else "DOES NOT match"
            state = f"{_key_text(key.public_key)}, {verdict} certificate 1"
        protection = f", protected with {key.protection}" if key.protection else ""
        lines.append(f"    private key  {state}")
        lines.append(f"    stored as    {key.format}{protection}")
        if key.public_key is not None and not entry.certificates:
            lines.append(f"    SPKI pin     sha256/{key.public_key.spki_sha256}")
    if entry.csr is not None:
        csr = entry.csr
        signature = "valid" if csr.signature_valid else "INVALID"
        lines.append(f"    subject      {csr.subject or '(empty)'}")
        if csr.san:
            lines.append(f"    SANs         {', '.join(san_texts(csr.san))}")
        lines.append(f"    key          {_key_text(csr.public_key)}")
        lines.append(f"    signature    {csr.signature_algorithm}, {signature}")
        lines.append(f"    SPKI pin     sha256/{csr.public_key.spki_sha256}")
    if entry.public_key is not None:
        lines.append(f"    key          {_key_text(entry.public_key)}")
        lines.append(f"    SPKI pin     sha256/{entry.public_key.spki_sha256}")
    if entry.secret_key is not None:
        size = f" {entry.secret_key.size}-bit" if entry.secret_key.size else ""
        lines.append(f"    secret key  {entry.secret_key.algorithm}{size} (value not shown)")
    return lines


def _certificate_text(
    position: int, d: CertificateDetails, cert: Certificate, now: dt.datetime
) -> list[str]:
    days = int(d.seconds_left(now) // 86400)
    left = f"{days} days left" if days >= 0 else f"EXPIRED {-days} days ago"
    if now < d.not_before:
        left = "NOT YET VALID"
    usages = list(d.key_usage) + list(d.extended_key_usage)
    names = san_texts(d.san)
    role = "CA" if d.is_ca else "end entity"
    if d.self_signed:
        role += ", self-signed"
    lines = [
        f"    {position}. {d.subject or '(empty subject)'}",
        f"       issuer     {d.issuer or '(empty)'}",
        f"       valid      {d.not_before:%Y-%m-%d} to {d.not_after:%Y-%m-%d}  ({left})",
    ]
    if names:
        lines.append(f"       SANs       {', '.join(names)}")
    if usages:
        lines.append(f"       usages     {', '.join(usages)}")
    lines += [
        f"       key        {_key_text(d.public_key)}; signed with {d.signature_algorithm}",
        f"       role       {role}",
        f"       serial     {serial_hex(d.serial)}",
        f"       SHA-256    {cert.sha256}",
        f"       SHA-1      {cert.sha1}",
        f"       SPKI pin   sha256/{d.public_key.spki_sha256}",
    ]
    return lines


def san_texts(san: SubjectAltNames) -> list[str]:
    """Each name the way OpenSSL prints it: `DNS:example.com`, `IP:10.0.0.1`..."""
    return [
        *(f"DNS:{name}" for name in san.dns),
        *(f"IP:{name}" for name in san.ip),
        *(f"URI:{name}" for name in san.uri),
        *(f"email:{name}" for name in san.email),
        *(f"DirName:{name}" for name in san.directory),
        *(f"RID:{name}" for name in san.registered_id),
        *(f"{other.name}:{other.value}" for other in san.other),
    ]


def _key_text(key: PublicKeyDetails) -> str:
    parts = [key.type]
    if key.size:
        parts.append(str(key.size))
    if key.curve:
        parts.append(f"({key.curve})")
    return " ".join(parts)


def validation_text(validation: Validation) -> list[str]:
    """The verdict and the path, as the lines above an entry's certificates."""
    path = validation.path
    role = "a TLS client" if validation.purpose == "client" else "a TLS server"
    target = f" for {validation.host}" if validation.host else ""
    if validation.trusted:
        anchor = path.anchor.short_name if path.anchor is not None else "?"
        store = path.store.label if path.store is not None else "a trust store"
        through = f"through \u201c{anchor}\u201d from {store}"
        lines = [f"    verdict      TRUSTED{target} as {role}, {through}"]
        if validation.strict_error is not None:
            lines.append(
                f"                 but strict validators refuse it: {validation.strict_error}"
            )
        elif validation.openssl_reason is not None:
            lines.append(f"                 but OpenSSL refuses it: {validation.openssl_reason}")
    elif not validation.stores:
        lines = ["    verdict      trust not judged (no trust store)"]
    else:
        lines = [f"    verdict      NOT TRUSTED{target} as {role}"]
        lines.extend(f"                 {error}" for error in validation.errors)
    given = {cert.sha256 for cert in validation.given} | {path.certificates[0].sha256}
    fetched = {cert.sha256 for cert in validation.fetched}
    steps = []
    for cert in path.certificates:
        origin = ""
        if cert.sha256 in fetched:
            origin = " (downloaded)"
        elif cert.sha256 not in given:
            origin = " (from the store)"
        steps.append(f"{cert.short_name}{origin}")
    ending = "" if path.complete else f"{ARROW}?"
    lines.append(f"    path         {ARROW.join(steps)}{ending}")
    for attempt in validation.fetch_attempts:
        outcome = attempt.error or f"{len(attempt.certificates)} certificate(s)"
        lines.append(f"    fetched      {attempt.url}: {outcome}")
    return lines


def _finding_text(finding: Finding) -> list[str]:
    return [
        f"    {_SEVERITY_LABEL[finding.severity]} {finding.title}  [{finding.code}]",
        f"           {finding.detail}",
        f"           Fix: {finding.remedy}",
    ]
