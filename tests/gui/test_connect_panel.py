"""The Connect panel against real loopback servers: typed in, clicked, and read off the form.

Each test starts a pyOpenSSL server on 127.0.0.1 (tests/core/endpoint/servers.py) with a chain
minted for it, fills the form the way a user does and checks what the panel shows and the
Inspection it hands to the window.
"""

from __future__ import annotations

import dataclasses
import gc
import socket
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from pinscope.core.certificate import Certificate
from pinscope.core.endpoint.handshake import ClientIdentity
from pinscope.core.inspection import Inspection
from pinscope.gui.connect_dialog import ConnectPanel
from tests.core import minting
from tests.core.endpoint.servers import (
    CLIENT_AUTH_REQUIRED,
    NEVER_ANSWERS,
    LoopbackServer,
    ServerConfig,
    serving,
)
from tests.core.endpoint.test_connect import certificate, mint_client

HOST = "good.test"
WAIT_MS = 20_000


@pytest.fixture(autouse=True)
def no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Loopback servers are reached directly, whatever the machine's proxy settings."""
    for variable in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    yield
    # A cancelled attempt may still be ending on the thread pool. Then collect its garbage here,
    # on the GUI thread: a Qt object freed by the collector on a worker thread crashes.
    QThreadPool.globalInstance().waitForDone(WAIT_MS)
    gc.collect()


@pytest.fixture
def chain() -> minting.Chain:
    return minting.mint_chain(HOST, prefix="Server")


@pytest.fixture
def root_file(chain: minting.Chain, tmp_path: Path) -> Path:
    path = tmp_path / "server-root.pem"
    path.write_bytes(chain.root.pem)
    return path


@pytest.fixture
def client_chain() -> minting.Chain:
    root = minting.mint_ca("Internal Services Root")
    intermediate = minting.mint_ca("Internal Services CA", issuer=root, path_length=0)
    return minting.Chain(root, intermediate, mint_client(intermediate, "alice"))


@pytest.fixture
def panel(qtbot: QtBot) -> ConnectPanel:
    widget = ConnectPanel()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def server_config(chain: minting.Chain, **changes: object) -> ServerConfig:
    config = ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate], key=chain.leaf.key
    )
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def requiring_client_certificates(
    chain: minting.Chain, client_chain: minting.Chain
) -> ServerConfig:
    return server_config(
        chain, client_auth=CLIENT_AUTH_REQUIRED, client_trust=[client_chain.root.certificate]
    )


def fill_in(
    qtbot: QtBot,
    panel: ConnectPanel,
    monkeypatch: pytest.MonkeyPatch,
    server: LoopbackServer,
    root_file: Path,
) -> None:
    """Type the server's address and SNI, trust only the test root, shorten the timeout."""
    qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{server.port}")
    qtbot.keyClicks(panel.sni_edit, HOST)
    panel.trust_combo.setCurrentIndex(panel.trust_combo.findData("none"))
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", staticmethod(lambda *args: ([str(root_file)], ""))
    )
    qtbot.mouseClick(panel.add_trust_button, Qt.MouseButton.LeftButton)
    panel.timeout_spin.setValue(3.0)


def connect_and_wait(qtbot: QtBot, panel: ConnectPanel) -> Inspection:
    with qtbot.waitSignal(panel.connected, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    inspection = blocker.args[0]
    assert isinstance(inspection, Inspection)
    return inspection


def codes(inspection: Inspection) -> list[str]:
    return [finding.code for finding in inspection.findings]


def test_a_good_server_gives_a_completed_handshake(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serving(server_config(chain)) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        assert panel.trust_files() == [str(root_file)]

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.completed
    assert inspection.endpoint.handshake.sni == HOST
    assert inspection.validation is not None and inspection.validation.trusted
    assert "handshake completed" in panel.status_label.text()
    assert panel.connect_button.isEnabled()
    assert not panel.cancel_button.isVisible()
    assert server.visits[0].sni == HOST


def test_a_server_requiring_a_client_certificate_is_diagnosed(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    client_chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serving(requiring_client_certificates(chain, client_chain)) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.certificate_requested
    assert "tls.client-cert-required" in codes(inspection)
    assert panel.connect_button.isEnabled()


def test_a_client_certificate_from_files_is_presented(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    client_chain: minting.Chain,
    root_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert_file = tmp_path / "alice.pem"
    cert_file.write_bytes(client_chain.leaf.pem + client_chain.intermediate.pem)
    key_file = tmp_path / "alice.key"
    key_file.write_bytes(client_chain.leaf.key_pem(b"secret"))

    with serving(requiring_client_certificates(chain, client_chain)) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        panel.client_source.setCurrentIndex(panel.client_source.findText("From files…"))
        qtbot.keyClicks(panel.client_cert_edit, str(cert_file))
        qtbot.keyClicks(panel.client_key_edit, str(key_file))
        qtbot.keyClicks(panel.client_password_edit, "secret")

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    handshake = inspection.endpoint.handshake
    assert handshake.client_certificate_sent and handshake.completed
    assert "tls.client-cert-required" not in codes(inspection)
    assert server.visits[-1].client_certificate == client_chain.leaf.certificate


def test_an_identity_loaded_by_the_window_can_be_chosen(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    client_chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issued = (client_chain.leaf, client_chain.intermediate)
    identity = ClientIdentity(
        tuple(Certificate(i.der, i.certificate) for i in issued), client_chain.leaf.key
    )
    panel.set_identities([("alice.p12", identity)])

    with serving(requiring_client_certificates(chain, client_chain)) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        panel.client_source.setCurrentIndex(panel.client_source.findText("alice.p12"))
        assert not panel.client_cert_edit.isVisible()

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.client_certificate_sent
    assert server.visits[-1].client_certificate == certificate(client_chain.leaf).x509


def test_cancel_gives_the_form_back_at_once(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serving(ServerConfig(behaviour=NEVER_ANSWERS)) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        panel.timeout_spin.setValue(1.5)
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)

        # Running: progress and Cancel shown, the form still editable, a second Connect refused.
        assert f"Connecting to 127.0.0.1:{server.port}" in panel.status_label.text()
        assert panel.progress.isVisible() and panel.cancel_button.isVisible()
        assert not panel.connect_button.isEnabled()
        assert panel.host_edit.isEnabled() and panel.sni_edit.isEnabled()
        qtbot.keyClick(panel.host_edit, Qt.Key.Key_Return)
        assert "Still connecting" in panel.status_label.text()

        with qtbot.assertNotEmitted(panel.connected, wait=2500):
            qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
            assert panel.connect_button.isEnabled()
            assert not panel.progress.isVisible() and not panel.cancel_button.isVisible()
            assert "Cancelled" in panel.status_label.text()


def test_a_bad_host_is_shown_under_the_field(qtbot: QtBot, panel: ConnectPanel) -> None:
    qtbot.keyClicks(panel.host_edit, "not a host!")

    with qtbot.assertNotEmitted(panel.connected, wait=100):
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)

    assert panel.host_error.isVisible()
    assert "not a host" in panel.host_error.text().lower()
    assert panel.connect_button.isEnabled() and not panel.running

    qtbot.keyClicks(panel.host_edit, "x")  # typing again clears the message
    assert not panel.host_error.isVisible()


def test_a_wrong_key_password_says_wrong_password(
    qtbot: QtBot, panel: ConnectPanel, client_chain: minting.Chain, tmp_path: Path
) -> None:
    cert_file = tmp_path / "alice.pem"
    cert_file.write_bytes(client_chain.leaf.pem)
    key_file = tmp_path / "alice.key"
    key_file.write_bytes(client_chain.leaf.key_pem(b"secret"))
    qtbot.keyClicks(panel.host_edit, "127.0.0.1:9")
    panel.client_source.setCurrentIndex(panel.client_source.findText("From files…"))
    qtbot.keyClicks(panel.client_cert_edit, str(cert_file))
    qtbot.keyClicks(panel.client_key_edit, str(key_file))
    qtbot.keyClicks(panel.client_password_edit, "not the password")

    with qtbot.waitSignal(panel.failed, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)

    assert "wrong password" in blocker.args[0]
    assert panel.client_error.isVisible()
    assert "wrong password" in panel.client_error.text()
    assert "not the password" not in panel.client_error.text()
    assert panel.connect_button.isEnabled()


def test_starttls_fills_its_port_and_replaces_it(qtbot: QtBot, panel: ConnectPanel) -> None:
    qtbot.keyClicks(panel.host_edit, "mail.example.test")

    panel.starttls_combo.setCurrentIndex(panel.starttls_combo.findData("smtp"))
    assert panel.host_edit.text() == "mail.example.test:25"
    panel.starttls_combo.setCurrentIndex(panel.starttls_combo.findData("imap"))
    assert panel.host_edit.text() == "mail.example.test:143"
    panel.starttls_combo.setCurrentIndex(0)
    assert panel.host_edit.text() == "mail.example.test"


def test_a_typed_port_is_kept_when_starttls_is_chosen(qtbot: QtBot, panel: ConnectPanel) -> None:
    qtbot.keyClicks(panel.host_edit, "mail.example.test:587")

    panel.starttls_combo.setCurrentIndex(panel.starttls_combo.findData("smtp"))

    assert panel.host_edit.text() == "mail.example.test:587"


def test_form_errors_are_shown_together(qtbot: QtBot, panel: ConnectPanel) -> None:
    qtbot.keyClicks(panel.host_edit, "example.test")
    qtbot.keyClicks(panel.proxy_edit, "socks5://proxy.test:1080")
    panel.tls_min_combo.setCurrentIndex(panel.tls_min_combo.findData("1.3"))
    panel.tls_max_combo.setCurrentIndex(panel.tls_max_combo.findData("1.2"))

    qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)

    assert "not supported" in panel.proxy_error.text()
    assert "above the highest" in panel.versions_error.text()
    assert not panel.host_error.isVisible()
    assert not panel.running


def test_the_panel_renders_without_clipping(panel: ConnectPanel, tmp_path: Path) -> None:
    panel.resize(panel.minimumSizeHint().width(), 700)
    path = tmp_path / "connect-panel.png"

    assert panel.grab().save(str(path))

    assert panel.width() >= panel.host_edit.sizeHint().width()
    assert path.stat().st_size > 0


def test_the_panel_is_freed_without_the_cycle_collector(qtbot: QtBot) -> None:
    """No reference cycle holds the panel, so it never dies on a worker thread's collection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: the connection is refused
    gc.disable()
    try:
        panel = ConnectPanel()
        qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{port}")
        panel.trust_combo.setCurrentIndex(panel.trust_combo.findData("none"))
        with qtbot.waitSignal(panel.connected, timeout=WAIT_MS) as blocker:
            qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
        assert "net.refused" in codes(blocker.args[0])
        freed = weakref.ref(panel)
        del panel, blocker

        assert freed() is None
    finally:
        gc.enable()
