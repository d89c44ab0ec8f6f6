"""Passwords asked in place, above the sources: for a file, or for the key of one keystore
entry; "wrong password" said right there, and never stored."""

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
        self.hide()

    @property
    def path(self) -> str | None:
        return self.request.path if self.request is not None else None

    def ask(self, request: PasswordRequest, wrong: bool) -> None:
        self.request = request
        self.setEnabled(True)
        self.label.setText(request.question(wrong))
        self.field.clear()
        self.show()
        self.field.setFocus()

    def done(self) -> None:
        self.request = None
        self.field.clear()
        self.setEnabled(True)
        self.hide()
