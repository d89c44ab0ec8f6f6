"""Passwords asked in place, above the sources: for a file, or for the key of one keystore
entry; "wrong password" said right there, and never stored. Questions asked while another is
showing wait their turn (several locked files opened at once are each asked for)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from pinscope.core.sources import Passwords

__all__ = ["PasswordBar", "PasswordRequest"]


@dataclass
class PasswordRequest:
    """What a password is asked for: a file, or the key of one alias inside a keystore.

    `given` holds the passwords that opened the file so far; it lives in memory while the
    question is asked, for the next attempt, and is never written anywhere.
    """

    path: str
    given: Passwords = field(default_factory=Passwords)
    alias: str | None = None
    """The keystore entry whose key is locked; None when the file's password is asked."""
    file_key: bool = False
    """The file was read, but a key in it is encrypted (a PEM file with an encrypted key)."""

    def question(self, wrong: bool) -> str:
        name = Path(self.path).name
        if self.alias is not None:
            what = f"the key \u201c{self.alias}\u201d in {name}"
        elif self.file_key:
            what = f"the private key in {name}"
        else:
            what = name
        return f"Wrong password for {what}:" if wrong else f"Password for {what}:"

    def same_question(self, other: PasswordRequest) -> bool:
        return (self.path, self.alias, self.file_key) == (other.path, other.alias, other.file_key)

    def with_answer(self, password: str) -> Passwords:
        if self.alias is None:
            return Passwords(password=password)
        aliases = {**self.given.alias_passwords, self.alias: password}
        return replace(self.given, alias_passwords=aliases)


class PasswordBar(QWidget):
    """Asks for a password in place, above the sources; says "wrong password" there."""

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("password")
        self.field.setMinimumWidth(120)
        self.field.setToolTip("Used for this file only; never saved")
        self.label.setBuddy(self.field)
        self.button = QPushButton("Open")
        self.button.setToolTip("Try this password (Enter)")
        self.cancel = QPushButton("Skip")
        self.cancel.setToolTip("Leave it locked (Escape)")
        # Escape skips while the focus is in the bar; elsewhere it stays the panels' (Cancel).
        skip = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        skip.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        skip.activated.connect(self.cancel.click)
        column = QVBoxLayout()
        column.addWidget(self.label)
        row = QHBoxLayout()
        row.addWidget(self.field, 1)
        row.addWidget(self.button)
        row.addWidget(self.cancel)
        column.addLayout(row)
        layout.addLayout(column)
        self.request: PasswordRequest | None = None
        self._wrong = False
        self.waiting: list[tuple[PasswordRequest, bool]] = []
        """Questions asked while another showed, in order, with their "wrong password" flag."""
        self.hide()

    @property
    def path(self) -> str | None:
        return self.request.path if self.request is not None else None

    def ask(self, request: PasswordRequest, wrong: bool) -> None:
        """Ask now, or after the question showing when it is about something else."""
        if self.request is not None and not self.request.same_question(request):
            if not any(request.same_question(queued) for queued, _ in self.waiting):
                self.waiting.append((request, wrong))
                self._say(self.request, self._wrong)
            return
        self.request = request
        self.setEnabled(True)
        self._say(request, wrong)
        self.field.setText("")
        self.show()
        self.field.setFocus()

    def _say(self, request: PasswordRequest, wrong: bool) -> None:
        self._wrong = wrong
        more = len(self.waiting)
        after = f" ({more} more waiting)" if more else ""
        self.label.setText(request.question(wrong) + after)

    def done(self) -> None:
        """The question showing is answered or skipped: ask the next one, or hide."""
        self.request = None
        self.field.setText("")
        self.setEnabled(True)
        if self.waiting:
            self.ask(*self.waiting.pop(0))
        else:
            self.hide()

    def forget(self, path: str) -> None:
        """Drop every question about `path` (the user closed it)."""
        self.waiting = [(request, wrong) for request, wrong in self.waiting if request.path != path]
        if self.request is not None and self.request.path == path:
            self.done()
        elif self.request is not None:
            self._say(self.request, self._wrong)
