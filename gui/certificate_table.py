"""The certificate table: one row per certificate of the selected source, sortable, filtered
by the search box, with the columns the user chooses (right-click on the header)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView

from pinscope.core.model import Source
from pinscope.gui.models import COLUMNS, CertificateFilter, CertificatesModel

__all__ = ["COLUMN_WIDTHS", "CertificateTable"]

COLUMN_WIDTHS = {
    "Entry": 120,
    "Subject": 230,
    "Status": 80,
    "Days left": 70,
    "Issuer": 190,
    "SANs": 190,
    "Key": 110,
    "SPKI pin": 200,
}
"""Starting widths, in pixels, wide enough to tell rows apart; the user drags them."""
HIDDEN_AT_FIRST = ("Entry", "SHA-256", "Serial")


class CertificateTable(QTableView):
    """The table over `certificates` (the model) through `proxy` (sort and filter)."""

    def __init__(self) -> None:
        super().__init__()
        self.certificates = CertificatesModel()
        self.proxy = CertificateFilter(self.certificates)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)  # the file's order (leaf first) until the user sorts
        self.setWordWrap(False)
        self.verticalHeader().setDefaultSectionSize(24)
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for name, width in COLUMN_WIDTHS.items():
            self.setColumnWidth(COLUMNS.index(name), width)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self.choose_columns)
        header.setToolTip("Right-click to choose the columns")
        self._entry_column_chosen = False
        """Whether the user showed or hid the Entry column (else it follows the source)."""
        for hidden in HIDDEN_AT_FIRST:
            self.show_column(COLUMNS.index(hidden), False, chosen=False)

    def set_source(self, source: Source | None) -> None:
        """Show the certificates of `source`; the Entry column (keystore aliases, chain names)
        shows when it holds several entries, unless the user chose otherwise."""
        self.certificates.set_source(source)
        if not self._entry_column_chosen:
            several = source is not None and len(source.entries) > 1
            self.show_column(COLUMNS.index("Entry"), several, chosen=False)

    def choose_columns(self, position: QPoint) -> None:
        """The menu of columns, each checked while shown, at `position` on the header."""
        menu = QMenu(self)
        for number, name in enumerate(COLUMNS):
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(not self.isColumnHidden(number))
            action.toggled.connect(lambda shown, n=number: self.show_column(n, shown))
        menu.popup(self.horizontalHeader().mapToGlobal(position))

    def show_column(self, number: int, shown: bool, chosen: bool = True) -> None:
        """Show or hide a column; the Entry column is searched only while it shows."""
        self.setColumnHidden(number, not shown)
        if COLUMNS[number] == "Entry":
            self._entry_column_chosen = self._entry_column_chosen or chosen
            self.proxy.search_entries(shown)
