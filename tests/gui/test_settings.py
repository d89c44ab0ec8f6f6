"""Settings: preferences persist in QSettings, the dialog edits them, the theme colours the app."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from pinscope.gui.models import EXPIRED, EXPIRING, INFO, VALID, status_colour
from pinscope.gui.settings import (
    FramedFusionStyle,
    Preferences,
    SettingsDialog,
    apply_theme,
    dark_palette,
    light_palette,
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


def test_enter_saves_and_escape_cancels(
    qtbot: QtBot, dialog: SettingsDialog, reviewer_settings: QSettings
) -> None:
    dialog.warn_days.selectAll()
    qtbot.keyClicks(dialog.warn_days, "10")

    with qtbot.waitSignal(dialog.preferences_saved) as saved:
        qtbot.keyClick(dialog.warn_days, Qt.Key.Key_Return)

    assert saved.args[0].warn_days == 10
    assert not dialog.isVisible()

    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.theme.setCurrentIndex(dialog.theme.findText("Light"))
    with qtbot.assertNotEmitted(dialog.preferences_saved):
        qtbot.keyClick(dialog.theme, Qt.Key.Key_Escape)

    assert not dialog.isVisible()
    assert load_preferences(reopened(reviewer_settings)).theme == "dark"


def test_tab_and_the_labels_letters_reach_every_field(qtbot: QtBot, dialog: SettingsDialog) -> None:
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    dialog.trust_store.setFocus()
    visited = [dialog.focusWidget()]
    for _ in range(3):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        visited.append(dialog.focusWidget())
    assert visited[0] is dialog.trust_store
    assert visited[1] in (dialog.warn_days, dialog.warn_days.findChild(QLineEdit))
    assert visited[2:] == [dialog.fetch_missing, dialog.theme]

    qtbot.keyClick(dialog.theme, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.trust_store
    qtbot.keyClick(dialog.trust_store, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.theme
    qtbot.keyClick(dialog.theme, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not dialog.fetch_missing.isChecked())  # its own letter toggles it


def test_the_buttons_say_their_keys(dialog: SettingsDialog) -> None:
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    assert "Enter" in ok.toolTip()
    assert "Esc" in cancel.toolTip()


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

    style = restore_theme.style()
    assert isinstance(style, FramedFusionStyle)
    assert style.baseStyle().name().lower() == "fusion"
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


def test_a_theme_change_back_to_system_restores_the_platform_style(
    restore_theme: QApplication,
) -> None:
    apply_theme(restore_theme, "dark")

    apply_theme(restore_theme, "system")

    assert not isinstance(restore_theme.style(), FramedFusionStyle)


# ---- contrast ----------------------------------------------------------------------------------


def luminance(colour: QColor) -> float:
    """Relative luminance, as WCAG 2 defines it."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in (colour.red(), colour.green(), colour.blue()))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: QColor, other: QColor) -> float:
    """WCAG 2 contrast ratio: 4.5 for body text, 3 for large text and disabled controls."""
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


TEXT_ROLES = (
    QPalette.ColorRole.WindowText,
    QPalette.ColorRole.Text,
    QPalette.ColorRole.ButtonText,
    QPalette.ColorRole.PlaceholderText,
    QPalette.ColorRole.HighlightedText,
    QPalette.ColorRole.ToolTipText,
    QPalette.ColorRole.Link,
    QPalette.ColorRole.LinkVisited,
)

# (text role, background role) pairs a user reads.
READ_ON = (
    (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
    (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
    (QPalette.ColorRole.Text, QPalette.ColorRole.AlternateBase),
    (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
    (QPalette.ColorRole.PlaceholderText, QPalette.ColorRole.Base),
    (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
    (QPalette.ColorRole.ToolTipText, QPalette.ColorRole.ToolTipBase),
    (QPalette.ColorRole.Link, QPalette.ColorRole.Base),
    (QPalette.ColorRole.Link, QPalette.ColorRole.Window),
    (QPalette.ColorRole.LinkVisited, QPalette.ColorRole.Base),
)


@pytest.mark.parametrize("palette", [dark_palette(), light_palette()], ids=["dark", "light"])
def test_text_reads_well_on_its_background(palette: QPalette) -> None:
    for text, background in READ_ON:
        ratio = contrast(palette.color(text), palette.color(background))
        assert ratio >= 4.5, f"{text.name} on {background.name}: {ratio:.2f}"


@pytest.mark.parametrize("palette", [dark_palette(), light_palette()], ids=["dark", "light"])
def test_disabled_text_is_muted_but_readable(palette: QPalette) -> None:
    disabled = QPalette.ColorGroup.Disabled
    for role in TEXT_ROLES:
        assert palette.color(disabled, role) != palette.color(QPalette.ColorGroup.Active, role)
    for text, background in (
        (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),  # labels, disabled tabs
        (QPalette.ColorRole.WindowText, QPalette.ColorRole.Button),
        (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
        (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
    ):
        ratio = contrast(palette.color(disabled, text), palette.color(disabled, background))
        assert ratio >= 3, f"disabled {text.name} on {background.name}: {ratio:.2f}"


def test_status_colours_read_on_the_dark_rows() -> None:
    palette = dark_palette()
    for status in (EXPIRED, EXPIRING, VALID):
        for row in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
            ratio = contrast(status, palette.color(row))
            assert ratio >= 3, f"{status.name()} on {row.name}: {ratio:.2f}"


def test_status_colours_read_on_the_light_rows_in_their_light_shade(
    restore_theme: QApplication,
) -> None:
    apply_theme(restore_theme, "light")
    palette = light_palette()
    for status in (EXPIRED, EXPIRING, VALID, INFO):
        shade = status_colour(status)
        for row in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
            ratio = contrast(shade, palette.color(row))
            assert ratio >= 4.5, f"{shade.name()} on {row.name}: {ratio:.2f}"
    apply_theme(restore_theme, "dark")
    assert status_colour(EXPIRING) == EXPIRING


def test_dark_fields_and_disabled_tabs_are_visible(
    qtbot: QtBot, restore_theme: QApplication
) -> None:
    """The filter box of a dark toolbar had no edge, and a disabled tab could not be read."""
    apply_theme(restore_theme, "dark")
    window = QWidget()
    qtbot.addWidget(window)
    field = QLineEdit("filter")
    field.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a focused field's frame has the focus colour
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "Summary")
    tabs.addTab(QWidget(), "Usages")
    tabs.setTabEnabled(1, False)
    layout = QVBoxLayout(window)
    layout.addWidget(field)
    layout.addWidget(tabs)
    window.show()
    qtbot.waitExposed(window)

    image = field.grab().toImage()
    edge = QColor(image.pixel(0, image.height() // 2))
    background = window.palette().color(QPalette.ColorRole.Window)
    inside = field.palette().color(QPalette.ColorRole.Base)
    assert contrast(edge, background) >= 1.8 and contrast(edge, inside) >= 3

    tab_text = (
        tabs.tabBar().palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    )
    assert contrast(tab_text, background) >= 3
