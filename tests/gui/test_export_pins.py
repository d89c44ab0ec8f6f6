"""The Export pins panel: the preview is core's output for the choices the user made."""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from pathlib import Path

import pytest
import shiboken6
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
)
from pytestqt.qtbot import QtBot

from pinscope.core.checks.context import CheckContext
from pinscope.core.errors import LoadError, PasswordRequired
from pinscope.core.inspection import Inspection, Settings, inspect_path
from pinscope.core.pins.compute import (
    RECOMMENDATION,
    ComputedPins,
    backup_pins,
    build_pin_set,
    pins_from_source,
)
from pinscope.core.pins.export import export
from pinscope.core.pins.formats import FORMATS, render
from pinscope.core.pins.model import BACKUP, PinSet, SPKIPin
from pinscope.core.pins.parse import parse_pins
from pinscope.core.sources import Passwords, load_path
from pinscope.core.trust import load_trust_stores
from pinscope.gui.export_pins import ExportPinsPanel, PinFindingsModel
from tests.core import minting

SPARE = "NFAZmggmJOVHGr88gTI7I1Mf9aWo2vehdJFtDLnykGQ="


@pytest.fixture
def chain(data_dir: Path) -> Inspection:
    """tests/data/chain.pem, its root trusted, as the window loads it."""
    trust = str(data_dir / "ca-root.crt")
    settings = Settings(CheckContext(), tuple(load_trust_stores(None, [trust])))
    return inspect_path(data_dir / "chain.pem", settings=settings)


@pytest.fixture
def panel(qtbot: QtBot, chain: Inspection) -> ExportPinsPanel:
    widget = ExportPinsPanel([chain])
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def preview(panel: ExportPinsPanel) -> QPlainTextEdit:
    found = panel.findChild(QPlainTextEdit, "preview")
    assert found is not None
    return found


def finding_codes(panel: ExportPinsPanel) -> list[str]:
    view = panel.findChild(QListView, "findings")
    assert view is not None
    model = view.model()
    return [model.index(row, 0).data(Qt.ItemDataRole.UserRole) for row in range(model.rowCount())]


def choose_format(qtbot: QtBot, panel: ExportPinsPanel, name: str) -> None:
    """Click the format's row in the list, as a user does."""
    view = panel.findChild(QListView, "formats")
    assert view is not None
    model = view.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data().startswith(name))
    view.scrollTo(model.index(row, 0))
    rect = view.visualRect(model.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.current_format() == name


def paste_backup(qtbot: QtBot, panel: ExportPinsPanel, text: str) -> None:
    pasted = panel.findChild(QPlainTextEdit, "pastedBackup")
    assert pasted is not None
    pasted.setFocus()
    qtbot.keyClicks(pasted, text)
    qtbot.mouseClick(button(panel, "addPasted"), Qt.MouseButton.LeftButton)


def button(panel: ExportPinsPanel, name: str) -> QPushButton:
    found = panel.findChild(QPushButton, name)
    assert found is not None
    return found


def core_pin_set(
    chain: Inspection,
    backups: tuple[SPKIPin, ...] = (),
    *,
    include_subdomains: bool = False,
    expires: dt.date | None = None,
    report_uri: str | None = None,
) -> PinSet:
    """What `pinscope pins` builds for the chain's intermediate with these options."""
    assert chain.source is not None
    computed = pins_from_source(chain.source, chain.validation, "intermediate")
    return build_pin_set(
        [computed],
        backups=backups,
        include_subdomains=include_subdomains,
        expires=expires,
        report_uri=report_uri,
    )


def pasted_backups(chain: Inspection, text: str) -> tuple[SPKIPin, ...]:
    certificates = chain.validation.path.certificates if chain.validation else ()
    pins = parse_pins(text, certificates, what="backup").pins
    return tuple(SPKIPin(p.value, p.source, BACKUP, p.certificate, p.public_key) for p in pins)


def test_the_panel_opens_on_the_intermediate_with_the_recommendation(
    panel: ExportPinsPanel, chain: Inspection
) -> None:
    recommendation = panel.findChild(QLabel, "recommendation")

    assert recommendation is not None and recommendation.isVisible()
    assert recommendation.text() == RECOMMENDATION.replace("`", "")
    assert panel.domain_names() == ["api.example.test"]
    assert preview(panel).toPlainText() == render("android", core_pin_set(chain)).text
    assert "pin.no-backup" in finding_codes(panel)


def test_each_format_previews_what_core_renders(
    qtbot: QtBot, panel: ExportPinsPanel, chain: Inspection
) -> None:
    paste_backup(qtbot, panel, f"sha256/{SPARE}")
    expected_set = core_pin_set(chain, pasted_backups(chain, f"sha256/{SPARE}"))

    for name in FORMATS:
        choose_format(qtbot, panel, name)

        assert preview(panel).isVisible(), name
        # A text view shows CRLF (the CSV's line ends) as plain line breaks.
        expected = render(name, expected_set).text.replace("\r\n", "\n")
        assert preview(panel).toPlainText() == expected, name


def test_a_pasted_backup_pin_clears_the_no_backup_finding(
    qtbot: QtBot, panel: ExportPinsPanel
) -> None:
    assert "pin.no-backup" in finding_codes(panel)

    paste_backup(qtbot, panel, f'pin-sha256="{SPARE}"')

    assert "pin.no-backup" not in finding_codes(panel)
    backups = panel.findChild(QListView, "backups")
    assert backups is not None
    assert SPARE in backups.model().index(0, 0).data()


def test_a_pasted_certificate_fingerprint_is_reported_and_not_added(
    qtbot: QtBot, panel: ExportPinsPanel, chain: Inspection
) -> None:
    assert chain.validation is not None
    fingerprint = chain.validation.path.certificates[1].sha256

    paste_backup(qtbot, panel, fingerprint)

    assert "pin.not-spki" in finding_codes(panel)
    assert "pin.no-backup" in finding_codes(panel)


def test_trustkit_with_one_pin_shows_the_rejection_instead_of_the_preview(
    qtbot: QtBot, panel: ExportPinsPanel
) -> None:
    choose_format(qtbot, panel, "trustkit-ios")
    refusal = panel.findChild(QLabel, "rejection")

    assert refusal is not None and refusal.isVisible()
    assert not preview(panel).isVisible()
    assert "TrustKit refuses to start with fewer than two pins" in refusal.text()
    assert not button(panel, "save").isEnabled()


def test_an_expiration_date_reaches_the_preview(qtbot: QtBot, panel: ExportPinsPanel) -> None:
    expires_on = panel.findChild(QCheckBox, "expiresOn")
    assert expires_on is not None

    qtbot.mouseClick(expires_on, Qt.MouseButton.LeftButton)

    assert 'expiration="' in preview(panel).toPlainText()


def test_save_writes_the_previewed_file(
    qtbot: QtBot, panel: ExportPinsPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "network_security_config.xml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))

    with qtbot.waitSignal(panel.saved) as saved:
        qtbot.mouseClick(button(panel, "save"), Qt.MouseButton.LeftButton)

    assert saved.args == [[str(target)]]
    assert target.read_text(encoding="utf-8") == preview(panel).toPlainText()
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_save_keeps_the_exact_bytes_core_renders(
    qtbot: QtBot,
    panel: ExportPinsPanel,
    chain: Inspection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "pins.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    choose_format(qtbot, panel, "csv")

    with qtbot.waitSignal(panel.saved):
        qtbot.mouseClick(button(panel, "save"), Qt.MouseButton.LeftButton)

    assert target.read_bytes() == render("csv", core_pin_set(chain)).text.encode("utf-8")


def test_a_generated_backup_key_becomes_a_backup_pin(
    qtbot: QtBot, panel: ExportPinsPanel, tmp_path: Path
) -> None:
    backups = panel.findChild(QListView, "backups")
    assert backups is not None

    panel.generate_backup_key(str(tmp_path / "keys"), "ec-p256", "a passphrase")

    qtbot.waitUntil(lambda: backups.model().rowCount() == 1, timeout=10_000)
    assert "backup key backup-ec-p256-" in backups.model().index(0, 0).data()
    assert "pin.no-backup" not in finding_codes(panel)
    assert b"ENCRYPTED PRIVATE KEY" in next((tmp_path / "keys").glob("*.key")).read_bytes()
    assert button(panel, "generateBackup").isEnabled()


def test_copy_puts_the_output_on_the_clipboard(qtbot: QtBot, panel: ExportPinsPanel) -> None:
    qtbot.mouseClick(button(panel, "copy"), Qt.MouseButton.LeftButton)

    assert QApplication.clipboard().text() == preview(panel).toPlainText()


def test_the_panel_renders_to_an_image(panel: ExportPinsPanel, tmp_path: Path) -> None:
    screenshot = tmp_path / "export-pins.png"

    assert panel.grab().save(str(screenshot))
    assert screenshot.stat().st_size > 0


# ---- several sources into one configuration --------------------------------------------------


def trusting(*roots: Path) -> Settings:
    return Settings(CheckContext(), tuple(load_trust_stores(None, [str(r) for r in roots])))


@pytest.fixture
def other_host(tmp_path: Path) -> tuple[Inspection, Path]:
    """A chain for www.other.test under a root of its own (trusted), and that root's file."""
    minted = minting.mint_chain("www.other.test", prefix="Other")
    root = tmp_path / "other-root.pem"
    root.write_bytes(minted.root.pem)
    served = tmp_path / "other.pem"
    served.write_bytes(minted.leaf.pem + minted.intermediate.pem)
    return inspect_path(served, settings=trusting(root)), root


def sources_view(panel: ExportPinsPanel) -> QListView:
    found = panel.findChild(QListView, "sources")
    assert found is not None
    return found


def offered(panel: ExportPinsPanel) -> list[tuple[str, bool]]:
    """The sources list as the user sees it: each label and whether it is ticked."""
    model = sources_view(panel).model()
    rows = [model.index(row, 0) for row in range(model.rowCount())]
    return [
        (index.data(), index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked.value)
        for index in rows
    ]


def tick(panel: ExportPinsPanel, row: int) -> None:
    """Tick a source's box, as a click on it does."""
    model = sources_view(panel).model()
    model.setData(model.index(row, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)


def intermediate_pins(inspection: Inspection) -> ComputedPins:
    assert inspection.source is not None
    return pins_from_source(inspection.source, inspection.validation, "intermediate")


def test_two_sources_go_into_one_configuration(
    qtbot: QtBot, chain: Inspection, other_host: tuple[Inspection, Path]
) -> None:
    other, _ = other_host
    widget = ExportPinsPanel([chain, other])
    qtbot.addWidget(widget)
    assert offered(widget) == [(chain.name, True), (other.name, False)]

    tick(widget, 1)

    domains = ["api.example.test", "www.other.test"]
    assert widget.domain_names() == domains
    computed = [intermediate_pins(chain), intermediate_pins(other)]
    for name in ("android", "okhttp-kotlin", "trustkit-ios"):
        choose_format(qtbot, widget, name)
        expected = render(name, build_pin_set(computed, domains)).text
        assert preview(widget).toPlainText() == expected, name
    assert "pin.no-backup" not in finding_codes(widget)  # two CAs back each other up


def test_a_domain_added_by_hand_stays_when_the_sources_change(
    qtbot: QtBot, chain: Inspection, other_host: tuple[Inspection, Path]
) -> None:
    other, _ = other_host
    widget = ExportPinsPanel([chain, other])
    qtbot.addWidget(widget)
    widget.show()
    new_domain = widget.findChild(QLineEdit, "newDomain")
    assert new_domain is not None

    qtbot.keyClicks(new_domain, "login.example.test")
    qtbot.keyClick(new_domain, Qt.Key.Key_Return)
    tick(widget, 1)

    assert widget.domain_names() == ["api.example.test", "www.other.test", "login.example.test"]
    assert '<domain includeSubdomains="false">login.example.test</domain>' in (
        preview(widget).toPlainText()
    )


def test_each_chain_of_a_bundle_can_be_picked(
    qtbot: QtBot, tmp_path: Path, other_host: tuple[Inspection, Path]
) -> None:
    first = minting.mint_chain("api.example.test", prefix="First")
    second = minting.mint_chain("www.second.test", prefix="Second")
    roots = tmp_path / "roots.pem"
    roots.write_bytes(first.root.pem + second.root.pem)
    bundle = tmp_path / "bundle.pem"
    parts = (first.leaf, first.intermediate, second.leaf, second.intermediate)
    bundle.write_bytes(b"".join(part.pem for part in parts))
    widget = ExportPinsPanel([inspect_path(bundle, settings=trusting(roots))])
    qtbot.addWidget(widget)

    labels = [label for label, _ in offered(widget)]
    assert len(labels) == 2 and all(label.startswith(f"{bundle} — ") for label in labels)
    tick(widget, 0)
    tick(widget, 1)

    # The same as core renders for the two chains given as two files.
    files = []
    for index, minted in enumerate((first, second)):
        path = tmp_path / f"chain-{index}.pem"
        path.write_bytes(minted.leaf.pem + minted.intermediate.pem)
        files.append(intermediate_pins(inspect_path(path, settings=trusting(roots))))
    domains = ["api.example.test", "www.second.test"]
    assert widget.domain_names() == domains
    expected = render("android", build_pin_set(files, domains)).text
    assert preview(widget).toPlainText() == expected


def test_nothing_ticked_says_so(qtbot: QtBot, panel: ExportPinsPanel) -> None:
    model = sources_view(panel).model()
    model.setData(model.index(0, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)

    refusal = panel.findChild(QLabel, "rejection")
    assert refusal is not None and refusal.isVisible()
    assert "tick at least one source" in refusal.text()
    assert not button(panel, "copy").isEnabled()


# ---- layout and keyboard ---------------------------------------------------------------------


def test_in_a_narrow_dock_the_preview_goes_below_the_form(panel: ExportPinsPanel) -> None:
    panel.resize(480, 700)
    QApplication.processEvents()
    text = preview(panel)
    form = panel.findChild(QComboBox, "level")
    assert form is not None

    assert text.width() >= text.fontMetrics().horizontalAdvance("m" * 40)
    assert (
        text.mapTo(panel, text.rect().topLeft()).y() > form.mapTo(panel, form.rect().topLeft()).y()
    )
    assert text.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap

    panel.resize(1100, 760)
    QApplication.processEvents()
    assert (
        text.mapTo(panel, text.rect().topLeft()).x() > form.mapTo(panel, form.rect().topLeft()).x()
    )
    assert text.width() > 600


def test_a_label_mnemonic_focuses_its_field(qtbot: QtBot, panel: ExportPinsPanel) -> None:
    with qtbot.waitActive(panel):
        panel.activateWindow()

    qtbot.keyClick(panel, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)

    assert QApplication.focusWidget() is panel.findChild(QComboBox, "level")


def test_tab_leaves_the_pasted_pins_for_the_add_button(
    qtbot: QtBot, panel: ExportPinsPanel
) -> None:
    with qtbot.waitActive(panel):
        panel.activateWindow()
    pasted = panel.findChild(QPlainTextEdit, "pastedBackup")
    assert pasted is not None
    pasted.setFocus()

    qtbot.keyClick(pasted, Qt.Key.Key_Tab)

    assert QApplication.focusWidget() is button(panel, "addPasted")


def test_ctrl_return_in_the_pasted_pins_adds_them(qtbot: QtBot, panel: ExportPinsPanel) -> None:
    with qtbot.waitActive(panel):
        panel.activateWindow()
    pasted = panel.findChild(QPlainTextEdit, "pastedBackup")
    assert pasted is not None
    pasted.setFocus()
    qtbot.keyClicks(pasted, f"sha256/{SPARE}")

    qtbot.keyClick(pasted, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    assert "pin.no-backup" not in finding_codes(panel)
    assert SPARE in preview(panel).toPlainText()


def test_every_button_says_what_it_does(panel: ExportPinsPanel) -> None:
    buttons = [b for b in panel.findChildren(QAbstractButton) if b.isVisible()]

    assert [b.text() for b in buttons if not b.toolTip()] == []


# ---- backups: problems said in words, the passphrase forgotten ---------------------------------


def test_pasted_text_that_holds_no_pin_is_explained(qtbot: QtBot, panel: ExportPinsPanel) -> None:
    paste_backup(qtbot, panel, "no pin in here")

    problem = panel.findChild(QLabel, "backupProblem")
    assert problem is not None and problem.isVisible()
    assert problem.text().startswith("✖ ")
    assert problem.toolTip() == "The backup pins are unchanged."
    backups = panel.findChild(QListView, "backups")
    assert backups is not None and backups.model().rowCount() == 0


def test_each_finding_shows_its_detail_and_remedy_and_names_its_code_in_the_tooltip(
    panel: ExportPinsPanel,
) -> None:
    view = panel.findChild(QListView, "findings")
    assert view is not None
    model = view.model()
    assert isinstance(model, PinFindingsModel)
    row = finding_codes(panel).index("pin.no-backup")
    index = model.index(row, 0)

    finding = next(f for f in model.findings() if f.code == "pin.no-backup")
    assert index.data() == f"{finding.title}\n{finding.detail}\nWhat to do: {finding.remedy}"
    assert index.data(Qt.ItemDataRole.ToolTipRole) == f"{finding.severity}: [pin.no-backup]"


def fill_backup_dialog(qtbot: QtBot, folder: Path, passphrase: str, seen: list[QDialog]) -> None:
    """Type into the backup-key dialog, whichever way it was opened, and press OK."""
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)
    seen.append(dialog)
    folder_field = dialog.findChild(QLineEdit, "backupFolder")
    assert folder_field is not None
    folder_field.setText(str(folder))
    for name in ("passphrase", "passphraseRepeat"):
        field = dialog.findChild(QLineEdit, name)
        assert field is not None
        qtbot.keyClicks(field, passphrase)
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    qtbot.mouseClick(box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_the_backup_key_dialog_leaves_no_passphrase_behind(
    qtbot: QtBot, panel: ExportPinsPanel, tmp_path: Path
) -> None:
    passphrase = "correct horse battery staple"
    backups = panel.findChild(QListView, "backups")
    assert backups is not None
    # The test holds on to the dialog, as a stray reference in the app might.
    seen: list[QDialog] = []
    QTimer.singleShot(0, lambda: fill_backup_dialog(qtbot, tmp_path / "keys", passphrase, seen))

    qtbot.mouseClick(button(panel, "generateBackup"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: backups.model().rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: not shiboken6.isValid(seen[0]), timeout=5_000)

    holding = [
        widget
        for widget in QApplication.allWidgets()
        if isinstance(widget, QLineEdit) and passphrase in widget.text()
    ]
    assert holding == []
    assert b"ENCRYPTED PRIVATE KEY" in next((tmp_path / "keys").glob("*.key")).read_bytes()


def cancel_backup_dialog(qtbot: QtBot, passphrase: str, seen: list[QLineEdit]) -> None:
    """Type a passphrase into the backup-key dialog, then press Escape."""
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)
    field = dialog.findChild(QLineEdit, "passphrase")
    assert field is not None
    seen.append(field)
    qtbot.keyClicks(field, passphrase)
    qtbot.keyClick(field, Qt.Key.Key_Escape)


def test_a_cancelled_backup_key_dialog_is_deleted_with_its_passphrase(
    qtbot: QtBot, panel: ExportPinsPanel
) -> None:
    seen: list[QLineEdit] = []
    QTimer.singleShot(0, lambda: cancel_backup_dialog(qtbot, "never used", seen))

    qtbot.mouseClick(button(panel, "generateBackup"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen) and not shiboken6.isValid(seen[0]), timeout=5_000)

    assert not panel.findChildren(QDialog)
    holding = [
        widget
        for widget in QApplication.allWidgets()
        if isinstance(widget, QLineEdit) and "never used" in widget.text()
    ]
    assert holding == []


# ---- backups from a file -----------------------------------------------------------------------


def backup_rows(panel: ExportPinsPanel) -> list[str]:
    """The backup pins list as the user reads it: each pin over where it came from."""
    view = panel.findChild(QListView, "backups")
    assert view is not None
    model = view.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def backup_problem(panel: ExportPinsPanel) -> QLabel:
    found = panel.findChild(QLabel, "backupProblem")
    assert found is not None
    return found


def add_backup_from_file(
    qtbot: QtBot, panel: ExportPinsPanel, monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    """Click "From file…" and pick `path` in the file dialog."""
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), "All files (*)")
    )
    qtbot.mouseClick(button(panel, "backupFromFile"), Qt.MouseButton.LeftButton)


def spare_file(kind: str, folder: Path) -> tuple[Path, str, str]:
    """A file holding a spare key in one of its forms, the key's pin computed without
    Pinscope, and the origin the backup list names."""
    key = minting.new_key()
    if kind == "certificate":
        other_ca = minting.mint_chain("www.other.test", prefix="Other").intermediate
        path = folder / "other-ca.pem"
        path.write_bytes(other_ca.pem)
        return path, other_ca.pin, f"backup intermediate certificate {other_ca.subject}"
    if kind == "private key":
        path = folder / "spare.key"
        path.write_bytes(minting.key_pem(key))
    elif kind == "public key":
        path = folder / "spare.pub"
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        path.write_bytes(public)
    else:
        path = folder / "spare.csr"
        path.write_bytes(minting.csr_pem(minting.mint_csr(key, "spare.example.test")))
        return path, minting.spki_pin(key), "backup certificate request CN=spare.example.test"
    return path, minting.spki_pin(key), f"backup key {path.name}"


@pytest.mark.parametrize("kind", ["certificate", "private key", "public key", "CSR"])
def test_a_backup_from_a_file_is_listed_and_pinned(
    qtbot: QtBot,
    panel: ExportPinsPanel,
    chain: Inspection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    path, pin, origin = spare_file(kind, tmp_path)
    assert pin not in preview(panel).toPlainText()

    add_backup_from_file(qtbot, panel, monkeypatch, path)
    qtbot.waitUntil(lambda: bool(backup_rows(panel)), timeout=10_000)

    assert backup_rows(panel) == [f"{pin}\n{origin}"]
    assert f'<pin digest="SHA-256">{pin}</pin>' in preview(panel).toPlainText()
    expected = core_pin_set(chain, backup_pins(load_path(path)))
    assert preview(panel).toPlainText() == render("android", expected).text
    assert "pin.no-backup" not in finding_codes(panel)
    assert not backup_problem(panel).isVisible()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\x00\x01 not a certificate \xff" * 4, "expected a certificate, key, CSR or keystore"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "damaged"),
        (b"", "is empty"),
    ],
    ids=["binary junk", "damaged PEM", "empty"],
)
def test_a_file_that_holds_no_key_is_explained_in_place(
    qtbot: QtBot,
    panel: ExportPinsPanel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
    said: str,
) -> None:
    path = tmp_path / "not-a-key.pem"
    path.write_bytes(content)
    before = preview(panel).toPlainText()

    add_backup_from_file(qtbot, panel, monkeypatch, path)
    qtbot.waitUntil(backup_problem(panel).isVisible, timeout=10_000)

    # The reason core gives, in its words: no exception's name, no traceback.
    with pytest.raises(LoadError) as raised:
        load_path(path)
    assert backup_problem(panel).text() == f"✖ {path.name}: {raised.value}"
    assert said in str(raised.value)
    assert backup_problem(panel).toolTip() == "The backup pins are unchanged."
    assert backup_rows(panel) == []
    assert preview(panel).toPlainText() == before
    assert "pin.no-backup" in finding_codes(panel)


# ---- a locked backup file: its password asked in place ------------------------------------------

PASSWORD = "spare-key-pass 4"


def locked_spare(kind: str, folder: Path) -> tuple[Path, str]:
    """A spare key locked with PASSWORD in one of the forms a backup may come in, and the
    key's pin computed without Pinscope."""
    key = minting.new_key()
    if kind == "PKCS#12":
        spare = minting.mint_leaf(minting.mint_chain().intermediate, "spare.example.test", key=key)
        path = folder / "spare.p12"
        encryption = serialization.BestAvailableEncryption(PASSWORD.encode())
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"spare", key, spare.certificate, None, encryption
            )
        )
    else:
        path = folder / "spare.key"
        traditional = kind == "traditional PEM"
        path.write_bytes(minting.key_pem(key, PASSWORD.encode(), traditional=traditional))
    return path, minting.spki_pin(key)


def password_field(panel: ExportPinsPanel) -> QLineEdit:
    found = panel.findChild(QLineEdit, "backupPassword")
    assert found is not None
    return found


def password_said(panel: ExportPinsPanel) -> QLabel:
    """The line above the password field: what is asked, or that the password was wrong."""
    found = panel.findChild(QLabel, "backupPasswordError")
    assert found is not None
    return found


def asked_for(
    qtbot: QtBot, panel: ExportPinsPanel, monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    """Pick the locked `path` with "From file…" and wait for its password to be asked."""
    add_backup_from_file(qtbot, panel, monkeypatch, path)
    qtbot.waitUntil(password_field(panel).isVisible, timeout=10_000)


def password_needed(path: Path) -> str:
    """What the panel says of a file core refuses to open without a password."""
    with pytest.raises(PasswordRequired) as raised:
        load_path(path)
    return (
        f"✖ Password needed for {path.name}: {raised.value.what} is protected by a password. "
        "Type it below and open the file, or skip it."
    )


def assert_never_stored(password: str, settings_folder: Path, log: str) -> None:
    """Not in the settings files, not in the log, and in no field once used."""
    for path in settings_folder.rglob("*"):
        if path.is_file():
            assert password not in path.read_text(errors="replace")
    assert password not in log
    holding = [
        widget
        for widget in QApplication.allWidgets()
        if isinstance(widget, QLineEdit) and password in widget.text()
    ]
    assert holding == []


@pytest.mark.parametrize("kind", ["PKCS#8", "traditional PEM", "PKCS#12"])
def test_a_locked_backup_file_asks_for_its_password_in_place(
    qtbot: QtBot,
    panel: ExportPinsPanel,
    chain: Inspection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    private_settings: Path,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    path, pin = locked_spare(kind, tmp_path)
    with qtbot.waitActive(panel):
        panel.activateWindow()
    field = password_field(panel)
    said = password_said(panel)
    before = preview(panel).toPlainText()
    assert not field.isVisible()

    # Given no password, the panel asks for it under the backups list, the field focused.
    asked_for(qtbot, panel, monkeypatch, path)
    assert QApplication.focusWidget() is field
    assert field.echoMode() == QLineEdit.EchoMode.Password
    assert said.text() == password_needed(path)
    backups = panel.findChild(QListView, "backups")
    assert backups is not None
    assert (
        field.mapTo(panel, field.rect().topLeft()).y()
        > backups.mapTo(panel, backups.rect().bottomLeft()).y()
    )
    assert not backup_problem(panel).isVisible()
    assert backup_rows(panel) == []

    # A wrong one is said there; the field is emptied, focused for another try.
    qtbot.keyClicks(field, "not it")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: said.text().startswith("✖ Wrong"), timeout=10_000)
    assert said.text() == (
        f"✖ Wrong password for {path.name}. Type it again and open the file, or skip it."
    )
    assert field.text() == ""
    assert QApplication.focusWidget() is field
    assert backup_rows(panel) == []
    assert preview(panel).toPlainText() == before

    # Typing again puts the question back; the right password, with Open, adds the pin.
    qtbot.keyClicks(field, PASSWORD)
    assert said.text() == f"Password for {path.name}:"
    qtbot.mouseClick(button(panel, "openBackup"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(backup_rows(panel)), timeout=10_000)

    expected = backup_pins(load_path(path, Passwords(password=PASSWORD)))
    assert [p.value for p in expected] == [pin]
    assert backup_rows(panel) == [f"{pin}\n{expected[0].source}"]
    assert preview(panel).toPlainText() == render("android", core_pin_set(chain, expected)).text
    assert "pin.no-backup" not in finding_codes(panel)
    assert not field.isVisible()
    assert not backup_problem(panel).isVisible()
    assert_never_stored(PASSWORD, private_settings, caplog.text)


@pytest.mark.parametrize("how", ["Escape", "Skip"])
def test_a_locked_backup_file_can_be_skipped(
    qtbot: QtBot,
    panel: ExportPinsPanel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    path, _ = locked_spare("PKCS#8", tmp_path)
    with qtbot.waitActive(panel):
        panel.activateWindow()
    before = preview(panel).toPlainText()
    asked_for(qtbot, panel, monkeypatch, path)
    field = password_field(panel)
    qtbot.keyClicks(field, "half typed")

    if how == "Escape":
        qtbot.keyClick(field, Qt.Key.Key_Escape)
    else:
        qtbot.mouseClick(button(panel, "skipBackup"), Qt.MouseButton.LeftButton)

    assert not field.isVisible()
    assert field.text() == ""
    assert backup_problem(panel).text() == f"ℹ {path.name} skipped: no pin read from it."
    assert backup_problem(panel).toolTip() == "The backup pins are unchanged."
    assert backup_rows(panel) == []
    assert preview(panel).toPlainText() == before
    assert QApplication.focusWidget() is button(panel, "backupFromFile")


def test_the_generated_backup_key_can_be_added_back_with_its_passphrase(
    qtbot: QtBot,
    panel: ExportPinsPanel,
    chain: Inspection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    private_settings: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    passphrase = "generated offline 9"
    with qtbot.waitActive(panel):
        panel.activateWindow()
    # Given a backup key the panel's generator wrote, encrypted, then removed from the list.
    seen: list[QDialog] = []
    QTimer.singleShot(0, lambda: fill_backup_dialog(qtbot, tmp_path / "keys", passphrase, seen))
    qtbot.mouseClick(button(panel, "generateBackup"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(backup_rows(panel)), timeout=10_000)
    (generated,) = backup_rows(panel)
    (key_file,) = (tmp_path / "keys").glob("*.key")
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    backups = panel.findChild(QListView, "backups")
    assert backups is not None
    backups.setCurrentIndex(backups.model().index(0, 0))
    qtbot.mouseClick(button(panel, "removeBackup"), Qt.MouseButton.LeftButton)
    assert backup_rows(panel) == []

    # When it is added from its file, its passphrase is asked for and opens it.
    asked_for(qtbot, panel, monkeypatch, key_file)
    assert password_said(panel).text() == password_needed(key_file)
    qtbot.keyClicks(password_field(panel), passphrase)
    qtbot.keyClick(password_field(panel), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(backup_rows(panel)), timeout=10_000)

    # Then its pin is back, as core reads the file.
    assert backup_rows(panel) == [generated]
    expected = backup_pins(load_path(key_file, Passwords(password=passphrase)))
    assert preview(panel).toPlainText() == render("android", core_pin_set(chain, expected)).text
    assert not password_field(panel).isVisible()
    assert_never_stored(passphrase, private_settings, caplog.text)


def test_a_backup_file_already_listed_is_said_in_place(
    qtbot: QtBot, panel: ExportPinsPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, pin, origin = spare_file("private key", tmp_path)
    add_backup_from_file(qtbot, panel, monkeypatch, path)
    qtbot.waitUntil(lambda: bool(backup_rows(panel)), timeout=10_000)
    before = preview(panel).toPlainText()

    with qtbot.waitSignal(panel.message, timeout=10_000) as status:
        add_backup_from_file(qtbot, panel, monkeypatch, path)

    assert status.args == ["0 backup pin(s) added"]
    said = backup_problem(panel)
    assert said.isVisible()
    assert said.text() == f"ℹ {path.name}: Already listed: {pin}; nothing added."
    assert said.toolTip() == "The backup pins are unchanged."
    assert backup_rows(panel) == [f"{pin}\n{origin}"]
    assert preview(panel).toPlainText() == before


def test_a_pasted_pin_already_listed_is_said_in_place(qtbot: QtBot, panel: ExportPinsPanel) -> None:
    paste_backup(qtbot, panel, f"sha256/{SPARE}")
    assert not backup_problem(panel).isVisible()

    paste_backup(qtbot, panel, f'pin-sha256="{SPARE}"')

    assert backup_problem(panel).text() == f"ℹ Already listed: {SPARE}; nothing added."
    assert len(backup_rows(panel)) == 1


# ---- policy: subdomains, report URI, expiration --------------------------------------------------

REPORT_URI = "https://reports.example.test/pin-failures"


def finding_texts(panel: ExportPinsPanel) -> list[str]:
    """Each row of the findings list as shown: title, detail and remedy."""
    view = panel.findChild(QListView, "findings")
    assert view is not None
    model = view.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def core_finding_codes(pin_set: PinSet, name: str, now: dt.datetime | None = None) -> list[str]:
    """The codes `pinscope pins` lists for this pin set and format, in any order."""
    exported = export(pin_set, name, now or dt.datetime.now(dt.UTC))
    return sorted(finding.code for finding in exported.findings)


def press_space(qtbot: QtBot, box: QCheckBox) -> None:
    """Toggle a check box from the keyboard (a click must land on its box or its words)."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)


@pytest.mark.parametrize(
    ("name", "off", "on"),
    [
        (
            "android",
            '<domain includeSubdomains="false">api.example.test</domain>',
            '<domain includeSubdomains="true">api.example.test</domain>',
        ),
        (
            "ios-ats",
            "<key>NSIncludesSubdomains</key>\n\t\t\t\t<false/>",
            "<key>NSIncludesSubdomains</key>\n\t\t\t\t<true/>",
        ),
        ("trustkit-ios", "kTSKIncludeSubdomains: false,", "kTSKIncludeSubdomains: true,"),
        (
            "trustkit-plist",
            "<key>TSKIncludeSubdomains</key>\n\t\t\t\t<false/>",
            "<key>TSKIncludeSubdomains</key>\n\t\t\t\t<true/>",
        ),
    ],
    ids=["android", "ios-ats", "trustkit-ios", "trustkit-plist"],
)
def test_include_subdomains_changes_the_preview_as_core_renders_it(
    qtbot: QtBot, panel: ExportPinsPanel, chain: Inspection, name: str, off: str, on: str
) -> None:
    paste_backup(qtbot, panel, f"sha256/{SPARE}")  # TrustKit needs two pins
    backups = pasted_backups(chain, f"sha256/{SPARE}")
    choose_format(qtbot, panel, name)
    subdomains = panel.findChild(QCheckBox, "includeSubdomains")
    assert subdomains is not None
    assert off in preview(panel).toPlainText()

    press_space(qtbot, subdomains)

    expected = core_pin_set(chain, backups, include_subdomains=True)
    assert on in preview(panel).toPlainText()
    assert preview(panel).toPlainText() == render(name, expected).text
    assert sorted(finding_codes(panel)) == core_finding_codes(expected, name)
    assert "pin.include-subdomains" in finding_codes(panel)

    press_space(qtbot, subdomains)

    assert preview(panel).toPlainText() == render(name, core_pin_set(chain, backups)).text
    assert "pin.include-subdomains" not in finding_codes(panel)


def test_include_subdomains_in_ats_warns_of_its_one_label_depth(
    qtbot: QtBot, panel: ExportPinsPanel
) -> None:
    choose_format(qtbot, panel, "ios-ats")
    subdomains = panel.findChild(QCheckBox, "includeSubdomains")
    assert subdomains is not None

    press_space(qtbot, subdomains)

    row = finding_texts(panel)[finding_codes(panel).index("pin.include-subdomains")]
    assert "covers ONE extra label only" in row


def type_report_uri(qtbot: QtBot, panel: ExportPinsPanel, text: str) -> None:
    field = panel.findChild(QLineEdit, "reportURI")
    assert field is not None
    field.setFocus()
    qtbot.keyClicks(field, text)


@pytest.mark.parametrize(
    ("name", "key", "written"),
    [
        (
            "trustkit-ios",
            "kTSKReportUris",
            f'kTSKReportUris: [\n                "{REPORT_URI}",\n            ],',
        ),
        (
            "trustkit-plist",
            "<key>TSKReportUris</key>",
            f"<key>TSKReportUris</key>\n\t\t\t\t<array>\n\t\t\t\t\t<string>{REPORT_URI}</string>",
        ),
        ("trustkit-android", "<report-uri>", f"<report-uri>{REPORT_URI}</report-uri>"),
        ("hpkp", "report-uri=", f'; report-uri="{REPORT_URI}"\n'),
    ],
    ids=["trustkit-ios", "trustkit-plist", "trustkit-android", "hpkp"],
)
def test_a_report_uri_goes_into_the_formats_that_have_one(
    qtbot: QtBot, panel: ExportPinsPanel, chain: Inspection, name: str, key: str, written: str
) -> None:
    paste_backup(qtbot, panel, f"sha256/{SPARE}")  # TrustKit and HPKP need a backup
    backups = pasted_backups(chain, f"sha256/{SPARE}")
    choose_format(qtbot, panel, name)
    assert key not in preview(panel).toPlainText()

    type_report_uri(qtbot, panel, REPORT_URI)

    assert written in preview(panel).toPlainText()
    expected = core_pin_set(chain, backups, report_uri=REPORT_URI)
    assert preview(panel).toPlainText() == render(name, expected).text
    assert "pin.option-ignored" not in finding_codes(panel)


@pytest.mark.parametrize("name", ["ios-ats", "react-native", "alamofire", "flutter"])
def test_formats_without_a_report_uri_say_they_leave_it_out(
    qtbot: QtBot, panel: ExportPinsPanel, chain: Inspection, name: str
) -> None:
    paste_backup(qtbot, panel, f"sha256/{SPARE}")
    choose_format(qtbot, panel, name)
    assert "pin.option-ignored" not in finding_codes(panel)

    type_report_uri(qtbot, panel, REPORT_URI)

    assert REPORT_URI not in preview(panel).toPlainText()
    row = finding_texts(panel)[finding_codes(panel).index("pin.option-ignored")]
    title, detail, _ = row.split("\n")
    assert title.endswith(f" has no setting for the report URI {REPORT_URI}")
    assert detail.endswith(f"cannot express the report URI {REPORT_URI}; the export leaves it out.")


def test_every_format_treats_the_report_uri_as_core_does(
    qtbot: QtBot, panel: ExportPinsPanel, chain: Inspection
) -> None:
    paste_backup(qtbot, panel, f"sha256/{SPARE}")
    type_report_uri(qtbot, panel, f"  {REPORT_URI}  ")  # spaces around a paste are dropped
    expected = core_pin_set(chain, pasted_backups(chain, f"sha256/{SPARE}"), report_uri=REPORT_URI)

    for name in FORMATS:
        choose_format(qtbot, panel, name)

        rendered = export(expected, name, dt.datetime.now(dt.UTC)).rendered
        assert rendered is not None, name
        assert preview(panel).toPlainText() == rendered.text.replace("\r\n", "\n"), name
        assert sorted(finding_codes(panel)) == core_finding_codes(expected, name), name


NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def dated_panel(qtbot: QtBot, chain: Inspection) -> ExportPinsPanel:
    """The panel judging expiration dates on 2 March 2026."""
    widget = ExportPinsPanel([chain], now=NOW)
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def set_expiration(qtbot: QtBot, panel: ExportPinsPanel, digits: str) -> None:
    """Tick "Expires on" and type the date into its field, year first (yyyyMMdd)."""
    expires_on = panel.findChild(QCheckBox, "expiresOn")
    expires = panel.findChild(QDateEdit, "expires")
    assert expires_on is not None and expires is not None
    qtbot.mouseClick(expires_on, Qt.MouseButton.LeftButton)
    assert expires.isEnabled()
    expires.setFocus()
    expires.setSelectedSection(QDateEdit.Section.YearSection)
    qtbot.keyClicks(expires, digits)
    assert expires.date().toString("yyyyMMdd") == digits


def test_the_expiration_date_typed_is_the_one_written(
    qtbot: QtBot, dated_panel: ExportPinsPanel, chain: Inspection
) -> None:
    set_expiration(qtbot, dated_panel, "20310517")

    assert '<pin-set expiration="2031-05-17">' in preview(dated_panel).toPlainText()
    expected = core_pin_set(chain, expires=dt.date(2031, 5, 17))
    assert preview(dated_panel).toPlainText() == render("android", expected).text
    assert "pin.expired" not in finding_codes(dated_panel)


def test_a_past_expiration_date_is_an_error_listed_first(
    qtbot: QtBot, dated_panel: ExportPinsPanel, chain: Inspection
) -> None:
    set_expiration(qtbot, dated_panel, "20260227")

    assert '<pin-set expiration="2026-02-27">' in preview(dated_panel).toPlainText()
    assert finding_codes(dated_panel)[0] == "pin.expired"
    title, detail, _ = finding_texts(dated_panel)[0].split("\n")
    assert title == "The pin set's expiration date has passed"
    assert detail.startswith("The expiration date 2026-02-27 has passed.")
    view = dated_panel.findChild(QListView, "findings")
    assert view is not None
    assert view.model().index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "error: [pin.expired]"
    expected = core_pin_set(chain, expires=dt.date(2026, 2, 27))
    assert sorted(finding_codes(dated_panel)) == core_finding_codes(expected, "android", NOW)


# ---- a backup key generated through its dialog ---------------------------------------------------


def test_a_generated_backup_key_is_written_where_asked_readable_only_by_its_owner(
    qtbot: QtBot, panel: ExportPinsPanel, tmp_path: Path
) -> None:
    passphrase = "a long passphrase"
    folder = tmp_path / "offline" / "keys"
    seen: list[QDialog] = []
    QTimer.singleShot(0, lambda: fill_backup_dialog(qtbot, folder, passphrase, seen))

    qtbot.mouseClick(button(panel, "generateBackup"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(backup_rows(panel)), timeout=10_000)

    (key_file,) = folder.glob("*.key")
    assert sorted(p.suffix for p in folder.iterdir()) == [".csr", ".key"]
    if os.name == "posix":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(key_file.read_bytes(), passphrase.encode())
    assert isinstance(key, ec.EllipticCurvePrivateKey)  # the dialog's first key type, P-256
    pin = minting.spki_pin(key)
    assert backup_rows(panel) == [f"{pin}\nbackup key {key_file.name}"]
    assert f'<pin digest="SHA-256">{pin}</pin>' in preview(panel).toPlainText()
    said = backup_problem(panel)
    assert said.isVisible()
    assert said.text() == f"✔ Backup key written (encrypted) to {key_file}; keep it offline."
    assert button(panel, "generateBackup").isEnabled()


def test_a_backup_key_folder_typed_with_a_tilde_is_in_the_home_folder(
    qtbot: QtBot, panel: ExportPinsPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    elsewhere = tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.chdir(elsewhere)
    seen: list[QDialog] = []
    QTimer.singleShot(0, lambda: fill_backup_dialog(qtbot, Path("~/keys"), "a passphrase", seen))

    qtbot.mouseClick(button(panel, "generateBackup"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(backup_rows(panel)), timeout=10_000)

    (key_file,) = (home / "keys").glob("*.key")
    assert list(elsewhere.iterdir()) == []
    assert str(key_file) in backup_problem(panel).text()
