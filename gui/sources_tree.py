"""How the open sources read in the tree on the left: an icon and a label for each (locked,
unreadable, checking, with errors), and its entries below it, a few hundred at a time."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QStandardItem

from pinscope.core.checks.keystore import is_keystore
from pinscope.core.errors import PasswordRequired, WrongPassword
from pinscope.core.inspection import Inspection
from pinscope.core.model import EntryType
from pinscope.gui.icons import icon

__all__ = [
    "LISTED_ENTRIES",
    "MORE_ROLE",
    "is_locked",
    "list_entries",
    "source_icon",
    "source_item",
    "source_label",
]

LISTED_ENTRIES = 200
"""Entries listed under a source at a time; a "more" row lists the next ones."""
MORE_ROLE = Qt.ItemDataRole.UserRole + 11
"""Set on the "more" row under a source."""


def is_locked(inspection: Inspection) -> bool:
    """Whether `inspection` is a file not opened for want of its password."""
    return inspection.source is None and isinstance(
        inspection.error, (PasswordRequired, WrongPassword)
    )


def source_icon(inspection: Inspection, dark: bool | None = None) -> QIcon:
    source = inspection.source
    if is_locked(inspection):
        return icon("lock", dark)
    if source is None:
        return icon("status-error", dark)
    if inspection.endpoint is not None:
        return icon("endpoint", dark)
    if is_keystore(source):
        return icon("keystore", dark)
    if not source.certificates():
        csr = any(entry.type is EntryType.CSR for entry in source.entries)
        return icon("csr" if csr else "key", dark)
    return icon("certificate", dark)


def source_label(inspection: Inspection) -> str:
    if is_locked(inspection):
        return f"{Path(inspection.name).name}  (locked: password needed)"
    if inspection.source is None:
        return f"\u2716 {Path(inspection.name).name}"
    mark = "\u2716 " if inspection.has_errors else ""
    checking = "  (checking\u2026)" if not inspection.checked else ""
    return f"{mark}{Path(inspection.name).name}  [{inspection.source.format}]{checking}"


def source_item(inspection: Inspection) -> QStandardItem:
    item = QStandardItem(source_icon(inspection), source_label(inspection))
    item.setToolTip(str(inspection.error) if inspection.error else inspection.name)
    if inspection.source is None:
        return item
    list_entries(item, inspection, 0)
    return item


def list_entries(item: QStandardItem, inspection: Inspection, first: int) -> None:
    """List the next LISTED_ENTRIES entries under `item` from `first` on, and a "more"
    row to pick for the ones after them: a bundle of thousands lists quickly."""
    if inspection.source is None:
        return
    entries = inspection.source.entries
    for entry in entries[first : first + LISTED_ENTRIES]:
        locked = entry.private_key is not None and entry.private_key.key is None
        mark = "  [key locked]" if locked else ""
        child = QStandardItem(f"{entry.alias}  ({entry.type.value}){mark}")
        if locked:
            child.setToolTip("Its private key is locked by its own password")
        item.appendRow(child)
    left = len(entries) - first - LISTED_ENTRIES
    if left > 0:
        more = QStandardItem(f"\u2026 {left:,} more: select to list them")
        more.setData(True, MORE_ROLE)
        more.setToolTip("All of them are in the table already; this lists them here too")
        item.appendRow(more)
