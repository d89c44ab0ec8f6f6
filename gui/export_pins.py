"""The Export pins panel: choose what to pin and for which platform, see the output live.

Everything about pins comes from `pinscope.core.pins`: the panel gathers the user's choices,
asks core for the pin set, its safety findings and the rendered configuration, and shows them.
A rejection (the platform would refuse the output) replaces the preview, as the command line
refuses to write it.

A backup file may be locked (an encrypted key, a PKCS#12 file, the key "Generate a backup key"
writes): its password is asked for in place, under the backups list, and "wrong password" is
said there. The password lives only in its field and in one load: it is never stored, logged or
shown, and the field is emptied once the file is open or skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
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
from pinscope.core.errors import PasswordRequired, WrongPassword
from pinscope.core.files import replace_file
from pinscope.core.inspection import Inspection
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.backup import ALGORITHMS, BackupKey, new_backup_key
from pinscope.core.pins.compute import (
    RECOMMENDATION,
    ComputedPins,
    backup_pins,
    build_pin_set,
    pins_from_source,
)
from pinscope.core.pins.export import export
from pinscope.core.pins.formats import FORMATS
from pinscope.core.pins.model import BACKUP, INTERMEDIATE, LEVELS, PinSet, Rendered, SPKIPin
from pinscope.core.pins.parse import parse_pins
from pinscope.core.sources import Passwords, load_path
from pinscope.gui.worker import Job, run_in_background

__all__ = ["ExportPinsPanel", "PinFindingsModel", "severity_icon"]

logger = logging.getLogger(__name__)

_LEVEL_TEXT = {
    "leaf": "Leaf: the server's own key",
    "intermediate": "Intermediate CA (recommended)",
    "root": "Root CA",
    "all": "Every certificate of the chain",
}
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def severity_icon(severity: Severity) -> QIcon:
    """The standard message-box icon for an error, a warning or a note."""
    pixmap = {
        Severity.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
        Severity.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    }.get(severity, QStyle.StandardPixmap.SP_MessageBoxInformation)
    return QApplication.style().standardIcon(pixmap)


class PinFindingsModel(QAbstractListModel):
    """`pin.*` findings as a list, errors first: each row shows the severity icon, the title,
    the detail and the remedy; its tooltip gives the severity and the code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self.beginResetModel()
        self._findings = sorted(findings, key=lambda f: _SEVERITY_ORDER.get(f.severity, 3))
        self.endResetModel()

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._findings)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        finding = self._findings[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{finding.title}\n{finding.detail}\nWhat to do: {finding.remedy}"
        if role == Qt.ItemDataRole.DecorationRole:
            return severity_icon(finding.severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{finding.severity}: [{finding.code}]"
        if role == Qt.ItemDataRole.UserRole:
            return finding.code
        return None


class _PinsModel(QAbstractListModel):
    """The backup pins the user added: value and where it came from."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pins: list[SPKIPin] = []

    def add(self, pins: Sequence[SPKIPin]) -> int:
        """Append the pins not already listed; return how many were new."""
        known = self.values()
        unique: dict[str, SPKIPin] = {}
        for pin in pins:
            if pin.value not in known:
                unique.setdefault(pin.value, pin)
        fresh = list(unique.values())
        if fresh:
            start = len(self.pins)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self.pins.extend(fresh)
            self.endInsertRows()
        return len(fresh)

    def values(self) -> set[str]:
        return {pin.value for pin in self.pins}

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.pins[row]
        self.endRemoveRows()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.pins)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        pin = self.pins[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{pin.value}\n{pin.source}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return pin.source
        return None


class _FormatsModel(QAbstractListModel):
    """The names of every pin format; the description as tooltip."""

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FORMATS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        chosen = list(FORMATS.values())[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return chosen.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return chosen.description
        return None


@dataclass(frozen=True)
class PinSource:
    """One thing the user can tick to pin: a loaded source, or one chain of a bundle."""

    inspection: Inspection
    entry: int | None = None
    """The index of the chain in a source holding several (a bundle, a keystore's aliases);
    None for the whole source."""

    @property
    def label(self) -> str:
        if self.entry is None or self.inspection.source is None:
            return self.inspection.name
        alias = self.inspection.source.entries[self.entry].alias
        return f"{self.inspection.name} — {alias}"

    def computed(self, level: str) -> ComputedPins:
        """Core's pins at `level`; for a bundle's chain, its entry alone with its own verdict.

        Raises:
            ValueError: nothing to pin, or an unknown level.
        """
        source = self.inspection.source
        if source is None:
            raise ValueError(f"{self.inspection.name} could not be read")
        validation = self.inspection.validation
        if self.entry is not None:
            source = dataclasses.replace(source, entries=(source.entries[self.entry],))
            validation = self.inspection.validations[self.entry]
        return pins_from_source(source, validation, level)

    @property
    def host(self) -> str | None:
        """An endpoint's host name, the default domain; None for files."""
        return _host(self.inspection)


def pin_sources(inspections: Sequence[Inspection]) -> list[PinSource]:
    """What to offer: each readable source, split into its chains when it holds several."""
    offered: list[PinSource] = []
    for inspection in inspections:
        source = inspection.source
        if source is None:
            continue
        chains = [i for i, entry in enumerate(source.entries) if entry.certificates]
        if len(chains) > 1 and len(inspection.validations) == len(source.entries):
            offered.extend(PinSource(inspection, index) for index in chains)
        else:
            offered.append(PinSource(inspection))
    return offered


@dataclass(frozen=True)
class _Outcome:
    """What the current choices give: the output or why there is none, and the findings."""

    pin_set: PinSet | None
    rendered: Rendered | None
    refused: str | None
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()


class _BackupKeyDialog(QDialog):
    """Asks where to write a backup key, its type, and the passphrase that encrypts it.

    The dialog deletes itself when it closes, its passphrase fields emptied first, so the
    passphrase does not stay in a widget for the rest of the session.

    Signals:
        chosen(str, str, str): the folder, the key type and the passphrase, on OK.
    """

    chosen = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Generate a backup key")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.finished.connect(self._forget_passphrase)
        self.folder = QLineEdit()
        self.folder.setObjectName("backupFolder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.algorithm = QComboBox()
        self.algorithm.addItems(ALGORITHMS)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("passphraseRepeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)

        note = QLabel(
            "The key is written encrypted with this passphrase, with its certificate signing "
            "request. Keep the key offline; ship its pin now as a backup."
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Folder", row)
        form.addRow("Key type", self.algorithm)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Repeat", self.repeat)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the backup key")
        if folder:
            self.folder.setText(folder)

    def _accept(self) -> None:
        if not self.folder.text().strip():
            self.problem.setText("Choose a folder for the key.")
        elif not self.passphrase.text():
            self.problem.setText("Give a passphrase: the key is never written unencrypted here.")
        elif self.passphrase.text() != self.repeat.text():
            self.problem.setText("The two passphrases differ.")
        else:
            # Typed by hand, "~/keys" means the home folder, not a "~" folder in the cwd.
            folder = str(Path(self.folder.text().strip()).expanduser())
            self.chosen.emit(folder, self.algorithm.currentText(), self.passphrase.text())
            self.accept()

    def _forget_passphrase(self) -> None:
        self.passphrase.clear()
        self.repeat.clear()


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
        self._pasted_findings: list[Finding] = []
        self._outcome = _Outcome(None, None, "nothing loaded", ())
        self._locked_backup: str | None = None
        """The backup file whose password is asked for; None when none is."""
        self._backup_attempt: Job | None = None
        """The load trying the typed password; None when none runs."""
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
        self.backups = _PinsModel(self)
        self.backups.rowsInserted.connect(self.refresh)
        self.backups.rowsRemoved.connect(self.refresh)
        self.backup_view = QListView()
        self.backup_view.setObjectName("backups")
        self.backup_view.setModel(self.backups)
        self.backup_view.setMaximumHeight(84)
        self.backup_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.backup_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.pasted = QPlainTextEdit()
        self.pasted.setObjectName("pastedBackup")
        self.pasted.setPlaceholderText("paste pins in any shape: base64, sha256/…, pin-sha256=…")
        self.pasted.setToolTip("Pins to add as backups; Ctrl+Return adds them")
        self.pasted.setMaximumHeight(56)
        self.pasted.setTabChangesFocus(True)
        self.backup_problem = QLabel()
        self.backup_problem.setObjectName("backupProblem")
        self.backup_problem.setTextFormat(Qt.TextFormat.PlainText)
        self.backup_problem.setWordWrap(True)
        self.backup_problem.hide()

        self.add_pasted = QPushButton("Add pasted")
        self.add_pasted.setObjectName("addPasted")
        self.add_pasted.setToolTip("Add the pins pasted above as backups (Ctrl+Return)")
        self.add_pasted.clicked.connect(self.add_pasted_backups)
        add_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self.pasted)
        add_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        add_shortcut.activated.connect(self.add_pasted_backups)
        self.from_file = QPushButton("From file…")
        self.from_file.setObjectName("backupFromFile")
        self.from_file.setToolTip(
            "Add the pins of a spare key, its CSR, or another CA's certificate"
        )
        self.from_file.clicked.connect(self._backup_from_file)
        self.generate = QPushButton("Generate a backup key…")
        self.generate.setObjectName("generateBackup")
        self.generate.setToolTip(
            "Make a spare key pair, encrypted, and its CSR; its pin becomes a backup"
        )
        self.generate.clicked.connect(self._generate_backup)
        self.remove_backup = QPushButton("Remove")
        self.remove_backup.setObjectName("removeBackup")
        self.remove_backup.setToolTip("Remove the selected backup pin (Delete)")
        self.remove_backup.clicked.connect(self._remove_backup)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.backup_view)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._remove_backup)
        row = QHBoxLayout()
        row.addWidget(self.add_pasted)
        row.addWidget(self.from_file)
        row.addWidget(self.remove_backup)
        row.addStretch(1)

        box = QGroupBox("&Backup pins")
        layout = QVBoxLayout(box)
        layout.addWidget(self.backup_view)
        layout.addWidget(self._build_backup_password())
        layout.addWidget(self.pasted)
        layout.addLayout(row)
        layout.addWidget(self.generate)
        layout.addWidget(self.backup_problem)
        return box

    def _build_backup_password(self) -> QWidget:
        """The locked backup file's password, under the backups list; hidden until a file
        turns out to need one. Enter opens the file, Escape or Skip leaves it out."""
        self.backup_password_error = QLabel()
        self.backup_password_error.setObjectName("backupPasswordError")
        self.backup_password_error.setTextFormat(Qt.TextFormat.PlainText)
        self.backup_password_error.setWordWrap(True)
        self.backup_password_error.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.backup_password = QLineEdit()
        self.backup_password.setObjectName("backupPassword")
        self.backup_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.backup_password.setPlaceholderText("never saved")
        self.backup_password.setAccessibleName("Backup file password")
        self.backup_password.setToolTip(
            "The password of the backup key or PKCS#12 file, used to read its pin once and "
            "then forgotten; Enter opens it"
        )
        self.backup_password.setMinimumWidth(self.fontMetrics().averageCharWidth() * 14)
        self.backup_password.returnPressed.connect(self._open_locked_backup)
        self.backup_password.textEdited.connect(self._backup_password_edited)
        label = QLabel("Pass&word:")
        label.setBuddy(self.backup_password)
        self.open_backup = QPushButton("Open")
        self.open_backup.setObjectName("openBackup")
        self.open_backup.setToolTip("Read the backup file with this password (Enter)")
        self.open_backup.clicked.connect(self._open_locked_backup)
        self.skip_backup = QPushButton("Skip")
        self.skip_backup.setObjectName("skipBackup")
        self.skip_backup.setToolTip("Leave the locked file out (Escape)")
        self.skip_backup.clicked.connect(self.skip_locked_backup)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.backup_password, 1)
        row.addWidget(self.open_backup)
        row.addWidget(self.skip_backup)

        self.backup_password_box = QWidget()
        self.backup_password_box.setObjectName("backupPasswordBox")
        # Escape skips while the focus is in the box; elsewhere it stays the window's.
        skip = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.backup_password_box)
        skip.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        skip.activated.connect(self.skip_locked_backup)
        column = QVBoxLayout(self.backup_password_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.backup_password_error)
        column.addLayout(row)
        self.backup_password_box.hide()
        return self.backup_password_box

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
        self.formats = _FormatsModel(self)
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
            self.backup_view,
            self.backup_password,
            self.open_backup,
            self.skip_backup,
            self.pasted,
            self.add_pasted,
            self.from_file,
            self.remove_backup,
            self.generate,
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
        user added stay."""
        if self._building:
            return
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

    def _remove_backup(self) -> None:
        index = self.backup_view.currentIndex()
        if index.isValid():
            self.backups.remove(index.row())

    # ---- backups -------------------------------------------------------------------------------

    def add_pasted_backups(self) -> None:
        """Read the pasted text as pins (any shape) and add them as backups."""
        text = self.pasted.toPlainText()
        if not text.strip():
            return
        try:
            pasted = parse_pins(text, self._chain_certificates(), what="backup")
        except ValueError as error:
            self._show_backup_problem(str(error))
            return
        self._pasted_findings = list(pasted.findings)  # what the last paste said
        self._add_backups([_as_backup(pin) for pin in pasted.pins], origin=None)
        self.pasted.clear()
        self.refresh()

    def _backup_from_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Backup key, CSR or certificate", "", "All files (*)"
        )
        if path:
            # Another file replaces the question still asked for a locked one.
            self._drop_locked_backup()
            self.add_backup_file(path)

    def add_backup_file(self, path: str, password: str | None = None) -> Job:
        """Read a spare key, CSR or certificate in the background and add its pins.

        Args:
            path: the file to read.
            password: the file's password; None when none was given, in which case a locked
                file's password is asked for under the backups list.

        Returns:
            The background load, whose `cancel()` drops its outcome.
        """
        passwords = Passwords(password=password)

        def load() -> tuple[SPKIPin, ...]:
            return backup_pins(load_path(path, passwords))

        return run_in_background(
            load,
            lambda pins: self._backup_file_loaded(path, pins),
            lambda error: self._backup_file_failed(path, error),
            owner=self,
        )

    def _backup_file_loaded(self, path: str, pins: tuple[SPKIPin, ...]) -> None:
        if path == self._locked_backup:
            self._forget_locked_backup()
            self.from_file.setFocus(Qt.FocusReason.OtherFocusReason)
        self._add_backups(pins, origin=Path(path).name)

    def _backup_file_failed(self, path: str, error: BaseException) -> None:
        if isinstance(error, PasswordRequired | WrongPassword):
            self._ask_backup_password(path, error)
            return
        if path == self._locked_backup:
            self._forget_locked_backup()
        self._show_backup_problem(f"{Path(path).name}: {error}")

    def _add_backups(self, pins: Sequence[SPKIPin], origin: str | None) -> None:
        """List the pins not listed yet; say in place which ones were, as nothing else shows
        it. `origin` names the file they were read from; None for pasted pins."""
        listed = self.backups.values()
        repeated = list(dict.fromkeys(pin.value for pin in pins if pin.value in listed))
        added = self.backups.add(pins)
        self.message.emit(f"{added} backup pin(s) added")
        if not repeated:
            self._show_backup_problem(None)
            return
        text = f"Already listed: {', '.join(repeated)}"
        text += f"; {added} new backup pin(s) added." if added else "; nothing added."
        self._say_about_backups("ℹ", f"{origin}: {text}" if origin else text, unchanged=not added)

    # ---- a locked backup file ------------------------------------------------------------------

    def _ask_backup_password(self, path: str, error: PasswordRequired | WrongPassword) -> None:
        """Ask for the file's password under the backups list, the field focused; a wrong one
        is said there, for another try."""
        name = Path(path).name
        if isinstance(error, PasswordRequired):
            message = (
                f"Password needed for {name}: {error.what} is protected by a password. "
                "Type it below and open the file, or skip it."
            )
            trouble = f"{name} needs its password."
        else:
            message = f"Wrong password for {name}. Type it again and open the file, or skip it."
            trouble = f"wrong password for {name}."
        self._locked_backup = path
        self._backup_attempt = None
        self._show_backup_problem(None)
        self.backup_password_error.setText(f"✖ {message}")
        self.backup_password_error.setAccessibleDescription(message)
        self.backup_password_box.show()
        self.open_backup.setEnabled(True)
        self.backup_password.setFocus(Qt.FocusReason.OtherFocusReason)
        self.message.emit(f"No backup pin added: {trouble}")

    def _open_locked_backup(self) -> None:
        """Read the locked file again with the typed password. The field is emptied at once:
        the load holds the only copy, until it ends."""
        password = self.backup_password.text()
        if self._locked_backup is None or self._backup_attempt is not None or not password:
            return
        self.backup_password.clear()
        self.open_backup.setEnabled(False)
        self.backup_password_error.setText(f"Opening {Path(self._locked_backup).name}…")
        self._backup_attempt = self.add_backup_file(self._locked_backup, password)

    def _backup_password_edited(self) -> None:
        """Typing again puts the question back in place of "wrong password"."""
        if self._locked_backup is not None and self._backup_attempt is None:
            name = Path(self._locked_backup).name
            self.backup_password_error.setText(f"Password for {name}:")
            self.backup_password_error.setAccessibleDescription("")

    def skip_locked_backup(self) -> None:
        """Leave the locked file out (Escape, Skip), and say so in place."""
        if self._locked_backup is None:
            return
        name = Path(self._locked_backup).name
        self._drop_locked_backup()
        self._say_about_backups("ℹ", f"{name} skipped: no pin read from it.", unchanged=True)
        self.from_file.setFocus(Qt.FocusReason.OtherFocusReason)

    def _drop_locked_backup(self) -> None:
        """Stop asking for the locked file's password; an attempt still running is dropped."""
        if self._backup_attempt is not None:
            self._backup_attempt.cancel()
        self._forget_locked_backup()

    def _forget_locked_backup(self) -> None:
        self._locked_backup = None
        self._backup_attempt = None
        self.backup_password.clear()
        self.backup_password_error.clear()
        self.backup_password_box.hide()

    # ---- a generated backup key ----------------------------------------------------------------

    def _generate_backup(self) -> None:
        """Ask for the folder, key type and passphrase; the dialog deletes itself when done."""
        dialog = _BackupKeyDialog(self)
        dialog.chosen.connect(self.generate_backup_key)
        dialog.open()

    def generate_backup_key(self, folder: str, algorithm: str, passphrase: str) -> None:
        """Run core's backup key workflow in the background; its pin becomes a backup."""
        self.generate.setEnabled(False)
        self.generate.setText("Generating a backup key…")

        def made(key: BackupKey) -> None:
            self._generation_done()
            self.backups.add([key.pin])
            self.message.emit(f"backup key written to {key.key_path}, its CSR to {key.csr_path}")
            self._show_backup_problem(
                f"Backup key written (encrypted) to {key.key_path}; keep it offline.", error=False
            )

        def failed(error: BaseException) -> None:
            self._generation_done()
            self._show_backup_problem(f"No backup key was made: {error}")

        run_in_background(
            lambda: new_backup_key(folder, algorithm, passphrase=passphrase), made, failed
        )

    def _generation_done(self) -> None:
        self.generate.setEnabled(True)
        self.generate.setText("Generate a backup key…")

    def _show_backup_problem(self, text: str | None, error: bool = True) -> None:
        """Say what went wrong with a backup (✖), or what was made (✔); None hides the line."""
        if text is None:
            self.backup_problem.hide()
            self.backup_problem.clear()
            self.backup_problem.setToolTip("")
        else:
            self._say_about_backups("✖" if error else "✔", text, unchanged=error)

    def _say_about_backups(self, mark: str, text: str, unchanged: bool) -> None:
        self.backup_problem.setText(f"{mark} {text}")
        self.backup_problem.setToolTip("The backup pins are unchanged." if unchanged else "")
        self.backup_problem.show()

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
            return _Outcome(None, None, str(error), tuple(self._pasted_findings))

        now = self._now or dt.datetime.now(dt.UTC)
        exported = export(pin_set, self.current_format(), now, self._pasted_findings)
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
            self.backups.pins,
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


def _as_backup(pin: SPKIPin) -> SPKIPin:
    return SPKIPin(pin.value, pin.source, BACKUP, pin.certificate, pin.public_key)


def _host(inspection: Inspection) -> str | None:
    """An endpoint's host name, the default domain; None for files."""
    validation = inspection.validation
    if inspection.endpoint is not None and validation is not None:
        return validation.host
    return None
