"""The Check pins verdict table: one row per configured domain and source, and its details.

`VerdictModel` keeps the short columns that answer the question first so a narrow dock shows
them; `details_html` renders one verdict in full for the wrapped area below the table.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from pinscope.core.pins.check import DomainVerdict

__all__ = ["VerdictModel", "details_html"]


class VerdictModel(QAbstractTableModel):
    """One row per configured domain and checked source.

    The short columns that answer the question (domain, verdict, after rotation) come first,
    so a narrow dock shows them; the long ones follow, elided, in full in their tooltips.
    """

    DOMAIN, VERDICT = 0, 1
    COLUMNS = ("Domain", "Verdict", "Checked", "Matched pin → certificate", "Backup", "Expires")
    ROTATION = "After rotation"

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

    def headers(self) -> list[str]:
        columns = list(self.COLUMNS)
        if self._rotation:
            columns.insert(self.VERDICT + 1, self.ROTATION)
        return columns

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._verdicts)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        headers = self.headers()
        return headers[section] if 0 <= section < len(headers) else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        verdict = self._verdicts[index.row()]
        header = self.headers()[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return " · ".join(_cells(verdict)[header])
        if role == Qt.ItemDataRole.ToolTipRole:
            if header == "Verdict":
                return verdict.verdict
            if header == self.ROTATION and verdict.rotation is not None:
                return verdict.rotation.reason
            return "\n".join(_cells(verdict)[header])
        return None


def _cells(verdict: DomainVerdict) -> dict[str, list[str]]:
    """Each column's lines for one verdict."""
    checked = verdict.source or "—"
    if verdict.host and verdict.host != verdict.source:
        checked += f" as {verdict.host}"
    outcome = verdict.outcome
    matches = [
        f"{m.pin[:10]}… → {m.link.role} “{m.link.name}”"
        + ("" if m.counts else " (not checked here)")
        for m in (outcome.matches if outcome else ())
    ]
    rotation = "—"
    if verdict.rotation is not None:
        rotation = "✔ would connect" if verdict.rotation.passed else "✖ would refuse"
    return {
        "Domain": [verdict.domain.label],
        "Verdict": [_verdict_text(verdict)],
        VerdictModel.ROTATION: [rotation],
        "Checked": [checked],
        "Matched pin → certificate": matches or ["none"],
        "Backup": [f"{pin[:10]}…" for pin in verdict.backups] or ["none"],
        "Expires": [verdict.expiry_text],
    }


def _verdict_text(verdict: DomainVerdict) -> str:
    if verdict.depends_on_path:
        return "⚠ depends on the path"
    if verdict.connects is True:
        return "✔ would connect"
    if verdict.connects is False:
        return "✖ would refuse"
    return "? not checked"


def details_html(verdict: DomainVerdict) -> str:
    """Everything about one verdict, in full, for the wrapped details area."""
    cells = _cells(verdict)
    lines = [f"<b>{html.escape(verdict.domain.label)}</b>: {html.escape(verdict.verdict)}"]
    lines.append(html.escape(f"Checked: {cells['Checked'][0]}"))
    if verdict.chain:
        chain = " → ".join(
            link.name + ("" if link.sent else " (from trust store)") for link in verdict.chain
        )
        lines.append(html.escape(f"Chain: {chain}"))
    for path in verdict.paths:
        result = "connects" if path.outcome.passed else "refuses"
        lines.append(html.escape(f"Path through {path.label}: {result}"))
    outcome = verdict.outcome
    for match in outcome.matches if outcome else ():
        counted = "" if match.counts else " (not checked by this platform)"
        lines.append(
            html.escape(f"Matched: {match.pin} = {match.link.role} “{match.link.name}”{counted}")
        )
    lines.append(html.escape(f"Backup pins: {', '.join(verdict.backups) or 'none'}"))
    lines.append(html.escape(f"Expires: {cells['Expires'][0]}"))
    if verdict.rotation is not None:
        result = "would connect" if verdict.rotation.passed else "would refuse"
        lines.append(html.escape(f"After rotation: {result}: {verdict.rotation.reason}"))
    return "<br>".join(lines)
