"""The Check pins "Connection options" group: how typed endpoints are reached.

A collapsible group of STARTTLS, server name, proxy, timeout and trust fields; `read` turns them
into a `ConnectionChoice` for the check, and a one-line summary shows what differs from the
defaults while the group is collapsed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pinscope.core.endpoint.handshake import DEFAULT_TIMEOUT
from pinscope.core.endpoint.proxy import parse_proxy
from pinscope.core.endpoint.starttls import DEFAULT_PORTS, PROTOCOL_NAMES
from pinscope.core.endpoint.target import DEFAULT_PORT
from pinscope.gui.check_pins_job import ConnectionChoice
from pinscope.gui.connect_dialog import TRUST_STORES

__all__ = ["ConnectionOptions"]


class ConnectionOptions(QWidget):
    """A collapsible group: STARTTLS, server name, proxy, timeout and trust for typed endpoints.

    Collapsed, a one-line summary says which options differ from the defaults.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setObjectName("connectionOptionsToggle")
        self.toggle.setText("Co&nnection options")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip(
            "Show or hide how typed endpoints are reached: STARTTLS, server name, proxy, "
            "timeout, trust"
        )
        self.toggle.toggled.connect(self._expand)
        self.summary = QLabel()
        self.summary.setObjectName("connectionSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setEnabled(False)

        self.body = QGroupBox()
        self.body.setObjectName("connectionOptions")
        self.body.setLayout(self._build_form())
        self.body.hide()

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.toggle)
        head.addWidget(self.summary, 1)
        head.addStretch(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.body)
        self._update_summary()

    def _build_form(self) -> QFormLayout:
        self.starttls = QComboBox()
        self.starttls.setObjectName("starttls")
        self.starttls.addItem("None: TLS from the first byte", None)
        for protocol, port in DEFAULT_PORTS.items():
            self.starttls.addItem(
                f"{PROTOCOL_NAMES.get(protocol, protocol)} (port {port})", protocol
            )
        self.starttls.setToolTip("Speak this protocol's plaintext prelude before TLS")
        self.sni = QLineEdit()
        self.sni.setObjectName("sni")
        self.sni.setPlaceholderText("each endpoint's host name")
        self.sni.setToolTip(
            "The name to send in the TLS ServerName extension and to match against the "
            "configured domains, e.g. when an endpoint is given by its address"
        )
        self.proxy = QLineEdit()
        self.proxy.setObjectName("proxy")
        self.proxy.setPlaceholderText("none, or http://proxy:3128 (empty uses https_proxy)")
        self.proxy.setToolTip("An HTTP CONNECT proxy, http://[user:password@]host:port")
        self.timeout = QDoubleSpinBox()
        self.timeout.setObjectName("timeout")
        self.timeout.setRange(0.5, 300.0)
        self.timeout.setDecimals(1)
        self.timeout.setValue(DEFAULT_TIMEOUT)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip("Seconds each endpoint may take, from the name lookup on")
        self.store = QComboBox()
        self.store.setObjectName("trustStore")
        for label, store in TRUST_STORES:
            self.store.addItem(label, store)
        self.store.setItemText(0, "Default: as in Settings")
        self.store.setToolTip(
            "The trust anchors typed endpoints, configured domains and the rotation preview "
            "are judged against"
        )
        self.trust_file = QLineEdit()
        self.trust_file.setObjectName("trustFile")
        self.trust_file.setPlaceholderText("optional: a file of CA certificates to trust too")
        self.browse_trust = QPushButton("Browse…")
        self.browse_trust.setObjectName("browseTrust")
        self.browse_trust.setToolTip("Choose a file of CA certificates to trust")
        self.browse_trust.clicked.connect(self._browse_trust)
        trust_row = QHBoxLayout()
        trust_row.addWidget(self.trust_file, 1)
        trust_row.addWidget(self.browse_trust)
        trust_label = QLabel("Tr&ust file:")
        trust_label.setBuddy(self.trust_file)

        for combo in (self.starttls, self.store):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(14)
            combo.currentIndexChanged.connect(self._update_summary)
        for edit in (self.sni, self.proxy, self.trust_file):
            edit.textChanged.connect(self._update_summary)
        self.timeout.valueChanged.connect(self._update_summary)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&STARTTLS:", self.starttls)
        form.addRow("Server na&me:", self.sni)
        form.addRow("&Proxy:", self.proxy)
        form.addRow("T&imeout:", self.timeout)
        form.addRow("T&rust store:", self.store)
        form.addRow(trust_label, trust_row)
        return form

    def focus_chain(self) -> list[QWidget]:
        """The fields in tab order, the toggle first."""
        return [
            self.toggle,
            self.starttls,
            self.sni,
            self.proxy,
            self.timeout,
            self.store,
            self.trust_file,
            self.browse_trust,
        ]

    def line_edits(self) -> list[QLineEdit]:
        return [self.sni, self.proxy, self.trust_file]

    def read(self) -> ConnectionChoice:
        """The choice the fields describe.

        Raises:
            ValueError: the proxy URL or the server name is not usable; the message says why.
        """
        sni = self.sni.text().strip()
        if any(mark in sni for mark in " /:@"):
            raise ValueError(f"a server name is a DNS name such as api.example.com, not {sni!r}")
        text = self.proxy.text().strip()
        proxy = parse_proxy(text) if text else None
        trust = self.trust_file.text().strip()
        return ConnectionChoice(
            starttls=self.starttls.currentData(),
            sni=sni or None,
            proxy=proxy,
            timeout=self.timeout.value(),
            store=self.store.currentData(),
            trust_files=(trust,) if trust else (),
        )

    def default_port(self) -> int:
        protocol = self.starttls.currentData()
        return DEFAULT_PORTS[protocol] if protocol else DEFAULT_PORT

    def _expand(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.body.setVisible(shown)
        self.summary.setVisible(not shown)

    def _browse_trust(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Trust the certificates in",
            "",
            "Certificates and keystores (*.pem *.crt *.cer *.der *.p7b *.p12 *.pfx *.jks);;"
            "All files (*)",
        )
        if path:
            self.trust_file.setText(path)

    def _update_summary(self, *_: object) -> None:
        parts = []
        if self.starttls.currentData():
            parts.append(f"{PROTOCOL_NAMES[self.starttls.currentData()]} STARTTLS")
        if self.sni.text().strip():
            parts.append(f"as {self.sni.text().strip()}")
        if self.proxy.text().strip():
            parts.append("through a proxy")
        if self.timeout.value() != DEFAULT_TIMEOUT:
            parts.append(f"{self.timeout.value():g} s timeout")
        if self.store.currentData() is not None or self.trust_file.text().strip():
            parts.append("own trust")
        self.summary.setText(", ".join(parts) or "defaults")
        self.changed.emit()
