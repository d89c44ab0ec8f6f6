"""The window's preferences: what they are, how they persist in QSettings, the dialog that edits
them, and the colour theme they choose.

Passwords are never among them: a password is asked for in place each time and forgotten.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProxyStyle,
    QSpinBox,
    QStyle,
    QStyleOption,
    QStyleOptionComplex,
    QVBoxLayout,
    QWidget,
)

from pinscope.core.trust import STORE_NAMES

logger = logging.getLogger(__name__)

__all__ = [
    "THEMES",
    "TRUST_STORE_CHOICES",
    "FramedFusionStyle",
    "Preferences",
    "SettingsDialog",
    "apply_theme",
    "load_preferences",
    "save_preferences",
]

TRUST_STORE_CHOICES: tuple[tuple[str | None, str, str], ...] = (
    (
        None,
        "Default (system, else Mozilla)",
        "Use the operating system's trusted roots; Mozilla's list when the system has none.",
    ),
    ("system", "System", "Use only the operating system's trusted roots."),
    ("mozilla", "Mozilla", "Use Mozilla's list of trusted roots (shipped with certifi)."),
    ("none", "None", "Judge no trust: show chains without saying whether a client trusts them."),
)
"""(stored value, label, tooltip) of each trust store the dialog offers."""

THEMES: tuple[tuple[str, str], ...] = (
    ("system", "Follow the system"),
    ("light", "Light"),
    ("dark", "Dark"),
)
"""(stored value, label) of each colour theme."""

WARN_DAYS_RANGE = (1, 3650)

_TRUST_STORE_KEY = "preferences/trust_store"
_WARN_DAYS_KEY = "preferences/warn_days"
_FETCH_MISSING_KEY = "preferences/fetch_missing"
_THEME_KEY = "preferences/theme"
_PLATFORM_STYLE = "pinscope_platform_style"
"""The application property remembering the platform's style, to return to it from a theme."""


@dataclass
class Preferences:
    """What the user chose in Settings; the defaults are what a new user gets."""

    trust_store: str | None = None
    """"system", "mozilla" or "none"; None for the default: the system store, or Mozilla's
    when the system has none."""
    warn_days: int = 30
    """A certificate expiring within this many days is shown as "expiring"."""
    fetch_missing: bool = False
    """Fetch missing intermediates from the AIA URL in the certificate (contacts that URL)."""
    theme: str = "system"
    """"system" (follow the platform), "light" or "dark"."""


def load_preferences(settings: QSettings) -> Preferences:
    """The preferences stored in `settings`; defaults for those missing or not understood."""
    defaults = Preferences()
    trust_store = _choice(settings.value(_TRUST_STORE_KEY, None), STORE_NAMES, "trust store")
    theme = _choice(settings.value(_THEME_KEY, None), tuple(dict(THEMES)), "theme")
    return Preferences(
        trust_store=trust_store,
        warn_days=_warn_days(settings.value(_WARN_DAYS_KEY, None), defaults.warn_days),
        fetch_missing=_flag(settings.value(_FETCH_MISSING_KEY, defaults.fetch_missing)),
        theme=theme or defaults.theme,
    )


def save_preferences(settings: QSettings, prefs: Preferences) -> None:
    """Store `prefs` in `settings` and write them out."""
    if prefs.trust_store is None:
        settings.remove(_TRUST_STORE_KEY)
    else:
        settings.setValue(_TRUST_STORE_KEY, prefs.trust_store)
    settings.setValue(_WARN_DAYS_KEY, prefs.warn_days)
    settings.setValue(_FETCH_MISSING_KEY, prefs.fetch_missing)
    settings.setValue(_THEME_KEY, prefs.theme)
    settings.sync()


def _choice(value: object, allowed: tuple[str, ...], what: str) -> str | None:
    """`value` when it is one of `allowed`; None (the default) when missing or unknown."""
    if value is None:
        return None
    if value not in allowed:
        logger.debug("ignoring unknown %s %r in settings", what, value)
        return None
    return str(value)


def _warn_days(value: object, default: int) -> int:
    if value is None:
        return default
    try:
        days = int(str(value))
    except ValueError:
        logger.debug("ignoring warning days %r in settings", value)
        return default
    low, high = WARN_DAYS_RANGE
    return min(max(days, low), high)


def _flag(value: object) -> bool:
    """A boolean read back from QSettings: INI files hand back the strings "true"/"false"."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


class SettingsDialog(QDialog):
    """Edits the preferences stored in `settings`; OK saves them, Cancel leaves them as they were.

    `preferences_saved` carries the new `Preferences` after OK, for the window to apply (theme,
    warning days, trust store for the next connection).
    """

    preferences_saved = Signal(object)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pinscope settings")
        self.settings = settings

        self.trust_store = QComboBox()
        for index, (value, label, tip) in enumerate(TRUST_STORE_CHOICES):
            self.trust_store.addItem(label, value)
            self.trust_store.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.trust_store.setToolTip(
            "The trusted roots used to judge chains and connections when you do not pick one."
        )

        self.warn_days = QSpinBox()
        self.warn_days.setRange(*WARN_DAYS_RANGE)
        self.warn_days.setSuffix(" days")
        self.warn_days.setToolTip(
            "Certificates that expire within this many days are marked as expiring."
        )

        self.fetch_missing = QCheckBox("&Fetch missing intermediates (AIA)")
        self.fetch_missing.setToolTip(
            "When a chain is incomplete, download the issuer from the CA Issuers URL written in "
            "the certificate. This contacts that URL, which tells its owner what you inspect."
        )

        self.theme = QComboBox()
        for value, label in THEMES:
            self.theme.addItem(label, value)
        self.theme.setToolTip("The window's colours: the platform's own, light or dark.")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setToolTip("Save the settings and apply them (Enter)")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip(
            "Close without saving (Esc)"
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        self._layout()
        self.show_preferences(load_preferences(settings))

    def _layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(_label("Default &trust store:", self.trust_store), self.trust_store)
        form.addRow(_label("&Expiry warning:", self.warn_days), self.warn_days)
        form.addRow(_label("Chains:", self.fetch_missing), self.fetch_missing)
        form.addRow("", _note("When off, Pinscope downloads nothing by itself.", wrap=False))
        form.addRow(_label("T&heme:", self.theme), self.theme)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(_note("Passwords are never stored: Pinscope asks for them each time."))
        layout.addStretch(1)
        layout.addSpacing(12)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

        # Down the form in reading order, then the buttons.
        fields = [self.trust_store, self.warn_days, self.fetch_missing, self.theme, self.buttons]
        for first, second in itertools.pairwise(fields):
            QWidget.setTabOrder(first, second)

    def show_preferences(self, prefs: Preferences) -> None:
        """Fill the fields with `prefs`."""
        self.trust_store.setCurrentIndex(max(self.trust_store.findData(prefs.trust_store), 0))
        self.warn_days.setValue(prefs.warn_days)
        self.fetch_missing.setChecked(prefs.fetch_missing)
        self.theme.setCurrentIndex(max(self.theme.findData(prefs.theme), 0))

    def preferences(self) -> Preferences:
        """The preferences as the fields show them now."""
        return Preferences(
            trust_store=self.trust_store.currentData(),
            warn_days=self.warn_days.value(),
            fetch_missing=self.fetch_missing.isChecked(),
            theme=str(self.theme.currentData()),
        )

    def accept(self) -> None:
        prefs = self.preferences()
        save_preferences(self.settings, prefs)
        super().accept()
        self.preferences_saved.emit(prefs)


def _label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose mnemonic (Alt and the letter after &) puts the focus on `buddy`."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def _note(text: str, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted, still readable
    return label


# ---- themes ------------------------------------------------------------------------------------

_COLOUR_SCHEMES = {
    "system": Qt.ColorScheme.Unknown,
    "light": Qt.ColorScheme.Light,
    "dark": Qt.ColorScheme.Dark,
}


def apply_theme(app: QApplication, theme: str) -> None:
    """Colour the whole application: "dark" or "light" with the Fusion style, which honours
    palettes on every platform; "system" returns to the platform's style and colours.

    The colour scheme hint is set as well, so that native dialogs (file pickers) follow.

    Raises:
        ValueError: `theme` is not one of THEMES.
    """
    if theme not in _COLOUR_SCHEMES:
        raise ValueError(f"unknown theme {theme!r}; expected one of {list(_COLOUR_SCHEMES)}")
    if app.property(_PLATFORM_STYLE) is None:
        app.setProperty(_PLATFORM_STYLE, app.style().name())

    app.styleHints().setColorScheme(_COLOUR_SCHEMES[theme])
    if theme == "system":
        app.setStyle(str(app.property(_PLATFORM_STYLE)))
        app.setPalette(QPalette())  # an empty palette: the platform's colours again
        return
    app.setStyle(FramedFusionStyle())
    app.setPalette(dark_palette() if theme == "dark" else light_palette())


class FramedFusionStyle(QProxyStyle):
    """Fusion, with the frames of text fields, spin boxes, views and check boxes visible on dark
    windows.

    Fusion draws those frames in the window colour darkened by 40 %, which a dark window
    swallows: the filter box of a dark toolbar had no edge at all. On a dark palette this style
    hands Fusion a window colour from which that darkening gives FIELD_FRAME_DARK instead.
    Light palettes are drawn exactly as Fusion draws them.
    """

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element in _FRAMES and _is_dark(option.palette):
            option = _with_visible_frame(option)
        super().drawPrimitive(element, option, painter, widget)

    def drawComplexControl(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if control == QStyle.ComplexControl.CC_SpinBox and _is_dark(option.palette):
            option = _with_visible_frame(option)
        super().drawComplexControl(control, option, painter, widget)


FIELD_FRAME_DARK = QColor(118, 118, 124)
"""The frame of a text field, spin box or view on the dark palette: plain against the window
and against the field's own background."""

_FRAMES = (
    QStyle.PrimitiveElement.PE_FrameLineEdit,
    QStyle.PrimitiveElement.PE_Frame,
    QStyle.PrimitiveElement.PE_IndicatorCheckBox,
    QStyle.PrimitiveElement.PE_IndicatorRadioButton,
)
_FUSION_DARKENING = 140
"""Fusion draws a field's frame in `window.darker(140)` (QFusionStylePrivate::outline)."""


def _is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


_O = TypeVar("_O", bound=QStyleOption)


def _with_visible_frame(option: _O) -> _O:
    """A copy of `option` whose window colour makes Fusion draw FIELD_FRAME_DARK frames."""
    copy = type(option)(option)
    palette = QPalette(copy.palette)
    palette.setColor(QPalette.ColorRole.Window, FIELD_FRAME_DARK.lighter(_FUSION_DARKENING))
    copy.palette = palette
    return copy


def light_palette() -> QPalette:
    """A light palette, the same on every platform."""
    return _palette(
        {
            QPalette.ColorRole.Window: QColor(239, 239, 239),
            QPalette.ColorRole.WindowText: QColor(20, 20, 20),
            QPalette.ColorRole.Base: QColor(255, 255, 255),
            QPalette.ColorRole.AlternateBase: QColor(245, 245, 245),
            QPalette.ColorRole.ToolTipBase: QColor(255, 255, 220),
            QPalette.ColorRole.ToolTipText: QColor(20, 20, 20),
            QPalette.ColorRole.PlaceholderText: QColor(110, 110, 110),
            QPalette.ColorRole.Text: QColor(20, 20, 20),
            QPalette.ColorRole.Button: QColor(239, 239, 239),
            QPalette.ColorRole.ButtonText: QColor(20, 20, 20),
            QPalette.ColorRole.BrightText: QColor(200, 0, 0),
            QPalette.ColorRole.Light: QColor(255, 255, 255),
            QPalette.ColorRole.Midlight: QColor(227, 227, 227),
            QPalette.ColorRole.Mid: QColor(160, 160, 160),
            QPalette.ColorRole.Dark: QColor(110, 110, 110),
            QPalette.ColorRole.Shadow: QColor(105, 105, 105),
            QPalette.ColorRole.Highlight: QColor(38, 115, 200),
            QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
            QPalette.ColorRole.Link: QColor(0, 90, 200),
            QPalette.ColorRole.LinkVisited: QColor(110, 50, 180),
        },
        disabled=_Disabled(
            text=QColor(118, 118, 118),
            placeholder=QColor(140, 140, 140),
            base=QColor(244, 244, 244),
            button=QColor(232, 232, 232),
            highlight=QColor(165, 165, 165),
        ),
    )


def dark_palette() -> QPalette:
    """A dark palette whose text, links, selections and status colours keep good contrast."""
    return _palette(
        {
            QPalette.ColorRole.Window: QColor(45, 45, 48),
            QPalette.ColorRole.WindowText: QColor(230, 230, 230),
            QPalette.ColorRole.Base: QColor(30, 30, 32),
            # Close to Base: red status text must stay readable on the alternate rows too.
            QPalette.ColorRole.AlternateBase: QColor(40, 40, 43),
            QPalette.ColorRole.ToolTipBase: QColor(62, 62, 66),
            QPalette.ColorRole.ToolTipText: QColor(235, 235, 235),
            QPalette.ColorRole.PlaceholderText: QColor(150, 150, 155),
            QPalette.ColorRole.Text: QColor(230, 230, 230),
            QPalette.ColorRole.Button: QColor(55, 55, 58),
            QPalette.ColorRole.ButtonText: QColor(230, 230, 230),
            QPalette.ColorRole.BrightText: QColor(255, 90, 90),
            QPalette.ColorRole.Light: QColor(75, 75, 78),
            QPalette.ColorRole.Midlight: QColor(62, 62, 65),
            QPalette.ColorRole.Mid: QColor(100, 100, 105),
            QPalette.ColorRole.Dark: QColor(25, 25, 27),
            QPalette.ColorRole.Shadow: QColor(10, 10, 10),
            QPalette.ColorRole.Highlight: QColor(38, 115, 200),
            QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
            QPalette.ColorRole.Link: QColor(110, 175, 255),
            QPalette.ColorRole.LinkVisited: QColor(190, 150, 255),
        },
        disabled=_Disabled(
            text=QColor(150, 150, 155),
            placeholder=QColor(125, 125, 130),
            base=QColor(38, 38, 40),
            button=QColor(50, 50, 53),
            highlight=QColor(80, 80, 85),
        ),
    )


@dataclass(frozen=True)
class _Disabled:
    """The colours of disabled widgets: muted, but still readable."""

    text: QColor
    """Every text role: labels, fields, buttons, tabs, links, selections, tooltips."""
    placeholder: QColor
    """The hint in an empty field: fainter than the field's disabled text would be."""
    base: QColor
    button: QColor
    highlight: QColor


_TEXT_ROLES = (
    QPalette.ColorRole.WindowText,
    QPalette.ColorRole.Text,
    QPalette.ColorRole.ButtonText,
    QPalette.ColorRole.BrightText,
    QPalette.ColorRole.HighlightedText,
    QPalette.ColorRole.ToolTipText,
    QPalette.ColorRole.Link,
    QPalette.ColorRole.LinkVisited,
)


def _palette(colours: dict[QPalette.ColorRole, QColor], disabled: _Disabled) -> QPalette:
    palette = QPalette()
    for role, colour in colours.items():
        palette.setColor(role, colour)

    group = QPalette.ColorGroup.Disabled
    for role in _TEXT_ROLES:
        palette.setColor(group, role, disabled.text)
    palette.setColor(group, QPalette.ColorRole.PlaceholderText, disabled.placeholder)
    palette.setColor(group, QPalette.ColorRole.Base, disabled.base)
    palette.setColor(group, QPalette.ColorRole.Button, disabled.button)
    palette.setColor(group, QPalette.ColorRole.Highlight, disabled.highlight)
    return palette
