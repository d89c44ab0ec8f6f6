"""The Check pins panel: would an app with this pin configuration connect to these servers?

The panel reads the configuration with core, gathers the sources the user picked (loaded
inspections, typed endpoints with their connection options), and runs `check_config` on a
worker thread; the verdicts come back as data and fill a table, one row per configured domain
and source. The request and the check itself live in `check_pins_job`, the "Connection options"
group in `check_pins_connection`, and the verdict table in `check_pins_table`; this module holds
the panel that ties them together.

The rotation preview's file may be locked (an encrypted key, a PKCS#12 file): its password is
asked for in place, beside the file, and "wrong password" is said there. The password lives only
in its field and in the request of one check: it is never stored, logged or shown.
"""

from __future__ import annotations

import html
import itertools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from pinscope.core.endpoint.target import parse_target
from pinscope.core.errors import LoadError, PasswordRequired, WrongPassword
from pinscope.core.inspection import Inspection, Settings
from pinscope.core.model import Finding
from pinscope.core.pins.check import no_host_reason
from pinscope.core.pins.configs import PinConfig
from pinscope.gui.check_pins_connection import ConnectionOptions
from pinscope.gui.check_pins_job import (
    CheckRequest,
    CheckResult,
    ConnectionChoice,
    NextFileError,
    read_config_file,
    run_check,
)
from pinscope.gui.check_pins_table import VerdictModel, details_html
from pinscope.gui.export_pins import PinFindingsModel
from pinscope.gui.worker import Job, run_in_background

__all__ = [
    "CheckPinsPanel",
    "CheckRequest",
    "ConnectionChoice",
    "NextFileError",
    "VerdictModel",
    "read_config_file",
]

logger = logging.getLogger(__name__)


def _next_file_trouble(error: NextFileError) -> str:
    """The status line's short account; the full one is beside the rotation file."""
    name = Path(error.path).name
    if isinstance(error.error, PasswordRequired):
        return f"{name} needs its password."
    if isinstance(error.error, WrongPassword):
        return f"wrong password for {name}."
    return f"{name} cannot be used as the next certificate, CSR or key."


# ---- the panel ---------------------------------------------------------------------------------


class CheckPinsPanel(QWidget):
    """Open a pin configuration, pick sources, check, read the verdict per domain.

    Args:
        inspections: the loaded sources to offer; those that could not be read are left out.
        settings: the trust stores and moment to judge at (typed endpoints and the rotation
            preview use them); the default trust store, now, when None.
        parent: the owning widget.

    Signals:
        checked(object): the `CheckResult` of a finished check.
        message(str): a one-line status for the window's status bar.
    """

    checked = Signal(object)
    message = Signal(str)

    def __init__(
        self,
        inspections: Sequence[Inspection] = (),
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings: Settings | Callable[[], Settings] | None = settings
        self._config: PinConfig | None = None
        self._inspections: list[Inspection] = []
        self._job: Job | None = None
        self.setAcceptDrops(True)

        self._form = QWidget()
        self._form_layout = QVBoxLayout(self._form)
        self._form_layout.setContentsMargins(0, 0, 0, 0)
        self._form_layout.addWidget(self._build_config())
        self._form_layout.addWidget(self._build_sources())
        self._form_layout.addLayout(self._build_run())
        self._splitter = QSplitter(Qt.Orientation.Vertical)
        self._splitter.setChildrenCollapsible(False)
        self._splitter.addWidget(self._form)
        self._form.installEventFilter(self)
        self._splitter.addWidget(self._build_results())
        self._splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self._splitter)

        self._wire_keyboard()
        self.set_inspections(inspections)
        self._update_run()

    # ---- building ------------------------------------------------------------------------------

    def _build_config(self) -> QWidget:
        self.config_path = QLineEdit()
        self.config_path.setObjectName("configPath")
        self.config_path.setPlaceholderText("a pin configuration file, or drop it here")
        self.config_path.setToolTip(
            "A Network Security Config, Info.plist, TrustKit, OkHttp, curl, HPKP, Envoy or "
            "Pinscope JSON file; Enter opens it"
        )
        self.config_path.returnPressed.connect(lambda: self.open_config(self.config_path.text()))
        self.open_button = QPushButton("&Open…")
        self.open_button.setObjectName("openConfig")
        self.open_button.setToolTip("Choose the pin configuration to check")
        self.open_button.clicked.connect(self._browse_config)
        row = QHBoxLayout()
        row.addWidget(self.config_path, 1)
        row.addWidget(self.open_button)
        self.config_summary = QLabel("No configuration open.")
        self.config_summary.setObjectName("configSummary")
        # Rich text, the platform in bold: everything read from the file is escaped.
        self.config_summary.setTextFormat(Qt.TextFormat.RichText)
        self.config_summary.setWordWrap(True)
        self.config_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        box = QGroupBox("Pin configuration")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        label = QLabel("Confi&guration:")
        label.setBuddy(self.config_path)
        form.addRow(label, row)
        form.addRow(self.config_summary)
        return box

    def _build_sources(self) -> QWidget:
        self.sources = QStandardItemModel(self)
        self.sources.itemChanged.connect(self._update_run)
        self.source_view = QListView()
        self.source_view.setObjectName("sources")
        self.source_view.setModel(self.sources)
        self.source_view.setMaximumHeight(self.fontMetrics().height() * 4 + 8)
        self.source_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.source_view.setToolTip("Tick the loaded files and endpoints to check (Space ticks)")
        self.endpoints = QLineEdit()
        self.endpoints.setObjectName("endpoints")
        self.endpoints.setPlaceholderText("host:port or https://host, separated by spaces")
        self.endpoints.setToolTip(
            "Endpoints to connect to and check; the port defaults to 443, or to the STARTTLS "
            "protocol's. Enter checks."
        )
        self.endpoints.textChanged.connect(self._update_run)
        self.connection = ConnectionOptions()
        self.connection.changed.connect(self._update_run)
        self.next_path = QLineEdit()
        self.next_path.setObjectName("nextPath")
        self.next_path.setPlaceholderText("optional: the certificate, CSR or key to deploy next")
        self.next_path.setToolTip(
            "Would the app still connect once this certificate, CSR or key is deployed?"
        )
        self.next_browse = QPushButton("&Browse…")
        self.next_browse.setObjectName("browseNext")
        self.next_browse.setToolTip("Choose the next certificate, CSR or key")
        self.next_browse.clicked.connect(self._browse_next)
        self.next_path.textChanged.connect(self._next_path_changed)
        next_row = QHBoxLayout()
        next_row.addWidget(self.next_path, 1)
        next_row.addWidget(self.next_browse)
        next_row.addWidget(self._build_next_password())
        self.next_error = QLabel()
        self.next_error.setObjectName("nextError")
        self.next_error.setTextFormat(Qt.TextFormat.PlainText)
        self.next_error.setWordWrap(True)
        self.next_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.next_error.hide()
        next_cell = QVBoxLayout()
        next_cell.setSpacing(2)
        next_cell.addLayout(next_row)
        next_cell.addWidget(self.next_error)
        next_label = QLabel("Rotation pre&view:")
        next_label.setBuddy(self.next_path)

        box = QGroupBox("Check against")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Loaded sources:", self.source_view)
        form.addRow("&Endpoints:", self.endpoints)
        form.addRow(self.connection)
        form.addRow(next_label, next_cell)
        return box

    def _build_next_password(self) -> QWidget:
        """The rotation file's password field, hidden until the file turns out to need one."""
        self.next_password = QLineEdit()
        self.next_password.setObjectName("nextPassword")
        self.next_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.next_password.setPlaceholderText("never saved")
        self.next_password.setAccessibleName("Rotation file password")
        self.next_password.setToolTip(
            "The password of the next key or PKCS#12 file, used for this check only and "
            "forgotten when another file is chosen; Enter checks"
        )
        self.next_password.setMinimumWidth(self.fontMetrics().averageCharWidth() * 14)
        self.next_password.textEdited.connect(self._clear_next_error)
        label = QLabel("Pass&word:")
        label.setBuddy(self.next_password)
        self.next_password_box = QWidget()
        self.next_password_box.setObjectName("nextPasswordBox")
        layout = QHBoxLayout(self.next_password_box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.next_password, 1)
        self.next_password_box.hide()
        return self.next_password_box

    def _build_run(self) -> QVBoxLayout:
        self.run_button = QPushButton("&Check pins")
        self.run_button.setObjectName("check")
        self.run_button.setDefault(True)
        self.run_button.setToolTip("Check the configuration against the sources (Ctrl+Return)")
        self.run_button.clicked.connect(self.check)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.setToolTip("Stop waiting for the running check (Esc)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel(
            "No source chosen: each configured domain will be contacted on port 443."
        )
        self.hint.setObjectName("hint")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        self.hint.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addLayout(buttons)
        column.addWidget(self.status)
        column.addWidget(self.hint)
        return column

    def _build_results(self) -> QWidget:
        self.verdicts = VerdictModel(self)
        sorted_verdicts = QSortFilterProxyModel(self)
        sorted_verdicts.setSourceModel(self.verdicts)
        self.table = QTableView()
        self.table.setObjectName("verdicts")
        self.table.setModel(sorted_verdicts)
        self.table.setSortingEnabled(True)
        # Unsorted until the user clicks a header: rows in the configuration's order.
        self.table.horizontalHeader().setSortIndicatorClearable(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        # One line per row, long cells elided: the details below show everything in full.
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(48)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)

        self.details = QTextBrowser()
        self.details.setObjectName("verdictDetails")
        self.details.setOpenLinks(False)
        self.details.setPlaceholderText("Select a row to read its verdict in full.")
        self.details.setMinimumHeight(self.fontMetrics().height() * 3)

        self.findings = PinFindingsModel(self)
        self.findings_view = QListView()
        self.findings_view.setObjectName("findings")
        self.findings_view.setModel(self.findings)
        self.findings_view.setWordWrap(True)
        self.findings_view.setAlternatingRowColors(True)
        self.findings_view.setResizeMode(QListView.ResizeMode.Adjust)
        findings_label = QLabel("Fin&dings")
        findings_label.setBuddy(self.findings_view)

        below = QWidget()
        layout = QVBoxLayout(below)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(findings_label)
        layout.addWidget(self.findings_view, 1)
        results = QSplitter(Qt.Orientation.Vertical)
        results.setChildrenCollapsible(False)
        results.addWidget(self.table)
        results.addWidget(self.details)
        results.addWidget(below)
        results.setSizes([160, 110, 160])
        return results

    def _wire_keyboard(self) -> None:
        """Enter in a field checks, Ctrl+Return anywhere checks; the tab order reads the form."""
        edits = [self.endpoints, self.next_path, self.next_password]
        for edit in [*edits, *self.connection.line_edits()]:
            edit.returnPressed.connect(self.check)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.check)

        chain = [
            self.config_path,
            self.open_button,
            self.source_view,
            self.endpoints,
            *self.connection.focus_chain(),
            self.next_path,
            self.next_browse,
            self.next_password,
            self.run_button,
            self.cancel_button,
            self.table,
            self.details,
            self.findings_view,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # ---- inputs --------------------------------------------------------------------------------

    def set_settings(self, settings: Settings | Callable[[], Settings] | None) -> None:
        """How checks judge typed endpoints and the rotation preview: the window's trust store
        and expiry warning (a function is called on the worker thread); None for the
        defaults."""
        self._settings = settings

    def set_inspections(self, inspections: Sequence[Inspection]) -> None:
        """Offer these loaded sources; the ones ticked before stay ticked."""
        ticked = {item.name for item in self.selected_inspections()}
        self._inspections = [item for item in inspections if item.source is not None]
        self.sources.clear()
        for inspection in self._inspections:
            item = QStandardItem(inspection.name)
            item.setCheckable(True)
            item.setToolTip(inspection.name)
            item.setCheckState(
                Qt.CheckState.Checked if inspection.name in ticked else Qt.CheckState.Unchecked
            )
            self.sources.appendRow(item)
        self._update_run()

    def selected_inspections(self) -> list[Inspection]:
        return [
            inspection
            for row, inspection in enumerate(self._inspections)
            if self.sources.item(row).checkState() == Qt.CheckState.Checked
        ]

    def select_source(self, name: str, selected: bool = True) -> None:
        """Tick or untick a loaded source by name, as clicking its box does."""
        for row, inspection in enumerate(self._inspections):
            if inspection.name == name:
                state = Qt.CheckState.Checked if selected else Qt.CheckState.Unchecked
                self.sources.item(row).setCheckState(state)

    def _browse_config(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a pin configuration")
        if path:
            self.open_config(path)

    def _browse_next(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The next certificate, CSR or key")
        if path:
            self.next_path.setText(path)

    def open_config(self, path: str) -> bool:
        """Read the configuration at `path`; say what it is, or why it cannot be read."""
        path = path.strip()
        self.config_path.setText(path)
        try:
            config = read_config_file(path)
        except LoadError as error:
            self._config = None
            self.config_summary.setText(f"✖ {html.escape(str(error))}")
            self.findings.set_findings([])
            self._update_run()
            return False
        self._config = config
        patterns = ", ".join(domain.label for domain in config.domains)
        self.config_summary.setText(
            f"<b>{html.escape(config.platform_name)}</b>: {len(config.domains)} domain(s): "
            f"{html.escape(patterns)}"
        )
        self.verdicts.set_verdicts([], False)
        self.details.clear()
        self.findings.set_findings(config.findings)
        self.message.emit(f"opened {path}")
        self._update_run()
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            self.open_config(files[0])
            event.acceptProposedAction()

    def _typed_endpoints(self) -> list[str]:
        return self.endpoints.text().replace(",", " ").split()

    def _update_run(self, *_: object) -> None:
        running = self._job is not None
        self.run_button.setEnabled(self._config is not None and not running)
        self.cancel_button.setEnabled(running)
        default = not self.selected_inspections() and not self._typed_endpoints()
        self.hint.setVisible(self._config is not None and default)

    # ---- running -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a check is under way."""
        return self._job is not None

    def check(self) -> None:
        """Run the check on a worker thread; the table fills when it returns.

        Typed endpoints and connection options are read first; a mistake in them is shown in
        the status line and nothing runs.
        """
        if self._config is None or self._job is not None:
            return
        inspections = tuple(self.selected_inspections())
        try:
            connection = self.connection.read()
            default_port = self.connection.default_port()
            targets = tuple(parse_target(text, default_port) for text in self._typed_endpoints())
        except ValueError as error:
            self.status.setText(f"✖ Nothing checked: {error}")
            return
        refused = None if inspections or targets else no_host_reason(self._config)
        if refused is not None:
            self.status.setText(f"✖ Nothing checked: {refused}")
            return
        next_path = self.next_path.text().strip() or None
        asked = next_path is not None and not self.next_password_box.isHidden()
        request = CheckRequest(
            self._config,
            inspections,
            targets,
            connection,
            next_path,
            self._settings,
            next_password=(self.next_password.text() or None) if asked else None,
        )
        self._clear_next_error()
        self.status.setText("Checking… (Esc cancels)")
        self._job = run_in_background(lambda: run_check(request), self._done, self._failed)
        self._update_run()

    def cancel(self) -> None:
        """Stop waiting for the running check; its outcome is dropped."""
        if self._job is None:
            return
        self._job.cancel()
        self._job = None
        self.status.setText("Cancelled. The check ends by itself within its timeout.")
        self.message.emit("check-pins cancelled")
        self._update_run()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape cancels a running check, from wherever the focus is in the panel."""
        if event.key() == Qt.Key.Key_Escape and self._job is not None:
            self.cancel()
            event.accept()
            return
        super().keyPressEvent(event)

    def _done(self, result: CheckResult) -> None:
        self._job = None
        self.verdicts.set_verdicts(result.verdicts, result.next_source is not None)
        self._fit_columns()
        findings: list[Finding] = list(result.config.findings)
        for verdict in result.verdicts:
            findings.extend(f for f in verdict.findings if f not in findings)
        self.findings.set_findings(findings)
        failing = sum(1 for verdict in result.verdicts if verdict.fails)
        summary = (
            f"✖ {failing} of {len(result.verdicts)} check(s) would fail."
            if failing
            else f"✔ Every domain checked would connect ({len(result.verdicts)} check(s))."
        )
        if result.unreachable:
            summary += " Could not test: " + "; ".join(result.unreachable)
        self.status.setText(summary)
        if result.verdicts:
            self.table.selectRow(0)
        self.message.emit(summary)
        self._update_run()
        self.checked.emit(result)

    def _failed(self, error: BaseException) -> None:
        self._job = None
        if isinstance(error, NextFileError):
            self._next_file_failed(error)
            self.status.setText(f"✖ Nothing checked: {_next_file_trouble(error)}")
        elif isinstance(error, LoadError | ValueError):
            self.status.setText(f"✖ Nothing checked: {error}")
        else:
            logger.debug("check-pins failed", exc_info=error)
            self.status.setText(f"✖ Nothing checked: {type(error).__name__}: {error}")
        self._update_run()

    # ---- the rotation file ---------------------------------------------------------------------

    def _next_file_failed(self, error: NextFileError) -> None:
        """Say beside the rotation file why it cannot be used; ask for its password if that
        is why."""
        name = Path(error.path).name
        cause = error.error
        if isinstance(cause, PasswordRequired):
            message = (
                f"Password needed for {name}: {cause.what} is protected by a password. "
                "Type it beside the file and check again."
            )
        elif isinstance(cause, WrongPassword):
            message = f"Wrong password for {name}. Type it again and check."
        else:
            message = f"Not usable as the next certificate, CSR or key: {cause}"
        self.next_error.setText(f"✖ {message}")
        self.next_error.setAccessibleDescription(message)
        self.next_error.show()
        if error.password:
            self.next_password_box.show()
            self.next_password.setFocus(Qt.FocusReason.OtherFocusReason)
            self.next_password.selectAll()

    # ---- layout ----------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        relayout = (QEvent.Type.Resize, QEvent.Type.LayoutRequest)
        if watched is self._form and event.type() in relayout:
            self._fit_form_height()
        return super().eventFilter(watched, event)

    def _fit_form_height(self) -> None:
        """Keep every line of the form's wrapped messages in view, however narrow the dock.

        The splitter gives the form its minimum size, which counts a wrapped label at its
        narrowest guess; the form's minimum height follows its content at its width instead,
        whenever the form is resized or a message in it changes.
        """
        self._form_layout.activate()
        self._form.setMinimumHeight(self._form_layout.totalHeightForWidth(self._form.width()))

    def _next_path_changed(self) -> None:
        """Another file: forget the password typed for the last one, and what was said."""
        self.next_password.setText("")  # setText, unlike clear(), drops the undo history
        self.next_password_box.hide()
        self._clear_next_error()

    def _clear_next_error(self) -> None:
        self.next_error.clear()
        self.next_error.hide()

    def _fit_columns(self) -> None:
        """Size each column to its contents, the long ones capped, so that the domain and the
        verdict stay in view however narrow the dock; the last column takes what is left."""
        header = self.table.horizontalHeader()
        available = max(self.table.viewport().width(), 240)
        short = {VerdictModel.DOMAIN: 0.4, VerdictModel.VERDICT: 0.35}
        for column in range(self.verdicts.columnCount()):
            cap = int(available * short.get(column, 0.45))
            wanted = max(self.table.sizeHintForColumn(column), header.sectionSizeHint(column))
            self.table.setColumnWidth(column, min(wanted, cap))

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.details.clear()
            return
        proxy = self.table.model()
        assert isinstance(proxy, QSortFilterProxyModel)
        verdict = self.verdicts.verdict(proxy.mapToSource(current).row())
        self.details.setHtml(details_html(verdict))
