"""`pinscope check-pins`: would an app with this pin configuration connect to these servers?"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Sequence

from pinscope.core import __version__
from pinscope.core.endpoint.handshake import ConnectOptions
from pinscope.core.errors import LoadError
from pinscope.core.inspection import Inspection, Settings, inspect_path
from pinscope.core.model import Finding, Source
from pinscope.core.pins.check import (
    ConnectTo,
    DomainVerdict,
    check_config,
    no_host_reason,
    route,
)
from pinscope.core.pins.configs import PinConfig, read_config
from pinscope.core.sources import Passwords, load_path


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare `pinscope check-pins CONFIG [SOURCE...]` on the command line's subcommands."""
    from pinscope.cli.main import (
        _add_connection_options,
        _add_password_options,
        _add_trust_options,
    )

    parser = commands.add_parser(
        "check-pins",
        help="check an existing pin configuration against servers or certificate files",
        description="Read a pin configuration (Android or TrustKit-Android XML, an Info.plist "
        "with NSPinnedDomains or TSKConfiguration, TrustKit Swift, OkHttp source, a curl pin "
        "string, a Public-Key-Pins header, Envoy YAML, Pinscope JSON) and say, for each "
        "configured domain, whether the app would connect, under that platform's own rules. "
        "Without SOURCE, each configured domain is contacted on port 443 (see --connect-to). "
        "Exit status: 0 every domain would connect, 1 some domain would fail, 2 the "
        "configuration or a source cannot be read.",
    )
    parser.add_argument("config", metavar="CONFIG", help="the pin configuration file, or -")
    parser.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="certificate files or endpoints (host:port, https://host[:port]) to check against",
    )
    parser.add_argument(
        "--next",
        metavar="SOURCE",
        dest="next_source",
        help="a certificate, CSR or key about to be deployed: would the app still connect?",
    )
    parser.add_argument(
        "--connect-to",
        metavar="HOST:PORT:ADDRESS:PORT",
        action="append",
        default=[],
        type=_connect_to,
        help="connect to ADDRESS:PORT whenever HOST:PORT is asked for, still sending HOST as "
        "SNI and verifying the certificate for it (like curl's --connect-to); an empty HOST "
        "or PORT matches any, an empty second PORT keeps the first; repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print the JSON document")
    _add_password_options(parser)
    _add_trust_options(parser)
    _add_connection_options(parser)


_CONNECT_TO = re.compile(r"(\[[^\]]*\]|[^:\[\]]*):(\d*):(\[[^\]]+\]|[^:\[\]]+):(\d*)")


def _connect_to(text: str) -> ConnectTo:
    """Parse `HOST:PORT:ADDRESS:PORT` as curl writes it; IPv6 addresses in brackets."""
    match = _CONNECT_TO.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"“{text}” is not HOST:PORT:ADDRESS:PORT (for example "
            "api.example.com:443:127.0.0.1:8443)"
        )
    host, port, address, address_port = match.groups()
    ports = [int(p) if p else None for p in (port, address_port)]
    for value in ports:
        if value is not None and not 0 < value < 65536:
            raise argparse.ArgumentTypeError(f"“{text}”: port {value} is not between 1 and 65535")
    return ConnectTo(
        host.strip("[]").lower().rstrip(".") or None, ports[0], address.strip("[]"), ports[1]
    )


def run(args: argparse.Namespace) -> int:
    """Check the configuration; print the verdicts; return the exit status."""
    from pinscope.cli.main import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, passwords_from

    now = args.at or dt.datetime.now(dt.UTC)
    passwords = passwords_from(args, stdin_is_source=args.config == "-")
    try:
        config = _read_config(args.config)
        next_source = load_path(args.next_source, passwords) if args.next_source else None
    except LoadError as error:
        print(f"pinscope: check-pins: {error}", file=sys.stderr)
        return EXIT_UNREADABLE

    settings = _settings(args, passwords, now)
    inspections = [_inspect(name, args, passwords, settings) for name in args.sources]
    unreadable = [i for i in inspections if i.could_not_test]
    for inspection in unreadable:
        print(f"pinscope: {inspection.name}: {_why(inspection)}", file=sys.stderr)
    refused = None if inspections else no_host_reason(config)
    if refused is not None:
        print(f"pinscope: check-pins: {refused}", file=sys.stderr)
        return EXIT_UNREADABLE

    options = None
    if not inspections:
        options = _default_options(args, passwords)
    verdicts = check_config(
        config, inspections, settings, next_source, options, args.connect_to, os.environ
    )
    if args.json:
        _print_json(document(config, verdicts, next_source))
    else:
        sys.stdout.write(text_report(config, verdicts, next_source))

    unreachable = not inspections and any(v.source and not v.chain for v in verdicts)
    if unreadable or unreachable:
        return EXIT_UNREADABLE
    return EXIT_FINDINGS if any(verdict.fails for verdict in verdicts) else EXIT_OK


def _read_config(name: str) -> PinConfig:
    if name == "-":
        return read_config(sys.stdin.buffer.read(), "<stdin>")
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise LoadError(f"cannot open {name}: {error.strerror or error}") from error
    return read_config(data, name)


def _settings(args: argparse.Namespace, passwords: Passwords, now: dt.datetime) -> Settings:
    from pinscope.cli.main import settings_from

    return settings_from(args, passwords, now)


def _default_options(args: argparse.Namespace, passwords: Passwords) -> ConnectOptions:
    """The options for contacting configured domains. Without --proxy core picks the
    environment's proxy for each domain, so the proxy is left out here."""
    from pinscope.cli.main import connect_options
    from pinscope.core.endpoint.target import Target

    options = connect_options(args, Target("localhost", 443), passwords)
    return options if args.proxy else dataclasses.replace(options, proxy=None)


def _inspect(
    name: str, args: argparse.Namespace, passwords: Passwords, settings: Settings
) -> Inspection:
    from pinscope.cli.main import connect_options, parse_endpoint
    from pinscope.core.endpoint.probe import inspect_endpoint
    from pinscope.core.endpoint.target import looks_like_endpoint

    if looks_like_endpoint(name) and not os.path.exists(name):
        target = parse_endpoint(name, args.starttls)
        options = connect_options(args, target, passwords)
        address = route(target, args.connect_to)
        if address != target and options.sni is None and not target.is_ip:
            options = dataclasses.replace(options, sni=target.host)
        return inspect_endpoint(address, options, settings)
    return inspect_path(name, passwords.for_source(name), settings=settings)


def _why(inspection: Inspection) -> str:
    if inspection.error is not None:
        return str(inspection.error)
    if inspection.endpoint is not None and inspection.endpoint.handshake.failure is not None:
        return inspection.endpoint.handshake.failure.message
    return "could not be tested"


def _print_json(value: object) -> None:
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(value, indent=indent, ensure_ascii=False) + "\n")


# ---- output ------------------------------------------------------------------------------------


def text_report(
    config: PinConfig, verdicts: Sequence[DomainVerdict], next_source: Source | None
) -> str:
    """The verdicts as a person reads them: one block per domain and source."""
    lines = [f"{config.name}: {config.platform_name}, {len(config.domains)} domain(s)", ""]
    for finding in config.findings:
        lines.append(f"  {_mark(finding.severity)} {finding.title}: {finding.detail}")
    if config.findings:
        lines.append("")
    for verdict in verdicts:
        lines.extend(_verdict_lines(verdict, next_source))
        lines.append("")
    failing = sum(1 for verdict in verdicts if verdict.fails)
    lines.append(
        f"{failing} of {len(verdicts)} check(s) would fail"
        if failing
        else "every domain checked would connect"
    )
    return "\n".join(lines) + "\n"


def _verdict_lines(verdict: DomainVerdict, next_source: Source | None) -> list[str]:
    mark = "✔" if verdict.connects else ("✖" if verdict.connects is False else "?")
    if verdict.depends_on_path:
        mark = "⚠"
    lines = [f"{mark} {verdict.domain.label}"]
    lines.append(f"    checked     {verdict.source or '-'}" + _host_note(verdict))
    if verdict.chain:
        chain = " → ".join(
            f"{link.name}{'' if link.sent else ' (from trust store)'}" for link in verdict.chain
        )
        lines.append(f"    chain       {chain}")
    for path in verdict.paths:
        result = "connects" if path.outcome.passed else "refuses"
        names = " → ".join(link.name for link in path.links)
        lines.append(f"    path        {result} through {path.label}: {names}")
    outcome = verdict.outcome
    for match in outcome.matches if outcome else ():
        counted = "" if match.counts else "  (not checked by this platform)"
        listed = "" if match.listed_in == "pins" else f" [{match.listed_in}]"
        lines.append(
            f"    match       {match.pin}{listed} = {match.link.role} “{match.link.name}”{counted}"
        )
    backups = ", ".join(verdict.backups) or "none"
    lines.append(f"    backup      {backups}")
    lines.append(f"    expires     {verdict.expiry_text}")
    lines.append(f"    verdict     {verdict.verdict}")
    if verdict.rotation is not None and next_source is not None:
        result = "would connect" if verdict.rotation.passed else "would refuse"
        lines.append(
            f"    next        after deploying {next_source.name}: {result}: "
            f"{verdict.rotation.reason}"
        )
    for finding in verdict.findings:
        lines.append(f"    {_mark(finding.severity)} {finding.code}: {finding.title}")
    return lines


def _host_note(verdict: DomainVerdict) -> str:
    if verdict.host is None:
        return ""
    governing = ", ".join(verdict.governing) or "no entry"
    return f" as {verdict.host} (pins of {governing})"


def _mark(severity: str) -> str:
    return {"error": "✖", "warning": "⚠"}.get(severity, "ℹ")


def document(
    config: PinConfig, verdicts: Sequence[DomainVerdict], next_source: Source | None
) -> dict[str, object]:
    """The JSON document of `check-pins --json`."""
    return {
        "pinscope": __version__,
        "config": {
            "name": config.name,
            "platform": config.platform,
            "findings": [_finding(f) for f in config.findings],
        },
        "next": next_source.name if next_source is not None else None,
        "domains": [_verdict_json(v) for v in verdicts],
    }


def _verdict_json(verdict: DomainVerdict) -> dict[str, object]:
    domain = verdict.domain
    outcome = verdict.outcome
    rotation = verdict.rotation
    return {
        "pattern": domain.pattern,
        "include_subdomains": domain.include_subdomains,
        "pins": list(domain.pins),
        "ca_pins": list(domain.ca_pins),
        "leaf_pins": list(domain.leaf_pins),
        "source": verdict.source,
        "host": verdict.host,
        "governing": list(verdict.governing),
        "chain": [
            {
                "name": link.name,
                "role": link.role,
                "spki_sha256": link.pin,
                "sent": link.sent,
                "certificate": link.certificate,
            }
            for link in verdict.chain
        ],
        "matches": [
            {
                "pin": m.pin,
                "certificate": m.link.name,
                "role": m.link.role,
                "position": m.position,
                "list": m.listed_in,
                "counts": m.counts,
            }
            for m in (outcome.matches if outcome else ())
        ],
        "paths": [
            {
                "anchor": path.links[-1].name,
                "cross_signed": path.cross_signed,
                "chain": [link.name for link in path.links],
                "connects": path.outcome.passed,
                "reason": path.outcome.reason,
            }
            for path in verdict.paths
        ],
        "depends_on_path": verdict.depends_on_path,
        "backups": list(verdict.backups),
        "expires": domain.expires.isoformat() if domain.expires else None,
        "days_left": verdict.days_left,
        "expired": verdict.expired,
        "connects": verdict.connects,
        "verdict": verdict.verdict,
        "rotation": None
        if rotation is None
        else {"connects": rotation.passed, "reason": rotation.reason},
        "findings": [_finding(f) for f in verdict.findings],
    }


def _finding(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code,
        "severity": str(finding.severity),
        "title": finding.title,
        "detail": finding.detail,
        "remedy": finding.remedy,
        "certificate": finding.certificate,
    }
