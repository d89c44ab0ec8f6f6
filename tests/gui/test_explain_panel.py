"""The Explain panel: paste a message, press Explain, read the explanation the user sees."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from pinscope.core.explain import FAILURES
from pinscope.gui.explain_panel import ExplainPanel

JAVA_PKIX = (
    "javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
    "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
    "certification path to requested target\n"
    "\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)"
)


@pytest.fixture
def panel(qtbot: QtBot) -> ExplainPanel:
    widget = ExplainPanel()
    qtbot.addWidget(widget)
    widget.resize(560, 640)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def paste(qtbot: QtBot, panel: ExplainPanel, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    panel.message_edit.setFocus()
    qtbot.keyClick(panel.message_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert panel.message_edit.toPlainText() == text


def shown(panel: ExplainPanel) -> str:
    return panel.result_view.toPlainText()


def test_a_java_pkix_message_is_explained_as_a_missing_intermediate(
    qtbot: QtBot, panel: ExplainPanel
) -> None:
    paste(qtbot, panel, JAVA_PKIX)

    with qtbot.waitSignal(panel.explained) as blocker:
        qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)

    missing = FAILURES["chain.missing-intermediate"]
    text = shown(panel)
    assert text.index(missing.title) < text.index("Also possible")
    assert "Most likely" in text
    assert "chain.missing-intermediate" in text
    assert "What to do" in text
    assert "PKIX path building failed" in text  # the fragment recognised
    assert "pinscope connect HOST:PORT" in text  # a next step, its command in plain sight
    assert blocker.args[0][0].code == "chain.missing-intermediate"


def test_ctrl_return_explains_from_the_message_box(qtbot: QtBot, panel: ExplainPanel) -> None:
    paste(qtbot, panel, JAVA_PKIX)

    qtbot.keyClick(panel.message_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    assert FAILURES["chain.missing-intermediate"].title in shown(panel)
    assert panel.message_edit.toPlainText() == JAVA_PKIX  # no newline typed into the message


def test_garbage_is_not_recognised_and_connecting_is_suggested(
    qtbot: QtBot, panel: ExplainPanel
) -> None:
    paste(qtbot, panel, "the printer on the third floor is on fire again")

    qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)

    text = shown(panel)
    assert "Nothing recognised" in text
    assert "connect to the server" in text


def test_an_empty_box_asks_for_a_message(qtbot: QtBot, panel: ExplainPanel) -> None:
    qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)

    assert "Paste what the failing program printed" in shown(panel)


def test_clear_empties_both_boxes(qtbot: QtBot, panel: ExplainPanel) -> None:
    paste(qtbot, panel, JAVA_PKIX)
    qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)

    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)

    assert panel.message_edit.toPlainText() == ""
    assert FAILURES["chain.missing-intermediate"].title not in shown(panel)


def test_the_panel_renders_to_an_image(qtbot: QtBot, panel: ExplainPanel, tmp_path: Path) -> None:
    paste(qtbot, panel, JAVA_PKIX)
    qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
    path = tmp_path / "explain-panel.png"

    assert panel.grab().save(str(path))

    assert path.stat().st_size > 0


def test_the_panel_is_freed_without_the_cycle_collector(qtbot: QtBot) -> None:
    gc.disable()
    try:
        panel = ExplainPanel()
        panel.set_text(JAVA_PKIX)
        qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
        freed = weakref.ref(panel)
        del panel

        assert freed() is None
    finally:
        gc.enable()


def test_keyboard_alone_reaches_and_runs_everything(qtbot: QtBot, panel: ExplainPanel) -> None:
    panel.activateWindow()
    qtbot.waitActive(panel)
    paste(qtbot, panel, JAVA_PKIX)

    qtbot.keyClick(panel.message_edit, Qt.Key.Key_Tab)  # Tab leaves the box, typing no tab
    assert panel.focusWidget() is panel.explain_button
    qtbot.keyClick(panel.explain_button, Qt.Key.Key_Tab)
    assert panel.focusWidget() is panel.clear_button
    qtbot.keyClick(panel.clear_button, Qt.Key.Key_Tab)
    assert panel.focusWidget() is panel.result_view

    with qtbot.waitSignal(panel.explained):
        qtbot.keyClick(panel.result_view, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    assert FAILURES["chain.missing-intermediate"].title in shown(panel)
    assert panel.message_edit.toPlainText() == JAVA_PKIX


def test_the_buttons_and_the_box_have_tooltips(panel: ExplainPanel) -> None:
    assert "Ctrl+Return" in panel.explain_button.toolTip()
    assert panel.clear_button.toolTip()
    assert panel.message_edit.toolTip()


def test_a_long_unbroken_message_wraps_in_a_narrow_dock(qtbot: QtBot, panel: ExplainPanel) -> None:
    blob = "MII" + "A" * 3000  # a pasted certificate without line breaks
    panel.resize(480, 640)
    panel.set_text(f"{JAVA_PKIX}\n{blob}")

    qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
    qtbot.wait(10)

    assert panel.message_edit.horizontalScrollBar().maximum() == 0
    assert panel.result_view.horizontalScrollBar().maximum() == 0
    assert "Most likely" in shown(panel)
