"""The Check pins panel: would an app with this pin configuration connect to these servers?

The panel reads the configuration with core, gathers the sources the user picked (loaded
inspections, typed endpoints), and runs `check_config` on a worker thread; the verdicts come
back as data and fill a table, one row per configured domain and source.
"""

from __future__ import annotations

import dataclasses
import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QStandardItem, QStandardItemModel
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
    QVBoxLayout,
    QWidget,
)

from pinscope.core.endpoint.probe import inspect_endpoint
from pinscope.core.endpoint.target import parse_target
from pinscope.core.errors import LoadError
from pinscope.core.inspection import Inspection, Settings, default_settings
from pinscope.core.model import Finding, Source
from pinscope.core.pins.check import DomainVerdict, check_config
from pinscope.core.pins.configs import PinConfig, read_config
from pinscope.core.sources import load_path
from pinscope.gui.export_pins import FindingsModel
from pinscope.gui.worker import Job, run_in_background

__all__ = ["CheckPinsPanel", "VerdictModel", "read_config_file"]

logger = logging.getLogger(__name__)

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
class CheckRequest:
    """Everything one check needs, gathered on the GUI thread."""

    config: PinConfig
    inspections: tuple[Inspection, ...]
    endpoints: tuple[str, ...]
    next_path: str | None
    settings: Settings | None
    """None: the default trust store, judged now (loaded on the worker thread)."""


@dataclass(frozen=True)
class CheckResult:
    """What a check returns to the GUI thread."""

    config: PinConfig
    verdicts: tuple[DomainVerdict, ...]
    next_source: Source | None
    unreachable: tuple[str, ...] = ()
    """Sentences about typed endpoints that could not be tested."""


def run_check(request: CheckRequest) -> CheckResult:
    """Inspect the typed endpoints, read the rotation file, run `check_config`. Blocking."""
    settings = request.settings or default_settings()
    next_source = load_path(request.next_path) if request.next_path else None
    inspections = list(request.inspections)
    unreachable = []
    for text in request.endpoints:
        target = parse_target(text)
        inspection = inspect_endpoint(target, settings=_for_host(settings, target.host))
        if inspection.could_not_test:
            unreachable.append(f"{text}: {_why(inspection)}")
        inspections.append(inspection)
    verdicts = check_config(request.config, inspections, settings, next_source)
    return CheckResult(request.config, tuple(verdicts), next_source, tuple(unreachable))


def _for_host(settings: Settings, host: str) -> Settings:
    if settings.context.host is not None:
        return settings
    return dataclasses.replace(settings, context=dataclasses.replace(settings.context, host=host))


def _why(inspection: Inspection) -> str:
    if inspection.error is not None:
        return str(inspection.error)
    endpoint = inspection.endpoint
    if endpoint is not None and endpoint.handshake.failure is not None:
        return endpoint.handshake.failure.message
    return "could not be tested"


# ---- the verdict table -------------------------------------------------------------------------


class VerdictModel(QAbstractTableModel):
    """One row per configured domain and checked source."""

    COLUMNS = ("Domain", "Checked", "Matched pin → certificate", "Backup", "Expires", "Verdict")
    ROTATION = "After rotation"
    VERDICT = 5

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._verdicts: list[DomainVerdict] = []
        self._rotation = False

    def set_verdicts(self, verdicts: Sequence[DomainVerdict], rotation: bool) -> None:
        self.beginResetModel()
        self._verdicts = list(verdicts)
        self._rotation = rotation
        self.endResetModel()

    def verdict(self, row: int) -> DomainVerdict:
        return self._verdicts[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._verdicts)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS) + (1 if self._rotation else 0)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.COLUMNS[section] if section < len(self.COLUMNS) else self.ROTATION

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        verdict = self._verdicts[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _cells(verdict)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.VERDICT:
                return verdict.verdict
            if column == len(self.COLUMNS) and verdict.rotation is not None:
                return verdict.rotation.reason
            return _cells(verdict)[column]
        return None


def _cells(verdict: DomainVerdict) -> list[str]:
    checked = verdict.source or "—"
    if verdict.host and verdict.host != verdict.source:
        checked += f" as {verdict.host}"
    outcome = verdict.outcome
    matches = [
        f"{m.pin[:10]}… → {m.link.role} “{m.link.name}”"
        + ("" if m.counts else " (not checked here)")
        for m in (outcome.matches if outcome else ())
    ]
    backups = ", ".join(f"{pin[:10]}…" for pin in verdict.backups) or "none"
    cells = [
        verdict.domain.label,
        checked,
        "\n".join(matches) or "none",
        backups,
        _expiry_text(verdict),
        _verdict_text(verdict),
    ]
    if verdict.rotation is not None:
        cells.append("✔ would connect" if verdict.rotation.passed else "✖ would refuse")
    else:
        cells.append("—")
    return cells


def _verdict_text(verdict: DomainVerdict) -> str:
    if verdict.depends_on_path:
        return "⚠ depends on the path"
    if verdict.connects is True:
        return "✔ would connect"
    if verdict.connects is False:
        return "✖ would refuse"
    return "? not checked"


def _expiry_text(verdict: DomainVerdict) -> str:
    if verdict.expires is None:
        return "never"
    if verdict.expired:
        return f"{verdict.expires} (expired)"
    days = verdict.days_left
    if days is None or days < 0:
        return str(verdict.expires)
    return f"{verdict.expires} (in {days} day{'' if days == 1 else 's'})"


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
        self._settings = settings
        self._config: PinConfig | None = None
        self._inspections: list[Inspection] = []
        self._job: Job | None = None
        self.setAcceptDrops(True)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self._build_config())
        top_layout.addWidget(self._build_sources())
        top_layout.addLayout(self._build_run())
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.set_inspections(inspections)
        self._update_run()

    # ---- building ------------------------------------------------------------------------------

    def _build_config(self) -> QWidget:
        self.config_path = QLineEdit()
        self.config_path.setObjectName("configPath")
        self.config_path.setPlaceholderText(
            "a Network Security Config, Info.plist, TrustKit, OkHttp, curl, HPKP, Envoy or "
            "Pinscope JSON file — or drop it here"
        )
        self.config_path.returnPressed.connect(lambda: self.open_config(self.config_path.text()))
        browse = QPushButton("Open…")
        browse.setObjectName("openConfig")
        browse.clicked.connect(self._browse_config)
        row = QHBoxLayout()
        row.addWidget(self.config_path, 1)
        row.addWidget(browse)
        self.config_summary = QLabel("No configuration open.")
        self.config_summary.setObjectName("configSummary")
        self.config_summary.setWordWrap(True)

        box = QGroupBox("Pin configuration")
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.config_summary)
        return box

    def _build_sources(self) -> QWidget:
        self.sources = QStandardItemModel(self)
        self.sources.itemChanged.connect(self._update_run)
        self.source_view = QListView()
        self.source_view.setObjectName("sources")
        self.source_view.setModel(self.sources)
        self.source_view.setMaximumHeight(64)
        self.source_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.endpoints = QLineEdit()
        self.endpoints.setObjectName("endpoints")
        self.endpoints.setPlaceholderText("host:port or https://host, separated by spaces")
        self.endpoints.textChanged.connect(self._update_run)
        self.next_path = QLineEdit()
        self.next_path.setObjectName("nextPath")
        self.next_path.setPlaceholderText("optional: the certificate, CSR or key to deploy next")
        next_browse = QPushButton("Browse…")
        next_browse.setToolTip("Choose the next certificate, CSR or key")
        next_browse.clicked.connect(self._browse_next)
        next_row = QHBoxLayout()
        next_row.addWidget(self.next_path, 1)
        next_row.addWidget(next_browse)

        box = QGroupBox("Check against")
        form = QFormLayout(box)
        form.addRow("Loaded sources", self.source_view)
        form.addRow("Endpoints", self.endpoints)
        form.addRow("Rotation preview", next_row)
        return box

    def _build_run(self) -> QHBoxLayout:
        self.run_button = QPushButton("Check pins")
        self.run_button.setObjectName("check")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.check)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.hint = QLabel(
            "No source chosen: each configured domain will be contacted on port 443."
        )
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.hide()
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.status, 1)
        row.addWidget(self.hint, 1)
        return row

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
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self.details = QLabel()
        self.details.setObjectName("verdictDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.findings = FindingsModel(self)
        self.findings_view = QListView()
        self.findings_view.setObjectName("findings")
        self.findings_view.setModel(self.findings)
        self.findings_view.setWordWrap(True)
        self.findings_view.setAlternatingRowColors(True)
        self.findings_view.setResizeMode(QListView.ResizeMode.Adjust)

        below = QWidget()
        layout = QVBoxLayout(below)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.details)
        layout.addWidget(QLabel("Findings"))
        layout.addWidget(self.findings_view, 1)
        results = QSplitter(Qt.Orientation.Vertical)
        results.addWidget(self.table)
        results.addWidget(below)
        results.setSizes([180, 300])
        return results

    # ---- inputs --------------------------------------------------------------------------------

    def set_inspections(self, inspections: Sequence[Inspection]) -> None:
        """Offer these loaded sources; the ones ticked before stay ticked."""
        ticked = {item.name for item in self.selected_inspections()}
        self._inspections = [item for item in inspections if item.source is not None]
        self.sources.clear()
        for inspection in self._inspections:
            item = QStandardItem(inspection.name)
            item.setCheckable(True)
            item.setCheckState(
                Qt.CheckState.Checked if inspection.name in ticked else Qt.CheckState.Unchecked
            )
            self.sources.appendRow(item)
        self._update_run()

    def selected_inspections(self) -> list[Inspection]:
        inspections = getattr(self, "_inspections", [])
        return [
            inspection
            for row, inspection in enumerate(inspections)
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
        if not hasattr(self, "run_button"):
            return
        running = self._job is not None
        self.run_button.setEnabled(self._config is not None and not running)
        self.cancel_button.setEnabled(running)
        default = not self.selected_inspections() and not self._typed_endpoints()
        self.hint.setVisible(self._config is not None and default)

    # ---- running -------------------------------------------------------------------------------

    def check(self) -> None:
        """Run the check on a worker thread; the table fills when it returns."""
        if self._config is None or self._job is not None:
            return
        next_path = self.next_path.text().strip() or None
        request = CheckRequest(
            self._config,
            tuple(self.selected_inspections()),
            tuple(self._typed_endpoints()),
            next_path,
            self._settings,
        )
        self.status.setText("Checking…")
        self._job = run_in_background(lambda: run_check(request), self._done, self._failed)
        self._update_run()

    def cancel(self) -> None:
        """Stop waiting for the running check; its outcome is dropped."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self.status.setText("Cancelled.")
        self._update_run()

    def _done(self, result: CheckResult) -> None:
        self._job = None
        self.verdicts.set_verdicts(result.verdicts, result.next_source is not None)
        self.table.resizeRowsToContents()
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
        if isinstance(error, LoadError | ValueError):
            self.status.setText(f"✖ Nothing checked: {error}")
        else:
            logger.debug("check-pins failed", exc_info=error)
            self.status.setText(f"✖ Nothing checked: {type(error).__name__}: {error}")
        self._update_run()

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.details.clear()
            return
        proxy = self.table.model()
        assert isinstance(proxy, QSortFilterProxyModel)
        verdict = self.verdicts.verdict(proxy.mapToSource(current).row())
        lines = [f"<b>{html.escape(verdict.domain.label)}</b>: {html.escape(verdict.verdict)}"]
        if verdict.chain:
            chain = " → ".join(
                link.name + ("" if link.sent else " (from trust store)") for link in verdict.chain
            )
            lines.append(f"Chain: {html.escape(chain)}")
        for path in verdict.paths:
            result = "connects" if path.outcome.passed else "refuses"
            lines.append(html.escape(f"Path through {path.label}: {result}"))
        if verdict.rotation is not None:
            result = "would connect" if verdict.rotation.passed else "would refuse"
            lines.append(html.escape(f"After rotation: {result}: {verdict.rotation.reason}"))
        self.details.setText("<br>".join(lines))
