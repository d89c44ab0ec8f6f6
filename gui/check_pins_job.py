"""The background half of Check pins: the plain-data request, the check itself, its result.

Nothing here touches Qt. The panel gathers a `CheckRequest` on the GUI thread; `run_check`
reads the rotation file, inspects the typed endpoints and runs core's `check_config` on a worker
thread, and hands back a `CheckResult`, or raises `NextFileError` when the rotation file needs
its password or cannot be used. The rotation file's password travels only in the request.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pinscope.core.endpoint.handshake import DEFAULT_TIMEOUT, ConnectOptions
from pinscope.core.endpoint.probe import inspect_endpoint
from pinscope.core.endpoint.proxy import Proxy, proxy_from_environment
from pinscope.core.endpoint.target import Target
from pinscope.core.errors import LoadError, PasswordRequired, PinscopeError, WrongPassword
from pinscope.core.inspection import Inspection, Settings, default_settings
from pinscope.core.model import Source
from pinscope.core.pins.check import DomainVerdict, check_config
from pinscope.core.pins.configs import PinConfig, read_config
from pinscope.core.sources import Passwords, load_path
from pinscope.core.trust import load_trust_stores

__all__ = [
    "CheckRequest",
    "CheckResult",
    "ConnectionChoice",
    "NextFileError",
    "read_config_file",
    "run_check",
]

_MAX_CONFIG_BYTES = 4 * 1024 * 1024


def read_config_file(path: str) -> PinConfig:
    """Read a pin configuration from disk with core's reader.

    Raises:
        LoadError: the file cannot be opened, or is no configuration core recognises.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise LoadError(f"cannot open {path}: {error.strerror or error}") from error
    if len(data) > _MAX_CONFIG_BYTES:
        raise LoadError(f"{path} is larger than 4 MiB: not a pin configuration")
    return read_config(data, Path(path).name)


@dataclass(frozen=True)
class ConnectionChoice:
    """How typed endpoints are reached, as the "Connection options" group says."""

    starttls: str | None = None
    """A protocol of `starttls.DEFAULT_PORTS`; None speaks TLS at once."""
    sni: str | None = None
    """The server name to send; None sends each endpoint's own host name."""
    proxy: Proxy | None = None
    """The proxy typed; None uses the one https_proxy names, if any."""
    timeout: float = DEFAULT_TIMEOUT
    store: str | None = None
    """The trust store's name for `load_trust_stores`; None for the panel's settings."""
    trust_files: tuple[str, ...] = ()

    def options(self, target: Target) -> ConnectOptions:
        """Core's connection options for the typed endpoint `target`."""
        proxy = self.proxy
        if proxy is None:
            proxy = proxy_from_environment(target.host, os.environ)
        return ConnectOptions(
            sni=self.sni, starttls=self.starttls, proxy=proxy, timeout=self.timeout
        )

    def domain_options(self) -> ConnectOptions:
        """The options for contacting configured domains: the proxy typed and the timeout.

        Core sends each domain as SNI, speaks TLS at once on port 443, and picks the proxy
        https_proxy and no_proxy name for each domain when none is typed.
        """
        return ConnectOptions(proxy=self.proxy, timeout=self.timeout)


@dataclass(frozen=True)
class CheckRequest:
    """Everything one check needs, gathered on the GUI thread."""

    config: PinConfig
    inspections: tuple[Inspection, ...]
    targets: tuple[Target, ...]
    """The typed endpoints, read with the STARTTLS protocol's port as the default."""
    connection: ConnectionChoice
    next_path: str | None
    settings: Settings | Callable[[], Settings] | None
    """None: the default trust store, judged now; a function makes them on the worker thread."""
    next_password: str | None = field(default=None, repr=False)
    """The rotation file's password, as typed; None when none was asked for or typed."""


@dataclass(frozen=True)
class CheckResult:
    """What a check returns to the GUI thread."""

    config: PinConfig
    verdicts: tuple[DomainVerdict, ...]
    next_source: Source | None
    unreachable: tuple[str, ...] = ()
    """Sentences about endpoints that could not be tested."""


class NextFileError(LoadError):
    """The rotation preview's file cannot be used; the core's error is the cause.

    `password` is set when its password is missing or wrong: the panel then asks for it.
    """

    def __init__(self, path: str, error: LoadError) -> None:
        super().__init__(str(error))
        self.path = path
        self.error = error

    @property
    def password(self) -> bool:
        return isinstance(self.error, PasswordRequired | WrongPassword)


def run_check(request: CheckRequest) -> CheckResult:
    """Read the rotation file, inspect the typed endpoints, run `check_config`. Blocking.

    Raises:
        NextFileError: the rotation file cannot be read, or needs a password.
        LoadError: a trust file cannot be read.
    """
    # The rotation file first: a missing password is asked for before anything slow runs.
    next_source = None
    if request.next_path:
        next_source = _load_next(request.next_path, request.next_password)
    settings = _judging_settings(request)

    inspections = list(request.inspections)
    unreachable = []
    for target in request.targets:
        options = request.connection.options(target)
        inspection = inspect_endpoint(target, options, settings)
        if inspection.could_not_test:
            unreachable.append(f"{target.label}: {_why(inspection)}")
        inspections.append(inspection)

    # Without sources core contacts each configured domain, as itself, with these options.
    defaults = None if inspections else request.connection.domain_options()
    verdicts = check_config(
        request.config, inspections, settings, next_source, defaults, environ=os.environ
    )
    if not inspections:
        unreachable.extend(
            f"{verdict.source}: {verdict.verdict}"
            for verdict in verdicts
            if verdict.source and not verdict.chain
        )
    return CheckResult(request.config, tuple(verdicts), next_source, tuple(unreachable))


def _load_next(path: str, password: str | None) -> Source:
    try:
        return load_path(path, Passwords(password=password))
    except LoadError as error:
        raise NextFileError(path, error) from error


def _judging_settings(request: CheckRequest) -> Settings:
    """The panel's settings, with the trust store and files the options name."""
    made = request.settings
    base = (made() if callable(made) else made) or default_settings()
    connection = request.connection
    if connection.store is None and not connection.trust_files:
        return base
    try:
        stores = load_trust_stores(connection.store, connection.trust_files)
    except PinscopeError as error:
        raise LoadError(f"cannot use the trust store: {error}") from error
    if connection.store is None:
        # "Default" keeps the panel's stores and adds the files; load_trust_stores alone
        # would follow curl's --cacert and use only the files.
        stores = [*base.stores, *stores]
    return dataclasses.replace(base, stores=tuple(stores))


def _why(inspection: Inspection) -> str:
    if inspection.error is not None:
        return str(inspection.error)
    endpoint = inspection.endpoint
    if endpoint is not None and endpoint.handshake.failure is not None:
        return endpoint.handshake.failure.message
    return "could not be tested"
