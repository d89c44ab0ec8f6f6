"""The chain as validated: a tree from the leaf down to the anchor, each certificate under the
one it was issued to, with its status and where it came from."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTreeView

from pinscope.core.certificate import Certificate
from pinscope.core.chain import Validation
from pinscope.gui.icons import icon
from pinscope.gui.models import status_of

__all__ = ["STATUS_ICONS", "ChainView", "SentAndBuiltView"]

STATUS_ICONS = {
    "valid": "status-valid",
    "expiring": "status-warning",
    "expired": "status-error",
    "not yet valid": "status-error",
}
"""The icon of each certificate status `status_of` gives."""
STATUS_WORDS = {
    "expiring": "expires in {days} days",
    "expired": "expired",
    "not yet valid": "not yet valid",
}
"""What is said after a certificate's name when it is not simply valid."""


class ChainView(QTreeView):
    """The path a validation built, leaf first, each certificate with its status icon (and in
    words unless valid); the header says whether it is trusted."""

    def __init__(self) -> None:
        super().__init__()
        self.chain = QStandardItemModel(self)
        self.setObjectName("chain")
        self.setModel(self.chain)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.show_validation(None)

    def show_checking(self) -> None:
        """Say the chains are still being checked (what was read is shown meanwhile)."""
        self.show_validation(None)
        self.chain.appendRow(QStandardItem("Checking the chains\u2026"))

    def show_validation(self, validation: Validation | None, warn_days: int = 30) -> None:
        self.chain.clear()
        self.chain.setHorizontalHeaderLabels(["Chain"])
        if validation is None:
            return
        given = {cert.sha256 for cert in (*validation.given, validation.path.certificates[0])}
        fetched = {cert.sha256 for cert in validation.fetched}
        parent = self.chain.invisibleRootItem()
        for cert in validation.path.certificates:
            status, days = status_of(cert, validation.at, warn_days)
            name = cert.short_name
            if status in STATUS_WORDS:
                name += f"  ({STATUS_WORDS[status].format(days=days)})"
            if cert.sha256 in fetched:
                origin = "  (downloaded from its issuer's URL)"
            elif cert.sha256 not in given:
                origin = "  (from the trust store)"
            else:
                origin = ""
            item = QStandardItem(icon(STATUS_ICONS[status]), f"{name}{origin}")
            item.setToolTip(f"{cert.details.subject}: {status}")
            parent.appendRow(item)
            parent = item
        if not validation.path.complete:
            last = validation.path.last.details
            ending = "in no trust store" if last.self_signed else "? its issuer was not found"
            mark = icon("status-warning" if last.self_signed else "status-unknown")
            parent.appendRow(QStandardItem(mark, ending))
        verdict = "trusted" if validation.trusted else "NOT trusted"
        self.chain.setHorizontalHeaderLabels([f"Chain as built, leaf first: {verdict}"])
        self.expandAll()


class SentAndBuiltView(QTreeView):
    """An endpoint's chain as the server sent it beside the path as built, row by row: a
    missing intermediate, an extra certificate or a wrong order shows at a glance."""

    def __init__(self) -> None:
        super().__init__()
        self.rows = QStandardItemModel(self)
        self.setObjectName("sent-and-built")
        self.setModel(self.rows)
        self.setRootIsDecorated(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.show_chains((), None)

    def show_chains(self, sent: Sequence[Certificate], validation: Validation | None) -> None:
        self.rows.clear()
        self.rows.setHorizontalHeaderLabels(["#", "Sent by the server", "Path as built"])
        built = validation.path.certificates if validation is not None else ()
        fetched = {cert.sha256 for cert in validation.fetched} if validation else set()
        sent_keys = {cert.sha256 for cert in sent}
        built_keys = {cert.sha256 for cert in built}
        for number in range(max(len(sent), len(built))):
            row = [QStandardItem(str(number + 1))]
            if number < len(sent):
                cert = sent[number]
                unused = validation is not None and cert.sha256 not in built_keys
                row.append(QStandardItem(cert.short_name + ("  (not used)" if unused else "")))
            else:
                row.append(QStandardItem(""))
            if number < len(built):
                cert = built[number]
                if cert.sha256 in fetched:
                    where = "  (downloaded)"
                elif cert.sha256 not in sent_keys:
                    where = "  (not sent: from the trust store)"
                elif number < len(sent) and sent[number].sha256 != cert.sha256:
                    where = "  (sent in another place)"
                else:
                    where = ""
                row.append(QStandardItem(cert.short_name + where))
            else:
                row.append(QStandardItem(""))
            self.rows.appendRow(row)
        self.resizeColumnToContents(0)
        self.setColumnWidth(1, 260)
