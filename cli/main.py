"""`pinscope`: the command line. It parses arguments, calls core and prints what core returns."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence

from pinscope.cli import check_pins, explain, pins
from pinscope.core import __version__, report
from pinscope.core.aia import IssuerFetcher
from pinscope.core.checks.context import DEFAULT_WARN_DAYS, CheckContext
from pinscope.core.endpoint.handshake import TLS_VERSIONS, ConnectOptions, alpn_problem
from pinscope.core.endpoint.identity import load_client_identity
from pinscope.core.endpoint.probe import inspect_endpoint
from pinscope.core.endpoint.proxy import parse_proxy, proxy_from_environment
from pinscope.core.endpoint.starttls import DEFAULT_PORTS
from pinscope.core.endpoint.target import DEFAULT_PORT, Target, looks_like_endpoint, parse_target
from pinscope.core.errors import LoadError, PasswordRequired
from pinscope.core.inspection import Inspection, Settings, inspect_bytes, inspect_path
from pinscope.core.sources import Passwords
from pinscope.core.trust import load_trust_stores

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2

PASSWORD_OPTIONS = "--password, --password-env VAR or --password-file FILE"


class UsageError(Exception):
    """A problem with the command line itself; printed and exits with status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinscope",
        description="Inspect certificates, keys, keystores and pins. "
        "With no command, open the window.",
    )
    parser.add_argument("--version", action="version", version=f"pinscope {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    inspect = commands.add_parser(
        "inspect",
        help="read files and print their certificates, keys and findings",
        description="Read certificates, keys, CSRs and keystores (the format is detected from "
        "the content) and print what they hold and what is wrong with them. "
        "Each chain is validated against the trust store and checked. "
        "Exit status: 0 nothing wrong, 1 findings of severity error, 2 input unreadable.",
    )
    inspect.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a file, - for standard input, or an endpoint (host:port, https://host[:port])",
    )
    inspect.add_argument("--json", action="store_true", help="print the JSON document")
    _add_password_options(inspect)
    _add_trust_options(inspect)
    _add_connection_options(inspect)
    inspect.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")

    connect = commands.add_parser(
        "connect",
        help="handshake with a TLS endpoint and diagnose what happens",
        description="Connect to HOST[:PORT] the way a client does (port 443 by default, or "
        "the STARTTLS protocol's port), tell the story of the handshake, explain what went "
        "wrong and check the chain the server sent. Exit status: 0 nothing wrong, 1 findings "
        "of severity error, 2 the endpoint could not be tested.",
    )
    connect.add_argument("target", metavar="HOST[:PORT]", help="host name or address, and port")
    connect.add_argument("--json", action="store_true", help="print the JSON document")
    _add_password_options(connect)
    _add_trust_options(connect)
    _add_connection_options(connect)
    connect.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")

    explain.add_parser(commands)
    pins.add_parsers(commands)
    check_pins.add_parser(commands)

    gui = commands.add_parser("gui", help="open the window")
    gui.add_argument("sources", nargs="*", metavar="SOURCE", help="files to open in the window")
    return parser


def _add_password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--password",
        metavar="PASSWORD",
        help="password of encrypted files and keystores (visible to other users "
        "of this machine: prefer --password-env or --password-file)",
    )
    group.add_argument(
        "--password-env", metavar="VAR", help="read the password from environment variable VAR"
    )
    group.add_argument(
        "--password-file", metavar="FILE", help="read the password from the first line of FILE"
    )
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument(
        "--key-password",
        metavar="PASSWORD",
        help="password of keys inside a keystore, when it differs from the store "
        "password (visible to other users: prefer the two options below)",
    )
    keys.add_argument(
        "--key-password-env",
        metavar="VAR",
        help="read the key password from environment variable VAR",
    )
    keys.add_argument(
        "--key-password-file",
        metavar="FILE",
        help="read the key password from the first line of FILE",
    )


def _add_trust_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("validation")
    group.add_argument(
        "--trust",
        metavar="FILE",
        action="append",
        default=[],
        help="trust the certificates of FILE (PEM bundle, PKCS#12, JKS...); repeatable; "
        "replaces the default store unless --trust-store is given too",
    )
    group.add_argument(
        "--trust-store",
        choices=("mozilla", "system", "none"),
        help="the trust store to validate against (default: system, else mozilla); "
        "none judges no trust",
    )
    group.add_argument("--host", metavar="NAME", help="the host name or IP address to verify")
    group.add_argument(
        "--at",
        metavar="ISO-8601",
        type=_parse_time,
        help="judge validity as of this time (default: now)",
    )
    group.add_argument(
        "--fetch-missing",
        action="store_true",
        help="download missing intermediates from the URL a certificate names (AIA)",
    )
    group.add_argument(
        "--warn-days",
        metavar="DAYS",
        type=_positive_int,
        default=DEFAULT_WARN_DAYS,
        help=f"warn about certificates expiring within DAYS (default {DEFAULT_WARN_DAYS}) "
        "and under a third of their lifetime",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=10.0,
        help="seconds for each connection and download (default 10)",
    )


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("endpoints")
    group.add_argument("--sni", metavar="NAME", help="server name to send (default: the host)")
    group.add_argument(
        "--alpn", metavar="LIST", help="application protocols to offer, e.g. h2,http/1.1"
    )
    versions = sorted(TLS_VERSIONS)
    group.add_argument("--tls-min", choices=versions, help="lowest TLS version to offer")
    group.add_argument("--tls-max", choices=versions, help="highest TLS version to offer")
    group.add_argument(
        "--starttls",
        choices=sorted(DEFAULT_PORTS),
        help="speak this protocol's plaintext prelude, then start TLS",
    )
    group.add_argument(
        "--proxy",
        metavar="URL",
        help="HTTP CONNECT proxy, http://[user:pass@]host:port (default: $HTTPS_PROXY)",
    )
    group.add_argument(
        "--client-cert",
        metavar="FILE",
        help="present this client certificate (PEM with its key, PKCS#12, a keystore)",
    )
    group.add_argument("--client-key", metavar="FILE", help="the client certificate's key file")
    group.add_argument(
        "--client-alias", metavar="ALIAS", help="the keystore entry to use as client certificate"
    )
    group.add_argument(
        "--http",
        action="store_true",
        help="after the handshake, send GET / and report the answer (catches servers that "
        "refuse a missing client certificate over HTTP)",
    )
    group.add_argument(
        "--probe-versions",
        action="store_true",
        help="also try TLS 1.0, 1.1, 1.2 and 1.3 one at a time",
    )


def connect_options(
    args: argparse.Namespace, target: Target, passwords: Passwords
) -> ConnectOptions:
    """The connection the options ask for."""
    client = None
    if args.client_cert:
        try:
            client = load_client_identity(
                args.client_cert, args.client_key, args.client_alias, passwords
            )
        except PasswordRequired as error:
            raise UsageError(
                f"cannot use the client certificate: {error}; give it with {PASSWORD_OPTIONS}"
            ) from error
        except LoadError as error:
            raise UsageError(f"cannot use the client certificate: {error}") from error
    elif args.client_key or args.client_alias:
        raise UsageError("--client-key and --client-alias need --client-cert")
    try:
        proxy = (
            parse_proxy(args.proxy)
            if args.proxy
            else proxy_from_environment(target.host, os.environ)
        )
    except ValueError as error:
        raise UsageError(f"cannot use the proxy: {error}") from error
    alpn = tuple(name.strip() for name in (args.alpn or "").split(",") if name.strip())
    for name in alpn:
        problem = alpn_problem(name)
        if problem is not None:
            raise UsageError(f"--alpn: {problem}")
    return ConnectOptions(
        sni=args.sni,
        alpn=alpn,
        tls_min=args.tls_min,
        tls_max=args.tls_max,
        starttls=args.starttls,
        proxy=proxy,
        client=client,
        timeout=args.timeout,
        http=args.http,
    )


def parse_endpoint(text: str, starttls: str | None) -> Target:
    default = DEFAULT_PORTS[starttls] if starttls else DEFAULT_PORT
    try:
        return parse_target(text, default)
    except ValueError as error:
        raise UsageError(str(error)) from error


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from error
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from error
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def settings_from(args: argparse.Namespace, passwords: Passwords, now: dt.datetime) -> Settings:
    """The trust stores and check settings the options ask for."""
    try:
        stores = load_trust_stores(args.trust_store, args.trust, passwords)
    except LoadError as error:
        raise UsageError(f"cannot use the trust store: {error}") from error
    context = CheckContext(now=now, warn_days=args.warn_days, host=args.host)
    fetcher = IssuerFetcher(timeout=args.timeout) if args.fetch_missing else None
    return Settings(context, tuple(stores), fetcher)


def _parse_time(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def passwords_from(args: argparse.Namespace, stdin_is_source: bool) -> Passwords:
    """Build the password source from the options; a prompt only when a person can answer."""
    password = _secret_option(args.password, args.password_env, args.password_file, "password")
    key_password = _secret_option(
        args.key_password, args.key_password_env, args.key_password_file, "key password"
    )
    prompt = None
    if not stdin_is_source and sys.stdin is not None and sys.stdin.isatty():
        prompt = _ask_password
    return Passwords(password=password, key_password=key_password, prompt=prompt)


def _secret_option(value: str | None, env: str | None, path: str | None, what: str) -> str | None:
    """A password given directly, through an environment variable or in a file's first line."""
    if env:
        if env not in os.environ:
            raise UsageError(f"the environment variable {env} (for the {what}) is not set")
        return os.environ[env]
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.readline().rstrip("\r\n")
        except OSError as error:
            raise UsageError(f"cannot read the {what} file {path}: {error.strerror}") from error
    return value


def _ask_password(what: str) -> str | None:
    try:
        return getpass.getpass(f"Password for {what}: ")
    except (EOFError, KeyboardInterrupt):
        return None


def run_inspect(args: argparse.Namespace) -> int:
    # One short run that builds many small objects and few cycles: the cyclic collector would
    # rescan the growing heap again and again (a third of the time on a 10,000-certificate
    # bundle) for nothing.
    gc.disable()
    try:
        return _inspect_and_print(args)
    finally:
        gc.enable()


def _inspect_and_print(args: argparse.Namespace) -> int:
    now = args.at or dt.datetime.now(dt.UTC)
    passwords = passwords_from(args, stdin_is_source="-" in args.sources)
    settings = settings_from(args, passwords, now)
    inspections = [
        _with_option_hint(_inspect_one(name, passwords, settings, args)) for name in args.sources
    ]

    if args.json:
        _print_json(report.document(inspections, now))
    else:
        sys.stdout.write(report.text_report(inspections, now, include_errors=False))
    for inspection in inspections:
        if inspection.error is not None:
            print(f"pinscope: {inspection.name}: {inspection.error}", file=sys.stderr)
    return exit_status(inspections)


def _print_json(document: object) -> None:
    # Indented for a person at a terminal; compact (and much faster) for programs.
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(document, indent=indent, ensure_ascii=False) + "\n")


def _inspect_one(
    source: str, passwords: Passwords, settings: Settings, args: argparse.Namespace
) -> Inspection:
    if looks_like_endpoint(source) and not os.path.exists(source):
        target = parse_endpoint(source, args.starttls)
        options = connect_options(args, target, passwords)
        return inspect_endpoint(target, options, settings, args.probe_versions)
    if source == "-":
        stdin = sys.stdin.buffer.read()
        return inspect_bytes(stdin, "<stdin>", passwords.for_source("<stdin>"), settings=settings)
    return inspect_path(source, passwords.for_source(source), settings=settings)


def _with_option_hint(inspection: Inspection) -> Inspection:
    """Name the command line's password options in a "password required" message."""
    if isinstance(inspection.error, PasswordRequired):
        inspection.error.args = (f"{inspection.error}; give it with {PASSWORD_OPTIONS}",)
    return inspection


def run_connect(args: argparse.Namespace) -> int:
    target = parse_endpoint(args.target, args.starttls)
    now = args.at or dt.datetime.now(dt.UTC)
    passwords = passwords_from(args, stdin_is_source=False)
    settings = settings_from(args, passwords, now)
    options = connect_options(args, target, passwords)
    inspection = inspect_endpoint(target, options, settings, args.probe_versions)
    if args.json:
        _print_json(report.document([inspection], now))
    else:
        sys.stdout.write(report.text_report([inspection], now))
    return exit_status([inspection])


def exit_status(inspections: Sequence[Inspection]) -> int:
    if any(inspection.could_not_test for inspection in inspections):
        return EXIT_UNREADABLE
    if any(inspection.has_errors for inspection in inspections):
        return EXIT_FINDINGS
    return EXIT_OK


def run_gui(sources: Sequence[str]) -> int:
    if _no_display():
        print(
            "pinscope: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "use `pinscope inspect` in a terminal",
            file=sys.stderr,
        )
        return EXIT_UNREADABLE
    try:
        from pinscope.gui.app import run
    except ImportError as error:
        print(f"pinscope: the window cannot start: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    return run(list(sources))


def _no_display() -> bool:
    """On Linux and the BSDs, Qt aborts the process when there is no display to connect to."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return False
    if os.environ.get("QT_QPA_PLATFORM"):
        return False  # offscreen, vnc, eglfs...: the user chose
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_output(getattr(args, "verbose", False))
    try:
        if args.command == "inspect":
            return run_inspect(args)
        if args.command == "connect":
            return run_connect(args)
        if args.command == "explain":
            return explain.run(args)
        if args.command == "pins":
            return pins.run_pins(args)
        if args.command == "new-backup-key":
            return pins.run_new_backup_key(args)
        if args.command == "check-pins":
            return check_pins.run(args)
        return run_gui(getattr(args, "sources", []) or [])
    except UsageError as error:
        parser.error(str(error))  # prints usage and exits with status 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pinscope inspect big.pem | head`
        sys.stderr.close()
        return EXIT_OK
    return EXIT_OK


def _configure_output(verbose: bool) -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="pinscope: %(name)s: %(message)s",
    )


if __name__ == "__main__":
    sys.exit(main())
