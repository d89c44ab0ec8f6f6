"""The Connect panel against real loopback servers: typed in, clicked, and read off the form.

Each test starts a pyOpenSSL server on 127.0.0.1 (tests/core/endpoint/servers.py) with a chain
minted for it, fills the form the way a user does and checks what the panel shows and the
Inspection it hands to the window.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import socket
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    load_pem_private_key,
    pkcs12,
)
from OpenSSL import SSL
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QListView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from pinscope.core.certificate import Certificate
from pinscope.core.endpoint.handshake import ClientIdentity
from pinscope.core.inspection import Inspection
from pinscope.core.model import Severity
from pinscope.gui.connect_dialog import ConnectPanel
from tests.core import minting
from tests.core.endpoint import plaintext_servers
from tests.core.endpoint.connect_proxy import ConnectProxy, ProxyConfig
from tests.core.endpoint.plaintext_servers import serving as prelude_serving
from tests.core.endpoint.servers import (
    CLIENT_AUTH_REQUIRED,
    HTTP_OK,
    NEVER_ANSWERS,
    LoopbackServer,
    ServerConfig,
    serving,
)
from tests.core.endpoint.test_connect import certificate, mint_client

HOST = "good.test"
MAIL_HOST = "mail.loopback.test"
PROXY_PASSWORD = "pr0xy-pass"
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


# ---- passwords asked in place ----------------------------------------------------------------

TRUST_PASSWORD = "truststore-pass-7"
CLIENT_PASSWORD = "client-pass-9"
DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def protected_truststore(chain: minting.Chain, tmp_path: Path) -> Path:
    """A certificates-only PKCS#12 holding the server's root, under TRUST_PASSWORD."""
    path = tmp_path / "truststore.p12"
    encryption = BestAvailableEncryption(TRUST_PASSWORD.encode())
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            None, None, None, [chain.root.certificate], encryption
        )
    )
    return path


@pytest.fixture
def client_p12(client_chain: minting.Chain, tmp_path: Path) -> Path:
    """alice's key and certificate with her issuing CA, in a PKCS#12 under CLIENT_PASSWORD."""
    path = tmp_path / "alice.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"alice",
            client_chain.leaf.key,
            client_chain.leaf.certificate,
            [client_chain.intermediate.certificate],
            BestAvailableEncryption(CLIENT_PASSWORD.encode()),
        )
    )
    return path


def fill_in_with_trust_file(
    qtbot: QtBot, panel: ConnectPanel, server: LoopbackServer, trust_file: Path, sni: str = HOST
) -> None:
    qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{server.port}")
    qtbot.keyClicks(panel.sni_edit, sni)
    panel.trust_combo.setCurrentIndex(panel.trust_combo.findData("none"))
    panel.add_trust_file(str(trust_file))
    panel.timeout_spin.setValue(3.0)


def fail_and_wait(qtbot: QtBot, panel: ConnectPanel) -> str:
    with qtbot.waitSignal(panel.failed, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    return str(blocker.args[0])


def retype(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    """Type over the field's text, which the panel selected when it asked again."""
    assert field.selectedText() == field.text()
    qtbot.keyClicks(field, text)
    assert field.text() == text


def assert_never_stored(password: str, settings_folder: Path, log: str) -> None:
    for path in settings_folder.rglob("*"):
        if path.is_file():
            assert password not in path.read_text(errors="replace")
    assert password not in log


def test_the_trust_password_is_offered_with_the_first_trust_file(
    panel: ConnectPanel, root_file: Path
) -> None:
    assert not panel.trust_password_edit.isVisible()

    panel.add_trust_file(str(root_file))

    assert panel.trust_password_edit.isVisible()
    assert panel.trust_password_edit.echoMode() == QLineEdit.EchoMode.Password
    assert "never stored" in panel.trust_password_edit.placeholderText()


def test_a_protected_truststore_asks_for_its_password_in_place(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    protected_truststore: Path,
    private_settings: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with serving(server_config(chain)) as server:
        fill_in_with_trust_file(qtbot, panel, server, protected_truststore)

        # No password: asked for beside the trust files, the field focused.
        message = fail_and_wait(qtbot, panel)
        assert "Password needed" in message
        assert panel.trust_password_error.isVisible()
        assert "password needed" in panel.trust_password_error.text().lower()
        assert protected_truststore.name in panel.trust_password_error.text()
        assert panel.focusWidget() is panel.trust_password_edit
        assert not panel.trust_error.isVisible() and not panel.client_error.isVisible()

        # A wrong one: said so, in the same place.
        qtbot.keyClicks(panel.trust_password_edit, "not it")
        assert not panel.trust_password_error.isVisible()  # typing clears the old message
        fail_and_wait(qtbot, panel)
        assert "wrong password" in panel.trust_password_error.text()
        assert "not it" not in panel.trust_password_error.text()
        assert panel.focusWidget() is panel.trust_password_edit

        # Another try, with Enter in the password field.
        retype(qtbot, panel.trust_password_edit, TRUST_PASSWORD)
        with qtbot.waitSignal(panel.connected, timeout=WAIT_MS) as blocker:
            qtbot.keyClick(panel.trust_password_edit, Qt.Key.Key_Return)

    inspection = blocker.args[0]
    assert inspection.validation is not None and inspection.validation.trusted
    assert not panel.trust_password_error.isVisible()
    assert "handshake completed" in panel.status_label.text()
    assert_never_stored(TRUST_PASSWORD, private_settings, caplog.text)


def test_a_jks_truststore_with_a_wrong_password_gets_another_try(
    qtbot: QtBot, panel: ConnectPanel, private_settings: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """tests/data/truststore.jks (keytool, store password changeit) holds the Test Root."""
    caplog.set_level(logging.DEBUG)
    leaf, issuing_ca = (
        x509.load_pem_x509_certificate((DATA / name).read_bytes())
        for name in ("server.crt", "ca-intermediate.crt")
    )
    key = load_pem_private_key((DATA / "server.key").read_bytes(), None)
    config = ServerConfig(chain=[leaf, issuing_ca], key=key)  # type: ignore[arg-type]

    with serving(config) as server:
        fill_in_with_trust_file(qtbot, panel, server, DATA / "truststore.jks", "api.example.test")
        qtbot.keyClicks(panel.trust_password_edit, "storepass")

        fail_and_wait(qtbot, panel)
        assert "wrong password" in panel.trust_password_error.text()
        assert "truststore.jks" in panel.trust_password_error.text()

        retype(qtbot, panel.trust_password_edit, "changeit")
        inspection = connect_and_wait(qtbot, panel)

    assert inspection.validation is not None and inspection.validation.trusted
    assert not panel.trust_password_error.isVisible()
    assert_never_stored("changeit", private_settings, caplog.text)


def test_removing_the_last_trust_file_forgets_its_password(
    qtbot: QtBot, panel: ConnectPanel, root_file: Path
) -> None:
    panel.add_trust_file(str(root_file))
    qtbot.keyClicks(panel.trust_password_edit, TRUST_PASSWORD)

    panel.trust_list.selectAll()
    qtbot.mouseClick(panel.remove_trust_button, Qt.MouseButton.LeftButton)

    assert panel.trust_files() == []
    assert panel.trust_password_edit.text() == ""
    assert not panel.trust_password_edit.isVisible()


def test_a_client_certificate_with_a_wrong_password_gets_another_try(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    client_chain: minting.Chain,
    root_file: Path,
    client_p12: Path,
    monkeypatch: pytest.MonkeyPatch,
    private_settings: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with serving(requiring_client_certificates(chain, client_chain)) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        panel.client_source.setCurrentIndex(panel.client_source.findText("From files…"))
        qtbot.keyClicks(panel.client_cert_edit, str(client_p12))

        fail_and_wait(qtbot, panel)  # no password at all
        assert "password" in panel.client_error.text()
        assert panel.focusWidget() is panel.client_password_edit

        qtbot.keyClicks(panel.client_password_edit, "not it")
        fail_and_wait(qtbot, panel)
        assert "wrong password" in panel.client_error.text()
        assert panel.focusWidget() is panel.client_password_edit

        retype(qtbot, panel.client_password_edit, CLIENT_PASSWORD)
        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.client_certificate_sent
    assert server.visits[-1].client_certificate == client_chain.leaf.certificate
    assert not panel.client_error.isVisible()
    assert_never_stored(CLIENT_PASSWORD, private_settings, caplog.text)


# ---- keyboard and tooltips -------------------------------------------------------------------


def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: the connection is refused


def test_enter_in_the_host_field_connects(qtbot: QtBot, panel: ConnectPanel) -> None:
    qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{refused_port()}")
    panel.trust_combo.setCurrentIndex(panel.trust_combo.findData("none"))

    with qtbot.waitSignal(panel.connected, timeout=WAIT_MS) as blocker:
        qtbot.keyClick(panel.host_edit, Qt.Key.Key_Return)

    assert "net.refused" in codes(blocker.args[0])


def test_escape_cancels_a_running_connection(
    qtbot: QtBot, panel: ConnectPanel, root_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(ServerConfig(behaviour=NEVER_ANSWERS)) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        panel.timeout_spin.setValue(1.5)
        qtbot.keyClick(panel.host_edit, Qt.Key.Key_Return)
        assert panel.running

        with qtbot.assertNotEmitted(panel.connected, wait=2500):
            qtbot.keyClick(panel.sni_edit, Qt.Key.Key_Escape)
            assert not panel.running
            assert "Cancelled" in panel.status_label.text()
            assert panel.connect_button.isEnabled() and not panel.cancel_button.isVisible()


def focus_names(qtbot: QtBot, panel: ConnectPanel, start: QWidget, stop: QWidget) -> list[str]:
    """The fields Tab visits from `start` to `stop`, by object name."""
    start.setFocus()
    names = []
    for _ in range(40):
        focused = panel.focusWidget()
        while focused is not None and not focused.objectName():
            focused = focused.parentWidget()  # a spin box's own line edit
        assert focused is not None
        names.append(focused.objectName())
        if focused is stop:
            return names
        qtbot.keyClick(panel.focusWidget(), Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {stop.objectName()}: {names}")


def test_tab_goes_down_the_form_in_reading_order(
    qtbot: QtBot, panel: ConnectPanel, root_file: Path
) -> None:
    panel.add_trust_file(str(root_file))
    panel.client_source.setCurrentIndex(panel.client_source.findText("From files…"))

    names = focus_names(qtbot, panel, panel.host_edit, panel.connect_button)

    assert names == [
        "host",
        "starttls",
        "sni",
        "proxy",
        "alpn",
        "tls-min",
        "tls-max",
        "timeout",
        "http",
        "probe-versions",
        "trust-store",
        "trust-files",
        "add-trust-file",
        "trust-password",  # Remove is skipped while no file is selected
        "client-source",
        "client-cert",
        "browse-client-cert",
        "client-key",
        "browse-client-key",
        "client-alias",
        "client-password",
        "connect",
    ]


@pytest.mark.parametrize(
    ("letter", "field"),
    [
        (Qt.Key.Key_H, "host"),
        (Qt.Key.Key_N, "sni"),
        (Qt.Key.Key_R, "trust-store"),
        (Qt.Key.Key_O, "trust-password"),
        (Qt.Key.Key_W, "client-password"),
    ],
)
def test_alt_and_a_labels_letter_focuses_its_field(
    qtbot: QtBot, panel: ConnectPanel, root_file: Path, letter: Qt.Key, field: str
) -> None:
    panel.add_trust_file(str(root_file))
    panel.client_source.setCurrentIndex(panel.client_source.findText("From files…"))
    panel.activateWindow()
    qtbot.waitActive(panel)
    panel.probe_check.setFocus()

    qtbot.keyClick(panel.probe_check, letter, Qt.KeyboardModifier.AltModifier)

    assert panel.focusWidget() is panel.findChild(QWidget, field)


def test_every_control_has_a_tooltip(panel: ConnectPanel) -> None:
    controls = [
        widget
        for widget in panel.findChildren(QWidget)
        if widget.objectName()
        and not widget.objectName().startswith("qt_")  # Qt's own parts
        and isinstance(
            widget, QAbstractButton | QLineEdit | QComboBox | QAbstractSpinBox | QListView
        )
    ]

    assert len(controls) >= 20
    assert [c.objectName() for c in controls if not c.toolTip()] == []


@pytest.mark.parametrize("fetch", [True, False])
def test_the_window_setting_fetches_an_intermediate_the_server_did_not_send(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    fetch: bool,
) -> None:
    from cryptography.x509.oid import AuthorityInformationAccessOID

    from tests.core.test_aia import AIAServer, Route, running

    with running(AIAServer()) as aia:
        aia.routes["/issuing.crt"] = Route(body=chain.intermediate.der)
        url = x509.UniformResourceIdentifier(aia.url("/issuing.crt"))
        access = x509.AuthorityInformationAccess(
            [x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS, url)]
        )
        leaf = minting.mint_leaf(chain.intermediate, HOST, extra=[(access, False)])
        config = ServerConfig(chain=[leaf.certificate], key=leaf.key)  # the leaf alone
        panel.set_fetch_missing(fetch)
        with serving(config) as server:
            fill_in(qtbot, panel, monkeypatch, server, root_file)
            inspection = connect_and_wait(qtbot, panel)

    assert inspection.validation is not None
    assert inspection.validation.trusted is fetch
    assert [c.sha256 for c in inspection.validation.fetched] == (
        [Certificate(chain.intermediate.der).sha256] if fetch else []
    )
    assert aia.hits["/issuing.crt"] == (1 if fetch else 0)
    # Downloaded or not, the server should send it: clients that do not fetch refuse it.
    assert "chain.missing-intermediate" in codes(inspection)


# ---- what the form offers ---------------------------------------------------------------------


def choose(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    assert index >= 0, f"{combo.objectName()} offers no {data!r}"
    combo.setCurrentIndex(index)


def assert_no_traceback(panel: ConnectPanel, caplog: pytest.LogCaptureFixture) -> None:
    """The outcome was shown in words: nothing logged as an error, no general error shown."""
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert "Traceback" not in panel.status_label.text()
    assert not panel.general_error.isVisible()


def assert_idle(panel: ConnectPanel) -> None:
    assert not panel.running
    assert panel.connect_button.isEnabled()
    assert not panel.progress.isVisible() and not panel.cancel_button.isVisible()


def test_the_alpn_typed_is_offered_and_the_servers_choice_recorded(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serving(server_config(chain, alpn=[b"h2"])) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        qtbot.keyClicks(panel.alpn_edit, "http/1.1, h2")

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.options.alpn == ("http/1.1", "h2")
    assert inspection.endpoint.handshake.alpn == "h2"
    assert "tls.alpn-none" not in codes(inspection)
    assert "handshake completed" in panel.status_label.text()


def test_an_alpn_the_server_does_not_speak_completes_without_a_protocol(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serving(server_config(chain, alpn=[b"spdy/3"])) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        qtbot.keyClicks(panel.alpn_edit, "h2")

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.alpn is None
    assert "tls.alpn-none" in codes(inspection)
    assert "handshake completed" in panel.status_label.text()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("h2, hé", "'hé'"), ("h2 " + "x" * 300, "'" + "x" * 24 + "…'")],
)
def test_an_alpn_name_tls_cannot_carry_is_shown_under_the_field(
    qtbot: QtBot, panel: ConnectPanel, caplog: pytest.LogCaptureFixture, typed: str, shown: str
) -> None:
    qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{refused_port()}")
    QApplication.clipboard().setText(typed)  # pasted: QTest cannot type beyond Latin-1 keys
    qtbot.keyClick(panel.alpn_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert panel.alpn_edit.text() == typed

    with qtbot.assertNotEmitted(panel.connected, wait=100):
        qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)

    assert panel.alpn_error.isVisible()
    assert "ASCII of at most 255 characters" in panel.alpn_error.text()
    assert shown in panel.alpn_error.text()
    assert_idle(panel)
    assert_no_traceback(panel, caplog)


@pytest.mark.parametrize(
    ("server_version", "lowest", "highest", "expected"),
    [
        (SSL.TLS1_2_VERSION, None, "1.2", "TLSv1.2"),
        (SSL.TLS1_2_VERSION, "1.2", "1.2", "TLSv1.2"),
        (SSL.TLS1_3_VERSION, "1.3", None, "TLSv1.3"),
    ],
)
def test_versions_the_server_accepts_connect_with_that_version(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    server_version: int,
    lowest: str | None,
    highest: str | None,
    expected: str,
) -> None:
    config = server_config(chain, min_version=server_version, max_version=server_version)
    with serving(config) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        choose(panel.tls_min_combo, lowest)
        choose(panel.tls_max_combo, highest)

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.version == expected
    assert server.visits[0].version == expected
    assert f"handshake completed ({expected})" in panel.status_label.text()


@pytest.mark.parametrize(
    ("server_version", "lowest", "highest"),
    [(SSL.TLS1_2_VERSION, "1.3", None), (SSL.TLS1_3_VERSION, None, "1.2")],
)
def test_versions_the_server_refuses_show_the_mismatch_in_words(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    server_version: int,
    lowest: str | None,
    highest: str | None,
) -> None:
    config = server_config(chain, min_version=server_version, max_version=server_version)
    with serving(config) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        choose(panel.tls_min_combo, lowest)
        choose(panel.tls_max_combo, highest)

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    assert not inspection.endpoint.handshake.completed
    [first, *_] = [f for f in inspection.findings if f.severity == Severity.ERROR]
    assert first.code == "tls.protocol-mismatch"
    assert f"Problem: {first.title}" in panel.status_label.text()
    assert "share no TLS version" in panel.status_label.text()
    assert not panel.versions_error.isVisible()
    assert_idle(panel)
    assert_no_traceback(panel, caplog)


# ---- trust stores -----------------------------------------------------------------------------


def test_no_trust_store_and_no_trust_file_judges_no_trust(
    qtbot: QtBot, panel: ConnectPanel, chain: minting.Chain
) -> None:
    with serving(server_config(chain)) as server:
        qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{server.port}")
        qtbot.keyClicks(panel.sni_edit, HOST)
        panel.set_trust_store("none")
        panel.timeout_spin.setValue(3.0)

        inspection = connect_and_wait(qtbot, panel)

    # Nothing to anchor at: the chain is not trusted, and not reported as a problem either.
    assert inspection.endpoint is not None and inspection.endpoint.handshake.completed
    assert inspection.validation is not None and not inspection.validation.trusted
    assert inspection.validation.stores == ()
    assert not [code for code in codes(inspection) if code.startswith("chain.")]
    assert "handshake completed" in panel.status_label.text()
    assert "Trust not judged: no trust store was chosen." in panel.status_label.text()


@pytest.mark.parametrize("store", [None, "system"])
def test_a_minted_chain_is_untrusted_by_the_default_and_system_stores(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    store: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with serving(server_config(chain)) as server:
        qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{server.port}")
        qtbot.keyClicks(panel.sni_edit, HOST)
        panel.set_trust_store(store)
        panel.timeout_spin.setValue(3.0)

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None and inspection.endpoint.handshake.completed
    assert inspection.validation is not None and not inspection.validation.trusted
    assert [store.name for store in inspection.validation.stores] in (["system"], ["mozilla"])
    assert inspection.validation.stores[0].label in inspection.validation.errors[0]
    errors = [f for f in inspection.findings if f.severity == Severity.ERROR]
    assert errors and errors[0].code.startswith("chain.")
    status = panel.status_label.text()
    assert "handshake completed" in status
    assert f"Problem: {errors[0].title}" in status
    assert_no_traceback(panel, caplog)


def test_the_default_store_with_a_trust_file_trusts_the_minted_chain(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serving(server_config(chain)) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        panel.set_trust_store(None)

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.validation is not None and inspection.validation.trusted
    assert "Problem:" not in panel.status_label.text()


# ---- STARTTLS, proxies and timeouts -----------------------------------------------------------


def test_an_smtp_server_is_upgraded_with_starttls(
    qtbot: QtBot, panel: ConnectPanel, tmp_path: Path
) -> None:
    mail_chain = minting.mint_chain(MAIL_HOST, prefix="Mail")
    mail_root = tmp_path / "mail-root.pem"
    mail_root.write_bytes(mail_chain.root.pem)

    with prelude_serving(plaintext_servers.smtp, chain=mail_chain) as server:
        server.expect_outside_client()
        qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{server.port}")
        choose(panel.starttls_combo, "smtp")
        qtbot.keyClicks(panel.sni_edit, MAIL_HOST)
        panel.set_trust_store("none")
        panel.add_trust_file(str(mail_root))
        panel.timeout_spin.setValue(3.0)

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    handshake = inspection.endpoint.handshake
    assert handshake.completed and "starttls" in handshake.timings
    assert [c.sha256 for c in handshake.chain] == [
        mail_chain.leaf.sha256,
        mail_chain.intermediate.sha256,
    ]
    assert inspection.validation is not None and inspection.validation.trusted
    assert [line.split()[0] for line in server.transcript.received[:2]] == [b"EHLO", b"STARTTLS"]
    assert "handshake completed" in panel.status_label.text()


def test_a_server_refusing_starttls_is_shown_in_words(
    qtbot: QtBot, panel: ConnectPanel, caplog: pytest.LogCaptureFixture
) -> None:
    behaviour = plaintext_servers.Behaviour(offer_starttls=False)
    with prelude_serving(plaintext_servers.smtp, behaviour) as server:
        server.expect_outside_client()
        qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{server.port}")
        choose(panel.starttls_combo, "smtp")
        panel.set_trust_store("none")
        panel.timeout_spin.setValue(3.0)

        inspection = connect_and_wait(qtbot, panel)

    assert codes(inspection) == ["tls.starttls-refused"]
    assert "does not start TLS" in panel.status_label.text()
    assert_idle(panel)
    assert_no_traceback(panel, caplog)


def test_a_connection_goes_through_the_proxy_typed(
    qtbot: QtBot, panel: ConnectPanel, chain: minting.Chain, root_file: Path
) -> None:
    with (
        serving(server_config(chain)) as server,
        ConnectProxy(ProxyConfig(credentials=("alice", PROXY_PASSWORD))) as proxy,
    ):
        # The proxy resolves every name to 127.0.0.1: the host's name is also the SNI.
        port = server.port
        qtbot.keyClicks(panel.host_edit, f"{HOST}:{port}")
        qtbot.keyClicks(panel.proxy_edit, f"http://alice:{PROXY_PASSWORD}@127.0.0.1:{proxy.port}")
        panel.set_trust_store("none")
        panel.add_trust_file(str(root_file))
        panel.timeout_spin.setValue(3.0)

        inspection = connect_and_wait(qtbot, panel)

    [request] = proxy.requests
    assert request.request_line == f"CONNECT {HOST}:{port} HTTP/1.1"
    assert inspection.endpoint is not None
    handshake = inspection.endpoint.handshake
    assert handshake.completed and "proxy" in handshake.timings
    assert handshake.options.proxy is not None and handshake.options.proxy.port == proxy.port
    assert server.visits[0].sni == HOST
    assert inspection.validation is not None and inspection.validation.trusted
    assert "handshake completed" in panel.status_label.text()
    assert PROXY_PASSWORD not in panel.status_label.text()


def test_a_proxy_refusing_the_destination_is_shown_in_words(
    qtbot: QtBot, panel: ConnectPanel, caplog: pytest.LogCaptureFixture
) -> None:
    forbidden = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    with ConnectProxy(ProxyConfig(reply=forbidden)) as proxy:
        qtbot.keyClicks(panel.host_edit, f"{HOST}:443")
        qtbot.keyClicks(panel.proxy_edit, f"127.0.0.1:{proxy.port}")  # no scheme: http://
        panel.set_trust_store("none")
        panel.timeout_spin.setValue(3.0)

        inspection = connect_and_wait(qtbot, panel)

    assert codes(inspection) == ["net.proxy"]
    assert "403" in panel.status_label.text()
    assert "proxy refused" in panel.status_label.text()
    assert not panel.proxy_error.isVisible()
    assert_idle(panel)
    assert_no_traceback(panel, caplog)


def test_wrong_proxy_credentials_are_refused_without_showing_the_password(
    qtbot: QtBot, panel: ConnectPanel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with ConnectProxy(ProxyConfig(credentials=("alice", PROXY_PASSWORD))) as proxy:
        qtbot.keyClicks(panel.host_edit, f"{HOST}:443")
        qtbot.keyClicks(panel.proxy_edit, f"http://alice:not-it@127.0.0.1:{proxy.port}")
        panel.set_trust_store("none")
        panel.timeout_spin.setValue(3.0)

        inspection = connect_and_wait(qtbot, panel)

    [request] = proxy.requests
    assert "proxy-authorization" in request.headers
    assert inspection.could_not_test
    assert "407" in panel.status_label.text()
    assert "not-it" not in panel.status_label.text()
    assert "not-it" not in caplog.text
    assert_idle(panel)


def test_an_empty_proxy_field_uses_https_proxy(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    with serving(server_config(chain)) as server, ConnectProxy() as proxy:
        monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy.port}")
        port = server.port
        qtbot.keyClicks(panel.host_edit, f"{HOST}:{port}")
        panel.set_trust_store("none")
        panel.add_trust_file(str(root_file))
        panel.timeout_spin.setValue(3.0)

        inspection = connect_and_wait(qtbot, panel)

    assert [r.request_line for r in proxy.requests] == [f"CONNECT {HOST}:{port} HTTP/1.1"]
    assert inspection.endpoint is not None and inspection.endpoint.handshake.completed


def test_a_timeout_that_runs_out_is_shown_in_words(
    qtbot: QtBot, panel: ConnectPanel, caplog: pytest.LogCaptureFixture
) -> None:
    with serving(ServerConfig(behaviour=NEVER_ANSWERS)) as server:
        qtbot.keyClicks(panel.host_edit, f"127.0.0.1:{server.port}")
        panel.set_trust_store("none")
        panel.timeout_spin.selectAll()
        qtbot.keyClicks(panel.timeout_spin, panel.timeout_spin.locale().toString(0.5, "f", 1))

        # Enter in the timeout field connects, with the seconds just typed.
        with qtbot.waitSignal(panel.connected, timeout=WAIT_MS) as blocker:
            qtbot.keyClick(panel.timeout_spin, Qt.Key.Key_Return)
        inspection = blocker.args[0]

    assert codes(inspection) == ["net.timeout"]
    assert inspection.endpoint is not None
    assert inspection.endpoint.handshake.options.timeout == 0.5
    status = panel.status_label.text()
    assert "did not answer in time" in status
    assert status.splitlines()[0].count(inspection.name) == 1  # said once, not "x: x did..."
    assert_idle(panel)
    assert_no_traceback(panel, caplog)


# ---- after the handshake ----------------------------------------------------------------------


def test_get_after_the_handshake_records_the_http_answer(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serving(server_config(chain, http_reply=HTTP_OK)) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        qtbot.mouseClick(panel.http_check, Qt.MouseButton.LeftButton)
        assert panel.http_check.isChecked()

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    http = inspection.endpoint.handshake.http
    assert http is not None and http.status == 200
    assert server.visits[0].request.startswith(b"GET / HTTP/1.1\r\n")


def test_probing_versions_lists_the_ones_the_server_accepts(
    qtbot: QtBot,
    panel: ConnectPanel,
    chain: minting.Chain,
    root_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = server_config(chain, min_version=SSL.TLS1_2_VERSION, max_version=SSL.TLS1_2_VERSION)
    with serving(config) as server:
        fill_in(qtbot, panel, monkeypatch, server, root_file)
        qtbot.mouseClick(panel.probe_check, Qt.MouseButton.LeftButton)

        inspection = connect_and_wait(qtbot, panel)

    assert inspection.endpoint is not None
    accepted = {probe.version: probe.accepted for probe in inspection.endpoint.versions}
    assert accepted["1.2"] is True and accepted["1.3"] is False
    assert "handshake completed (TLSv1.2)" in panel.status_label.text()
