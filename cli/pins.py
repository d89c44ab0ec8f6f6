"""`pinscope pins` and `pinscope new-backup-key`: write pin configurations, make backup keys."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pinscope.core.endpoint.target import looks_like_endpoint
from pinscope.core.errors import LoadError
from pinscope.core.files import replace_file
from pinscope.core.inspection import Inspection, Settings
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.backup import ALGORITHMS, new_backup_key
from pinscope.core.pins.compute import (
    RECOMMENDATION,
    ComputedPins,
    backup_pins,
    build_pin_set,
    pins_from_source,
)
from pinscope.core.pins.export import export
from pinscope.core.pins.formats import FORMATS
from pinscope.core.pins.model import BACKUP, INTERMEDIATE, LEVELS, SPKIPin
from pinscope.core.pins.parse import parse_pins
from pinscope.core.sources import Passwords, load_path

__all__ = ["add_parsers", "run_new_backup_key", "run_pins"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2


class _Unreadable(Exception):
    """An input could not be read or the platform would reject the output: exit status 2."""


def add_parsers(commands: Any) -> None:
    """Add `pins` and `new-backup-key` to the `pinscope` subcommands."""
    from pinscope.cli.main import (
        _add_connection_options,
        _add_password_options,
        _add_trust_options,
    )

    pins = commands.add_parser(
        "pins",
        help="write a pin configuration for a platform",
        description="Compute SPKI pins from certificates, chains, keys, CSRs or endpoints and "
        "write the pin configuration of a platform. Safety findings go to standard error. "
        "Exit status: 0 nothing wrong, 1 findings of severity error, 2 input unreadable or "
        "output the platform would reject.",
    )
    pins.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a file, - for standard input, or an endpoint (host:port, https://host[:port])",
    )
    pins.add_argument(
        "--format",
        required=True,
        choices=list(FORMATS),
        metavar="NAME",
        help=f"the configuration to write: {', '.join(FORMATS)}",
    )
    pins.add_argument(
        "--domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="a domain to pin (repeatable; default: the endpoint's host or the leaf's DNS names)",
    )
    pins.add_argument(
        "--include-subdomains",
        action="store_true",
        help="apply the pins to subdomains too (the depth differs by platform)",
    )
    pins.add_argument(
        "--level",
        choices=LEVELS,
        default=INTERMEDIATE,
        help="which certificates of the chain to pin (default intermediate: "
        "survives leaf renewals; add a backup)",
    )
    pins.add_argument(
        "--backup",
        action="append",
        default=[],
        metavar="SOURCE_OR_PIN",
        help="a backup pin: a key, CSR or certificate file, an endpoint (the keys of its built "
        "chain), or a pin in any shape (repeatable)",
    )
    pins.add_argument(
        "--expires",
        type=_date,
        metavar="YYYY-MM-DD",
        help="after this date platforms that support it stop pinning",
    )
    pins.add_argument("--report-uri", metavar="URL", help="where pin failures are reported")
    pins.add_argument(
        "--out",
        metavar="FILE",
        help="write to FILE (a folder for alamofire) instead of standard output",
    )
    _add_password_options(pins)
    _add_trust_options(pins)
    _add_connection_options(pins)
    pins.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")

    backup = commands.add_parser(
        "new-backup-key",
        help="make a backup key pair and CSR, and print its pin",
        description="Generate a key pair to keep offline, its certificate signing request, "
        "and the pin to ship now as a backup. The key file is PKCS#8 encrypted with the "
        "passphrase given by --password, --password-env or --password-file, mode 0600.",
    )
    backup.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    backup.add_argument(
        "--algorithm", choices=ALGORITHMS, default="ec-p256", help="key type (default ec-p256)"
    )
    backup.add_argument("--subject", metavar="DN", help="CSR subject, e.g. CN=api.example.com")
    backup.add_argument(
        "--san",
        action="append",
        default=[],
        metavar="DNS:NAME",
        help="subjectAltName of the CSR, DNS:name or IP:address (repeatable)",
    )
    backup.add_argument(
        "--no-encryption",
        action="store_true",
        help="write the private key unencrypted (not recommended)",
    )
    _add_password_options(backup)
    backup.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)


def run_pins(args: argparse.Namespace) -> int:
    """`pinscope pins`: print or write the configuration, findings to standard error."""
    from pinscope.cli.main import passwords_from, settings_from

    now = args.at or dt.datetime.now(dt.UTC)
    passwords = passwords_from(args, stdin_is_source="-" in args.sources)
    settings = settings_from(args, passwords, now)
    try:
        return _export(args, passwords, settings, now)
    except _Unreadable as error:
        print(f"pinscope: {error}", file=sys.stderr)
        return EXIT_UNREADABLE


def run_new_backup_key(args: argparse.Namespace) -> int:
    """`pinscope new-backup-key`: write the key and CSR, print the pin. Never prints the key."""
    from pinscope.cli.main import UsageError, passwords_from

    passphrase = passwords_from(args, stdin_is_source=False).password
    if passphrase is None and not args.no_encryption:
        raise UsageError(
            "give the passphrase that encrypts the key with --password-env, --password-file "
            "or --password (or --no-encryption to write it unencrypted)"
        )
    try:
        made = new_backup_key(
            args.out,
            args.algorithm,
            args.subject,
            args.san,
            passphrase,
            encrypt=not args.no_encryption,
        )
    except ValueError as error:
        raise UsageError(str(error)) from error
    except OSError as error:
        print(f"pinscope: cannot write the backup key: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    state = "encrypted" if made.encrypted else "NOT encrypted"
    print(f"private key ({state}, keep it offline): {made.key_path}", file=sys.stderr)
    print(f"certificate request: {made.csr_path}", file=sys.stderr)
    print(made.pin.value)
    return EXIT_OK


def _export(
    args: argparse.Namespace, passwords: Passwords, settings: Settings, now: dt.datetime
) -> int:
    computed: list[ComputedPins] = []
    host = None
    for name in args.sources:
        inspection = _inspect(name, passwords, settings, args)
        if inspection.source is None or inspection.could_not_test:
            raise _Unreadable(f"{name}: {inspection.error or 'the endpoint could not be tested'}")
        try:
            computed.append(pins_from_source(inspection.source, inspection.validation, args.level))
        except ValueError as error:
            raise _Unreadable(str(error)) from error
        validation = inspection.validation
        if inspection.endpoint is not None and host is None and validation is not None:
            host = validation.host

    certificates = [cert for item in computed for path in item.paths for cert in path.chain]
    backups, findings = _backups(args, passwords, settings, certificates)
    try:
        pin_set = build_pin_set(
            computed,
            args.domain,
            args.include_subdomains,
            backups,
            args.expires,
            args.report_uri,
            host,
        )
    except ValueError as error:
        raise _Unreadable(str(error)) from error

    for item in computed:
        for note in item.notes:
            print(f"pinscope: note: {note}", file=sys.stderr)
    print(f"pinscope: note: {RECOMMENDATION}", file=sys.stderr)
    exported = export(pin_set, args.format, now, findings)
    _print_findings(exported.findings)
    if exported.rendered is None:
        raise _Unreadable(f"nothing written: {exported.refused}")

    rendered = exported.rendered
    _write(rendered.text, rendered.filename, rendered.files, args.out)
    errors = any(f.severity == Severity.ERROR for f in exported.findings)
    return EXIT_FINDINGS if errors else EXIT_OK


def _inspect(
    name: str, passwords: Passwords, settings: Settings, args: argparse.Namespace
) -> Inspection:
    from pinscope.cli.main import _inspect_one, _with_option_hint

    return _with_option_hint(_inspect_one(name, passwords, settings, args))


def _backups(
    args: argparse.Namespace,
    passwords: Passwords,
    settings: Settings,
    certificates: list[Any],
) -> tuple[list[SPKIPin], list[Finding]]:
    """The pins of each `--backup`: a file, an endpoint (its built chain), or pasted pins."""
    pins: list[SPKIPin] = []
    findings: list[Finding] = []
    for text in args.backup:
        if looks_like_endpoint(text) and not os.path.exists(text):
            pins.extend(_endpoint_backups(text, passwords, settings, args))
            continue
        if os.path.exists(text):
            try:
                pins.extend(backup_pins(load_path(text, passwords.for_source(text))))
            except LoadError as error:
                raise _Unreadable(f"backup {text}: {error}") from error
            continue
        try:
            pasted = parse_pins(text, certificates, what="backup")
        except ValueError as error:
            raise _Unreadable(f"backup: {error}") from error
        pins.extend(
            SPKIPin(pin.value, pin.source, BACKUP, pin.certificate, pin.public_key)
            for pin in pasted.pins
        )
        findings.extend(pasted.findings)
    return pins, findings


def _endpoint_backups(
    name: str, passwords: Passwords, settings: Settings, args: argparse.Namespace
) -> tuple[SPKIPin, ...]:
    """Every key of the chain an endpoint's client would build (the new server of a
    migration, say), root included, as backups."""
    inspection = _inspect(name, passwords, settings, args)
    if inspection.source is None or inspection.could_not_test:
        error = inspection.error or "the endpoint could not be tested"
        raise _Unreadable(f"backup {name}: {error}")
    return backup_pins(inspection.source, inspection.validation)


def _print_findings(findings: Sequence[Finding]) -> None:
    for finding in findings:
        print(f"pinscope: {finding.severity}: [{finding.code}] {finding.title}", file=sys.stderr)
        print(f"  {finding.detail}", file=sys.stderr)
        print(f"  What to do: {finding.remedy}", file=sys.stderr)


def _write(text: str, filename: str, files: dict[str, bytes], out: str | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        if files:
            print(
                f"pinscope: note: {len(files)} more files need --out DIR: "
                f"{', '.join(sorted(files))}",
                file=sys.stderr,
            )
        return
    try:
        if files:
            folder = Path(out)
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in files.items():
                replace_file(folder / Path(name).name, data)
            replace_file(folder / filename, text.encode("utf-8"))
        else:
            replace_file(Path(out), text.encode("utf-8"))
    except OSError as error:
        raise _Unreadable(f"cannot write {out}: {error.strerror or error}") from error


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from error
