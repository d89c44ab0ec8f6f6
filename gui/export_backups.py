"""The Export pins panel's backup pins: the list, pasted pins, pins read from a file, and a
freshly generated backup key.

A backup file may be locked (an encrypted key, a PKCS#12 file, the key "Generate a backup key"
writes): its password is asked for in place, under the backups list, and "wrong password" is
said there. The password lives only in its field and in one load: it is never stored, logged or
shown, and the field is emptied once the file is open or skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
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
    QVBoxLayout,
    QWidget,
)

from pinscope.core.certificate import Certificate
from pinscope.core.errors import PasswordRequired, WrongPassword
from pinscope.core.model import Finding
from pinscope.core.pins.backup import ALGORITHMS, BackupKey, new_backup_key
from pinscope.core.pins.compute import backup_pins
from pinscope.core.pins.model import BACKUP, SPKIPin
from pinscope.core.pins.parse import parse_pins
from pinscope.core.sources import Passwords, load_path
from pinscope.gui.export_models import PinsModel
from pinscope.gui.worker import Job, run_in_background

__all__ = ["BackupPinsBox"]


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


class BackupPinsBox(QGroupBox):
    """The "Backup pins" group: the pins listed, and the ways to add some.

    Args:
        parent: the owning widget.

    Signals:
        changed(): the backup pins, or what the last paste said about them, changed.
        message(str): a one-line status for the window's status bar.
    """

    changed = Signal()
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("&Backup pins", parent)
        self.chain_certificates: list[Certificate] = []
        """The certificates of the chains the panel pins, in which a pasted fingerprint is
        recognised (as `pinscope pins` does with its sources); the panel keeps it current."""
        self._pasted_findings: list[Finding] = []
        self._locked_backup: str | None = None
        """The backup file whose password is asked for; None when none is."""
        self._backup_attempt: Job | None = None
        """The load trying the typed password; None when none runs."""
        self._build()

    def pins(self) -> list[SPKIPin]:
        """The backup pins listed, in the order added."""
        return self.backups.pins

    def pasted_findings(self) -> list[Finding]:
        """What the last paste said about its pins."""
        return self._pasted_findings

    def tab_order(self) -> list[QWidget]:
        """The group's widgets in the order Tab visits them."""
        return [
            self.backup_view,
            self.backup_password,
            self.open_backup,
            self.skip_backup,
            self.pasted,
            self.add_pasted,
            self.from_file,
            self.remove_backup,
            self.generate,
        ]

    # ---- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.backups = PinsModel(self)
        self.backups.rowsInserted.connect(self.changed)
        self.backups.rowsRemoved.connect(self.changed)
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

        layout = QVBoxLayout(self)
        layout.addWidget(self.backup_view)
        layout.addWidget(self._build_backup_password())
        layout.addWidget(self.pasted)
        layout.addLayout(row)
        layout.addWidget(self.generate)
        layout.addWidget(self.backup_problem)

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

    # ---- pasted pins, pins from a file ---------------------------------------------------------

    def add_pasted_backups(self) -> None:
        """Read the pasted text as pins (any shape) and add them as backups."""
        text = self.pasted.toPlainText()
        if not text.strip():
            return
        try:
            pasted = parse_pins(text, self.chain_certificates, what="backup")
        except ValueError as error:
            self._show_backup_problem(str(error))
            return
        self._pasted_findings = list(pasted.findings)  # what the last paste said
        self._add_backups([_as_backup(pin) for pin in pasted.pins], origin=None)
        self.pasted.clear()
        self.changed.emit()

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

    def _remove_backup(self) -> None:
        index = self.backup_view.currentIndex()
        if index.isValid():
            self.backups.remove(index.row())

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
        self.backup_password.setText("")  # no undo history kept
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
        self.backup_password.setText("")
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


def _as_backup(pin: SPKIPin) -> SPKIPin:
    return SPKIPin(pin.value, pin.source, BACKUP, pin.certificate, pin.public_key)
