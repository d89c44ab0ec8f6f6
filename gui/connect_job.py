"""The Connect panel's attempt as plain data, and the blocking job that runs it off the GUI thread.

`ConnectionRequest` is what the form describes: target, options, trust and client certificate.
`run_request` loads the trust stores and the client certificate, then calls `inspect_endpoint`;
a trust file or client certificate that cannot be used raises `_FieldError`, tagged with the key
of the form's part it concerns, so the panel can show it under that field. `_outcome` words a
finished attempt for the status line. Nothing here touches Qt.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from pinscope.core.aia import IssuerFetcher
from pinscope.core.checks import CheckContext
from pinscope.core.checks.context import DEFAULT_WARN_DAYS
from pinscope.core.endpoint.handshake import ClientIdentity, ConnectOptions
from pinscope.core.endpoint.identity import load_client_identity
from pinscope.core.endpoint.probe import inspect_endpoint, outcome_text
from pinscope.core.endpoint.target import Target
from pinscope.core.errors import PasswordRequired, PinscopeError, WrongPassword
from pinscope.core.inspection import Inspection, Settings
from pinscope.core.model import Severity
from pinscope.core.sources import Passwords
from pinscope.core.trust import TrustStore, load_trust_stores

# Where an error from the background job belongs on the form.
HOST, SNI, PROXY, ALPN, VERSIONS, TRUST, TRUST_PASSWORD, CLIENT, GENERAL = (
    "host",
    "sni",
    "proxy",
    "alpn",
    "versions",
    "trust",
    "trust-password",
    "client",
    "general",
)


@dataclass(frozen=True)
class ClientFiles:
    """A client certificate to load from files in the background."""

    certificate: str
    key: str | None = None
    alias: str | None = None
    password: str | None = field(default=None, repr=False)
    """As typed; None when the field was empty. Never shown: repr leaves it out."""


@dataclass(frozen=True)
class ConnectionRequest:
    """One connection attempt as the form describes it, ready to run off the GUI thread."""

    target: Target
    options: ConnectOptions
    """Everything but the client certificate, which `client` gives."""
    store: str | None
    """The trust store's name for `load_trust_stores`; None for the default."""
    trust_files: tuple[str, ...] = ()
    client: ClientIdentity | ClientFiles | None = None
    """An identity already loaded by the window, files to load, or None for no certificate."""
    probe_versions: bool = False
    warn_days: int = DEFAULT_WARN_DAYS
    """Certificates expiring within this many days are warned about."""
    trust_password: str | None = field(default=None, repr=False)
    """For password protected trust files, as typed; None when the field was empty. Never
    shown: repr leaves it out."""
    fetch_missing: bool = False
    """Download a missing intermediate from its AIA URL (the window's setting)."""


class _FieldError(Exception):
    """An error of the background job, tagged with the part of the form it concerns.

    `password` is set when a password was missing or wrong: the form then puts the focus on
    the password field of that part, ready for another try.
    """

    def __init__(self, field: str, message: str, password: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.password = password


def run_request(request: ConnectionRequest) -> Inspection:
    """Load the trust stores and client certificate, then test the endpoint. Blocking.

    Raises:
        _FieldError: a trust file or the client certificate cannot be used.
    """
    stores = _trust_stores(request)
    client = _client_identity(request.client)

    options = dataclasses.replace(request.options, client=client)
    context = CheckContext(host=options.sni, warn_days=request.warn_days)
    fetcher = IssuerFetcher() if request.fetch_missing else None
    settings = Settings(context, tuple(stores), fetcher)
    return inspect_endpoint(request.target, options, settings, request.probe_versions)


def _trust_stores(request: ConnectionRequest) -> list[TrustStore]:
    passwords = Passwords(password=request.trust_password)
    try:
        stores = load_trust_stores(request.store, request.trust_files, passwords)
        if request.store is None and request.trust_files:
            # The form's "default" means the default store as well as the files, whereas
            # load_trust_stores follows curl's --cacert and would use only the files.
            stores += load_trust_stores(None)
    except PasswordRequired as error:
        message = (
            f"Password needed: {error.what} is protected by a password. "
            "Type it here and connect again."
        )
        raise _FieldError(TRUST_PASSWORD, message, password=True) from error
    except WrongPassword as error:
        message = f"{_sentence(str(error))}. Type the password again and connect."
        raise _FieldError(TRUST_PASSWORD, message, password=True) from error
    except PinscopeError as error:
        raise _FieldError(TRUST, f"Cannot use the trust store: {error}") from error
    return stores


def _client_identity(client: ClientIdentity | ClientFiles | None) -> ClientIdentity | None:
    if not isinstance(client, ClientFiles):
        return client
    passwords = Passwords(password=client.password)
    try:
        return load_client_identity(client.certificate, client.key, client.alias, passwords)
    except PinscopeError as error:
        message = f"Cannot use the client certificate: {error}"
        needs_password = isinstance(error, PasswordRequired | WrongPassword)
        raise _FieldError(CLIENT, message, password=needs_password) from error


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _outcome(inspection: Inspection) -> str:
    """How the attempt ended, and the first problem found, for the status under the form."""
    if inspection.endpoint is None:
        return f"{inspection.name}: {inspection.error or 'not tested'}"
    outcome = outcome_text(inspection.endpoint.handshake)
    # A failure names the peer itself ("127.0.0.1:8443 did not finish the handshake in time").
    said = outcome if outcome.startswith(inspection.name) else f"{inspection.name}: {outcome}"
    lines = [f"{said.rstrip('.')}."]
    errors = [f for f in inspection.findings if f.severity == Severity.ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        lines.append(f"Problem: {errors[0].title}{more}")
    validation = inspection.validation
    if validation is not None and not validation.stores:
        lines.append("Trust not judged: no trust store was chosen.")
    return "\n".join(lines)
