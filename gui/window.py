"""The main window: sources on the left, their certificates in the middle, the selected
certificate on the right, the findings below. Files load on worker threads."""

from __future__ import annotations

import html
import itertools
import json
import logging
from collections.abc import Callable
from pathlib import Path

import cryptography
import OpenSSL
from PySide6 import __version__ as qt_version
from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    QPoint,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QFontDatabase,
    QKeySequence,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from pinscope import resources
from pinscope.core import __version__, report
from pinscope.core.aia import IssuerFetcher
from pinscope.core.certificate import Certificate
from pinscope.core.chain import Validation
from pinscope.core.checks import CheckContext
from pinscope.core.checks.keystore import is_keystore
from pinscope.core.endpoint.identity import identity_from_source
from pinscope.core.endpoint.report import story_lines
from pinscope.core.endpoint.target import looks_like_endpoint
from pinscope.core.errors import LoadError, PasswordRequired, WrongPassword
from pinscope.core.inspection import Inspection, Settings, check, read_bytes, read_path
from pinscope.core.model import Entry
from pinscope.core.pins.parse import parse_pins
from pinscope.core.sources import Passwords
from pinscope.core.trust import load_trust_stores
from pinscope.gui.certificate_table import CertificateTable
from pinscope.gui.chain_view import ChainView, SentAndBuiltView
from pinscope.gui.check_pins import CheckPinsPanel
from pinscope.gui.compare import CompareWidget
from pinscope.gui.connect_dialog import ConnectPanel
from pinscope.gui.details import CertificateDetailsView
from pinscope.gui.explain_panel import ExplainPanel
from pinscope.gui.export_pins import ExportPinsPanel
from pinscope.gui.icons import icon, palette_is_dark
from pinscope.gui.models import (
    CERTIFICATE_ROLE,
    CertificateRow,
    FindingsModel,
)
from pinscope.gui.password_bar import PasswordBar, PasswordRequest
from pinscope.gui.settings import Preferences, SettingsDialog, apply_theme, load_preferences
from pinscope.gui.sources_tree import (
    LISTED_ENTRIES,
    MORE_ROLE,
    is_locked,
    list_entries,
    source_icon,
    source_item,
    source_label,
)
from pinscope.gui.worker import (
    Pacer,
    after_next_paint,
    keep_gui_responsive,
    release_frozen,
    run_in_background,
)

logger = logging.getLogger(__name__)

__all__ = ["MainWindow"]

EMPTY_TEXT = (
    "Open a certificate, key, CSR or keystore (Ctrl+O), drop files here,<br>"
    "paste PEM text, a pin or host:port (Ctrl+V), or connect to a server (Ctrl+L)."
)
RECENT_KEY = "recent-files"
RECENT_COUNT = 10
TOOL_ICONS = {
    "Connect": "connect",
    "Export pins": "export-pins",
    "Check pins": "check-pins",
    "Explain": "explain",
    "Compare": "compare",
}
CHECK_AFTER_MS = 50
"""The checks of what was read start this long after its rows are painted (see `_was_read`)."""


def settings_for(prefs: Preferences) -> Settings:
    """How files are judged under the user's preferences (runs on the worker thread)."""
    stores = load_trust_stores(prefs.trust_store)
    fetcher = IssuerFetcher() if prefs.fetch_missing else None
    return Settings(CheckContext(warn_days=prefs.warn_days), tuple(stores), fetcher)


class _Progress(QObject):
    """Progress of a job, from its worker thread to the status bar (a queued signal)."""

    checking = Signal(str, int, int)


GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
"""Where the window's size and place, and its docks' layout, are kept between runs."""
LAYOUT_VERSION = 1
"""Raised when the docks change, so an older layout is not restored onto them."""
TOOL_SHARE = 9 / 20
"""The share of the window's width a tool's dock takes when first opened."""


def library_versions() -> str:
    """The versions of what Pinscope runs on, for the About box and error reports."""
    openssl = OpenSSL.SSL.OpenSSL_version(OpenSSL.SSL.OPENSSL_VERSION).decode()
    return (
        f"Qt {qt_version}, cryptography {cryptography.__version__}, "
        f"pyOpenSSL {OpenSSL.__version__} ({openssl})"
    )


class MainWindow(QMainWindow):
    """Pinscope's main window."""

    def __init__(self) -> None:
        super().__init__()
        keep_gui_responsive()
        self.setWindowTitle("Pinscope")
        self.resize(1280, 800)
        self.setAcceptDrops(True)
        self.inspections: list[Inspection] = []
        self.preferences = load_preferences(QSettings())
        self._menu_row: CertificateRow | None = None
        """The table row a context menu was opened on."""
        self._shown: Inspection | None = None
        """The inspection whose certificates the table holds."""
        self._progress = _Progress()
        self._progress.checking.connect(self._show_progress)
        self._icons: dict[QAction, str] = {}
        """Each action with the name of its icon, swapped when the theme turns dark or light."""
        self._skipped: dict[str, set[str]] = {}
        """By file: the aliases whose key passwords the user skipped ("" for a file's key)."""
        self._docks_sized = False
        """Whether the tools' docks have been given their width (or a saved layout restored)."""

        self.sources = QStandardItemModel()
        self.sources.setHorizontalHeaderLabels(["Sources"])
        self.sources_view = QTreeView()
        self.sources_view.setModel(self.sources)
        self.sources_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.password_bar = PasswordBar()
        self.password_bar.button.clicked.connect(self._retry_with_password)
        self.password_bar.field.returnPressed.connect(self._retry_with_password)
        self.password_bar.cancel.clicked.connect(self._skip_password)

        self.table = CertificateTable()
        self.certificates = self.table.certificates
        self.proxy = self.table.proxy
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by subject, issuer, SAN, pin, fingerprint…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip("Shows the rows where any column holds this text (Ctrl+F)")
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
        self.findings_view.activated.connect(self._finding_clicked)  # Enter, as a click
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
        self.chain_view = ChainView()
        self.chain = self.chain_view.chain
        table_and_chain = QSplitter(Qt.Orientation.Vertical)
        table_and_chain.addWidget(self.table)
        table_and_chain.addWidget(self.chain_view)
        table_and_chain.setSizes([420, 140])
        middle_layout.addWidget(table_and_chain)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(middle)
        top.addWidget(self.details)
        top.setSizes([280, 600, 520])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        self.handshake_view = QPlainTextEdit()
        self.handshake_view.setObjectName("handshake")
        self.handshake_view.setReadOnly(True)
        self.handshake_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.sent_and_built = SentAndBuiltView()
        handshake = QSplitter(Qt.Orientation.Horizontal)
        handshake.addWidget(self.handshake_view)
        handshake.addWidget(self.sent_and_built)
        handshake.setSizes([700, 600])
        self.bottom = QTabWidget()
        self.bottom.addTab(self.findings_view, "Findings")
        self.bottom.addTab(handshake, "Handshake")
        self.bottom.setTabEnabled(1, False)  # until an endpoint is shown
        self.bottom.setTabToolTip(1, "The story of the TLS handshake, for an endpoint")
        body.addWidget(self.bottom)
        body.setSizes([560, 200])

        samples = "".join(
            f'<li><a href="sample:{html.escape(sample.name)}">{html.escape(sample.title)}</a></li>'
            for sample in resources.sample_files()
        )
        self.placeholder = QLabel(
            f"<h2>Pinscope {__version__}</h2><p>{EMPTY_TEXT}</p>"
            f"<p>Or try a sample:</p><ul>{samples}</ul>"
        )
        self.placeholder.setObjectName("placeholder")
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.placeholder.linkActivated.connect(self.open_sample)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(body)
        self.setCentralWidget(self.stack)

    def _actions(self) -> None:
        menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.setToolTip("Open certificates, keys, CSRs or keystores (Ctrl+O)")
        open_action.triggered.connect(self.open_dialog)
        paste = QAction("&Paste", self)
        paste.setShortcut(QKeySequence.StandardKey.Paste)
        paste.setToolTip("Paste PEM or base64 text, a pin, host:port or a URL (Ctrl+V)")
        paste.triggered.connect(self.paste)
        close_action = QAction("&Close", self)
        close_action.setShortcuts(QKeySequence.StandardKey.Close)
        close_action.setToolTip("Close the selected source")
        close_action.triggered.connect(self.close_source)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcuts(
            QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or [QKeySequence("Ctrl+Q")]
        )
        quit_action.triggered.connect(self.close)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        copy_text = QAction("Copy &Report", self)
        copy_text.setShortcut(QKeySequence("Ctrl+Shift+C"))
        copy_text.triggered.connect(self.copy_report)
        copy_json = QAction("Copy Report as &JSON", self)
        copy_json.triggered.connect(self.copy_report_json)
        find = QAction("&Find", self)
        find.setShortcuts(QKeySequence.StandardKey.Find)
        find.setToolTip("Filter the certificates (Ctrl+F)")
        find.triggered.connect(self.focus_filter)
        self.addAction(find)
        menu.addAction(open_action)
        menu.addMenu(self.recent_menu)
        for action in (paste, close_action, copy_text, copy_json, quit_action):
            menu.addAction(action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(open_action)
        toolbar.addAction(paste)
        self._tools(toolbar)
        self._tab_order()
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Pinscope", self)
        about.triggered.connect(self.about)
        help_menu.addAction(about)
        self.open_action, self.paste_action = open_action, paste
        self._icons[open_action] = "open"
        self._icons[paste] = "paste"
        self._icons[close_action] = "cancel"
        self._icons[copy_text] = "copy"
        self._icons[find] = "search"
        self._apply_icons()

    def _apply_icons(self) -> None:
        dark = palette_is_dark()
        for action, name in self._icons.items():
            action.setIcon(icon(name, dark))
        for row in range(self.sources.rowCount()):
            self.sources.item(row).setIcon(source_icon(self.inspections[row], dark))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_icons()
        super().changeEvent(event)

    def _tab_order(self) -> None:
        """Tab walks the panes as they are read: sources, filter, table, chain, details,
        findings."""
        order = [
            self.password_bar.field,
            self.sources_view,
            self.filter,
            self.table,
            self.chain_view,
            self.details,
            self.bottom,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def focus_filter(self) -> None:
        if self.stack.currentIndex() == 1:
            self.filter.setFocus()
            self.filter.selectAll()

    def _tools(self, toolbar: QToolBar) -> None:
        """Connect, export pins, check pins and explain: each a panel in a dock, opened from the
        toolbar or its shortcut, usable while the rest of the window is."""
        self.connect_panel = ConnectPanel()
        self.connect_panel.connected.connect(self.add_inspection)
        self.export_panel = ExportPinsPanel()
        self.check_panel = CheckPinsPanel()
        prefs = self.preferences
        self.check_panel.set_settings(lambda: settings_for(prefs))
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
            self._icons[action] = TOOL_ICONS[name]
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{tip} ({shortcut})")
            action.setData(name)
            action.triggered.connect(self._tool_triggered)
            menu.addAction(action)
            toolbar.addAction(action)
        settings_action = QAction("&Settings…", self)
        self._icons[settings_action] = "settings"
        settings_action.setShortcuts(
            QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
            or [QKeySequence("Ctrl+,")]
        )
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
        dock = self.docks[name]
        if name in ("Export pins", "Check pins"):
            self._hand_sources(name)
        dock.show()
        dock.raise_()
        if not self._docks_sized:
            # Room for a pin preview or a handshake form beside the certificate table.
            self._docks_sized = True
            wide = max(dock.sizeHint().width(), int(self.width() * TOOL_SHARE))
            self.resizeDocks([dock], [wide], Qt.Orientation.Horizontal)
        if self.stack.currentIndex() == 0:
            self.stack.setCurrentIndex(1)

    def _sources_changed(self) -> None:
        """Keep the open pin panels' lists of sources (and their verdicts) current."""
        for name in ("Export pins", "Check pins"):
            if self.docks[name].isVisible():
                self._hand_sources(name)

    def _hand_sources(self, name: str) -> None:
        # Only what is read and checked: a chain still being checked has no verdict to pin.
        ready = [i for i in self.inspections if i.source is not None and i.checked]
        panel = self.export_panel if name == "Export pins" else self.check_panel
        panel.set_inspections(ready)

    def restore_layout(self) -> None:
        """Put the window and its docks back as they were when it was last closed."""
        settings = QSettings()
        geometry = settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value(STATE_KEY)
        if isinstance(state, QByteArray) and self.restoreState(state, LAYOUT_VERSION):
            # Widths come back only for docks that were shown; else the first one opens wide.
            self._docks_sized = any(not dock.isHidden() for dock in self.docks.values())

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = QSettings()
        settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        settings.setValue(STATE_KEY, self.saveState(LAYOUT_VERSION))
        super().closeEvent(event)

    def about_text(self) -> str:
        return f"Pinscope {__version__}\n\n{library_versions()}"

    def about(self) -> None:
        QMessageBox.about(self, "About Pinscope", self.about_text())

    # ---- loading -----------------------------------------------------------------------------

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open certificates, keys or keystores")
        for path in paths:
            self.open_path(path)

    def open_source(self, source: str) -> None:
        """A file, or an endpoint (`host:port`, a URL) as `pinscope gui SOURCE` is given it."""
        if not Path(source).exists() and looks_like_endpoint(source):
            self.open_text(source, source)
        else:
            self.open_path(source)

    def open_sample(self, link: str) -> None:
        """Open one of the samples shipped with Pinscope ("sample:NAME"), with its password."""
        name = link.removeprefix("sample:")
        sample = next((s for s in resources.sample_files() if s.name == name), None)
        if sample is not None:
            self.open_path(str(resources.sample_path(name)), sample.password)

    def open_path(
        self, path: str, password: str | None = None, passwords: Passwords | None = None
    ) -> None:
        """Read `path` on a worker thread, then check it on another job: its entries appear in
        the sources as soon as it is read, its verdicts when they are ready."""
        given = passwords if passwords is not None else Passwords(password=password)
        self._read(path, Path(path).name, lambda: read_path(path, given), given)

    def _read(
        self,
        path: str | None,
        name: str,
        job: Callable[[], Inspection],
        given: Passwords | None = None,
        replacing: Inspection | None = None,
    ) -> None:
        self.statusBar().showMessage(f"Reading {name}\u2026")
        run_in_background(
            job,
            lambda read: self._was_read(read, path, given or Passwords(), replacing),
            lambda error: self._failed(name, error),
            pause_collector=True,
            owner=self,
        )

    def paste(self) -> None:
        """Paste PEM or base64 text, a pin (shown against what is open), or an endpoint
        (`host:port` or a URL: connected to with the Connect panel's options)."""
        text = QApplication.clipboard().text().strip()
        if not text:
            self.statusBar().showMessage("The clipboard holds no text")
            return
        self.open_text(text, "pasted text")

    def open_text(self, text: str, name: str) -> None:
        if "-----BEGIN" not in text and looks_like_endpoint(text):
            self.connect_panel.set_target(text)
            self.show_tool("Connect")
            self.connect_panel.start_connection()
            return
        if "-----BEGIN" not in text and self._show_pins(text):
            return
        data = text.encode("utf-8")
        self._read(None, name, lambda: read_bytes(data, name, kind="text"))

    def _show_pins(self, text: str) -> bool:
        """Select the open certificate a pasted pin belongs to; False when `text` is no pin."""
        open_certificates = [
            cert
            for inspection in self.inspections
            if inspection.source is not None
            for cert in inspection.source.certificates()
        ]
        try:
            pasted = parse_pins(text, open_certificates)
        except ValueError:
            return False
        owned = next((pin for pin in pasted.pins if pin.certificate is not None), None)
        if owned is not None and owned.certificate is not None:
            cert = owned.certificate
            position = next(
                n
                for n, inspection in enumerate(self.inspections)
                if inspection.source is not None and cert in inspection.source.certificates()
            )
            self._select(position, cert.sha256)
            where = Path(self.inspections[position].name).name
            self.statusBar().showMessage(
                f"The pasted pin is the key of {cert.short_name} ({where})"
            )
        elif pasted.findings:  # a fingerprint or a SHA-1 pin, said in the core's words
            finding = pasted.findings[0]
            self.statusBar().showMessage(f"{finding.title}. {finding.remedy}")
            self.statusBar().setToolTip(finding.detail)
        else:
            self.statusBar().showMessage(
                f"No open certificate has the key pinned by {pasted.pins[0].value}; open or "
                "connect to the certificate to compare it"
            )
        return True

    def add_inspection(self, inspection: Inspection) -> None:
        """Show an inspection made elsewhere (an endpoint connected from a panel)."""
        self._show_source(inspection, None, None)

    def _was_read(
        self, read: Inspection, path: str | None, given: Passwords, replacing: Inspection | None
    ) -> None:
        error = read.error
        if replacing is not None and self._position_of(replacing) is None:
            return  # read again for a password or a key, but the user closed the file meanwhile
        # Read again for a key of a file already shown (not for the password of a locked one).
        key_retry = replacing is not None and not is_locked(replacing)
        if path is not None and replacing is None:
            replacing = self._locked_row(path)  # opened at last, or still locked: one row
        if isinstance(error, (PasswordRequired, WrongPassword)) and path is not None:
            request = PasswordRequest(path, file_key=key_retry)
            if not key_retry:  # listed as locked, and asked for, until the password opens it
                self._show_source(read, None, replacing)
            self.password_bar.ask(request, wrong=isinstance(error, WrongPassword) or given.given)
            self.statusBar().showMessage(f"{Path(path).name} needs a password")
            return
        if path is not None and path == self.password_bar.path:
            self.password_bar.done()
        self._show_source(read, path, replacing)
        if read.checked:
            return
        prefs = self.preferences
        name = Path(read.name).name
        pacer = Pacer(lambda done, total: self._progress.checking.emit(name, done, total))

        def start() -> None:
            run_in_background(
                lambda: check(read, lambda: settings_for(prefs), pacer),
                lambda checked: self._was_checked(read, checked, path, given),
                lambda error: self._failed(read.name, error),
                pause_collector=True,
                owner=self,
            )

        # Laying out and painting the new rows takes the interpreter lock for every call into
        # the models; with the checks already running, each call waited its turn and the first
        # paint of a 10,000-row table stalled the window for 100 ms and more.
        after_next_paint(self.table.viewport(), start, CHECK_AFTER_MS)

    def _show_progress(self, name: str, done: int, total: int) -> None:
        if not any(Path(shown.name).name == name for shown in self.inspections):
            return  # closed while its checks run
        self.statusBar().showMessage(f"{name}: checking chains, {done:,} of {total:,}\u2026")

    def _was_checked(
        self, read: Inspection, checked: Inspection, path: str | None, given: Passwords
    ) -> None:
        position = self._position_of(read)
        if position is None:  # closed or opened again meanwhile
            return
        self.inspections[position] = checked
        if checked.source is None:  # the trust store could not be loaded: say so in its place
            self.sources.setItem(position, source_item(checked))
            self._shown = None
            self.sources_view.setCurrentIndex(self.sources.index(position, 0))
            self._source_selected()
        else:
            item = self.sources.item(position)
            item.setText(source_label(checked))
            item.setToolTip(checked.name)
            if self._current_position() == position:
                self._show_verdicts(checked)
        self._sources_changed()
        self.statusBar().showMessage(self._status_text(checked))
        if path is not None:
            self._ask_for_locked_key(checked, path, given)

    def _ask_for_locked_key(self, inspection: Inspection, path: str, given: Passwords) -> None:
        """Ask for the next key of the file still locked, in place; the window is usable."""
        source = inspection.source
        if source is None:
            return
        skipped = self._skipped.get(path, set())
        locked = [
            e for e in source.entries if e.private_key is not None and e.private_key.key is None
        ]
        if is_keystore(source):
            alias = next((e.alias for e in locked if e.alias not in skipped), None)
            if alias is not None:
                request = PasswordRequest(path, given, alias)
                self.password_bar.ask(request, wrong=alias in given.alias_passwords)
            return
        file_key = locked or any(f.code == "source.key-not-decrypted" for f in inspection.findings)
        if file_key and "" not in skipped:
            self.password_bar.ask(PasswordRequest(path, file_key=True), given.given)

    def _failed(self, name: str, error: BaseException) -> None:
        logger.debug("reading %s failed", name, exc_info=error)
        self.statusBar().showMessage(f"{name}: {error}")
        if not self.password_bar.isEnabled():  # an attempt with a password ended this way
            self.password_bar.done()

    def _retry_with_password(self) -> None:
        request = self.password_bar.request
        if request is None:
            return
        passwords = request.with_answer(self.password_bar.field.text())
        self.password_bar.field.setText("")  # not clear(): it keeps an undo copy
        self.password_bar.setEnabled(False)  # one attempt at a time; ask() enables it again
        path = request.path
        if not (request.alias or request.file_key):  # the file's password: its locked row
            replacing = self._locked_row(path)
        else:  # a key inside a file already shown: read it again with the key's password
            replacing = self._opened_from(path)
        self._read(path, Path(path).name, lambda: read_path(path, passwords), passwords, replacing)

    def _skip_password(self) -> None:
        request = self.password_bar.request
        self.password_bar.done()
        if request is None or not (request.alias or request.file_key):
            return
        self._skipped.setdefault(request.path, set()).add(request.alias or "")
        inspection = self._opened_from(request.path)
        if inspection is not None:
            self._ask_for_locked_key(inspection, request.path, request.given)

    def _locked_row(self, path: str) -> Inspection | None:
        """The row of `path` listed as locked (its password not given yet), if any."""
        return next((i for i in self.inspections if i.name == path and is_locked(i)), None)

    def _opened_from(self, path: str) -> Inspection | None:
        return next((i for i in self.inspections if i.name == path), None)

    def _position_of(self, inspection: Inspection) -> int | None:
        return next((n for n, shown in enumerate(self.inspections) if shown is inspection), None)

    def _show_source(
        self, inspection: Inspection, path: str | None, replacing: Inspection | None
    ) -> None:
        position = self._position_of(replacing) if replacing is not None else None
        item = source_item(inspection)
        if position is None:
            self.inspections.append(inspection)
            self.sources.appendRow(item)
        else:
            self.inspections[position] = inspection
            self.sources.setItem(position, item)
        if path is not None and inspection.source is not None:
            self._remember(path)
        self._offer_identities()
        self._sources_changed()
        self.stack.setCurrentIndex(1)
        self.sources_view.setCurrentIndex(item.index())
        if self._shown is not inspection:  # the same row as before: no change was signalled
            self._source_selected()
        self.sources_view.expand(item.index())
        self.statusBar().showMessage(self._status_text(inspection))

    def _list_more(self, index: QModelIndex) -> None:
        """The "more" row was picked: it becomes the next entries."""
        parent = self.sources.itemFromIndex(index.parent())
        position = index.parent().row()
        parent.removeRow(index.row())
        list_entries(parent, self.inspections[position], index.row())
        self.sources_view.setCurrentIndex(parent.child(index.row()).index())

    def close_source(self) -> None:
        """Close the selected source (Ctrl+W)."""
        position = self._current_position()
        if position is None:
            return
        closed = self.inspections.pop(position)
        self.sources.removeRow(position)
        self.password_bar.forget(closed.name)
        self._skipped.pop(closed.name, None)
        self._offer_identities()
        self._sources_changed()
        release_frozen()
        if not self.inspections:
            self.stack.setCurrentIndex(0)
        self._source_selected()
        self.statusBar().showMessage(f"Closed {Path(closed.name).name}")

    def _status_text(self, inspection: Inspection) -> str:
        if inspection.source is None:
            return f"{inspection.name}: {inspection.error}"
        # The table's rows are the certificates, counted already when it shows this source.
        count = (
            self.certificates.rowCount()
            if self._shown is inspection
            else len(inspection.source.certificates())
        )
        name = Path(inspection.name).name
        if not inspection.checked:
            return f"{name}: {count} certificate(s); checking chains\u2026"
        return f"{name}: {count} certificate(s), {len(inspection.findings)} finding(s)"

    # ---- selection ---------------------------------------------------------------------------

    def _current_position(self) -> int | None:
        index = self.sources_view.currentIndex()
        if not index.isValid():
            return None
        while index.parent().isValid():
            index = index.parent()
        return index.row() if index.row() < len(self.inspections) else None

    def current_inspection(self) -> Inspection | None:
        position = self._current_position()
        return self.inspections[position] if position is not None else None

    def _select(self, position: int, sha256: str) -> None:
        """Show source `position` with its certificate `sha256` selected."""
        self.sources_view.setCurrentIndex(self.sources.index(position, 0))
        self._select_certificate(sha256)

    def _source_selected(self) -> None:
        current = self.sources_view.currentIndex()
        if current.data(MORE_ROLE):
            self._list_more(current)
            return
        inspection = self.current_inspection()
        if inspection is not self._shown:
            self._shown = inspection
            self.table.set_source(inspection.source if inspection else None)
        endpoint = inspection.endpoint if inspection else None
        self.bottom.setTabEnabled(1, endpoint is not None)
        self.handshake_view.setPlainText("\n".join(story_lines(endpoint)) if endpoint else "")
        sent = endpoint.handshake.chain if endpoint else ()
        self.sent_and_built.show_chains(sent, inspection.validation if endpoint else None)
        self._show_verdicts(inspection)
        entry = self._current_entry(inspection)
        if entry is not None and entry.certificates:
            self._select_certificate(entry.certificates[0].sha256)
        elif self.proxy.rowCount() > 0:
            self.table.selectRow(0)
        else:
            self.details.show_certificate(None)
        if inspection is not None and is_locked(inspection):
            name = Path(inspection.name).name
            self.details.show_problem(f"{name} is locked", str(inspection.error))
            if self.password_bar.path != inspection.name:  # not while it is asked or tried
                wrong = isinstance(inspection.error, WrongPassword)
                self.password_bar.ask(PasswordRequest(inspection.name), wrong)  # another try
        elif inspection is not None and inspection.source is None:
            # Nothing was read: the reason takes the certificate's place, and the status bar's.
            name = Path(inspection.name).name
            self.details.show_problem(f"{name} could not be opened", str(inspection.error))
            self.statusBar().showMessage(self._status_text(inspection))

    def _current_entry(self, inspection: Inspection | None) -> Entry | None:
        """The entry picked under a source in the tree; None when the source itself is."""
        index = self.sources_view.currentIndex()
        if inspection is None or inspection.source is None or not index.parent().isValid():
            return None
        entries = inspection.source.entries
        return entries[index.row()] if index.row() < len(entries) else None

    def _select_certificate(self, sha256: str) -> None:
        row = self.certificates.row_of(sha256)
        if row is not None:
            self.table.selectRow(self.proxy.mapFromSource(self.certificates.index(row, 0)).row())

    def _show_verdicts(self, inspection: Inspection | None) -> None:
        """The findings and the chain of the shown source; refreshed when its check ends."""
        self._shown = inspection
        self.findings.set_findings(inspection.findings if inspection else ())
        if self.findings.rowCount() <= LISTED_ENTRIES:  # measuring thousands of rows stalls
            self.findings_view.resizeRowsToContents()
        self._show_chain(inspection)
        self._certificate_selected()

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
        if sha256:
            self._select_certificate(sha256)

    def _choose_columns(self, position: QPoint) -> None:
        self.table.choose_columns(position)

    def _show_chain(self, inspection: Inspection | None) -> None:
        """The validated path leaf first, each certificate under the one it was issued to,
        with its status; "checking" until the chains are judged."""
        self._show_path(inspection.validation if inspection is not None else None)
        if inspection is not None and inspection.source is not None and not inspection.checked:
            self.chain_view.show_checking()

    def _show_path(self, validation: Validation | None) -> None:
        self.chain_view.show_validation(validation, self.preferences.warn_days)

    # ---- settings and comparison -------------------------------------------------------------

    def open_settings(self) -> None:
        dialog = SettingsDialog(QSettings(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.preferences_saved.connect(self.apply_preferences)
        dialog.open()

    def apply_preferences(self, prefs: Preferences) -> None:
        """Theme, expiry warning and trust store for what is opened from now on."""
        self.preferences = prefs
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, prefs.theme)
        self.certificates.warn_days = prefs.warn_days
        self.details.warn_days = prefs.warn_days
        self.connect_panel.set_trust_store(prefs.trust_store)
        self.connect_panel.set_warn_days(prefs.warn_days)
        self.connect_panel.set_fetch_missing(prefs.fetch_missing)
        self.check_panel.set_settings(lambda: settings_for(prefs))
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
        elif mime.hasText() and mime.text().strip():
            self.open_text(mime.text().strip(), "dropped text")
        event.acceptProposedAction()
