"""Qt models over core results: the certificates of a source and the findings, with named
columns and a role that hands back the core object of a row."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from pinscope.core.certificate import Certificate
from pinscope.core.model import Finding, Severity, Source
from pinscope.core.report import san_texts, serial_hex
from pinscope.gui.icons import icon, palette_is_dark

__all__ = [
    "CERTIFICATE_ROLE",
    "COLUMNS",
    "CertificateFilter",
    "CertificateRow",
    "CertificatesModel",
    "FindingsModel",
]

CERTIFICATE_ROLE = Qt.ItemDataRole.UserRole + 1
"""The role whose data is the row's core object (a `CertificateRow` or a `Finding`)."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
FILTER_ROLE = Qt.ItemDataRole.UserRole + 3
"""The text the filter box searches: what is shown, but the Entry column only while shown."""

Index = QModelIndex | QPersistentModelIndex

# Status colours for dark backgrounds; `status_colour` gives the darker shades that keep
# 4.5:1 contrast on light ones (the amber here is 2.5:1 on white).
EXPIRED = QColor(214, 69, 65)
EXPIRING = QColor(230, 145, 30)
VALID = QColor(46, 160, 67)
INFO = QColor(80, 140, 220)
_ON_LIGHT = {
    EXPIRED.rgb(): QColor(180, 40, 35),
    EXPIRING.rgb(): QColor(165, 90, 0),
    VALID.rgb(): QColor(25, 125, 45),
    INFO.rgb(): QColor(40, 100, 190),
}


def status_colour(colour: QColor) -> QColor:
    """`colour` (one of the status colours) in the shade that reads on the current palette."""
    return colour if palette_is_dark() else _ON_LIGHT.get(colour.rgb(), colour)


def validity_colour(status: str) -> QColor:
    """The colour of a `status_of` status, in the shade for the current palette."""
    colours = {"expired": EXPIRED, "not yet valid": EXPIRED, "expiring": EXPIRING}
    return status_colour(colours.get(status, VALID))


class CertificateRow(NamedTuple):
    """One certificate as the table shows it, with the entry it belongs to (a tuple: a big
    bundle makes ten thousand of them while the window waits)."""

    alias: str
    certificate: Certificate


COLUMNS = (
    "Entry",
    "Subject",
    "Status",
    "Days left",
    "Issuer",
    "SANs",
    "Key",
    "SPKI pin",
    "SHA-256",
    "Serial",
)
"""The certificate table's columns, in order (the status beside the name, so it is seen
without scrolling); the user can hide any of them. "Entry" is the keystore alias or the chain's
name, shown when a source holds more than one entry."""


def rows_of(source: Source) -> list[CertificateRow]:
    """Every certificate of every entry, in order, each once."""
    seen: set[str] = set()
    rows = []
    for entry in source.entries:
        for cert in entry.certificates:
            if cert.sha256 not in seen:
                seen.add(cert.sha256)
                rows.append(CertificateRow(entry.alias, cert))
    return rows


def status_of(cert: Certificate, now: dt.datetime, warn_days: int = 30) -> tuple[str, int]:
    """("expired" | "not yet valid" | "expiring" | "valid", whole days left)."""
    details = cert.details
    days = int(details.seconds_left(now) // 86400)
    if now > details.not_after:
        return "expired", days
    if now < details.not_before:
        return "not yet valid", days
    if days < warn_days:
        return "expiring", days
    return "valid", days


class CertificatesModel(QAbstractTableModel):
    """The certificates of one source, one per row; details are decoded when first shown."""

    def __init__(self, warn_days: int = 30) -> None:
        super().__init__()
        self._rows: list[CertificateRow] = []
        self._now = dt.datetime.now(dt.UTC)
        self.warn_days = warn_days
        self.entries_searched = True
        """Whether FILTER_ROLE gives the Entry column's text (see CertificateFilter)."""

    def set_source(self, source: Source | None) -> None:
        self.beginResetModel()
        self._rows = rows_of(source) if source is not None else []
        self._now = dt.datetime.now(dt.UTC)
        self.endResetModel()

    def row_of(self, sha256: str) -> int | None:
        return next(
            (i for i, row in enumerate(self._rows) if row.certificate.sha256 == sha256), None
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == CERTIFICATE_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, column)
        if role == FILTER_ROLE:
            return (
                "" if column == "Entry" and not self.entries_searched else self._text(row, column)
            )
        if role == SORT_ROLE:
            if column == "Days left":
                return status_of(row.certificate, self._now, self.warn_days)[1]
            return self._text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column in ("Status", "Days left"):
            status = status_of(row.certificate, self._now, self.warn_days)[0]
            return QBrush(validity_colour(status))
        return None

    def _text(self, row: CertificateRow, column: str) -> str:
        cert = row.certificate
        details = cert.details
        if column == "Entry":
            return row.alias
        if column == "Subject":
            return details.subject or "(empty)"
        if column == "Issuer":
            return details.issuer or "(empty)"
        if column == "SANs":
            return ", ".join(san_texts(details.san))
        if column == "Status":
            return status_of(cert, self._now, self.warn_days)[0]
        if column == "Days left":
            return str(status_of(cert, self._now, self.warn_days)[1])
        if column == "Key":
            key = details.public_key
            return " ".join(
                str(part) for part in (key.type, key.size or "", key.curve or "") if part
            )
        if column == "SPKI pin":
            return details.public_key.spki_sha256
        if column == "SHA-256":
            return cert.sha256
        return serial_hex(details.serial)


class CertificateFilter(QSortFilterProxyModel):
    """The certificate table sorted by SORT_ROLE and filtered, case-insensitively, by a text
    found in any column's FILTER_ROLE."""

    def __init__(self, source: CertificatesModel) -> None:
        super().__init__()
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._source = source

    def search_entries(self, searched: bool) -> None:
        """Whether the Entry column is searched (while it shows: hidden, the chain's name on
        every row would match them all)."""
        if searched == self._source.entries_searched:
            return
        if hasattr(QSortFilterProxyModel, "Direction"):  # Qt 6.10 and later
            self.beginFilterChange()
            self._source.entries_searched = searched
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._source.entries_searched = searched
            self.invalidateRowsFilter()


SEVERITY_ICON = {
    Severity.ERROR: "status-error",
    Severity.WARNING: "status-warning",
    Severity.INFO: "info",
}
SEVERITY_COLOUR = {
    Severity.ERROR: EXPIRED,
    Severity.WARNING: EXPIRING,
    Severity.INFO: INFO,
}


class FindingsModel(QAbstractTableModel):
    """The findings of one source: severity, title, what was found, what to do."""

    HEADERS = ("", "Finding", "Detail", "What to do")

    def __init__(self) -> None:
        super().__init__()
        self._findings: list[Finding] = []

    def set_findings(self, findings: tuple[Finding, ...] | list[Finding]) -> None:
        self.beginResetModel()
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        self._findings = sorted(findings, key=lambda f: order[f.severity])
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._findings)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        finding = self._findings[index.row()]
        column = index.column()
        if role == CERTIFICATE_ROLE:
            return finding
        if role == Qt.ItemDataRole.DisplayRole:
            return ("", finding.title, finding.detail, finding.remedy)[column]
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            return finding.severity.value
        if role == Qt.ItemDataRole.ToolTipRole:
            heading = f"{finding.title} [{finding.code}]"
            return f"{heading}\n\n{finding.detail}\n\nWhat to do: {finding.remedy}"
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return icon(SEVERITY_ICON[finding.severity])
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QBrush(status_colour(SEVERITY_COLOUR[finding.severity]))
        return None
