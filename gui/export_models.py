"""What the Export pins panel lists: the sources offered to pin, the backup pins, the formats,
and the safety findings, each as a list model or the data behind one."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QWidget

from pinscope.core.inspection import Inspection
from pinscope.core.model import Finding, Severity
from pinscope.core.pins.compute import ComputedPins, pins_from_source
from pinscope.core.pins.formats import FORMATS
from pinscope.core.pins.model import SPKIPin

__all__ = [
    "FormatsModel",
    "PinFindingsModel",
    "PinSource",
    "PinsModel",
    "pin_sources",
    "severity_icon",
]

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


class PinsModel(QAbstractListModel):
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


class FormatsModel(QAbstractListModel):
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


def _host(inspection: Inspection) -> str | None:
    """An endpoint's host name, the default domain; None for files."""
    validation = inspection.validation
    if inspection.endpoint is not None and validation is not None:
        return validation.host
    return None
