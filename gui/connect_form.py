"""The Connect panel's fields, grouped and laid out, with the small widgets they are built from.

`ConnectForm` creates every field as an attribute (`host_edit`, `trust_combo`, `connect_button`,
...), each with its object name, tooltip and inline error, arranges them in a scroll area with
the action area below, and sets the tab order. It has no behaviour: `ConnectPanel` wires the
fields, reads them and runs the attempt.
"""

from __future__ import annotations

import itertools
import os
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, QStringListModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
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

from pinscope.core.endpoint.handshake import DEFAULT_TIMEOUT, TLS_VERSIONS
from pinscope.core.endpoint.proxy import proxy_from_environment
from pinscope.core.endpoint.starttls import DEFAULT_PORTS, PROTOCOL_NAMES

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


class ConnectForm(QWidget):
    """The Connect panel's fields in their groups, without behaviour.

    The groups sit in a scroll area, with the action area (status, progress, Cancel, Connect)
    below it. `ConnectPanel` connects the fields' signals, reads them and runs the attempt.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
