"""Two certificates side by side, field by field, with the fields that differ highlighted and the
renewal question answered up front: same key (pins stay valid) or a new one (pins change)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pinscope.core.certificate import Certificate
from pinscope.core.report import san_texts, serial_hex
from pinscope.gui.details import USAGE_WORDS
from pinscope.gui.models import EXPIRED, VALID

__all__ = [
    "COMPARE_COLUMNS",
    "DIFFERS_ROLE",
    "CompareWidget",
    "ComparisonModel",
    "FieldComparison",
    "compare_fields",
]

COMPARE_COLUMNS = ("Field", "Left", "Right")
DIFFERS_ROLE = Qt.ItemDataRole.UserRole + 20
"""The role whose data says whether the row's two values differ (a bool)."""
ONE_LINE_ROLE = Qt.ItemDataRole.UserRole + 21
"""The role whose data says whether the row's values are digests kept on one line (a bool):
wrapped, a fingerprint's pieces could be read as a whole one; elided, its ends stay in sight."""

ONE_LINE_FIELDS = frozenset({"Serial", "SPKI pin", "SHA-256"})

SAME_KEY = "Same key \u2014 pins stay valid"
DIFFERENT_KEY = "Different key \u2014 SPKI pins change: update pinned apps before deploying"
VERDICT_TIP = (
    "An SPKI pin is a hash of the public key, not of the certificate: a renewal that keeps the "
    "key keeps every pin valid, a new key breaks apps that pin the old one."
)
EMPTY = "Choose two certificates to compare them field by field."

# Amber, see-through: marks a row on light and dark backgrounds without hiding its text.
DIFFERS_BACKGROUND = QColor(230, 145, 30, 70)

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class FieldComparison:
    """One field of both certificates, as text."""

    field: str
    left: str
    right: str

    @property
    def differs(self) -> bool:
        return self.left != self.right


def compare_fields(left: Certificate, right: Certificate) -> list[FieldComparison]:
    """The fields a reviewer compares at a renewal, in reading order."""
    texts = [_field_texts(left), _field_texts(right)]
    return [FieldComparison(name, texts[0][name], texts[1][name]) for name in texts[0]]


def _field_texts(cert: Certificate) -> dict[str, str]:
    details = cert.details
    key = details.public_key
    return {
        "Subject": details.subject or "(empty)",
        "Issuer": details.issuer or "(empty)",
        "Serial": serial_hex(details.serial),
        "Valid from": f"{details.not_before:%Y-%m-%d %H:%M} UTC",
        "Valid until": f"{details.not_after:%Y-%m-%d %H:%M} UTC",
        "Key": " ".join(str(p) for p in (key.type, key.size or "", key.curve or "") if p),
        "SPKI pin": key.spki_sha256,
        # Sorted, so that the same names in another order do not count as a difference.
        "SANs": "\n".join(sorted(san_texts(details.san))) or "(none)",
        "Key usage": _words(details.key_usage),
        "Extended key usage": _words(details.extended_key_usage),
        "SHA-256": cert.sha256,
        "Signature algorithm": details.signature_algorithm,
    }


def _words(usages: tuple[str, ...]) -> str:
    return ", ".join(USAGE_WORDS.get(usage, usage) for usage in usages) or "(none)"


class ComparisonModel(QAbstractTableModel):
    """Field, left value, right value; rows that differ carry a background and DIFFERS_ROLE."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[FieldComparison] = []

    def set_rows(self, rows: list[FieldComparison]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[FieldComparison]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COMPARE_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COMPARE_COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == DIFFERS_ROLE:
            return row.differs
        if role == ONE_LINE_ROLE:
            return row.field in ONE_LINE_FIELDS
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = (row.field, row.left, row.right)[column]
            if role == Qt.ItemDataRole.ToolTipRole and column == 0:
                return f"{row.field}: {'differs' if row.differs else 'the same'}"
            return text
        if role == Qt.ItemDataRole.BackgroundRole and row.differs:
            return QBrush(DIFFERS_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and column == 0 and row.differs:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        return None


class _PaddedDelegate(QStyledItemDelegate):
    """Rows a little taller than their text, so that wrapped values do not touch the grid.

    Digests stay on one line, elided in the middle; other values may break after the dots and
    dashes of long names, which would otherwise be elided as single words.
    """

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        if index.data(ONE_LINE_ROLE):
            option.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText
        elif index.column() > 0:
            option.text = _breakable(option.text)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return super().sizeHint(option, index) + QSize(12, 8)


_BREAK_AFTER = re.compile(r"([.\-/=,:@])(?=\S)")


def _breakable(text: str) -> str:
    """`text` as shown, with a zero-width space after the marks a long name may break at."""
    return _BREAK_AFTER.sub("\\1\u200b", text)


class CompareWidget(QWidget):
    """Two certificates compared: the key verdict on top, the field-by-field table below."""

    def __init__(self) -> None:
        super().__init__()
        self.verdict = QLabel(EMPTY)
        self.verdict.setObjectName("compare-verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel()
        self.summary.setObjectName("compare-summary")
        self.summary.setWordWrap(True)
        self.only_differences = QCheckBox("&Only fields that differ")
        self.only_differences.setToolTip("Hide the fields both certificates share")
        self._same_key: bool | None = None
        self.only_differences.toggled.connect(self._filter_changed)

        self.model = ComparisonModel()
        self.proxy = QSortFilterProxyModel()
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(DIFFERS_ROLE)
        self.proxy.setFilterKeyColumn(0)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setWordWrap(True)
        # Fingerprints too long for the column keep both ends in sight; the tooltip has it all.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.delegate = _PaddedDelegate(self.table)
        self.table.setItemDelegate(self.delegate)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAlternatingRowColors(False)  # the highlight is the only row colouring
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setAccessibleName("Fields of both certificates")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        options = QHBoxLayout()
        options.addWidget(self.summary, 1)
        options.addWidget(self.only_differences)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addLayout(options)
        layout.addWidget(self.table, 1)
        QWidget.setTabOrder(self.only_differences, self.table)
        self._style_verdict(None)

    def set_certificates(self, left: Certificate, right: Certificate) -> None:
        """Compare `left` with `right`; the table and the key verdict follow."""
        rows = compare_fields(left, right)
        self.model.set_rows(rows)
        same_key = left.details.public_key.spki_sha256 == right.details.public_key.spki_sha256
        self.verdict.setText(SAME_KEY if same_key else DIFFERENT_KEY)
        self.verdict.setToolTip(VERDICT_TIP)
        self._style_verdict(same_key)

        differing = sum(row.differs for row in rows)
        if left == right:
            self.summary.setText("The same certificate on both sides.")
        else:
            self.summary.setText(f"{differing} of {len(rows)} fields differ.")
        self.table.setToolTip(
            f"Left: {left.details.short_name()}\nRight: {right.details.short_name()}"
        )

    def clear(self) -> None:
        """Back to the empty state."""
        self.model.set_rows([])
        self.verdict.setText(EMPTY)
        self.verdict.setToolTip("")
        self.summary.clear()
        self.table.setToolTip("")
        self._style_verdict(None)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the theme changed
            self._style_verdict(self._same_key)

    def _style_verdict(self, same_key: bool | None) -> None:
        self._same_key = same_key
        font = self.verdict.font()
        font.setPointSizeF(self.font().pointSizeF() * (1.25 if same_key is not None else 1.0))
        font.setBold(same_key is not None)
        self.verdict.setFont(font)

        palette = QPalette()  # no role set: the verdict follows the window's colours
        if same_key is not None:
            colour = _readable(VALID if same_key else EXPIRED, self.palette())
            palette.setColor(QPalette.ColorRole.WindowText, colour)
        self.verdict.setPalette(palette)

    def _filter_changed(self, only_differences: bool) -> None:
        self.proxy.setFilterFixedString("true" if only_differences else "")


def _readable(colour: QColor, palette: QPalette) -> QColor:
    """The status colour lightened on a dark window and darkened on a light one, so that the
    verdict reads as plainly as the text around it."""
    if palette.color(QPalette.ColorRole.Window).lightness() < 128:
        return colour.lighter(125)
    return colour.darker(125)
