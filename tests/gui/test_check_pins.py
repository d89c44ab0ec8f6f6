"""The Check pins panel: open a configuration, check it against loaded sources, read verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QListView, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from pinscope.core.checks.context import CheckContext
from pinscope.core.inspection import Inspection, Settings, inspect_path
from pinscope.core.pins.compute import build_pin_set, pins_from_source
from pinscope.core.pins.formats import render
from pinscope.core.trust import load_trust_stores
from pinscope.gui.check_pins import CheckPinsPanel
from tests.core import minting


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    trust = str(data_dir / "ca-root.crt")
    return Settings(CheckContext(), tuple(load_trust_stores(None, [trust])))


@pytest.fixture
def chain(data_dir: Path, settings: Settings) -> Inspection:
    return inspect_path(data_dir / "chain.pem", settings=settings)


@pytest.fixture
def other(tmp_path: Path) -> Inspection:
    """Another chain for the same host under another CA, its root trusted."""
    minted = minting.mint_chain("api.example.test", prefix="Other")
    roots = tmp_path / "other-root.pem"
    roots.write_bytes(minted.root.pem)
    served = tmp_path / "other.pem"
    served.write_bytes(minted.leaf.pem + minted.intermediate.pem)
    settings = Settings(CheckContext(), tuple(load_trust_stores(None, [str(roots)])))
    return inspect_path(served, settings=settings)


@pytest.fixture
def android_config(tmp_path: Path, chain: Inspection) -> Path:
    """An Android Network Security Config pinning the chain's intermediate, as core writes it."""
    assert chain.source is not None
    computed = pins_from_source(chain.source, chain.validation, "intermediate")
    path = tmp_path / "network_security_config.xml"
    path.write_text(render("android", build_pin_set([computed])).text, encoding="utf-8")
    return path


def make_panel(qtbot: QtBot, inspections: list[Inspection], settings: Settings) -> CheckPinsPanel:
    panel = CheckPinsPanel(inspections, settings)
    qtbot.addWidget(panel)
    panel.resize(1100, 720)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def open_config(
    qtbot: QtBot, panel: CheckPinsPanel, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    qtbot.mouseClick(child(panel, QPushButton, "openConfig"), Qt.MouseButton.LeftButton)


def tick(qtbot: QtBot, panel: CheckPinsPanel, row: int) -> None:
    """Click the check box of a loaded source."""
    view = child(panel, QListView, "sources")
    index = view.model().index(row, 0)
    view.model().setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)


def run(qtbot: QtBot, panel: CheckPinsPanel) -> None:
    with qtbot.waitSignal(panel.checked, timeout=10_000):
        qtbot.mouseClick(child(panel, QPushButton, "check"), Qt.MouseButton.LeftButton)


def table_rows(panel: CheckPinsPanel) -> list[list[str]]:
    model = child(panel, QTableView, "verdicts").model()
    return [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def header(panel: CheckPinsPanel) -> list[str]:
    model = child(panel, QTableView, "verdicts").model()
    return [
        model.headerData(column, Qt.Orientation.Horizontal) for column in range(model.columnCount())
    ]


def child(panel: CheckPinsPanel, kind: type, name: str):  # type: ignore[no-untyped-def]
    found = panel.findChild(kind, name)
    assert found is not None, name
    return found


def test_opening_a_configuration_says_what_it_is(
    qtbot: QtBot,
    chain: Inspection,
    settings: Settings,
    android_config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = make_panel(qtbot, [chain], settings)
    assert not child(panel, QPushButton, "check").isEnabled()

    open_config(qtbot, panel, android_config, monkeypatch)

    summary = child(panel, QLabel, "configSummary").text()
    assert "Android Network Security Config" in summary
    assert "api.example.test" in summary
    assert child(panel, QPushButton, "check").isEnabled()


def test_the_chain_it_pins_would_connect(
    qtbot: QtBot,
    chain: Inspection,
    settings: Settings,
    android_config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = make_panel(qtbot, [chain], settings)
    open_config(qtbot, panel, android_config, monkeypatch)
    tick(qtbot, panel, 0)

    run(qtbot, panel)

    assert header(panel)[:6] == [
        "Domain",
        "Checked",
        "Matched pin → certificate",
        "Backup",
        "Expires",
        "Verdict",
    ]
    (row,) = table_rows(panel)
    assert row[0] == "api.example.test"
    assert row[1] == chain.name
    assert "intermediate “Pinscope Test Issuing CA”" in row[2]
    assert row[3] == "none"
    assert row[4] == "never"
    assert row[5] == "✔ would connect"
    assert "Every domain checked would connect" in child(panel, QLabel, "status").text()


def test_another_ca_would_be_refused(
    qtbot: QtBot,
    chain: Inspection,
    other: Inspection,
    settings: Settings,
    android_config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = make_panel(qtbot, [chain, other], settings)
    open_config(qtbot, panel, android_config, monkeypatch)
    tick(qtbot, panel, 1)

    run(qtbot, panel)

    (row,) = table_rows(panel)
    assert row[1] == other.name
    assert row[2] == "none"
    assert row[5] == "✖ would refuse"
    assert "1 of 1 check(s) would fail" in child(panel, QLabel, "status").text()
    findings = child(panel, QListView, "findings").model()
    assert findings.rowCount() > 0


def test_rotation_preview_to_another_ca(
    qtbot: QtBot,
    chain: Inspection,
    settings: Settings,
    android_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    minted = minting.mint_chain("api.example.test", prefix="Next")
    upcoming = tmp_path / "next.pem"
    upcoming.write_bytes(minted.leaf.pem + minted.intermediate.pem)
    panel = make_panel(qtbot, [chain], settings)
    open_config(qtbot, panel, android_config, monkeypatch)
    tick(qtbot, panel, 0)
    qtbot.keyClicks(child(panel, type(panel.next_path), "nextPath"), str(upcoming))

    run(qtbot, panel)

    assert header(panel)[-1] == "After rotation"
    (row,) = table_rows(panel)
    assert row[5] == "✔ would connect"
    assert row[6] == "✖ would refuse"


def test_a_dropped_file_is_opened(
    qtbot: QtBot, chain: Inspection, settings: Settings, android_config: Path
) -> None:
    panel = make_panel(qtbot, [chain], settings)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(android_config))])
    where = (QPointF(10, 10), Qt.DropAction.CopyAction, data)
    buttons = (Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(*where, *buttons)

    assert QApplication.sendEvent(panel, enter) and enter.isAccepted()
    QApplication.sendEvent(panel, QDropEvent(*where, *buttons))

    assert "Android Network Security Config" in child(panel, QLabel, "configSummary").text()


def test_a_file_that_is_no_configuration_is_explained(
    qtbot: QtBot,
    chain: Inspection,
    settings: Settings,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = make_panel(qtbot, [chain], settings)

    open_config(qtbot, panel, data_dir / "server.key", monkeypatch)

    assert "✖" in child(panel, QLabel, "configSummary").text()
    assert not child(panel, QPushButton, "check").isEnabled()


def test_the_panel_renders_to_an_image(
    qtbot: QtBot,
    chain: Inspection,
    settings: Settings,
    android_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = make_panel(qtbot, [chain], settings)
    open_config(qtbot, panel, android_config, monkeypatch)
    tick(qtbot, panel, 0)
    run(qtbot, panel)
    screenshot = tmp_path / "check-pins.png"

    assert panel.grab().save(str(screenshot))
    assert screenshot.stat().st_size > 0
