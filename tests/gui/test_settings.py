"""Settings: preferences persist in QSettings, the dialog edits them, the theme colours the app."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from pinscope.gui.settings import (
    Preferences,
    SettingsDialog,
    apply_theme,
    load_preferences,
    save_preferences,
)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def reviewer_settings(settings: QSettings) -> QSettings:
    """Someone who chose Mozilla's roots, a 45-day warning, AIA fetching and the dark theme."""
    chosen = Preferences(trust_store="mozilla", warn_days=45, fetch_missing=True, theme="dark")
    save_preferences(settings, chosen)
    return settings


@pytest.fixture
def dialog(qtbot: QtBot, reviewer_settings: QSettings) -> SettingsDialog:
    widget = SettingsDialog(reviewer_settings)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def restore_theme(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    apply_theme(qapp, "system")


def reopened(settings: QSettings) -> QSettings:
    """The same file read afresh, as the next start of the program would."""
    return QSettings(settings.fileName(), QSettings.Format.IniFormat)


def click(qtbot: QtBot, dialog: SettingsDialog, which: QDialogButtonBox.StandardButton) -> None:
    button = dialog.buttons.button(which)
    assert button is not None and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# ---- persistence ---------------------------------------------------------------------------


def test_a_new_user_gets_the_defaults(settings: QSettings) -> None:
    prefs = load_preferences(settings)

    assert prefs == Preferences(trust_store=None, warn_days=30, fetch_missing=False, theme="system")


def test_preferences_survive_a_restart(reviewer_settings: QSettings) -> None:
    prefs = load_preferences(reopened(reviewer_settings))

    assert prefs == Preferences(
        trust_store="mozilla", warn_days=45, fetch_missing=True, theme="dark"
    )


def test_going_back_to_the_default_trust_store(settings: QSettings) -> None:
    save_preferences(settings, Preferences(trust_store="none"))

    save_preferences(settings, Preferences(trust_store=None))

    assert load_preferences(reopened(settings)).trust_store is None


def test_values_not_understood_fall_back_to_the_defaults(settings: QSettings) -> None:
    settings.setValue("preferences/trust_store", "keychain")
    settings.setValue("preferences/warn_days", "soon")
    settings.setValue("preferences/theme", "solarized")
    settings.sync()

    prefs = load_preferences(reopened(settings))

    assert prefs == Preferences()


def test_only_the_four_preferences_are_written(settings: QSettings) -> None:
    save_preferences(settings, Preferences(trust_store="system", fetch_missing=True))

    stored = reopened(settings).allKeys()

    assert sorted(stored) == [
        "preferences/fetch_missing",
        "preferences/theme",
        "preferences/trust_store",
        "preferences/warn_days",
    ]
    assert "password" not in Path(settings.fileName()).read_text().lower()


# ---- the dialog ----------------------------------------------------------------------------


def test_the_dialog_shows_the_stored_preferences(dialog: SettingsDialog) -> None:
    assert dialog.trust_store.currentText() == "Mozilla"
    assert dialog.warn_days.text() == "45 days"
    assert dialog.fetch_missing.isChecked()
    assert dialog.theme.currentText() == "Dark"


def test_ok_saves_the_edited_preferences(
    qtbot: QtBot, dialog: SettingsDialog, reviewer_settings: QSettings
) -> None:
    dialog.trust_store.setCurrentIndex(dialog.trust_store.findText("None"))
    dialog.warn_days.selectAll()
    qtbot.keyClicks(dialog.warn_days, "14")
    qtbot.mouseClick(dialog.fetch_missing, Qt.MouseButton.LeftButton)
    dialog.theme.setCurrentIndex(dialog.theme.findText("Light"))

    with qtbot.waitSignal(dialog.preferences_saved) as saved:
        click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)

    expected = Preferences(trust_store="none", warn_days=14, fetch_missing=False, theme="light")
    assert saved.args == [expected]
    assert load_preferences(reopened(reviewer_settings)) == expected
    assert not dialog.isVisible()


def test_cancel_leaves_the_stored_preferences_alone(
    qtbot: QtBot, dialog: SettingsDialog, reviewer_settings: QSettings
) -> None:
    dialog.warn_days.setValue(7)
    qtbot.mouseClick(dialog.fetch_missing, Qt.MouseButton.LeftButton)

    with qtbot.assertNotEmitted(dialog.preferences_saved):
        click(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)

    prefs = load_preferences(reopened(reviewer_settings))
    assert prefs.warn_days == 45
    assert prefs.fetch_missing
    assert not dialog.isVisible()


def test_every_field_says_what_it_does(dialog: SettingsDialog) -> None:
    assert "contacts that URL" in dialog.fetch_missing.toolTip()
    for field in (dialog.trust_store, dialog.warn_days, dialog.theme):
        assert field.toolTip()
    notes = [label.text() for label in dialog.findChildren(QLabel)]
    assert any("Passwords are never stored" in note for note in notes)


def test_the_dialog_is_freed_without_the_cycle_collector(settings: QSettings) -> None:
    gc.disable()
    try:
        dialog = SettingsDialog(settings)
        freed = weakref.ref(dialog)
        del dialog

        assert freed() is None
    finally:
        gc.enable()


# ---- themes --------------------------------------------------------------------------------


def lightness(widget: QWidget) -> int:
    return widget.palette().color(QPalette.ColorRole.Window).lightness()


def test_dark_theme_darkens_the_window(qtbot: QtBot, restore_theme: QApplication) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()

    apply_theme(restore_theme, "dark")
    qtbot.waitUntil(lambda: lightness(widget) < 100)

    assert restore_theme.style().name().lower() == "fusion"
    text = widget.palette().color(QPalette.ColorRole.WindowText).lightness()
    assert text > 200


def test_light_and_system_themes_are_light_again(qtbot: QtBot, restore_theme: QApplication) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    apply_theme(restore_theme, "dark")
    qtbot.waitUntil(lambda: lightness(widget) < 100)

    apply_theme(restore_theme, "light")
    qtbot.waitUntil(lambda: lightness(widget) > 200)

    apply_theme(restore_theme, "dark")
    apply_theme(restore_theme, "system")  # the offscreen platform's own colours are light
    qtbot.waitUntil(lambda: lightness(widget) > 200)


def test_an_unknown_theme_is_refused(qapp: QApplication) -> None:
    with pytest.raises(ValueError, match="solarized"):
        apply_theme(qapp, "solarized")
