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

The request and the blocking job are in `connect_job`; the fields and their layout in
`connect_form`.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QLineEdit, QWidget
from shiboken6 import isValid

from pinscope.core.checks.context import DEFAULT_WARN_DAYS
from pinscope.core.endpoint.handshake import (
    TLS_VERSIONS,
    ClientIdentity,
    ConnectOptions,
    alpn_problem,
)
from pinscope.core.endpoint.proxy import Proxy, parse_proxy, proxy_from_environment
from pinscope.core.endpoint.starttls import DEFAULT_PORTS
from pinscope.core.endpoint.target import DEFAULT_PORT, Target, looks_like_endpoint, parse_target
from pinscope.core.inspection import Inspection
from pinscope.gui.connect_form import (
    _TRUST_PASSWORD_ROW,
    CLIENT_FROM_FILES,
    NO_CLIENT,
    ConnectForm,
    _InlineError,
)
from pinscope.gui.connect_form import TRUST_STORES as TRUST_STORES  # check_pins imports it here
from pinscope.gui.connect_job import (
    ALPN,
    CLIENT,
    GENERAL,
    HOST,
    PROXY,
    SNI,
    TRUST,
    TRUST_PASSWORD,
    VERSIONS,
    ClientFiles,
    ConnectionRequest,
    _FieldError,
    _outcome,
    _sentence,
    run_request,
)
from pinscope.gui.worker import Job, run_in_background

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

__all__ = ["ClientFiles", "ConnectPanel", "ConnectionRequest"]


class ConnectPanel(ConnectForm):
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

    # ---- wiring ---------------------------------------------------------------------------

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
            self.trust_password_edit.setText("")  # no undo history kept
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
