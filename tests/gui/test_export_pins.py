"""The Export pins panel: the preview is core's output for the choices the user made."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
)
from pytestqt.qtbot import QtBot

from pinscope.core.checks.context import CheckContext
from pinscope.core.inspection import Inspection, Settings, inspect_path
from pinscope.core.pins.compute import RECOMMENDATION, build_pin_set, pins_from_source
from pinscope.core.pins.formats import FORMATS, render
from pinscope.core.pins.model import BACKUP, PinSet, SPKIPin
from pinscope.core.pins.parse import parse_pins
from pinscope.core.trust import load_trust_stores
from pinscope.gui.export_pins import ExportPinsPanel

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
