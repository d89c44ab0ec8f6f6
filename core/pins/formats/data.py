"""The pin set as data, JSON or CSV, for tools Pinscope has no format for.

JSON keeps the pin set's shape (pins and backups apart); CSV has one row per pin, with the
domains and policy repeated on each row so a spreadsheet filter loses nothing.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pinscope.core.pins.model import PinSet, Rendered, SPKIPin

__all__ = ["CSV_COLUMNS", "JSON_FORMAT", "render_csv", "render_json"]

JSON_FORMAT = "pinscope-pin-set"
JSON_VERSION = 1
"""Raised when a field changes meaning or goes away; new fields do not raise it."""

CSV_COLUMNS = (
    "list",
    "value",
    "hex",
    "role",
    "source",
    "certificate_subject",
    "certificate_sha256",
    "certificate_not_after",
    "key_type",
    "key_size",
    "domains",
    "include_subdomains",
    "expires",
)

# A cell starting with one of these is a formula to spreadsheets (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def render_json(pin_set: PinSet) -> Rendered:
    """The pin set as one JSON object; `null` where the pin set has no value."""
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "domains": list(pin_set.domains),
        "include_subdomains": pin_set.include_subdomains,
        "expires": pin_set.expires.isoformat() if pin_set.expires else None,
        "report_uri": pin_set.report_uri,
        "level": pin_set.level,
        "pins": [_pin_object(pin) for pin in pin_set.pins],
        "backups": [_pin_object(pin) for pin in pin_set.backups],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return Rendered(text=text, filename="pins.json")


def render_csv(pin_set: PinSet) -> Rendered:
    """One row per pin, then per backup, under a header row of CSV_COLUMNS (RFC 4180, CRLF).

    Free-text cells that a spreadsheet would run as a formula get a leading apostrophe; pin
    values are left as they are (the `hex` column is the unambiguous copy).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = [("pin", pin) for pin in pin_set.pins] + [("backup", pin) for pin in pin_set.backups]
    for kind, pin in rows:
        writer.writerow(_row(kind, pin, pin_set))
    return Rendered(text=buffer.getvalue(), filename="pins.csv")


def _pin_object(pin: SPKIPin) -> dict[str, Any]:
    certificate = None
    if pin.certificate is not None:
        details = pin.certificate.details
        certificate = {
            "subject": details.subject,
            "sha256": pin.certificate.sha256,
            "not_after": details.not_after.isoformat(),
        }
    public_key = None
    if pin.public_key is not None:
        key = pin.public_key
        public_key = {"type": key.type, "size": key.size, "curve": key.curve}
    return {
        "algorithm": "sha256",
        "value": pin.value,
        "hex": pin.hex,
        "role": pin.role,
        "source": pin.source,
        "certificate": certificate,
        "public_key": public_key,
    }


def _row(kind: str, pin: SPKIPin, pin_set: PinSet) -> list[str]:
    certificate = pin.certificate
    details = certificate.details if certificate is not None else None
    key = pin.public_key
    return [
        kind,
        pin.value,
        pin.hex,
        pin.role or "",
        _cell(pin.source),
        _cell(details.subject) if details else "",
        certificate.sha256 if certificate is not None else "",
        details.not_after.isoformat() if details else "",
        key.type if key else "",
        str(key.size) if key and key.size is not None else "",
        _cell(" ".join(pin_set.domains)),
        "true" if pin_set.include_subdomains else "false",
        pin_set.expires.isoformat() if pin_set.expires else "",
    ]


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text
