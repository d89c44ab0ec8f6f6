"""The Check pins panel: open a configuration, check it against loaded sources, read verdicts."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from PySide6 import QtGui
from PySide6.QtCore import QMimeData, QPointF, Qt, QThreadPool, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QTableView,
    QTextBrowser,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from pinscope.core.checks.context import CheckContext
from pinscope.core.inspection import Inspection, Settings, inspect_path
from pinscope.core.pins.compute import build_pin_set, pins_from_source
from pinscope.core.pins.formats import render
from pinscope.core.trust import load_trust_stores
from pinscope.gui.check_pins import CheckPinsPanel
from tests.core import minting
from tests.core.endpoint import plaintext_servers
from tests.core.endpoint.connect_proxy import ConnectProxy
from tests.core.endpoint.servers import NEVER_ANSWERS, ServerConfig, serving
from tests.core.pins.loopback import RedirectingProxy, connects_asked

HOST = "api.example.test"
WAIT_MS = 20_000


@pytest.fixture(autouse=True)
def no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Loopback servers are reached directly, whatever the machine's proxy settings."""
    for variable in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    yield
    # A cancelled check may still be ending on the thread pool: wait for it, then collect its
    # garbage here on the GUI thread, where freeing Qt objects is safe.
    QThreadPool.globalInstance().waitForDone(WAIT_MS)
    gc.collect()


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

    assert header(panel) == [
        "Domain",
        "Verdict",
        "Checked",
        "Matched pin → certificate",
        "Backup",
        "Expires",
    ]
    (row,) = table_rows(panel)
    assert row[0] == "api.example.test"
    assert row[1] == "✔ would connect"
    assert row[2] == chain.name
    assert "intermediate “Pinscope Test Issuing CA”" in row[3]
    assert row[4] == "none"
    assert row[5] == "never"
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
    assert row[1] == "✖ would refuse"
    assert row[2] == other.name
    assert row[3] == "none"
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

    assert header(panel)[:3] == ["Domain", "Verdict", "After rotation"]
    (row,) = table_rows(panel)
    assert row[1] == "✔ would connect"
    assert row[2] == "✖ would refuse"


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


# ---- typed endpoints and their connection options -------------------------------------------


@pytest.fixture
def served() -> minting.Chain:
    """The chain a loopback server sends for api.example.test, under a root of its own."""
    return minting.mint_chain(HOST, prefix="Served")


@pytest.fixture
def served_root(served: minting.Chain, tmp_path: Path) -> Path:
    path = tmp_path / "served-root.pem"
    path.write_bytes(served.root.pem)
    return path


@pytest.fixture
def served_config(served: minting.Chain, served_root: Path, tmp_path: Path) -> Path:
    """An Android config pinning the served chain's intermediate, as core writes it."""
    chain_file = tmp_path / "served.pem"
    chain_file.write_bytes(served.leaf.pem + served.intermediate.pem)
    trusted = Settings(CheckContext(), tuple(load_trust_stores(None, [str(served_root)])))
    inspection = inspect_path(chain_file, settings=trusted)
    assert inspection.source is not None
    computed = pins_from_source(inspection.source, inspection.validation, "intermediate")
    path = tmp_path / "served_network_security_config.xml"
    path.write_text(render("android", build_pin_set([computed])).text, encoding="utf-8")
    return path


def tls_server(chain: minting.Chain) -> ServerConfig:
    return ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate], key=chain.leaf.key
    )


def show_options(qtbot: QtBot, panel: CheckPinsPanel) -> None:
    toggle = child(panel, QToolButton, "connectionOptionsToggle")
    if not toggle.isChecked():
        qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert child(panel, QLineEdit, "sni").isVisible()


def trust_only(qtbot: QtBot, panel: CheckPinsPanel, root: Path) -> None:
    """Judge typed endpoints against `root` alone."""
    show_options(qtbot, panel)
    store = child(panel, QComboBox, "trustStore")
    store.setCurrentIndex(store.findData("none"))
    qtbot.keyClicks(child(panel, QLineEdit, "trustFile"), str(root))


def test_connection_options_start_collapsed_and_say_what_differs(
    qtbot: QtBot, settings: Settings
) -> None:
    panel = make_panel(qtbot, [], settings)
    summary = child(panel, QLabel, "connectionSummary")
    assert not child(panel, QLineEdit, "sni").isVisible()
    assert summary.text() == "defaults"

    show_options(qtbot, panel)
    starttls = child(panel, QComboBox, "starttls")
    starttls.setCurrentIndex(starttls.findData("smtp"))
    qtbot.keyClicks(child(panel, QLineEdit, "sni"), HOST)
    qtbot.mouseClick(
        child(panel, QToolButton, "connectionOptionsToggle"), Qt.MouseButton.LeftButton
    )

    assert not child(panel, QLineEdit, "sni").isVisible()
    assert summary.isVisible()
    assert summary.text() == f"SMTP STARTTLS, as {HOST}"


def test_a_typed_address_checked_with_the_server_name_and_trust_file(
    qtbot: QtBot,
    settings: Settings,
    served: minting.Chain,
    served_root: Path,
    served_config: Path,
) -> None:
    panel = make_panel(qtbot, [], settings)
    panel.open_config(str(served_config))
    trust_only(qtbot, panel, served_root)
    qtbot.keyClicks(child(panel, QLineEdit, "sni"), HOST)

    with serving(tls_server(served)) as server:
        address = f"127.0.0.1:{server.port}"
        qtbot.keyClicks(child(panel, QLineEdit, "endpoints"), address)
        run(qtbot, panel)

    assert [visit.sni for visit in server.visits] == [HOST]
    (row,) = table_rows(panel)
    assert row[:3] == [HOST, "✔ would connect", f"{address} as {HOST}"]
    assert "intermediate “Served Issuing CA”" in row[3]


def test_without_the_trust_file_the_same_server_is_not_trusted(
    qtbot: QtBot, settings: Settings, served: minting.Chain, served_config: Path
) -> None:
    panel = make_panel(qtbot, [], settings)
    panel.open_config(str(served_config))
    show_options(qtbot, panel)
    qtbot.keyClicks(child(panel, QLineEdit, "sni"), HOST)

    with serving(tls_server(served)) as server:
        qtbot.keyClicks(child(panel, QLineEdit, "endpoints"), f"127.0.0.1:{server.port}")
        run(qtbot, panel)

    (row,) = table_rows(panel)
    assert row[1] == "✖ would refuse"


def test_starttls_smtp_with_its_port_from_the_typed_text(
    qtbot: QtBot,
    settings: Settings,
    served: minting.Chain,
    served_root: Path,
    served_config: Path,
) -> None:
    panel = make_panel(qtbot, [], settings)
    panel.open_config(str(served_config))
    trust_only(qtbot, panel, served_root)
    starttls = child(panel, QComboBox, "starttls")
    starttls.setCurrentIndex(starttls.findData("smtp"))
    qtbot.keyClicks(child(panel, QLineEdit, "sni"), HOST)

    with plaintext_servers.serving(plaintext_servers.smtp, chain=served) as server:
        server.expect_outside_client()
        qtbot.keyClicks(child(panel, QLineEdit, "endpoints"), f"127.0.0.1:{server.port}")
        run(qtbot, panel)

    assert b"STARTTLS" in b"".join(server.transcript.received)
    (row,) = table_rows(panel)
    assert row[1] == "✔ would connect"


def test_an_endpoint_reached_through_a_connect_proxy(
    qtbot: QtBot,
    settings: Settings,
    served: minting.Chain,
    served_root: Path,
    served_config: Path,
) -> None:
    panel = make_panel(qtbot, [], settings)
    panel.open_config(str(served_config))
    trust_only(qtbot, panel, served_root)

    with serving(tls_server(served)) as server, ConnectProxy() as proxy:
        endpoint = f"{HOST}:{server.port}"
        qtbot.keyClicks(child(panel, QLineEdit, "proxy"), f"http://127.0.0.1:{proxy.port}")
        qtbot.keyClicks(child(panel, QLineEdit, "endpoints"), endpoint)
        run(qtbot, panel)

    assert [r.request_line for r in proxy.requests] == [f"CONNECT {endpoint} HTTP/1.1"]
    (row,) = table_rows(panel)
    assert row[:3] == [HOST, "✔ would connect", f"{endpoint} as {HOST}"]


def test_a_bad_proxy_url_is_explained_and_nothing_runs(
    qtbot: QtBot, settings: Settings, served_config: Path
) -> None:
    panel = make_panel(qtbot, [], settings)
    panel.open_config(str(served_config))
    show_options(qtbot, panel)
    qtbot.keyClicks(child(panel, QLineEdit, "proxy"), "socks5://127.0.0.1:1080")
    qtbot.keyClicks(child(panel, QLineEdit, "endpoints"), f"{HOST}:443")

    qtbot.mouseClick(child(panel, QPushButton, "check"), Qt.MouseButton.LeftButton)

    status = child(panel, QLabel, "status").text()
    assert status.startswith("✖ Nothing checked:")
    assert "not supported" in status
    assert child(panel, QPushButton, "check").isEnabled()
    assert not child(panel, QPushButton, "cancel").isEnabled()


def test_enter_in_the_endpoints_field_checks_and_escape_cancels(
    qtbot: QtBot, settings: Settings, served: minting.Chain, served_config: Path
) -> None:
    panel = make_panel(qtbot, [], settings)
    panel.open_config(str(served_config))
    show_options(qtbot, panel)
    child(panel, QDoubleSpinBox, "timeout").setValue(1.0)
    endpoints = child(panel, QLineEdit, "endpoints")

    with serving(ServerConfig(behaviour=NEVER_ANSWERS)) as server:
        qtbot.keyClicks(endpoints, f"127.0.0.1:{server.port}")
        qtbot.keyClick(endpoints, Qt.Key.Key_Return)
        assert child(panel, QPushButton, "cancel").isEnabled()
        assert not child(panel, QPushButton, "check").isEnabled()

        qtbot.keyClick(endpoints, Qt.Key.Key_Escape)

        assert "Cancelled" in child(panel, QLabel, "status").text()
        assert child(panel, QPushButton, "check").isEnabled()
        with qtbot.assertNotEmitted(panel.checked, wait=1500):
            pass
    assert table_rows(panel) == []


def test_tab_walks_the_form_in_reading_order(qtbot: QtBot, settings: Settings) -> None:
    panel = make_panel(qtbot, [], settings)
    with qtbot.waitActive(panel):
        panel.activateWindow()
    config_path = child(panel, QLineEdit, "configPath")
    config_path.setFocus()
    order = [config_path]
    for _ in range(3):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())

    assert [widget.objectName() for widget in order] == [
        "configPath",
        "openConfig",
        "sources",
        "endpoints",
    ]


def test_a_label_mnemonic_focuses_its_field(qtbot: QtBot, settings: Settings) -> None:
    panel = make_panel(qtbot, [], settings)
    with qtbot.waitActive(panel):
        panel.activateWindow()

    qtbot.keyClick(panel, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)

    assert QApplication.focusWidget() is child(panel, QLineEdit, "endpoints")


def test_every_button_says_what_it_does(qtbot: QtBot, settings: Settings) -> None:
    panel = make_panel(qtbot, [], settings)
    show_options(qtbot, panel)

    buttons = [b for b in panel.findChildren(QAbstractButton) if b.isVisible()]
    silent = [b.text() for b in buttons if not b.toolTip()]

    assert silent == []


def test_domain_and_verdict_stay_in_view_in_a_narrow_dock(
    qtbot: QtBot,
    chain: Inspection,
    settings: Settings,
    android_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upcoming = tmp_path / "next.pem"
    minted = minting.mint_chain(
        HOST, prefix="A Rather Long Name For The Next Certificate Authority"
    )
    upcoming.write_bytes(minted.leaf.pem + minted.intermediate.pem)
    panel = make_panel(qtbot, [chain], settings)
    panel.resize(480, 700)
    open_config(qtbot, panel, android_config, monkeypatch)
    tick(qtbot, panel, 0)
    qtbot.keyClicks(child(panel, QLineEdit, "nextPath"), str(upcoming))

    run(qtbot, panel)

    table = child(panel, QTableView, "verdicts")
    visible = table.viewport().width()
    for column in (0, 1, 2):  # domain, verdict, after rotation
        assert table.columnViewportPosition(column) + table.columnWidth(column) <= visible
    matched = table.model().index(0, 4)
    assert matched.data(Qt.ItemDataRole.ToolTipRole).startswith(matched.data().split("…")[0])
    details = child(panel, QTextBrowser, "verdictDetails").toPlainText()
    assert "Chain: " in details
    assert "After rotation: would refuse" in details


# ---- configured domains contacted without sources ---------------------------------------------


def shown(label: QLabel) -> str:
    """The text a label displays, as the user reads it (markup rendered, entities decoded)."""
    document = QTextDocument()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(label.text())
    )
    if rich:
        document.setHtml(label.text())
    else:
        document.setPlainText(label.text())
    return document.toPlainText()


def android_domains(tmp_path: Path, pin: str, *domains: str) -> Path:
    """An Android config with one entry per domain, each pinning `pin` and a spare key."""
    spare = minting.spki_pin(minting.new_key())
    entries = "".join(
        f"<domain-config><domain>{domain}</domain><pin-set>"
        f'<pin digest="SHA-256">{pin}</pin><pin digest="SHA-256">{spare}</pin>'
        "</pin-set></domain-config>"
        for domain in domains
    )
    path = tmp_path / "domains_network_security_config.xml"
    path.write_text(f"<network-security-config>{entries}</network-security-config>")
    return path


def proxy_environment(monkeypatch: pytest.MonkeyPatch, proxy: ConnectProxy, no_proxy: str) -> None:
    """https_proxy names the loopback proxy; no_proxy lists `no_proxy`."""
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("no_proxy", no_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)


def test_a_configuration_naming_no_host_is_refused_and_nothing_runs(
    qtbot: QtBot, settings: Settings, served: minting.Chain, tmp_path: Path
) -> None:
    config = tmp_path / "curl.txt"
    config.write_text(f"--pinnedpubkey 'sha256//{served.leaf.pin}'\n")
    panel = make_panel(qtbot, [], settings)
    assert panel.open_config(str(config))

    with qtbot.assertNotEmitted(panel.checked, wait=300):
        qtbot.mouseClick(child(panel, QPushButton, "check"), Qt.MouseButton.LeftButton)

    assert shown(child(panel, QLabel, "status")) == (
        "✖ Nothing checked: curl.txt names no host (curl --pinnedpubkey); give the server or "
        "its certificate to check it against"
    )
    assert not panel.running
    assert child(panel, QPushButton, "check").isEnabled()
    assert table_rows(panel) == []


def test_configured_domains_use_the_proxy_the_environment_names_for_each(
    qtbot: QtBot,
    settings: Settings,
    served: minting.Chain,
    served_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = android_domains(tmp_path, served.intermediate.pin, HOST, "localhost")
    panel = make_panel(qtbot, [], settings)
    panel.open_config(str(config))
    trust_only(qtbot, panel, served_root)

    with serving(tls_server(served)) as server, RedirectingProxy(server.port) as proxy:
        proxy_environment(monkeypatch, proxy, no_proxy="localhost")
        run(qtbot, panel)

    # The domain goes through the proxy; localhost, which no_proxy lists, is contacted directly.
    assert connects_asked(proxy) == [f"{HOST}:443"]
    rows = table_rows(panel)
    assert [row[:3] for row in rows] == [
        [HOST, "✔ would connect", f"{HOST}:443 as {HOST}"],
        ["localhost", "✖ would refuse", "localhost:443 as localhost"],
    ]


def test_configured_domains_speak_tls_whatever_the_starttls_option(
    qtbot: QtBot,
    settings: Settings,
    served: minting.Chain,
    served_root: Path,
    served_config: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = make_panel(qtbot, [], settings)
    panel.open_config(str(served_config))
    trust_only(qtbot, panel, served_root)
    starttls = child(panel, QComboBox, "starttls")
    starttls.setCurrentIndex(starttls.findData("smtp"))

    with serving(tls_server(served)) as server, RedirectingProxy(server.port) as proxy:
        proxy_environment(monkeypatch, proxy, no_proxy="")
        run(qtbot, panel)

    assert connects_asked(proxy) == [f"{HOST}:443"]
    assert [visit.sni for visit in server.visits] == [HOST]
    (row,) = table_rows(panel)
    assert row[:2] == [HOST, "✔ would connect"]


# ---- text shown as written --------------------------------------------------------------------


@pytest.fixture
def marked_folder(tmp_path: Path) -> Path:
    """A folder whose name holds the characters markup gives meaning to."""
    folder = tmp_path / "R&D <b>pins"
    folder.mkdir()
    return folder


def test_a_path_with_ampersand_and_angle_brackets_is_shown_as_written(
    qtbot: QtBot, settings: Settings, marked_folder: Path
) -> None:
    panel = make_panel(qtbot, [], settings)
    missing = marked_folder / "network_security_config.xml"

    assert not panel.open_config(str(missing))

    summary = shown(child(panel, QLabel, "configSummary"))
    assert summary.startswith(f"✖ cannot open {missing}")


def test_a_readable_configuration_in_such_a_folder_is_summarised(
    qtbot: QtBot, settings: Settings, served_config: Path, marked_folder: Path
) -> None:
    config = marked_folder / "network_security_config.xml"
    config.write_bytes(served_config.read_bytes())
    panel = make_panel(qtbot, [], settings)

    assert panel.open_config(str(config))

    summary = shown(child(panel, QLabel, "configSummary"))
    assert summary == f"Android Network Security Config: 1 domain(s): {HOST}"


def test_an_error_naming_such_a_path_is_shown_as_written(
    qtbot: QtBot,
    chain: Inspection,
    settings: Settings,
    android_config: Path,
    marked_folder: Path,
) -> None:
    panel = make_panel(qtbot, [chain], settings)
    panel.open_config(str(android_config))
    tick(qtbot, panel, 0)
    upcoming = marked_folder / "next.pem"
    qtbot.keyClicks(child(panel, QLineEdit, "nextPath"), str(upcoming))

    qtbot.mouseClick(child(panel, QPushButton, "check"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=WAIT_MS)

    status = shown(child(panel, QLabel, "status"))
    assert (
        status == "✖ Nothing checked: next.pem cannot be used as the next certificate, CSR or key."
    )
    said = shown(child(panel, QLabel, "nextError"))
    assert said.startswith(
        f"✖ Not usable as the next certificate, CSR or key: cannot open {upcoming}"
    )


# ---- the rotation preview with a key or a CSR, locked and damaged files -----------------------


@pytest.fixture
def served_settings(served_root: Path) -> Settings:
    """Judged against the served chain's root alone."""
    return Settings(CheckContext(), tuple(load_trust_stores(None, [str(served_root)])))


@pytest.fixture
def served_chain_file(
    served: minting.Chain, served_settings: Settings, tmp_path: Path
) -> Inspection:
    """The served chain, loaded as a file and trusted."""
    path = tmp_path / "served-chain.pem"
    path.write_bytes(served.leaf.pem + served.intermediate.pem)
    return inspect_path(path, settings=served_settings)


@pytest.fixture
def backup_key() -> minting.PrivateKey:
    """The key to deploy next, its pin already shipped as the backup."""
    return minting.new_key()


@pytest.fixture
def leaf_and_backup_config(
    served: minting.Chain, backup_key: minting.PrivateKey, tmp_path: Path
) -> Path:
    """An Android config pinning the served leaf's key and, as backup, `backup_key`."""
    pins = "".join(
        f'<pin digest="SHA-256">{pin}</pin>'
        for pin in (served.leaf.pin, minting.spki_pin(backup_key))
    )
    path = tmp_path / "leaf_network_security_config.xml"
    path.write_text(
        f"<network-security-config><domain-config><domain>{HOST}</domain>"
        f"<pin-set>{pins}</pin-set></domain-config></network-security-config>"
    )
    return path


NEXT_FILE_KINDS = ("private key", "public key", "CSR")


def next_key_file(tmp_path: Path, key: minting.PrivateKey, kind: str) -> Path:
    """`key` written as a PKCS#8 private key, a public key or a CSR for HOST, in PEM."""
    if kind == "private key":
        data = minting.key_pem(key)
    elif kind == "public key":
        data = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    else:
        data = minting.csr_pem(minting.mint_csr(key, HOST, [HOST]))
    path = tmp_path / f"next-{kind.replace(' ', '-')}.pem"
    path.write_bytes(data)
    return path


def rotation_panel(
    qtbot: QtBot, source: Inspection, settings: Settings, config: Path, next_file: Path
) -> CheckPinsPanel:
    """A panel with `config` open, `source` ticked and `next_file` typed as the next one."""
    panel = make_panel(qtbot, [source], settings)
    assert panel.open_config(str(config))
    tick(qtbot, panel, 0)
    qtbot.keyClicks(child(panel, QLineEdit, "nextPath"), str(next_file))
    return panel


def attempt(qtbot: QtBot, panel: CheckPinsPanel) -> None:
    """Click Check when it is expected to stop short: nothing is checked."""
    with qtbot.assertNotEmitted(panel.checked):
        qtbot.mouseClick(child(panel, QPushButton, "check"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not panel.running, timeout=WAIT_MS)


def finding_texts(panel: CheckPinsPanel) -> list[str]:
    model = child(panel, QListView, "findings").model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


@pytest.mark.parametrize("kind", NEXT_FILE_KINDS)
def test_a_next_key_pinned_as_backup_would_connect(
    qtbot: QtBot,
    served_chain_file: Inspection,
    served_settings: Settings,
    leaf_and_backup_config: Path,
    backup_key: minting.PrivateKey,
    tmp_path: Path,
    kind: str,
) -> None:
    next_file = next_key_file(tmp_path, backup_key, kind)
    panel = rotation_panel(
        qtbot, served_chain_file, served_settings, leaf_and_backup_config, next_file
    )

    run(qtbot, panel)

    assert header(panel)[:3] == ["Domain", "Verdict", "After rotation"]
    (row,) = table_rows(panel)
    assert row[:3] == [HOST, "✔ would connect", "✔ would connect"]
    details = child(panel, QTextBrowser, "verdictDetails").toPlainText()
    assert "After rotation: would connect" in details
    assert "Every domain checked would connect" in child(panel, QLabel, "status").text()
    assert not any("next certificate" in text for text in finding_texts(panel))


@pytest.mark.parametrize("kind", NEXT_FILE_KINDS)
def test_a_next_key_not_pinned_would_be_refused(
    qtbot: QtBot,
    served_chain_file: Inspection,
    served_settings: Settings,
    leaf_and_backup_config: Path,
    tmp_path: Path,
    kind: str,
) -> None:
    next_file = next_key_file(tmp_path, minting.new_key(), kind)
    panel = rotation_panel(
        qtbot, served_chain_file, served_settings, leaf_and_backup_config, next_file
    )

    run(qtbot, panel)

    (row,) = table_rows(panel)
    assert row[:3] == [HOST, "✔ would connect", "✖ would refuse"]
    details = child(panel, QTextBrowser, "verdictDetails").toPlainText()
    assert "After rotation: would refuse" in details
    assert "1 of 1 check(s) would fail" in child(panel, QLabel, "status").text()
    (refusal,) = [text for text in finding_texts(panel) if "next certificate" in text]
    assert refusal.startswith(f"{HOST} would refuse the next certificate\n")
    assert "After the planned deployment the app would refuse" in refusal


def test_a_locked_next_key_asks_for_its_password_in_place(
    qtbot: QtBot,
    served_chain_file: Inspection,
    served_settings: Settings,
    leaf_and_backup_config: Path,
    backup_key: minting.PrivateKey,
    tmp_path: Path,
    private_settings: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    password = "correct horse 7"
    locked = tmp_path / "next-key.pem"
    locked.write_bytes(minting.key_pem(backup_key, password.encode()))
    panel = rotation_panel(
        qtbot, served_chain_file, served_settings, leaf_and_backup_config, locked
    )
    with qtbot.waitActive(panel):
        panel.activateWindow()
    field = child(panel, QLineEdit, "nextPassword")
    said = child(panel, QLabel, "nextError")
    assert not field.isVisible()

    # Given no password, the panel asks for it beside the file.
    attempt(qtbot, panel)
    assert field.isVisible()
    assert QApplication.focusWidget() is field
    assert shown(said) == (
        "✖ Password needed for next-key.pem: the encrypted private key is protected by a "
        "password. Type it beside the file and check again."
    )
    status = child(panel, QLabel, "status")
    assert status.text() == "✖ Nothing checked: next-key.pem needs its password."
    assert table_rows(panel) == []

    # A wrong one is said there, and selected for another try.
    qtbot.keyClicks(field, "not it")
    assert not said.isVisible()
    with qtbot.assertNotEmitted(panel.checked):
        qtbot.keyClick(field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not panel.running, timeout=WAIT_MS)
    assert shown(said) == "✖ Wrong password for next-key.pem. Type it again and check."
    assert status.text() == "✖ Nothing checked: wrong password for next-key.pem."
    assert QApplication.focusWidget() is field
    assert field.hasSelectedText()

    # The right one opens the key: the rotation verdict shows.
    qtbot.keyClicks(field, password)
    assert field.text() == password
    with qtbot.waitSignal(panel.checked, timeout=10_000):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    (row,) = table_rows(panel)
    assert row[:3] == [HOST, "✔ would connect", "✔ would connect"]
    assert not said.isVisible()

    # Never stored or logged; forgotten when another file is chosen.
    stored = [path.read_text() for path in private_settings.rglob("*") if path.is_file()]
    assert not any(password in text for text in stored)
    assert password not in caplog.text
    qtbot.keyClicks(child(panel, QLineEdit, "nextPath"), "2")
    assert field.text() == ""
    assert not field.isVisible()


def test_a_locked_pkcs12_next_certificate_is_opened_with_its_password(
    qtbot: QtBot,
    served: minting.Chain,
    served_chain_file: Inspection,
    served_settings: Settings,
    leaf_and_backup_config: Path,
    backup_key: minting.PrivateKey,
    tmp_path: Path,
) -> None:
    renewed = minting.mint_leaf(served.intermediate, HOST, key=backup_key)
    locked = tmp_path / "next.p12"
    locked.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"next",
            backup_key,
            renewed.certificate,
            None,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    panel = rotation_panel(
        qtbot, served_chain_file, served_settings, leaf_and_backup_config, locked
    )

    attempt(qtbot, panel)
    assert shown(child(panel, QLabel, "nextError")).startswith(
        "✖ Password needed for next.p12: this PKCS#12 file is protected by a password."
    )
    qtbot.keyClicks(child(panel, QLineEdit, "nextPassword"), "s3cret")
    run(qtbot, panel)

    (row,) = table_rows(panel)
    assert row[:3] == [HOST, "✔ would connect", "✔ would connect"]


def garbage() -> bytes:
    return b"\x00\x01 not a certificate \xff" * 8


def truncated_key() -> bytes:
    return minting.key_pem(minting.new_key())[:80]


def truncated_certificate() -> bytes:
    pem = minting.mint_chain(HOST).leaf.pem
    return pem[:300] + b"\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (garbage, "expected a certificate, key, CSR or keystore"),
        (truncated_key, "it is truncated"),
        (truncated_certificate, "the certificate is truncated or damaged"),
        (bytes, "empty"),
    ],
    ids=["garbage", "truncated key", "truncated certificate", "empty"],
)
def test_a_damaged_next_file_is_explained_in_place(
    qtbot: QtBot,
    served_chain_file: Inspection,
    served_settings: Settings,
    leaf_and_backup_config: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    content: Callable[[], bytes],
    reason: str,
) -> None:
    damaged = tmp_path / "next.pem"
    damaged.write_bytes(content())
    panel = rotation_panel(
        qtbot, served_chain_file, served_settings, leaf_and_backup_config, damaged
    )
    panel.resize(480, 700)  # a narrow dock: the message wraps

    attempt(qtbot, panel)

    label = child(panel, QLabel, "nextError")
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))  # all lines
    said = shown(label)
    assert said.startswith("✖ Not usable as the next certificate, CSR or key: ")
    assert reason in said
    assert shown(child(panel, QLabel, "status")) == (
        "✖ Nothing checked: next.pem cannot be used as the next certificate, CSR or key."
    )
    assert "Traceback" not in said
    assert not child(panel, QLineEdit, "nextPassword").isVisible()
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert table_rows(panel) == []
    assert child(panel, QPushButton, "check").isEnabled()
