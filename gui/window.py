"""The main window: sources on the left, their certificates in the middle, the selected
certificate on the right, the findings below. Files load on worker threads."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import cryptography
import OpenSSL
from PySide6 import __version__ as qt_version
from PySide6.QtCore import QPoint, QSettings, QSortFilterProxyModel, Qt
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDropEvent,
    QFontDatabase,
    QKeySequence,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from pinscope.core import __version__, report
from pinscope.core.aia import IssuerFetcher
from pinscope.core.certificate import Certificate
from pinscope.core.chain import Validation
from pinscope.core.checks import CheckContext
from pinscope.core.endpoint.identity import identity_from_source
from pinscope.core.endpoint.report import story_lines
from pinscope.core.errors import LoadError, PasswordRequired, WrongPassword
from pinscope.core.inspection import Inspection, Settings, inspect_bytes, inspect_path
from pinscope.core.sources import Passwords
from pinscope.core.trust import load_trust_stores
from pinscope.gui.check_pins import CheckPinsPanel
from pinscope.gui.compare import CompareWidget
from pinscope.gui.connect_dialog import ConnectPanel
from pinscope.gui.details import CertificateDetailsView
from pinscope.gui.explain_panel import ExplainPanel
from pinscope.gui.export_pins import ExportPinsPanel
from pinscope.gui.models import (
    CERTIFICATE_ROLE,
    COLUMNS,
    SORT_ROLE,
    CertificateRow,
    CertificatesModel,
    FindingsModel,
)
from pinscope.gui.settings import Preferences, SettingsDialog, apply_theme, load_preferences
from pinscope.gui.worker import run_in_background

logger = logging.getLogger(__name__)

__all__ = ["MainWindow"]

EMPTY_TEXT = (
    "Open a certificate, key, CSR or keystore (Ctrl+O), drop files here,\n"
    "or paste PEM text (Ctrl+V)."
)
SOURCE_ROLE = Qt.ItemDataRole.UserRole + 10
RECENT_KEY = "recent-files"
RECENT_COUNT = 10
LISTED_ENTRIES = 200
"""Entries listed under a source in the tree; a bundle of thousands shows them in the table."""


def settings_for(prefs: Preferences) -> Settings:
    """How files are judged under the user's preferences (runs on the worker thread)."""
    stores = load_trust_stores(prefs.trust_store)
    fetcher = IssuerFetcher() if prefs.fetch_missing else None
    return Settings(CheckContext(warn_days=prefs.warn_days), tuple(stores), fetcher)


class PasswordBar(QWidget):
    """Asks for a file's password in place, above the sources; says "wrong password" there."""

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("password")
        self.button = QPushButton("Open")
        self.cancel = QPushButton("Skip")
        layout.addWidget(self.label, 1)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.button)
        layout.addWidget(self.cancel)
        self.path: str | None = None
        self.hide()

    def ask(self, path: str, wrong: bool) -> None:
        self.path = path
        name = Path(path).name
        self.label.setText(f"Wrong password for {name}:" if wrong else f"Password for {name}:")
        self.field.clear()
        self.show()
        self.field.setFocus()


class MainWindow(QMainWindow):
    """Pinscope's main window."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Pinscope")
        self.resize(1280, 800)
        self.setAcceptDrops(True)
        self.inspections: list[Inspection] = []
        self.preferences = load_preferences(QSettings())
        self._menu_row: CertificateRow | None = None
        """The table row a context menu was opened on."""

        self.sources = QStandardItemModel()
        self.sources.setHorizontalHeaderLabels(["Sources"])
        self.sources_view = QTreeView()
        self.sources_view.setModel(self.sources)
        self.sources_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.password_bar = PasswordBar()
        self.password_bar.button.clicked.connect(self._retry_with_password)
        self.password_bar.field.returnPressed.connect(self._retry_with_password)
        self.password_bar.cancel.clicked.connect(self.password_bar.hide)

        self.certificates = CertificatesModel()
        self.proxy = QSortFilterProxyModel()
        self.proxy.setSourceModel(self.certificates)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)  # the file's order (leaf first) until the user sorts
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 260)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        header = self.table.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._choose_columns)
        header.setToolTip("Right-click to choose the columns")
        for hidden in ("SHA-256", "Serial"):
            self.table.setColumnHidden(COLUMNS.index(hidden), True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by subject, issuer, SAN, pin, fingerprint…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)

        self.details = CertificateDetailsView()
        self.findings = FindingsModel()
        self.findings_view = QTableView()
        self.findings_view.setModel(self.findings)
        self.findings_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.findings_view.setWordWrap(True)
        self.findings_view.horizontalHeader().setStretchLastSection(True)
        self.findings_view.setColumnWidth(0, 28)
        self.findings_view.setColumnWidth(1, 360)
        self.findings_view.setColumnWidth(2, 520)

        self._layout()
        self._actions()
        self.sources_view.selectionModel().currentChanged.connect(self._source_selected)
        self.table.selectionModel().currentChanged.connect(self._certificate_selected)
        self.findings_view.clicked.connect(self._finding_clicked)
        self.statusBar().showMessage("Ready")

    # ---- layout and actions ------------------------------------------------------------------

    def _layout(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.password_bar)
        left_layout.addWidget(self.sources_view)

        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.filter)
        self.chain = QStandardItemModel()
        self.chain_view = QTreeView()
        self.chain_view.setObjectName("chain")
        self.chain_view.setModel(self.chain)
        self.chain_view.setHeaderHidden(True)
        self.chain_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table_and_chain = QSplitter(Qt.Orientation.Vertical)
        table_and_chain.addWidget(self.table)
        table_and_chain.addWidget(self.chain_view)
        table_and_chain.setSizes([420, 140])
        middle_layout.addWidget(table_and_chain)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(middle)
        top.addWidget(self.details)
        top.setSizes([240, 620, 420])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        self.handshake_view = QPlainTextEdit()
        self.handshake_view.setObjectName("handshake")
        self.handshake_view.setReadOnly(True)
        self.handshake_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.bottom = QTabWidget()
        self.bottom.addTab(self.findings_view, "Findings")
        self.bottom.addTab(self.handshake_view, "Handshake")
        body.addWidget(self.bottom)
        body.setSizes([560, 200])

        self.placeholder = QLabel(f"Pinscope {__version__}\n\n{EMPTY_TEXT}")
        self.placeholder.setObjectName("placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(body)
        self.setCentralWidget(self.stack)

    def _actions(self) -> None:
        menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.open_dialog)
        paste = QAction("&Paste", self)
        paste.setShortcut(QKeySequence.StandardKey.Paste)
        paste.triggered.connect(self.paste)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        copy_text = QAction("Copy &Report", self)
        copy_text.setShortcut(QKeySequence("Ctrl+Shift+C"))
        copy_text.triggered.connect(self.copy_report)
        copy_json = QAction("Copy Report as &JSON", self)
        copy_json.triggered.connect(self.copy_report_json)
        menu.addAction(open_action)
        menu.addMenu(self.recent_menu)
        for action in (paste, copy_text, copy_json, quit_action):
            menu.addAction(action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.addAction(open_action)
        toolbar.addAction(paste)
        self._tools(toolbar)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Pinscope", self)
        about.triggered.connect(self.about)
        help_menu.addAction(about)
        self.open_action, self.paste_action = open_action, paste

    def _tools(self, toolbar: QToolBar) -> None:
        """Connect, export pins, check pins and explain: each a panel in a dock, opened from the
        toolbar or its shortcut, usable while the rest of the window is."""
        self.connect_panel = ConnectPanel()
        self.connect_panel.connected.connect(self.add_inspection)
        self.export_panel = ExportPinsPanel()
        self.check_panel = CheckPinsPanel()
        self.explain_panel = ExplainPanel()
        self.compare = CompareWidget()
        self.compare_left: Certificate | None = None
        self.explain_panel.connect_requested.connect(self._show_connect)
        for panel in (self.export_panel, self.check_panel):
            panel.message.connect(self.statusBar().showMessage)
        menu = self.menuBar().addMenu("&Tools")
        self.docks: dict[str, QDockWidget] = {}
        tools = (
            ("Connect", self.connect_panel, "Ctrl+L", "Handshake with a TLS endpoint"),
            ("Export pins", self.export_panel, "Ctrl+E", "Write a pin configuration"),
            ("Check pins", self.check_panel, "Ctrl+K", "Check a pin configuration"),
            ("Explain", self.explain_panel, "Ctrl+Shift+E", "Explain a pasted error message"),
            ("Compare", self.compare, "Ctrl+Shift+D", "Compare two certificates field by field"),
        )
        for name, panel, shortcut, tip in tools:
            dock = QDockWidget(name, self)
            dock.setObjectName(f"dock-{name.lower().replace(' ', '-')}")
            dock.setWidget(panel)
            dock.hide()
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self.docks[name] = dock
            action = QAction(name, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{tip} ({shortcut})")
            action.setData(name)
            action.triggered.connect(self._tool_triggered)
            menu.addAction(action)
            toolbar.addAction(action)
        settings_action = QAction("&Settings…", self)
        settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        settings_action.triggered.connect(self.open_settings)
        menu.addSeparator()
        menu.addAction(settings_action)
        for one, other in zip(
            list(self.docks.values()), list(self.docks.values())[1:], strict=False
        ):
            self.tabifyDockWidget(one, other)

    def _show_connect(self) -> None:
        self.show_tool("Connect")

    def _tool_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.show_tool(str(action.data()))

    def show_tool(self, name: str) -> None:
        """Show one tool's dock, with the loaded sources handed to the pin panels."""
        readable = [i for i in self.inspections if i.source is not None]
        if name == "Export pins":
            self.export_panel.set_inspections(readable)
        elif name == "Check pins":
            self.check_panel.set_inspections(readable)
        dock = self.docks[name]
        dock.show()
        dock.raise_()
        if self.stack.currentIndex() == 0:
            self.stack.setCurrentIndex(1)

    def about_text(self) -> str:
        openssl = OpenSSL.SSL.OpenSSL_version(OpenSSL.SSL.OPENSSL_VERSION).decode()
        return (
            f"Pinscope {__version__}\n\nQt {qt_version}, cryptography {cryptography.__version__}, "
            f"pyOpenSSL {OpenSSL.__version__} ({openssl})"
        )

    def about(self) -> None:
        QMessageBox.about(self, "About Pinscope", self.about_text())

    # ---- loading -----------------------------------------------------------------------------

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open certificates, keys or keystores")
        for path in paths:
            self.open_path(path)

    def open_path(self, path: str, password: str | None = None) -> None:
        """Read `path` on a worker thread; it appears in the sources when read."""
        self.statusBar().showMessage(f"Reading {Path(path).name}…")
        passwords = Passwords(password=password)
        prefs = self.preferences
        run_in_background(
            lambda: inspect_path(path, passwords, settings=settings_for(prefs)),
            lambda inspection: self._loaded(inspection, path, password is not None),
            lambda error: self._failed(path, error),
        )

    def paste(self) -> None:
        text = QApplication.clipboard().text()
        if not text.strip():
            self.statusBar().showMessage("The clipboard holds no text")
            return
        data = text.encode("utf-8")
        run_in_background(
            lambda: inspect_bytes(data, "pasted text", kind="text"),
            lambda inspection: self._loaded(inspection, None, False),
            lambda error: self._failed("pasted text", error),
        )

    def add_inspection(self, inspection: Inspection) -> None:
        """Show an inspection made elsewhere (an endpoint connected from a panel)."""
        self._loaded(inspection, None, False)

    def _loaded(self, inspection: Inspection, path: str | None, had_password: bool) -> None:
        error = inspection.error
        if isinstance(error, (PasswordRequired, WrongPassword)) and path is not None:
            self.password_bar.ask(path, wrong=isinstance(error, WrongPassword) or had_password)
            self.stack.setCurrentIndex(1)  # the bar sits above the sources
            self.statusBar().showMessage(f"{Path(path).name} needs a password")
            return
        if path is not None and path == self.password_bar.path:
            self.password_bar.hide()
        self.inspections.append(inspection)
        item = QStandardItem(self._source_label(inspection))
        item.setData(len(self.inspections) - 1, SOURCE_ROLE)
        item.setToolTip(str(error) if error else inspection.name)
        if inspection.source is not None:
            entries = inspection.source.entries
            for entry in entries[:LISTED_ENTRIES]:
                child = QStandardItem(f"{entry.alias}  ({entry.type.value})")
                child.setData(len(self.inspections) - 1, SOURCE_ROLE)
                item.appendRow(child)
            if len(entries) > LISTED_ENTRIES:
                more = QStandardItem(f"… {len(entries) - LISTED_ENTRIES} more (see the table)")
                more.setData(len(self.inspections) - 1, SOURCE_ROLE)
                item.appendRow(more)
        self.sources.appendRow(item)
        if path is not None and inspection.source is not None:
            self._remember(path)
        self._offer_identities()
        self.stack.setCurrentIndex(1)
        self.sources_view.setCurrentIndex(item.index())
        self.sources_view.expand(item.index())
        self.statusBar().showMessage(self._status_text(inspection))

    def _failed(self, name: str, error: BaseException) -> None:
        logger.debug("reading %s failed", name, exc_info=error)
        self.statusBar().showMessage(f"{name}: {error}")

    def _retry_with_password(self) -> None:
        path = self.password_bar.path
        if path is not None:
            self.open_path(path, self.password_bar.field.text())
            self.password_bar.field.clear()

    @staticmethod
    def _source_label(inspection: Inspection) -> str:
        if inspection.source is None:
            return f"\u2716 {Path(inspection.name).name}"
        mark = "\u2716 " if inspection.has_errors else ""
        return f"{mark}{Path(inspection.name).name}  [{inspection.source.format}]"

    @staticmethod
    def _status_text(inspection: Inspection) -> str:
        if inspection.source is None:
            return f"{inspection.name}: {inspection.error}"
        count = len(inspection.source.certificates())
        name = Path(inspection.name).name
        return f"{name}: {count} certificate(s), {len(inspection.findings)} finding(s)"

    # ---- selection ---------------------------------------------------------------------------

    def current_inspection(self) -> Inspection | None:
        index = self.sources_view.currentIndex()
        position = index.data(SOURCE_ROLE) if index.isValid() else None
        return self.inspections[position] if isinstance(position, int) else None

    def _source_selected(self) -> None:
        inspection = self.current_inspection()
        self.certificates.set_source(inspection.source if inspection else None)
        self.findings.set_findings(inspection.findings if inspection else ())
        if self.findings.rowCount() <= LISTED_ENTRIES:  # measuring thousands of rows stalls
            self.findings_view.resizeRowsToContents()
        self._show_chain(inspection)
        endpoint = inspection.endpoint if inspection else None
        self.bottom.setTabEnabled(1, endpoint is not None)
        self.handshake_view.setPlainText("\n".join(story_lines(endpoint)) if endpoint else "")
        if self.proxy.rowCount() > 0:
            self.table.selectRow(0)
        else:
            self.details.show_certificate(None)

    def _certificate_selected(self) -> None:
        index = self.table.currentIndex()
        row = index.data(CERTIFICATE_ROLE) if index.isValid() else None
        inspection = self.current_inspection()
        if not isinstance(row, CertificateRow) or inspection is None:
            self.details.show_certificate(None)
            return
        validation = next(
            (
                v
                for v in inspection.validations
                if v is not None and row.certificate in v.path.certificates
            ),
            None,
        )
        self.details.show_certificate(row.certificate, validation, list(inspection.findings))
        if validation is not None:
            self._show_path(validation)

    def _finding_clicked(self) -> None:
        finding = self.findings_view.currentIndex().data(CERTIFICATE_ROLE)
        sha256 = getattr(finding, "certificate", None)
        row = self.certificates.row_of(sha256) if sha256 else None
        if row is not None:
            self.table.selectRow(self.proxy.mapFromSource(self.certificates.index(row, 0)).row())

    def _choose_columns(self, position: QPoint) -> None:
        menu = QMenu(self)
        for number, name in enumerate(COLUMNS):
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(number))
            action.toggled.connect(lambda shown, n=number: self.table.setColumnHidden(n, not shown))
        menu.popup(self.table.horizontalHeader().mapToGlobal(position))

    def _show_chain(self, inspection: Inspection | None) -> None:
        """The validated path leaf first, each certificate under the one it was issued to,
        marked ✔ valid, ✖ expired or not yet valid, ? not reached."""
        self._show_path(inspection.validation if inspection is not None else None)

    def _show_path(self, validation: Validation | None) -> None:
        self.chain.clear()
        if validation is None:
            return
        now = validation.at
        given = {cert.sha256 for cert in (*validation.given, validation.path.certificates[0])}
        parent = self.chain.invisibleRootItem()
        for cert in validation.path.certificates:
            details = cert.details
            mark = "\u2714" if details.not_before <= now <= details.not_after else "\u2716"
            origin = "" if cert.sha256 in given else "  (from the trust store)"
            item = QStandardItem(f"{mark} {cert.short_name}{origin}")
            item.setToolTip(details.subject)
            parent.appendRow(item)
            parent = item
        if not validation.path.complete:
            last = validation.path.last.details
            ending = "in no trust store" if last.self_signed else "? its issuer was not found"
            parent.appendRow(QStandardItem(ending))
        verdict = "trusted" if validation.trusted else "NOT trusted"
        self.chain.setHorizontalHeaderLabels([verdict])
        self.chain_view.expandAll()

    # ---- settings and comparison -------------------------------------------------------------

    def open_settings(self) -> None:
        dialog = SettingsDialog(QSettings(), self)
        dialog.preferences_saved.connect(self.apply_preferences)
        dialog.open()

    def apply_preferences(self, prefs: Preferences) -> None:
        """Theme, expiry warning and trust store for what is opened from now on."""
        self.preferences = prefs
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, prefs.theme)
        self.certificates.warn_days = prefs.warn_days
        self.connect_panel.set_trust_store(prefs.trust_store)
        self.connect_panel.set_warn_days(prefs.warn_days)
        self._source_selected()

    def _table_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        row = index.data(CERTIFICATE_ROLE) if index.isValid() else None
        if not isinstance(row, CertificateRow):
            return
        self._menu_row = row
        menu = QMenu(self)
        menu.addAction("Compare: use as left", self._set_compare_left)
        compare = menu.addAction("Compare with left", self._compare_with_left)
        compare.setEnabled(self.compare_left is not None)
        menu.addAction("Copy SPKI pin", self._copy_menu_pin)
        menu.popup(self.table.viewport().mapToGlobal(position))

    def _set_compare_left(self) -> None:
        if self._menu_row is None:
            return
        self.compare_left = self._menu_row.certificate
        self.statusBar().showMessage(f"Compare: {self.compare_left.short_name} on the left")

    def _compare_with_left(self) -> None:
        if self.compare_left is not None and self._menu_row is not None:
            self.compare.set_certificates(self.compare_left, self._menu_row.certificate)
            self.show_tool("Compare")

    def _copy_menu_pin(self) -> None:
        if self._menu_row is not None:
            pin = self._menu_row.certificate.details.public_key.spki_sha256
            QApplication.clipboard().setText(pin)

    # ---- report, recent files, client identities ---------------------------------------------

    def copy_report(self) -> None:
        inspection = self.current_inspection()
        if inspection is not None:
            QApplication.clipboard().setText(report.text_report([inspection]))
            self.statusBar().showMessage("Report copied")

    def copy_report_json(self) -> None:
        inspection = self.current_inspection()
        if inspection is not None:
            text = json.dumps(report.document([inspection]), indent=2, ensure_ascii=False)
            QApplication.clipboard().setText(text)
            self.statusBar().showMessage("JSON report copied")

    def recent_files(self) -> list[str]:
        value = QSettings().value(RECENT_KEY, [])
        return [str(path) for path in value] if isinstance(value, list) else []

    def _remember(self, path: str) -> None:
        absolute = str(Path(path).resolve())
        recent = [absolute, *(p for p in self.recent_files() if p != absolute)][:RECENT_COUNT]
        QSettings().setValue(RECENT_KEY, recent)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            action = self.recent_menu.addAction(path)
            action.setData(path)
            action.triggered.connect(self._open_recent)
        self.recent_menu.setEnabled(True)

    def _open_recent(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.open_path(str(action.data()))

    def _offer_identities(self) -> None:
        """Every loaded certificate with its private key, for the Connect panel."""
        identities = []
        for inspection in self.inspections:
            source = inspection.source
            if source is None:
                continue
            for entry in source.entries:
                if entry.private_key is None or entry.private_key.key is None:
                    continue
                try:
                    identity = identity_from_source(source, entry.alias)
                except LoadError:
                    continue
                identities.append((f"{Path(source.name).name}: {entry.alias}", identity))
        self.connect_panel.set_identities(identities)

    # ---- drag and drop -----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasText():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls():
            for url in mime.urls():
                if url.isLocalFile():
                    self.open_path(url.toLocalFile())
        elif mime.hasText():
            data = mime.text().encode("utf-8")
            run_in_background(
                lambda: inspect_bytes(data, "dropped text", kind="text"),
                lambda inspection: self._loaded(inspection, None, False),
                lambda error: self._failed("dropped text", error),
            )
        event.acceptProposedAction()
