"""The Export pins panel: the preview is core's output for the choices the user made."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
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
from pinscope.core.inspection import Inspection, Settings, inspect_path
from pinscope.core.pins.compute import (
    RECOMMENDATION,
    ComputedPins,
    build_pin_set,
    pins_from_source,
)
from pinscope.core.pins.formats import FORMATS, render
from pinscope.core.pins.model import BACKUP, PinSet, SPKIPin
from pinscope.core.pins.parse import parse_pins
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


def core_pin_set(chain: Inspection, backups: tuple[SPKIPin, ...] = ()) -> PinSet:
    assert chain.source is not None
    computed = pins_from_source(chain.source, chain.validation, "intermediate")
    return build_pin_set([computed], backups=backups)


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
