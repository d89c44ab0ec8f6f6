"""The Connect panel: a form that tests one TLS endpoint and hands back the core's Inspection.

`ConnectPanel` is a plain widget, so the window can put it in a dock or in a non-modal dialog.
It reads the form into a `ConnectionRequest` (plain data), checks what can be checked at once
(the host text, the proxy URL, the ALPN names, the TLS versions) and shows each problem under
its field. The slow part — loading trust files and a client certificate, then
`inspect_endpoint` — runs on the thread pool; its Inspection comes back through `connected`, or
its error is shown under the field it concerns and sent through `failed`. The form stays
editable while a connection runs; Cancel drops the outcome at once and the core call ends by its
own deadline.

Passwords are asked for in place: when a trust file or the client certificate needs one, or the
one typed is wrong, the message appears beside the password field, which takes the focus for
another try. Passwords typed here live only in their field and in the request of one attempt:
they are never stored, logged or shown.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from pinscope.core.aia import IssuerFetcher
from pinscope.core.checks import CheckContext
from pinscope.core.checks.context import DEFAULT_WARN_DAYS
from pinscope.core.endpoint.handshake import (
    DEFAULT_TIMEOUT,
    TLS_VERSIONS,
    ClientIdentity,
    ConnectOptions,
    alpn_problem,
)
from pinscope.core.endpoint.identity import load_client_identity
from pinscope.core.endpoint.probe import inspect_endpoint, outcome_text
from pinscope.core.endpoint.proxy import Proxy, parse_proxy, proxy_from_environment
from pinscope.core.endpoint.starttls import DEFAULT_PORTS, PROTOCOL_NAMES
from pinscope.core.endpoint.target import DEFAULT_PORT, Target, looks_like_endpoint, parse_target
from pinscope.core.errors import PasswordRequired, PinscopeError, WrongPassword
from pinscope.core.inspection import Inspection, Settings
from pinscope.core.model import Severity
from pinscope.core.sources import Passwords
from pinscope.core.trust import TrustStore, load_trust_stores
from pinscope.gui.worker import Job, run_in_background

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

__all__ = ["ClientFiles", "ConnectPanel", "ConnectionRequest"]

TRUST_STORES: tuple[tuple[str, str | None], ...] = (
    ("Default: system, else Mozilla", None),
    ("System", "system"),
    ("Mozilla (certifi)", "mozilla"),
    ("None: only the trust files", "none"),
)
"""The trust store choices: what the user reads, and the name `load_trust_stores` takes."""

TRUST_STORE_TIPS: dict[str | None, str] = {
    None: "The operating system's trusted roots, or Mozilla's when the system has none, and "
    "the trust files",
    "system": "Only the operating system's trusted roots, and the trust files",
    "mozilla": "Mozilla's list of trusted roots (shipped with certifi), and the trust files",
    "none": "Only the trust files: the chain is judged against nothing else",
}

_TRUST_PASSWORD_ROW = 2
"""The trust form's row of the password field, hidden while there are no trust files."""

NO_CLIENT = "none"
CLIENT_FROM_FILES = "files"

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


class _InlineError(QWidget):
    """A warning icon and a wrapped message under a field; hidden while there is none."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        icon.setPixmap(warning.pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        self.hide()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def show_message(self, message: str) -> None:
        self.label.setText(message)
        self.setAccessibleDescription(message)
        self.show()

    def clear(self) -> None:
        self.label.clear()
        self.hide()


def _with_error(field: QWidget, error: _InlineError) -> QWidget:
    """The field with its inline error below it, as one cell of a form."""
    cell = QWidget()
    layout = QVBoxLayout(cell)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    layout.addWidget(error)
    return cell


_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str) -> _W:
    """`widget` with its object name set, so tests and style sheets can find it."""
    widget.setObjectName(name)
    return widget


def _label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose mnemonic (Alt and the letter after &) puts the focus on `buddy`."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class ConnectPanel(QWidget):
    """A form to connect to a TLS endpoint, with progress, Cancel and inline errors.

    Signals:
        connected: the `Inspection` of a finished attempt, also when the handshake failed
            (the Inspection then says why).
        failed: a message when the attempt could not be made at all (a trust file or the
            client certificate cannot be used, or something unexpected).
    """

    connected = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connect-panel")
        self.setWindowTitle("Connect to an endpoint")
        self._job: Job | None = None
        self._token: object | None = None
        self._filled_port = ""
        self._running_label = ""
        self._warn_days = DEFAULT_WARN_DAYS
        self._fetch_missing = False
        self._trust_files = _PathListModel(self)

        self._build_fields()
        form = QWidget()
        form_layout = QVBoxLayout(form)
        groups = [
            self._endpoint_group(),
            self._tls_group(),
            self._trust_group(),
            self._client_group(),
        ]
        for group in groups:
            form_layout.addWidget(group)
        _align_labels(groups)
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(form)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Never narrower than the form: without a horizontal scroll bar it would be clipped.
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        scroll.setMinimumWidth(form.minimumSizeHint().width() + scrollbar + 4)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addLayout(self._action_area())
        self._set_tab_order()
        self._wire()
        self._show_client_source()

    # ---- public interface -----------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a connection attempt is under way."""
        return self._job is not None

    def set_target(self, text: str) -> None:
        """Put `text` (`host`, `host:port`, a URL) in the host field, as if typed."""
        self.host_edit.setText(text)
        self._filled_port = ""
        self.host_error.clear()

    def set_identities(self, identities: list[tuple[str, ClientIdentity]]) -> None:
        """Offer these already loaded client identities (label, identity) as certificates.

        The current choice is kept when an identity with the same label is still offered.
        """
        current = self.client_source.currentText()
        while self.client_source.count() > 2:
            self.client_source.removeItem(2)
        for label, identity in identities:
            self.client_source.addItem(label, identity)
        index = self.client_source.findText(current)
        self.client_source.setCurrentIndex(max(index, 0))

    def set_trust_store(self, store: str | None) -> None:
        """Choose the trust store: "system", "mozilla", "none", or None for the default."""
        index = self.trust_combo.findData(store)
        if index < 0:
            raise ValueError(f"unknown trust store {store!r}")
        self.trust_combo.setCurrentIndex(index)

    def set_warn_days(self, days: int) -> None:
        """Warn about certificates that expire within `days` (the window's setting)."""
        self._warn_days = days

    def set_fetch_missing(self, fetch: bool) -> None:
        """Download an intermediate the server did not send, from its AIA URL (the window's
        setting)."""
        self._fetch_missing = fetch

    def add_trust_file(self, path: str) -> None:
        """Trust the certificates of `path` as well (listed once)."""
        files = self._trust_files.stringList()
        if path and path not in files:
            self._trust_files.setStringList([*files, path])
        self.trust_error.clear()

    def trust_files(self) -> list[str]:
        return self._trust_files.stringList()

    def start_connection(self) -> bool:
        """Read the form and start the attempt in the background.

        Returns:
            False when the form has errors (shown under their fields) or an attempt is already
            running; True when the attempt started.
        """
        if self._job is not None:
            self.status_label.setText(
                f"Still connecting to {self._running_label}: wait for it, or cancel it first."
            )
            return False
        self._clear_errors()
        request = self.read_request()
        if request is None:
            return False

        token = object()
        self._token = token
        # The callbacks hold the panel weakly: a job that outlives it must not keep it alive
        # in a reference cycle, which the collector could then free on a worker thread.
        panel = weakref.ref(self)

        def deliver(outcome: object) -> None:
            receiver = panel()
            if receiver is not None:
                receiver._outcome_arrived(token, outcome)

        self._job = run_in_background(lambda: run_request(request), deliver, deliver)
        self._running_label = request.target.label
        self._show_running(f"Connecting to {request.target.label}…")
        return True

    def cancel_connection(self) -> None:
        """Drop the running attempt's outcome and make the form ready for another one."""
        if self._job is None:
            return
        self._job.cancel()
        self._job = None
        self._token = None
        self._show_idle("Cancelled. The attempt ends by itself within its timeout.")

    def read_request(self) -> ConnectionRequest | None:
        """The attempt the form describes; None, with the errors shown inline, when invalid."""
        errors: list[_FieldError] = []

        def read(reader: Callable[[], _T]) -> _T | None:
            try:
                return reader()
            except _FieldError as error:
                errors.append(error)
                return None

        starttls = self.starttls_combo.currentData()
        target = read(lambda: self._read_target(starttls))
        sni = read(self._read_sni)
        proxy = read(lambda: self._read_proxy(target))
        alpn = read(self._read_alpn)
        versions = read(self._read_versions)
        client = read(self._read_client)
        for error in errors:
            self._errors()[error.field].show_message(str(error))
        if errors or target is None or alpn is None or versions is None:
            return None

        options = ConnectOptions(
            sni=sni,
            alpn=alpn,
            tls_min=versions[0],
            tls_max=versions[1],
            starttls=starttls,
            proxy=proxy,
            timeout=self.timeout_spin.value(),
            http=self.http_check.isChecked(),
        )
        trust_files = tuple(self.trust_files())
        return ConnectionRequest(
            target,
            options,
            store=self.trust_combo.currentData(),
            trust_files=trust_files,
            client=client,
            probe_versions=self.probe_check.isChecked(),
            warn_days=self._warn_days,
            fetch_missing=self._fetch_missing,
            trust_password=(self.trust_password_edit.text() or None) if trust_files else None,
        )

    # ---- building the form ----------------------------------------------------------------

    def _build_fields(self) -> None:
        self._build_endpoint_fields()
        self._build_tls_fields()
        self._build_trust_fields()
        self._build_client_fields()

    def _build_endpoint_fields(self) -> None:
        self.host_edit = _named(QLineEdit(), "host")
        self.host_edit.setPlaceholderText("host, host:port or https://host:port")
        self.host_edit.setClearButtonEnabled(True)
        self.host_edit.setToolTip(
            "The server to test: a name or an IP address, with its port (443 when left out). "
            "Enter connects."
        )
        self.host_error = _InlineError("host-error")

        self.sni_edit = _named(QLineEdit(), "sni")
        self.sni_edit.setPlaceholderText("the host's name")
        self.sni_edit.setToolTip(
            "The name to send in the TLS ServerName extension (SNI); empty sends the host's "
            "name, or none for an IP address"
        )
        self.sni_error = _InlineError("sni-error")

        self.starttls_combo = _named(QComboBox(), "starttls")
        _shrinkable(self.starttls_combo)
        self.starttls_combo.addItem("None: TLS from the first byte", None)
        for protocol, port in DEFAULT_PORTS.items():
            name = PROTOCOL_NAMES.get(protocol, protocol)
            self.starttls_combo.addItem(f"{name} (port {port})", protocol)
        self.starttls_combo.setToolTip(
            "For mail, directory and database servers that start in plain text and switch to "
            "TLS when asked"
        )

        self.proxy_edit = _named(QLineEdit(), "proxy")
        self.proxy_edit.setPlaceholderText(_proxy_placeholder())
        self.proxy_edit.setToolTip(
            "An HTTP CONNECT proxy, http://[user:password@]host:port; empty uses https_proxy"
        )
        self.proxy_error = _InlineError("proxy-error")

    def _build_tls_fields(self) -> None:
        self.alpn_edit = _named(QLineEdit(), "alpn")
        self.alpn_edit.setPlaceholderText("none, or h2, http/1.1")
        self.alpn_edit.setToolTip(
            "Application protocols to offer (ALPN), most wanted first, separated by commas or "
            "spaces"
        )
        self.alpn_error = _InlineError("alpn-error")
        self.tls_min_combo = self._version_combo("tls-min", "Lowest")
        self.tls_max_combo = self._version_combo("tls-max", "Highest")
        self.versions_error = _InlineError("versions-error")
        self.timeout_spin = _named(QDoubleSpinBox(), "timeout")
        self.timeout_spin.setRange(0.5, 300.0)
        self.timeout_spin.setDecimals(1)
        self.timeout_spin.setValue(DEFAULT_TIMEOUT)
        self.timeout_spin.setSuffix(" s")
        self.timeout_spin.setToolTip(
            "How long each step (name lookup, connection, handshake) may take before the "
            "attempt gives up"
        )
        self.http_check = _named(QCheckBox("Send &GET / after the handshake"), "http")
        self.http_check.setToolTip(
            "Some servers (nginx) refuse a missing client certificate only in their HTTP answer"
        )
        self.probe_check = _named(QCheckBox("Pro&be TLS versions 1.0 to 1.3"), "probe-versions")
        self.probe_check.setToolTip(
            "Also try each TLS version on its own, to list the versions the server accepts"
        )

    def _build_trust_fields(self) -> None:
        self.trust_combo = _named(QComboBox(), "trust-store")
        _shrinkable(self.trust_combo)
        for index, (label, store) in enumerate(TRUST_STORES):
            self.trust_combo.addItem(label, store)
            self.trust_combo.setItemData(
                index, TRUST_STORE_TIPS[store], Qt.ItemDataRole.ToolTipRole
            )
        self.trust_combo.setToolTip("The trusted roots the server's chain is judged against")
        self.trust_list = _named(QListView(), "trust-files")
        self.trust_list.setModel(self._trust_files)
        self.trust_list.setItemDelegate(_FittingDelegate(self.trust_list))
        self.trust_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.trust_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.trust_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.trust_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.trust_list.setMaximumHeight(self.fontMetrics().height() * 4 + 8)
        self.trust_list.setToolTip(
            "Certificates in these files are trusted as well: PEM, DER, PKCS#7, PKCS#12 or a "
            "Java keystore"
        )
        self.add_trust_button = _named(QPushButton("A&dd trust file…"), "add-trust-file")
        self.add_trust_button.setToolTip("Choose files whose certificates are trusted as well")
        self.remove_trust_button = _named(QPushButton("R&emove"), "remove-trust-file")
        self.remove_trust_button.setToolTip("Stop trusting the selected files (Delete)")
        self.remove_trust_button.setEnabled(False)
        self.trust_error = _InlineError("trust-error")

        self.trust_password_edit = _named(QLineEdit(), "trust-password")
        self.trust_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.trust_password_edit.setPlaceholderText(
            "for a PKCS#12 or Java truststore; never stored"
        )
        self.trust_password_edit.setAccessibleName("Trust file password")
        self.trust_password_edit.setToolTip(
            "The password of a PKCS#12 or Java truststore among the trust files, tried on each "
            "protected file. It is forgotten when the panel closes."
        )
        self.trust_password_error = _InlineError("trust-password-error")

    def _build_client_fields(self) -> None:
        self.client_source = _named(QComboBox(), "client-source")
        _shrinkable(self.client_source)
        self.client_source.addItem("None", NO_CLIENT)
        self.client_source.addItem("From files…", CLIENT_FROM_FILES)
        self.client_source.setToolTip(
            "The certificate to present when the server asks for one: none, one read from "
            "files, or a key entry of a keystore opened in the window"
        )
        self.client_cert_edit = _named(QLineEdit(), "client-cert")
        self.client_cert_edit.setPlaceholderText("PEM, PKCS#12, keystore")
        self.client_cert_edit.setToolTip(
            "The file holding the client certificate, and maybe its key and chain"
        )
        self.client_cert_button = _named(QPushButton("Browse…"), "browse-client-cert")
        self.client_cert_button.setToolTip("Choose the client certificate's file")
        self.client_key_edit = _named(QLineEdit(), "client-key")
        self.client_key_edit.setPlaceholderText("if not in the file above")
        self.client_key_edit.setToolTip("The private key's file, when it is not in the file above")
        self.client_key_button = _named(QPushButton("Browse…"), "browse-client-key")
        self.client_key_button.setToolTip("Choose the client certificate's key file")
        self.client_alias_edit = _named(QLineEdit(), "client-alias")
        self.client_alias_edit.setPlaceholderText("entry, if there are several")
        self.client_alias_edit.setToolTip("The keystore entry to use, when the file has several")
        self.client_password_edit = _named(QLineEdit(), "client-password")
        self.client_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.client_password_edit.setPlaceholderText("if encrypted; never stored")
        self.client_password_edit.setAccessibleName("Client certificate password")
        self.client_password_edit.setToolTip(
            "The password of the certificate's file or key. It is forgotten when the panel closes."
        )
        self.client_error = _InlineError("client-error")

    def _version_combo(self, name: str, which: str) -> QComboBox:
        combo = _named(QComboBox(), name)
        combo.setAccessibleName(f"{which} TLS version")
        combo.setToolTip(f"The {which.lower()} TLS version to offer; default leaves it to OpenSSL")
        combo.addItem("default", None)
        for version in TLS_VERSIONS:
            combo.addItem(f"TLS {version}", version)
        return combo

    def _endpoint_group(self) -> QGroupBox:
        group = QGroupBox("Endpoint")
        form = QFormLayout(group)
        form.addRow(_label("&Host:", self.host_edit), _with_error(self.host_edit, self.host_error))
        form.addRow(_label("&STARTTLS:", self.starttls_combo), self.starttls_combo)
        sni = _with_error(self.sni_edit, self.sni_error)
        form.addRow(_label("Server &name (SNI):", self.sni_edit), sni)
        proxy = _with_error(self.proxy_edit, self.proxy_error)
        form.addRow(_label("&Proxy:", self.proxy_edit), proxy)
        return group

    def _tls_group(self) -> QGroupBox:
        group = QGroupBox("TLS")
        form = QFormLayout(group)
        versions = QWidget()
        row = QHBoxLayout(versions)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.tls_min_combo)
        row.addWidget(_label("to", self.tls_max_combo))
        row.addWidget(self.tls_max_combo)
        row.addStretch(1)
        timeout = QWidget()
        row = QHBoxLayout(timeout)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.timeout_spin)
        row.addStretch(1)
        alpn = _with_error(self.alpn_edit, self.alpn_error)
        form.addRow(_label("&ALPN:", self.alpn_edit), alpn)
        versions_cell = _with_error(versions, self.versions_error)
        form.addRow(_label("&Versions:", self.tls_min_combo), versions_cell)
        form.addRow(_label("&Timeout:", self.timeout_spin), timeout)
        form.addRow(self.http_check)
        form.addRow(self.probe_check)
        return group

    def _trust_group(self) -> QGroupBox:
        group = QGroupBox("Trust")
        self._trust_form = form = QFormLayout(group)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_trust_button)
        buttons.addWidget(self.remove_trust_button)
        buttons.addStretch(1)
        files = QWidget()
        column = QVBoxLayout(files)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.trust_list)
        column.addLayout(buttons)
        column.addWidget(self.trust_error)
        password = _with_error(self.trust_password_edit, self.trust_password_error)
        form.addRow(_label("T&rust store:", self.trust_combo), self.trust_combo)
        form.addRow(_label("Trust &files:", self.trust_list), files)
        form.addRow(_label("Passw&ord:", self.trust_password_edit), password)
        form.setRowVisible(_TRUST_PASSWORD_ROW, False)  # shown with the first trust file
        return group

    def _client_group(self) -> QGroupBox:
        group = QGroupBox("Client certificate")
        self._client_form = form = QFormLayout(group)
        cert_row = _file_row(self.client_cert_edit, self.client_cert_button)
        key_row = _file_row(self.client_key_edit, self.client_key_button)
        form.addRow(_label("&Certificate:", self.client_source), self.client_source)
        form.addRow(_label("F&ile:", self.client_cert_edit), cert_row)
        form.addRow(_label("&Key file:", self.client_key_edit), key_row)
        form.addRow(_label("A&lias:", self.client_alias_edit), self.client_alias_edit)
        form.addRow(_label("Pass&word:", self.client_password_edit), self.client_password_edit)
        form.addRow(self.client_error)
        return group

    def _action_area(self) -> QVBoxLayout:
        self.general_error = _InlineError("general-error")
        self.status_label = _named(QLabel(), "status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = _named(QProgressBar(), "progress")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(self.fontMetrics().height())
        self.progress.setAccessibleName("Connecting")
        self.progress.hide()
        self.cancel_button = _named(QPushButton("Cancel"), "cancel")
        self.cancel_button.setToolTip(
            "Stop waiting for this attempt (Esc); the form is ready for another one at once"
        )
        self.cancel_button.hide()
        self.connect_button = _named(QPushButton("Connect"), "connect")
        self.connect_button.setDefault(True)
        self.connect_button.setToolTip("Connect and inspect the endpoint (Enter, Ctrl+Return)")

        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.connect_button)
        area = QVBoxLayout()
        area.setContentsMargins(9, 0, 9, 9)
        area.addWidget(self.general_error)
        area.addWidget(self.status_label)
        area.addLayout(buttons)
        return area

    def _set_tab_order(self) -> None:
        """Tab goes down the form in reading order, then to Cancel and Connect."""
        chain = [
            self.host_edit,
            self.starttls_combo,
            self.sni_edit,
            self.proxy_edit,
            self.alpn_edit,
            self.tls_min_combo,
            self.tls_max_combo,
            self.timeout_spin,
            self.http_check,
            self.probe_check,
            self.trust_combo,
            self.trust_list,
            self.add_trust_button,
            self.remove_trust_button,
            self.trust_password_edit,
            self.client_source,
            self.client_cert_edit,
            self.client_cert_button,
            self.client_key_edit,
            self.client_key_button,
            self.client_alias_edit,
            self.client_password_edit,
            self.cancel_button,
            self.connect_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _wire(self) -> None:
        self.connect_button.clicked.connect(self.start_connection)
        self.cancel_button.clicked.connect(self.cancel_connection)
        for edit in self.findChildren(QLineEdit):
            edit.returnPressed.connect(self.start_connection)
        self.host_edit.textEdited.connect(self._host_edited)
        self.trust_password_edit.textEdited.connect(self.trust_password_error.clear)
        self.client_password_edit.textEdited.connect(self.client_error.clear)
        self.starttls_combo.currentIndexChanged.connect(self._fill_default_port)
        self.add_trust_button.clicked.connect(self._choose_trust_files)
        self.remove_trust_button.clicked.connect(self._remove_trust_files)
        self.trust_list.selectionModel().selectionChanged.connect(self._trust_selection_changed)
        self._trust_files.modelReset.connect(self._trust_files_changed)
        self._trust_files.rowsRemoved.connect(self._trust_files_changed)
        self.client_source.currentIndexChanged.connect(self._show_client_source)
        self.client_cert_button.clicked.connect(self._choose_client_certificate)
        self.client_key_button.clicked.connect(self._choose_client_key)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            self._shortcut(sequence, self, self.start_connection)
        self._shortcut(QKeySequence.StandardKey.Delete, self.trust_list, self._remove_trust_files)
        self._cancel_shortcut = self._shortcut("Escape", self, self.cancel_connection)
        self._cancel_shortcut.setEnabled(False)  # Escape belongs to the dialog or dock when idle

    def _shortcut(
        self, sequence: str | QKeySequence.StandardKey, scope: QWidget, slot: Callable[[], object]
    ) -> QShortcut:
        shortcut = QShortcut(QKeySequence(sequence), scope)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    # ---- reading the form -----------------------------------------------------------------

    def _read_target(self, starttls: str | None) -> Target:
        text = self.host_edit.text().strip()
        if not text:
            raise _FieldError(HOST, "Type the host to connect to, such as example.com:443.")
        default = DEFAULT_PORTS[starttls] if starttls else DEFAULT_PORT
        try:
            return parse_target(text, default)
        except ValueError as error:
            raise _FieldError(HOST, _sentence(str(error))) from error

    def _read_sni(self) -> str | None:
        """The server name typed; None sends the host's name."""
        text = self.sni_edit.text().strip()
        if any(mark in text for mark in " /:@"):
            raise _FieldError(
                SNI, f"A server name is a DNS name such as api.example.com, not {text!r}."
            )
        return text or None

    def _read_proxy(self, target: Target | None) -> Proxy | None:
        """The proxy typed, else the one https_proxy names for the target, else None."""
        text = self.proxy_edit.text().strip()
        try:
            if text:
                return parse_proxy(text)
            if target is not None:
                return proxy_from_environment(target.host, os.environ)
        except ValueError as error:
            raise _FieldError(PROXY, _sentence(str(error))) from error
        return None

    def _read_alpn(self) -> tuple[str, ...]:
        """The protocols typed, most wanted first; names the ClientHello cannot carry are refused
        here rather than by OpenSSL in the background."""
        names = tuple(self.alpn_edit.text().replace(",", " ").split())
        for name in names:
            problem = alpn_problem(name)
            if problem is not None:
                raise _FieldError(ALPN, f"{problem[0].upper()}{problem[1:]}.")
        return names

    def _read_versions(self) -> tuple[str | None, str | None]:
        lowest = self.tls_min_combo.currentData()
        highest = self.tls_max_combo.currentData()
        order = list(TLS_VERSIONS)
        if lowest and highest and order.index(lowest) > order.index(highest):
            raise _FieldError(
                VERSIONS, f"The lowest version (TLS {lowest}) is above the highest (TLS {highest})."
            )
        return lowest, highest

    def _read_client(self) -> ClientIdentity | ClientFiles | None:
        """The client certificate chosen: a loaded identity, files to load, or None."""
        choice = self.client_source.currentData()
        if choice == NO_CLIENT:
            return None
        if isinstance(choice, ClientIdentity):
            return choice
        certificate = self.client_cert_edit.text().strip()
        if not certificate:
            raise _FieldError(CLIENT, "Choose the client certificate's file.")
        return ClientFiles(
            certificate,
            self.client_key_edit.text().strip() or None,
            self.client_alias_edit.text().strip() or None,
            self.client_password_edit.text() or None,
        )

    # ---- reacting to the user -------------------------------------------------------------

    def _host_edited(self, text: str) -> None:
        self.host_error.clear()
        if self._filled_port and not text.endswith(self._filled_port):
            self._filled_port = ""

    def _fill_default_port(self) -> None:
        """Put the protocol's port after a host typed without one, replacing one put there."""
        text = self.host_edit.text().strip()
        if self._filled_port and text.endswith(self._filled_port):
            text = text.removesuffix(self._filled_port)
        self._filled_port = ""
        protocol = self.starttls_combo.currentData()
        if text and protocol is not None and not looks_like_endpoint(text):
            if ":" in text and not text.startswith("["):
                text = f"[{text}]"  # a bare IPv6 address
            self._filled_port = f":{DEFAULT_PORTS[protocol]}"
            text += self._filled_port
        self.host_edit.setText(text)

    def _show_client_source(self) -> None:
        from_files = self.client_source.currentData() == CLIENT_FROM_FILES
        for row in range(1, 5):
            self._client_form.setRowVisible(row, from_files)
        self.client_error.clear()

    def _choose_trust_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Trust the certificates in",
            "",
            "Certificates and keystores (*.pem *.crt *.cer *.der *.p7b *.p12 *.pfx *.jks);;"
            "All files (*)",
        )
        for path in paths:
            self.add_trust_file(path)

    def _remove_trust_files(self) -> None:
        rows = sorted(
            (index.row() for index in self.trust_list.selectionModel().selectedIndexes()),
            reverse=True,
        )
        for row in rows:
            self._trust_files.removeRow(row)

    def _trust_selection_changed(self) -> None:
        self.remove_trust_button.setEnabled(self.trust_list.selectionModel().hasSelection())

    def _trust_files_changed(self) -> None:
        """Offer the trust password while there are trust files; forget it when none is left."""
        any_files = bool(self.trust_files())
        if not any_files:
            self.trust_password_edit.clear()
            self.trust_password_error.clear()
        self._trust_form.setRowVisible(_TRUST_PASSWORD_ROW, any_files)

    def _choose_client_certificate(self) -> None:
        self._choose_file(self.client_cert_edit, "Client certificate")

    def _choose_client_key(self) -> None:
        self._choose_file(self.client_key_edit, "Client certificate's key")

    def _choose_file(self, field: QLineEdit, title: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title, field.text())
        if path:
            field.setText(path)
            self.client_error.clear()

    # ---- the attempt's outcome ------------------------------------------------------------

    def _outcome_arrived(self, token: object, outcome: object) -> None:
        """The running attempt's Inspection or exception, unless it was cancelled."""
        if not isValid(self) or token is not self._token:
            return
        self._job = None
        self._token = None
        if isinstance(outcome, BaseException):
            self._failed(outcome)
        else:
            assert isinstance(outcome, Inspection)
            self._show_idle(_outcome(outcome))
            self.connected.emit(outcome)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, _FieldError):
            field, message = error.field, str(error)
        else:
            logger.error("connection attempt failed unexpectedly", exc_info=error)
            field, message = GENERAL, f"The connection could not be tested: {error}"
        self._errors()[field].show_message(message)
        self._show_idle("")
        if isinstance(error, _FieldError) and error.password:
            self._ask_password(field)
        self.failed.emit(message)

    def _ask_password(self, field: str) -> None:
        """Show the password field of `field`'s part of the form, focused for another try."""
        if field == TRUST_PASSWORD:
            self._trust_form.setRowVisible(_TRUST_PASSWORD_ROW, True)
            edit = self.trust_password_edit
        else:
            edit = self.client_password_edit
        edit.setFocus(Qt.FocusReason.OtherFocusReason)
        edit.selectAll()

    def _show_running(self, message: str) -> None:
        self.status_label.setText(message)
        self.progress.show()
        self.cancel_button.show()
        self._cancel_shortcut.setEnabled(True)
        self.connect_button.setEnabled(False)

    def _show_idle(self, message: str) -> None:
        self.status_label.setText(message)
        self.progress.hide()
        self.cancel_button.hide()
        self._cancel_shortcut.setEnabled(False)
        self.connect_button.setEnabled(True)

    def _errors(self) -> dict[str, _InlineError]:
        return {
            HOST: self.host_error,
            SNI: self.sni_error,
            PROXY: self.proxy_error,
            ALPN: self.alpn_error,
            VERSIONS: self.versions_error,
            TRUST: self.trust_error,
            TRUST_PASSWORD: self.trust_password_error,
            CLIENT: self.client_error,
            GENERAL: self.general_error,
        }

    def _clear_errors(self) -> None:
        for error in self._errors().values():
            error.clear()


class _PathListModel(QStringListModel):
    """File paths, each with its full path as tooltip (the list elides the middle of long ones)."""

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.ToolTipRole:
            role = Qt.ItemDataRole.DisplayRole
        return super().data(index, role)


class _FittingDelegate(QStyledItemDelegate):
    """Items as wide as the list, never wider: long texts are elided instead of scrolled."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(0, super().sizeHint(option, index).height())


def _align_labels(groups: list[QGroupBox]) -> None:
    """Give the label columns of the groups' forms one width, so the fields line up."""
    labels: list[QWidget] = []
    for group in groups:
        form = group.layout()
        assert isinstance(form, QFormLayout)
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if label is not None:
                labels.append(label)
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)


def _shrinkable(combo: QComboBox) -> None:
    """Let a combo with long item texts get narrower than its longest item."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)


def _file_row(field: QLineEdit, button: QPushButton) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field, 1)
    layout.addWidget(button)
    return row


def _proxy_placeholder() -> str:
    """Say which proxy an empty field means: none, or the one https_proxy names."""
    usage = "none, or http://proxy:3128"
    try:
        proxy = proxy_from_environment("", os.environ)
    except ValueError:
        return f"{usage} (https_proxy is set but unusable)"
    return usage if proxy is None else f"{proxy.label} (from https_proxy)"


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
