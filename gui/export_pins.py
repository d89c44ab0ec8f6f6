"""The Export pins panel: choose what to pin and for which platform, see the output live.

Everything about pins comes from `pinscope.core.pins`: the panel gathers the user's choices,
asks core for the pin set, its safety findings and the rendered configuration, and shows them.
A rejection (the platform would refuse the output) replaces the preview, as the command line
refuses to write it.

The backup pins have their own group (`pinscope.gui.export_backups`); the lists' models and the
sources offered live in `pinscope.gui.export_models`.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QDate, QStringListModel, Qt, Signal
from PySide6.QtGui import (
    QFontDatabase,
    QGuiApplication,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from pinscope.core.certificate import Certificate
from pinscope.core.files import replace_file
from pinscope.core.inspection import Inspection
from pinscope.core.model import Finding
from pinscope.core.pins.compute import RECOMMENDATION, ComputedPins, build_pin_set
from pinscope.core.pins.export import export
from pinscope.core.pins.formats import FORMATS
from pinscope.core.pins.model import INTERMEDIATE, LEVELS, PinSet, Rendered
from pinscope.gui.export_backups import BackupPinsBox
from pinscope.gui.export_models import (
    FormatsModel,
    PinFindingsModel,
    PinSource,
    pin_sources,
    severity_icon,
)

__all__ = ["ExportPinsPanel", "PinFindingsModel", "severity_icon"]

logger = logging.getLogger(__name__)

_LEVEL_TEXT = {
    "leaf": "Leaf: the server's own key",
    "intermediate": "Intermediate CA (recommended)",
    "root": "Root CA",
    "all": "Every certificate of the chain",
}


@dataclass(frozen=True)
class _Outcome:
    """What the current choices give: the output or why there is none, and the findings."""

    pin_set: PinSet | None
    rendered: Rendered | None
    refused: str | None
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()


class ExportPinsPanel(QWidget):
    """Choose sources, level, domains, backups and format; preview, copy or save the output.

    Several sources (two endpoints, the chains of a bundle) go into one configuration, as
    `pinscope pins` with several SOURCEs writes it. Wide, the form and the output sit side by
    side; in a narrow dock the output goes below the form.

    Args:
        inspections: the loaded sources; those that could not be read are left out.
        parent: the owning widget.
        now: the moment the safety checks judge expiration dates at; the current time when None.

    Signals:
        saved(list): the paths written by Save.
        message(str): a one-line status for the window's status bar.
    """

    saved = Signal(list)
    message = Signal(str)

    def __init__(
        self,
        inspections: Sequence[Inspection] = (),
        parent: QWidget | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self._offered: list[PinSource] = []
        self._prefilled: list[str] = []
        self._now = now
        self._outcome = _Outcome(None, None, "nothing loaded", ())
        # Signals fire while the form is built; nothing is computed until it is complete.
        self._building = True
        self._laid_out = False
        """Whether resizeEvent has shared the panel between the form and the output yet."""

        self.form = self._build_form()
        output = self._build_output()
        # Stacked until the panel is wide enough (see resizeEvent): side by side, the two
        # minimum widths add up and would hold a narrow dock open wider than asked.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.form)
        self.splitter.addWidget(output)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        self._wire_keyboard()
        self._building = False
        self.set_inspections(inspections)

    # ---- building ------------------------------------------------------------------------------

    def _build_form(self) -> QWidget:
        self.sources = QStandardItemModel(self)
        self.sources.itemChanged.connect(self._sources_changed)
        self.source_view = QListView()
        self.source_view.setObjectName("sources")
        self.source_view.setModel(self.sources)
        self.source_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.source_view.setMaximumHeight(self.fontMetrics().height() * 4 + 8)
        self.source_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.source_view.setToolTip(
            "Tick every certificate, chain, key or endpoint to pin (Space ticks); their pins "
            "go into one configuration"
        )
        self.level = QComboBox()
        self.level.setObjectName("level")
        for level in LEVELS:
            self.level.addItem(_LEVEL_TEXT.get(level, level), level)
        self.level.setCurrentIndex(LEVELS.index(INTERMEDIATE))
        self.level.currentIndexChanged.connect(self.refresh)
        recommendation = QLabel(RECOMMENDATION.replace("`", ""))
        recommendation.setObjectName("recommendation")
        recommendation.setTextFormat(Qt.TextFormat.PlainText)
        recommendation.setWordWrap(True)
        recommendation.setEnabled(False)
        self.notes = QLabel()
        self.notes.setObjectName("notes")
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.notes.setWordWrap(True)
        self.notes.hide()

        self.level.setToolTip("Which certificates of each chain to pin")

        what = QGroupBox("What to pin")
        what_form = QFormLayout(what)
        what_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        what_form.addRow("&Sources:", self.source_view)
        what_form.addRow("&Level:", self.level)
        what_form.addRow(recommendation)
        what_form.addRow(self.notes)

        form = QVBoxLayout()
        form.addWidget(what)
        form.addWidget(self._build_domains())
        form.addWidget(self._build_backups())
        form.addWidget(self._build_policy())
        form.addStretch(1)

        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Never narrower than the form: without a horizontal scroll bar it would be clipped.
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        scroll.setMinimumWidth(inner.minimumSizeHint().width() + scrollbar + 4)
        return scroll

    def _build_domains(self) -> QWidget:
        self.domains = QStringListModel(self)
        self.domains.dataChanged.connect(self.refresh)
        self.domains.rowsRemoved.connect(self.refresh)
        self.domain_view = QListView()
        self.domain_view.setObjectName("domains")
        self.domain_view.setModel(self.domains)
        self.domain_view.setMaximumHeight(72)
        self.domain_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.new_domain = QLineEdit()
        self.new_domain.setObjectName("newDomain")
        self.new_domain.setPlaceholderText("add a domain, e.g. api.example.com")
        self.new_domain.returnPressed.connect(self._add_domain)
        self.new_domain.setToolTip("Enter adds the domain")
        self.add_domain = QPushButton("Add")
        self.add_domain.setObjectName("addDomain")
        self.add_domain.setToolTip("Add the typed domain (Enter)")
        self.add_domain.clicked.connect(self._add_domain)
        self.remove_domain = QPushButton("Remove")
        self.remove_domain.setObjectName("removeDomain")
        self.remove_domain.setToolTip("Remove the selected domain (Delete)")
        self.remove_domain.clicked.connect(self._remove_domain)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.domain_view)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._remove_domain)
        row = QHBoxLayout()
        row.addWidget(self.new_domain, 1)
        row.addWidget(self.add_domain)
        row.addWidget(self.remove_domain)

        box = QGroupBox("&Domains")
        layout = QVBoxLayout(box)
        layout.addWidget(self.domain_view)
        layout.addLayout(row)
        return box

    def _build_backups(self) -> QWidget:
        self.backup_box = BackupPinsBox(self)
        self.backup_box.changed.connect(self.refresh)
        self.backup_box.message.connect(self.message)
        return self.backup_box

    def _build_policy(self) -> QWidget:
        self.expires_on = QCheckBox("E&xpires on")
        self.expires_on.setToolTip("After this date, platforms that support it stop pinning")
        self.expires_on.setObjectName("expiresOn")
        self.expires = QDateEdit(QDate.currentDate().addYears(1))
        self.expires.setObjectName("expires")
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd")
        self.expires.setEnabled(False)
        self.expires_on.toggled.connect(self.expires.setEnabled)
        self.expires_on.toggled.connect(self.refresh)
        self.expires.dateChanged.connect(self.refresh)
        self.subdomains = QCheckBox("Include s&ubdomains")
        self.subdomains.setToolTip(
            "Apply the pins to subdomains too (the depth differs by platform)"
        )
        self.subdomains.setObjectName("includeSubdomains")
        self.subdomains.toggled.connect(self.refresh)
        self.report_uri = QLineEdit()
        self.report_uri.setObjectName("reportURI")
        self.report_uri.setPlaceholderText("https://… (TrustKit, HPKP)")
        self.report_uri.setToolTip("Where TrustKit and HPKP report pin failures")
        self.report_uri.textChanged.connect(self.refresh)

        expiry = QHBoxLayout()
        expiry.addWidget(self.expires_on)
        expiry.addWidget(self.expires)
        expiry.addStretch(1)
        box = QGroupBox("Policy")
        form = QFormLayout(box)
        form.addRow(expiry)
        form.addRow(self.subdomains)
        form.addRow("&Report URI:", self.report_uri)
        return box

    def _build_formats(self) -> QWidget:
        """Every format as a chip that wraps to the panel's width; its description in the
        tooltip and, once chosen, in the header above the preview."""
        self.formats = FormatsModel(self)
        self.format_view = QListView()
        self.format_view.setObjectName("formats")
        self.format_view.setModel(self.formats)
        self.format_view.setFlow(QListView.Flow.LeftToRight)
        self.format_view.setWrapping(True)
        self.format_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.format_view.setSpacing(3)
        self.format_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.format_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.format_view.setToolTip("The platform or library to write the pins for")
        self.format_view.setCurrentIndex(self.formats.index(0))
        self.format_view.selectionModel().currentChanged.connect(self.refresh)
        self.format_view.setMinimumHeight(self.format_view.sizeHintForRow(0) * 3 + 16)
        self.format_view.setMaximumHeight(self.format_view.sizeHintForRow(0) * 4 + 20)
        return self.format_view

    def _build_output(self) -> QWidget:
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("preview")
        self.preview.setReadOnly(True)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # Forty monospace columns at least: an XML line of pins stays readable, scrolls beyond.
        self.preview.setMinimumWidth(self.preview.fontMetrics().horizontalAdvance("m" * 40))
        self.preview.setMinimumHeight(self.preview.fontMetrics().lineSpacing() * 8)
        self.refusal = QLabel()
        self.refusal.setObjectName("rejection")
        self.refusal.setTextFormat(Qt.TextFormat.PlainText)
        self.refusal.setWordWrap(True)
        self.refusal.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.refusal.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refusal.setMargin(12)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.preview)
        self.stack.addWidget(self.refusal)

        self.output_title = QLabel()
        self.output_title.setObjectName("outputTitle")
        self.output_title.setTextFormat(Qt.TextFormat.RichText)
        self.output_title.setWordWrap(True)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setObjectName("copy")
        self.copy_button.setToolTip("Copy the configuration to the clipboard (Alt+C)")
        self.copy_button.clicked.connect(self.copy)
        self.save_button = QPushButton("Sa&ve…")
        self.save_button.setObjectName("save")
        self.save_button.setToolTip("Write the configuration to a file, atomically (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        header = QHBoxLayout()
        header.addWidget(self.output_title, 1)
        header.addWidget(self.copy_button)
        header.addWidget(self.save_button)

        self.findings = PinFindingsModel(self)
        self.findings_view = QListView()
        self.findings_view.setObjectName("findings")
        self.findings_view.setModel(self.findings)
        self.findings_view.setWordWrap(True)
        self.findings_view.setAlternatingRowColors(True)
        self.findings_view.setSpacing(2)
        self.findings_view.setResizeMode(QListView.ResizeMode.Adjust)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        format_label = QLabel("F&ormat")
        top_layout.addWidget(format_label)
        top_layout.addWidget(self._build_formats())
        format_label.setBuddy(self.format_view)
        top_layout.addLayout(header)
        top_layout.addWidget(self.stack, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        findings_label = QLabel("F&indings")
        findings_label.setBuddy(self.findings_view)
        bottom_layout.addWidget(findings_label)
        bottom_layout.addWidget(self.findings_view, 1)
        self.output_splitter = QSplitter(Qt.Orientation.Vertical)
        self.output_splitter.setChildrenCollapsible(False)
        self.output_splitter.addWidget(top)
        self.output_splitter.addWidget(bottom)
        self.output_splitter.setSizes([420, 260])
        return self.output_splitter

    def _wire_keyboard(self) -> None:
        """Ctrl+S saves; the tab order follows the form, then the output."""
        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)
        chain = [
            self.source_view,
            self.level,
            self.domain_view,
            self.new_domain,
            self.add_domain,
            self.remove_domain,
            *self.backup_box.tab_order(),
            self.expires_on,
            self.expires,
            self.subdomains,
            self.report_uri,
            self.format_view,
            self.copy_button,
            self.save_button,
            self.preview,
            self.findings_view,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Side by side when there is room for the form and a readable preview; else the
        output below the form, so the preview gets the dock's whole width."""
        super().resizeEvent(event)
        room = self.form.minimumWidth() + self.preview.minimumWidth() + 60
        wanted = Qt.Orientation.Horizontal if self.width() >= room else Qt.Orientation.Vertical
        if self.splitter.orientation() == wanted and self._laid_out:
            return
        self._laid_out = True
        self.splitter.setOrientation(wanted)
        if wanted == Qt.Orientation.Horizontal:
            self.splitter.setSizes([max(self.form.minimumWidth(), 430), self.width()])
        else:
            self.splitter.setSizes([self.height() * 7 // 20, self.height() * 13 // 20])
            self.output_splitter.setSizes([self.height() * 4, self.height()])

    # ---- inputs --------------------------------------------------------------------------------

    def set_inspections(self, inspections: Sequence[Inspection]) -> None:
        """Offer these sources (the readable ones, a bundle's chains one by one); the ones
        ticked before stay ticked, and the first is ticked when none is."""
        ticked = {choice.label for choice in self.chosen()}
        self._offered = pin_sources(inspections)
        if not ticked.intersection(choice.label for choice in self._offered) and self._offered:
            ticked = {self._offered[0].label}
        self._building = True
        self.sources.clear()
        for choice in self._offered:
            item = QStandardItem(choice.label)
            item.setCheckable(True)
            item.setToolTip(choice.label)
            checked = choice.label in ticked
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.sources.appendRow(item)
        self._building = False
        self._sources_changed()

    def chosen(self) -> list[PinSource]:
        """The ticked sources, in the order offered."""
        return [
            choice
            for row, choice in enumerate(self._offered)
            if self.sources.item(row).checkState() == Qt.CheckState.Checked
        ]

    def source_labels(self) -> list[str]:
        """What the sources list offers, as the user reads it."""
        return [choice.label for choice in self._offered]

    def select_source(self, label: str, selected: bool = True) -> None:
        """Tick or untick an offered source by its label, as clicking its box does."""
        for row, choice in enumerate(self._offered):
            if choice.label == label:
                state = Qt.CheckState.Checked if selected else Qt.CheckState.Unchecked
                self.sources.item(row).setCheckState(state)

    def current_format(self) -> str:
        row = self.format_view.currentIndex().row()
        return list(FORMATS)[row if row >= 0 else 0]

    def select_format(self, name: str) -> None:
        """Make `name` the chosen format, as clicking it in the list does."""
        self.format_view.setCurrentIndex(self.formats.index(list(FORMATS).index(name)))

    def domain_names(self) -> list[str]:
        return [name for name in self.domains.stringList() if name.strip()]

    def _sources_changed(self, *_: object) -> None:
        """Prefill the domains with what core would choose for each ticked source; domains the
        user added stay. The backups group learns the ticked chains' certificates."""
        if self._building:
            return
        self.backup_box.chain_certificates = self._chain_certificates()
        defaults: dict[str, None] = {}
        for choice in self.chosen():
            try:
                computed = choice.computed("all")
                defaults.update(dict.fromkeys(build_pin_set([computed], host=choice.host).domains))
            except ValueError:
                continue
        added = [name for name in self.domains.stringList() if name not in self._prefilled]
        self._prefilled = list(defaults)
        names = [*self._prefilled, *(name for name in added if name not in defaults)]
        self.domains.blockSignals(True)
        self.domains.setStringList(names)
        self.domains.blockSignals(False)
        self.domain_view.reset()
        self.refresh()

    def _add_domain(self) -> None:
        name = self.new_domain.text().strip()
        if not name:
            return
        if name not in self.domains.stringList():
            self.domains.setStringList([*self.domains.stringList(), name])
            self.refresh()
        self.new_domain.clear()

    def _remove_domain(self) -> None:
        index = self.domain_view.currentIndex()
        if index.isValid():
            self.domains.removeRows(index.row(), 1)

    def _chain_certificates(self) -> list[Certificate]:
        """The certificates of every chain ticked: a pasted fingerprint is recognised in them
        (as `pinscope pins` does with its sources)."""
        certificates: list[Certificate] = []
        for choice in self.chosen():
            try:
                computed = choice.computed("all")
            except ValueError:
                continue
            certificates.extend(cert for path in computed.paths for cert in path.chain)
        return certificates

    def generate_backup_key(self, folder: str, algorithm: str, passphrase: str) -> None:
        """Run core's backup key workflow in the background; its pin becomes a backup."""
        self.backup_box.generate_backup_key(folder, algorithm, passphrase)

    # ---- the output ----------------------------------------------------------------------------

    def refresh(self, *_: object) -> None:
        """Recompute the pin set, its findings and the rendered output from the choices."""
        if self._building:
            return
        self._outcome = self._compute()
        outcome = self._outcome
        chosen = FORMATS[self.current_format()]
        title = f"<b>{html.escape(chosen.name)}</b> — {html.escape(chosen.description)}"
        if outcome.rendered is not None:
            self.preview.setPlainText(outcome.rendered.text)
            self.stack.setCurrentWidget(self.preview)
            extra = len(outcome.rendered.files)
            more = f" and {extra} more file(s)" if extra else ""
            filename = html.escape(outcome.rendered.filename)
            self.output_title.setText(f"{title} → {filename}{more}")
        else:
            self.preview.clear()
            self.refusal.setText(f"Nothing to write: {outcome.refused}")
            self.stack.setCurrentWidget(self.refusal)
            self.output_title.setText(f"{title}: not written")
        self.copy_button.setEnabled(outcome.rendered is not None)
        self.save_button.setEnabled(outcome.rendered is not None)
        self.findings.set_findings(outcome.findings)
        self.notes.setText("\n".join(outcome.notes))
        self.notes.setVisible(bool(outcome.notes))

    def _compute(self) -> _Outcome:
        chosen = self.chosen()
        if not self._offered:
            return _Outcome(None, None, "open a certificate, chain, key or endpoint first", ())
        if not chosen:
            return _Outcome(None, None, "tick at least one source to pin", ())
        level = str(self.level.currentData())
        try:
            computed = [choice.computed(level) for choice in chosen]
            pin_set = self._pin_set(computed, chosen)
        except ValueError as error:
            return _Outcome(None, None, str(error), tuple(self.backup_box.pasted_findings()))

        now = self._now or dt.datetime.now(dt.UTC)
        exported = export(pin_set, self.current_format(), now, self.backup_box.pasted_findings())
        notes = tuple(note for item in computed for note in item.notes)
        return _Outcome(pin_set, exported.rendered, exported.refused, exported.findings, notes)

    def _pin_set(self, computed: list[ComputedPins], chosen: list[PinSource]) -> PinSet:
        """Core's pin set for the choices, built as `pinscope pins` builds it: the first
        endpoint's host is the default domain."""
        expires = self.expires.date().toPython() if self.expires_on.isChecked() else None
        host = next((choice.host for choice in chosen if choice.host), None)
        return build_pin_set(
            computed,
            self.domain_names(),
            self.subdomains.isChecked(),
            self.backup_box.pins(),
            expires,
            self.report_uri.text().strip() or None,
            host,
        )

    def pin_set(self) -> PinSet | None:
        """The pin set the preview shows; None when the choices give none."""
        return self._outcome.pin_set

    def copy(self) -> None:
        rendered = self._outcome.rendered
        if rendered is None:
            return
        QGuiApplication.clipboard().setText(rendered.text)
        self.message.emit(f"{self.current_format()} configuration copied")

    def save(self) -> None:
        """Ask where, then write the output atomically (into a folder when it has files)."""
        rendered = self._outcome.rendered
        if rendered is None:
            return
        if rendered.files:
            folder = QFileDialog.getExistingDirectory(self, "Folder for the pin configuration")
            if not folder:
                return
            targets = {Path(folder) / Path(n).name: data for n, data in rendered.files.items()}
            targets[Path(folder) / rendered.filename] = rendered.text.encode("utf-8")
        else:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save the pin configuration", rendered.filename
            )
            if not path:
                return
            targets = {Path(path): rendered.text.encode("utf-8")}
        try:
            for target, data in targets.items():
                replace_file(target, data)
        except OSError as error:
            self.message.emit(f"Nothing saved: {error.strerror or error}")
            self.output_title.setText(html.escape(f"Could not save: {error.strerror or error}"))
            return
        written = [str(target) for target in targets]
        self.message.emit(f"saved {', '.join(written)}")
        self.saved.emit(written)
