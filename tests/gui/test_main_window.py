"""The main window as a user drives it: open files (also with a password asked in place),
read the certificate table, filter and sort it, pick a finding, drop a file, paste."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from pinscope.gui.models import CERTIFICATE_ROLE, COLUMNS
from pinscope.gui.window import MainWindow
from tests.conftest import DATA, PASSWORDS

SUBJECT = COLUMNS.index("Subject")


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    shown = MainWindow()
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def opened(qtbot: QtBot, window: MainWindow, path: Path, count: int = 1) -> None:
    window.open_path(str(path))
    checked(qtbot, window, count)


def checked(qtbot: QtBot, window: MainWindow, count: int = 1) -> None:
    """Wait until `count` sources are listed and their chains judged ("checking…" gone)."""

    def done() -> bool:
        labels = [window.sources.item(row).text() for row in range(window.sources.rowCount())]
        waiting = ("checking", "(locked: password needed)")
        return len(labels) >= count and not any(w in label for label in labels for w in waiting)

    qtbot.waitUntil(done, timeout=10_000)


def column(window: MainWindow, name: str) -> list[str]:
    from pinscope.gui.models import COLUMNS

    position = COLUMNS.index(name)
    model = window.table.model()
    return [model.index(row, position).data() for row in range(model.rowCount())]


def test_empty_window_says_what_can_be_done(window: MainWindow) -> None:
    assert window.stack.currentWidget() is window.placeholder
    assert "Ctrl+O" in window.placeholder.text()
    assert "drop" in window.placeholder.text()


def test_opening_a_chain_lists_its_certificates_and_details(
    qtbot: QtBot, window: MainWindow
) -> None:
    opened(qtbot, window, DATA / "chain.pem")

    assert window.stack.currentIndex() == 1
    assert "chain.pem  [pem]" in window.sources.item(0).text()
    subjects = column(window, "Subject")
    assert subjects[0] == "CN=api.example.test"
    assert len(subjects) == 3
    assert "DNS:api.example.test" in column(window, "SANs")[0]
    # The first certificate is selected and shown in the tabs.
    assert "api.example.test" in window.details.summary.toPlainText()
    assert window.details.pin_fields["SPKI SHA-256 (base64)"].text().endswith("=")
    assert "BEGIN CERTIFICATE" in window.details.pem.toPlainText()
    assert "Ready" not in window.statusBar().currentMessage()


def test_filter_keeps_matching_rows_and_sorting_by_days(qtbot: QtBot, window: MainWindow) -> None:
    opened(qtbot, window, DATA / "chain.pem")

    qtbot.keyClicks(window.filter, "f3020d10bc80")  # the intermediate's SHA-256
    assert column(window, "Subject") == ["CN=Pinscope Test Issuing CA,O=Pinscope Tests,C=GB"]

    window.filter.clear()
    window.table.sortByColumn(SUBJECT, Qt.SortOrder.AscendingOrder)
    assert column(window, "Subject") == sorted(column(window, "Subject"))


def test_a_keystore_password_is_asked_in_place_and_a_wrong_one_said_there(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.open_path(str(DATA / "keystore.jks"))
    qtbot.waitUntil(window.password_bar.isVisible, timeout=10_000)
    assert "Password for keystore.jks" in window.password_bar.label.text()

    # Listed at once, locked, with the reason where the certificate would be.
    assert window.sources.item(0).text() == "keystore.jks  (locked: password needed)"
    assert window.details.summary.toPlainText().startswith("keystore.jks is locked")

    qtbot.keyClicks(window.password_bar.field, "not-it")
    qtbot.mouseClick(window.password_bar.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong password" in window.password_bar.label.text(), timeout=10_000)
    assert window.sources.rowCount() == 1  # the same row, still locked
    assert "locked" in window.sources.item(0).text()

    qtbot.keyClicks(window.password_bar.field, PASSWORDS["keystore.jks"])
    qtbot.keyClick(window.password_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "[jks]" in window.sources.item(0).text(), timeout=10_000)
    checked(qtbot, window)
    assert window.sources.rowCount() == 1  # opened in its place
    aliases = [window.sources.item(0).child(i).text() for i in range(3)]
    assert any(alias.startswith("server") for alias in aliases)


def test_a_skipped_file_password_is_asked_again_when_its_row_is_picked(
    qtbot: QtBot, window: MainWindow
) -> None:
    bar = window.password_bar
    window.open_path(str(DATA / "keystore.jks"))
    qtbot.waitUntil(bar.isVisible, timeout=10_000)
    qtbot.mouseClick(bar.cancel, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    window.open_path(str(DATA / "chain.pem"))
    qtbot.waitUntil(lambda: window.sources.rowCount() == 2, timeout=10_000)

    window.sources_view.setCurrentIndex(window.sources.index(0, 0))
    assert bar.isVisible() and bar.label.text() == "Password for keystore.jks:"
    qtbot.keyClicks(bar.field, PASSWORDS["keystore.jks"])
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "[jks]" in window.sources.item(0).text(), timeout=10_000)
    assert window.sources.rowCount() == 2


def test_two_locked_files_opened_together_are_each_asked_for(
    qtbot: QtBot, window: MainWindow
) -> None:
    bar = window.password_bar
    window.open_path(str(DATA / "p12-aes.p12"))
    window.open_path(str(DATA / "keystore.jks"))
    qtbot.waitUntil(lambda: "1 more waiting" in bar.label.text(), timeout=10_000)
    first = "p12-aes.p12" if "p12-aes.p12" in bar.label.text() else "keystore.jks"
    second = "keystore.jks" if first == "p12-aes.p12" else "p12-aes.p12"
    assert bar.label.text() == f"Password for {first}: (1 more waiting)"

    qtbot.keyClicks(bar.field, PASSWORDS[first])
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bar.label.text() == f"Password for {second}:", timeout=10_000)
    labels = [window.sources.item(row).text() for row in range(window.sources.rowCount())]
    assert f"{second}  (locked: password needed)" in labels  # listed meanwhile

    qtbot.keyClicks(bar.field, PASSWORDS[second])
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    checked(qtbot, window, count=2)
    names = [window.sources.item(row).text() for row in range(window.sources.rowCount())]
    assert [name.split()[1] for name in names] == [first, second]


def test_closing_a_file_drops_its_waiting_question(qtbot: QtBot, window: MainWindow) -> None:
    bar = window.password_bar
    window.open_path(str(DATA / "keystore.jks"), PASSWORDS["keystore.jks"])
    checked(qtbot, window)
    qtbot.waitUntil(bar.isVisible, timeout=10_000)  # the key of "other"
    window.open_path(str(DATA / "p12-aes.p12"))
    qtbot.waitUntil(lambda: "1 more waiting" in bar.label.text(), timeout=10_000)

    window.sources_view.setCurrentIndex(window.sources.index(0, 0))
    window.close_source()
    assert bar.label.text() == "Password for p12-aes.p12:"


def key_of_other_is_asked(qtbot: QtBot, window: MainWindow) -> None:
    """keystore.jks opened with its store password; the bar asks for the key of "other"."""
    window.open_path(str(DATA / "keystore.jks"), PASSWORDS["keystore.jks"])
    checked(qtbot, window)
    qtbot.waitUntil(window.password_bar.isVisible, timeout=10_000)
    assert window.password_bar.label.text() == (
        "Password for the key \u201cother\u201d in keystore.jks:"
    )
    other = next(
        window.sources.item(0).child(row).text()
        for row in range(window.sources.item(0).rowCount())
        if window.sources.item(0).child(row).text().startswith("other")
    )
    assert other.endswith("[key locked]")  # shown locked meanwhile
    assert window.sources_view.isEnabled() and window.table.isEnabled()


def finding_codes(window: MainWindow) -> list[str]:
    return [f.code for f in window.inspections[0].findings]


def test_a_key_with_its_own_password_is_asked_for_by_alias_and_opened_in_place(
    qtbot: QtBot, window: MainWindow
) -> None:
    key_of_other_is_asked(qtbot, window)

    qtbot.keyClicks(window.password_bar.field, "not-it")
    qtbot.keyClick(window.password_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            window.password_bar.label.text()
            == "Wrong password for the key \u201cother\u201d in keystore.jks:"
        ),
        timeout=10_000,
    )
    assert window.sources.rowCount() == 1  # the same source, read again in place

    qtbot.keyClicks(window.password_bar.field, "keypass2")
    qtbot.keyClick(window.password_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "source.key-not-decrypted" not in finding_codes(window), timeout=10_000)
    checked(qtbot, window)
    assert not window.password_bar.isVisible()
    assert window.sources.rowCount() == 1
    children = [window.sources.item(0).child(r).text() for r in range(3)]
    assert not any("locked" in child for child in children)


def test_skipping_a_key_password_leaves_the_key_locked_and_says_so(
    qtbot: QtBot, window: MainWindow
) -> None:
    key_of_other_is_asked(qtbot, window)

    qtbot.keyClick(window.password_bar.field, Qt.Key.Key_Escape)

    assert not window.password_bar.isVisible()
    assert "source.key-not-decrypted" in finding_codes(window)
    titles = [window.findings.index(r, 1).data() for r in range(window.findings.rowCount())]
    assert any("\u201cother\u201d was not opened" in title for title in titles)


def test_an_encrypted_key_beside_its_certificate_is_asked_for_after_the_file_shows(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    from tests.core import minting

    leaf = minting.mint_leaf(minting.mint_ca("Locked CA"), "locked.test")
    path = tmp_path / "locked.pem"
    path.write_bytes(leaf.pem + minting.key_pem(leaf.key, password=b"right"))
    window.open_path(str(path))
    checked(qtbot, window)
    qtbot.waitUntil(window.password_bar.isVisible, timeout=10_000)
    assert window.password_bar.label.text() == "Password for the private key in locked.pem:"
    assert column(window, "Subject") == ["CN=locked.test"]  # the certificate shows meanwhile

    qtbot.keyClicks(window.password_bar.field, "wrong")
    qtbot.keyClick(window.password_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong password" in window.password_bar.label.text(), timeout=10_000)
    qtbot.keyClicks(window.password_bar.field, "right")
    qtbot.keyClick(window.password_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "source.key-not-decrypted" not in finding_codes(window), timeout=10_000)
    checked(qtbot, window)
    assert not window.password_bar.isVisible()
    assert window.sources.rowCount() == 1


def test_clicking_a_finding_selects_its_certificate(qtbot: QtBot, window: MainWindow) -> None:
    opened(qtbot, window, DATA / "chain.pem")
    model = window.findings_view.model()
    assert model.rowCount() >= 1  # the test root is in no trust store

    rows = [model.index(r, 1).data() for r in range(model.rowCount())]
    target = next(r for r, title in enumerate(rows) if "Pinscope Test Root" in title)
    window.findings_view.setCurrentIndex(model.index(target, 1))
    window.findings_view.clicked.emit(model.index(target, 1))

    current = window.table.currentIndex()
    assert (
        window.table.model()
        .index(current.row(), SUBJECT)
        .data()
        .startswith("CN=Pinscope Test Root")
    )


def test_dropping_a_file_opens_it(qtbot: QtBot, window: MainWindow) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "server.crt"))])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )

    window.dropEvent(event)

    checked(qtbot, window)
    assert column(window, "Subject") == ["CN=api.example.test"]


def test_pasting_pem_text_opens_it(qtbot: QtBot, window: MainWindow) -> None:
    QApplication.clipboard().setText((DATA / "server.crt").read_text())

    window.paste_action.trigger()

    checked(qtbot, window)
    assert "pasted text" in window.sources.item(0).text()


def test_a_damaged_file_is_listed_with_its_reason(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")

    opened(qtbot, window, broken)

    item = window.sources.item(0)
    assert item.text().startswith("\u2716 broken.pem")
    reason = item.toolTip()
    assert reason  # the core's words for what is wrong
    summary = window.details.summary.toPlainText()
    assert summary.startswith("broken.pem could not be opened") and reason in summary

    opened(qtbot, window, DATA / "chain.pem", count=2)  # another file; then back to the broken
    assert "broken.pem" not in window.statusBar().currentMessage()
    window.sources_view.setCurrentIndex(window.sources.index(0, 0))
    assert reason in window.statusBar().currentMessage()
    assert reason in window.details.summary.toPlainText()


def test_about_names_the_versions(window: MainWindow) -> None:
    text = window.about_text()
    assert "Qt " in text and "cryptography " in text and "OpenSSL" in text


def test_main_views_render(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    opened(qtbot, window, DATA / "chain.pem")
    window.resize(1280, 800)

    image = window.grab().toImage()
    image.save(str(tmp_path / "chain.png"))

    assert image.width() >= 1000 and not image.isNull()


def test_tools_open_in_docks_from_their_shortcuts(window: MainWindow) -> None:
    for name in ("Connect", "Export pins", "Check pins", "Explain"):
        window.show_tool(name)
        assert window.docks[name].isVisible()


def test_a_tool_first_opens_beside_the_table_with_room(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1400, 860)
    qtbot.waitUntil(lambda: window.width() == 1400)
    window.show_tool("Export pins")
    dock = window.docks["Export pins"]
    qtbot.waitUntil(lambda: dock.width() >= 1400 * 0.4)
    assert window.table.isVisible() and window.table.width() > 300


def test_the_window_and_its_docks_are_back_after_a_restart(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.show_tool("Explain")
    window.resize(780, 700)  # within the offscreen screen, which a restored window is kept to
    qtbot.waitUntil(lambda: window.width() == 780)
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.restore_layout()
    again.show()
    qtbot.waitExposed(again)
    assert again.size() == window.size()
    assert again.docks["Explain"].isVisible()
    assert not again.docks["Connect"].isVisible()


def test_after_a_restart_with_no_tool_shown_the_first_tool_still_opens_wide(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.close()  # a layout is saved, with every dock hidden
    again = MainWindow()
    qtbot.addWidget(again)
    again.restore_layout()
    again.resize(1400, 860)
    again.show()
    qtbot.waitExposed(again)
    qtbot.waitUntil(lambda: again.width() == 1400)
    again.show_tool("Export pins")
    qtbot.waitUntil(lambda: again.docks["Export pins"].width() >= 1400 * 0.4)


def test_an_endpoint_connected_from_the_panel_shows_its_handshake(
    qtbot: QtBot, window: MainWindow
) -> None:
    from pinscope.core.checks import CheckContext
    from pinscope.core.endpoint.handshake import ConnectOptions
    from pinscope.core.endpoint.probe import inspect_endpoint
    from pinscope.core.endpoint.target import Target
    from pinscope.core.inspection import Settings
    from tests.core import minting
    from tests.core.endpoint.servers import ServerConfig, serving

    chain = minting.mint_chain("gui.test", prefix="GUI")
    config = ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate], key=chain.leaf.key
    )
    with serving(config) as server:
        inspection = inspect_endpoint(
            Target("127.0.0.1", server.port),
            ConnectOptions(sni="gui.test", timeout=3),
            Settings(CheckContext(host="gui.test"), ()),
        )
    window.connect_panel.connected.emit(inspection)

    checked(qtbot, window)
    assert window.bottom.isTabEnabled(1)
    story = window.handshake_view.toPlainText()
    assert "negotiated   TLSv1.3" in story
    assert "received     2 certificates" in story
    assert column(window, "Subject")[0] == "CN=gui.test"


def test_an_mtls_refusal_shows_the_story_and_the_chains_side_by_side(
    qtbot: QtBot, window: MainWindow
) -> None:
    from pinscope.core.certificate import Certificate
    from pinscope.core.checks import CheckContext
    from pinscope.core.endpoint.handshake import ConnectOptions
    from pinscope.core.endpoint.probe import inspect_endpoint
    from pinscope.core.endpoint.target import Target
    from pinscope.core.inspection import Settings
    from pinscope.core.trust import TrustStore
    from tests.core import minting
    from tests.core.endpoint.servers import CLIENT_AUTH_REQUIRED, ServerConfig, serving

    chain = minting.mint_chain("mtls.test", prefix="MTLS")
    clients = minting.mint_ca("Staff Clients CA")
    config = ServerConfig(  # the root sent before the intermediate: the wrong order
        chain=[chain.leaf.certificate, chain.root.certificate, chain.intermediate.certificate],
        key=chain.leaf.key,
        client_auth=CLIENT_AUTH_REQUIRED,
        client_trust=[clients.certificate],
    )
    roots = TrustStore("custom", "the test root", (Certificate(chain.root.der),))
    with serving(config) as server:
        inspection = inspect_endpoint(
            Target("127.0.0.1", server.port),
            ConnectOptions(sni="mtls.test", timeout=3),
            Settings(CheckContext(host="mtls.test"), (roots,)),
        )
    window.connect_panel.connected.emit(inspection)
    checked(qtbot, window)

    story = window.handshake_view.toPlainText()
    assert "client cert  requested, none sent" in story
    assert "CN=Staff Clients CA" in story
    assert "certificate_required" in story
    assert "tls.client-cert-required" in [f.code for f in window.inspections[0].findings]
    rows = window.sent_and_built.rows
    table = [[rows.item(r, c).text() for c in range(3)] for r in range(rows.rowCount())]
    assert table == [
        ["1", "mtls.test", "mtls.test"],
        ["2", "MTLS Root CA", "MTLS Issuing CA  (sent in another place)"],
        ["3", "MTLS Issuing CA", "MTLS Root CA  (sent in another place)"],
    ]


def test_columns_can_be_hidden_and_shown(qtbot: QtBot, window: MainWindow) -> None:
    from pinscope.gui.models import COLUMNS

    opened(qtbot, window, DATA / "chain.pem")
    sha256 = COLUMNS.index("SHA-256")
    assert window.table.isColumnHidden(sha256)  # hidden until asked for

    window._choose_columns(QPoint(5, 5))
    from PySide6.QtWidgets import QMenu

    [menu] = [m for m in window.findChildren(QMenu) if m.isVisible()]
    [action] = [a for a in menu.actions() if a.text() == "SHA-256"]
    action.trigger()

    assert not window.table.isColumnHidden(sha256)
    menu.close()


def test_the_chain_is_shown_leaf_first_with_marks(qtbot: QtBot, window: MainWindow) -> None:
    opened(qtbot, window, DATA / "chain.pem")

    leaf = window.chain.item(0)
    intermediate = leaf.child(0)
    root = intermediate.child(0)
    assert leaf.text() == "api.example.test"
    assert intermediate.text() == "Pinscope Test Issuing CA"
    assert root.text() == "Pinscope Test Root"
    assert leaf.toolTip() == "CN=api.example.test: valid"


def test_the_chain_says_which_certificate_expired_or_expires_soon(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    import datetime as dt

    from tests.core import minting

    now = dt.datetime.now(dt.UTC)
    root = minting.mint_ca("Chain Root", not_after=now + dt.timedelta(days=3650))
    issuing = minting.mint_ca(
        "Chain Issuing CA",
        root,
        not_before=now - dt.timedelta(days=300),
        not_after=now + dt.timedelta(days=10, hours=12),
    )
    leaf = minting.mint_leaf(
        issuing,
        "old.test",
        not_before=now - dt.timedelta(days=100),
        not_after=now - dt.timedelta(days=2),
    )
    path = tmp_path / "old.pem"
    path.write_bytes(leaf.pem + issuing.pem + root.pem)
    opened(qtbot, window, path)

    shown = window.chain.item(0)
    assert shown.text() == "old.test  (expired)"
    assert shown.child(0).text() == "Chain Issuing CA  (expires in 10 days)"
    assert shown.child(0).child(0).text() == "Chain Root"
    assert (
        window.chain_view.model().headerData(0, Qt.Orientation.Horizontal).endswith("NOT trusted")
    )


def test_copy_report_puts_the_text_report_on_the_clipboard(
    qtbot: QtBot, window: MainWindow
) -> None:
    opened(qtbot, window, DATA / "chain.pem")

    window.copy_report()
    text = QApplication.clipboard().text()
    assert text.startswith("tests/data/chain.pem") or "chain.pem" in text.splitlines()[0]
    assert "SPKI pin" in text

    window.copy_report_json()
    assert '"sources"' in QApplication.clipboard().text()


def test_opened_files_are_remembered_without_passwords(qtbot: QtBot, window: MainWindow) -> None:
    window.open_path(str(DATA / "p12-aes.p12"), PASSWORDS["p12-aes.p12"])
    checked(qtbot, window)

    assert window.recent_files() == [str((DATA / "p12-aes.p12").resolve())]
    window._fill_recent()
    assert [a.text() for a in window.recent_menu.actions()] == window.recent_files()


def test_a_loaded_key_is_offered_as_client_certificate(qtbot: QtBot, window: MainWindow) -> None:
    window.open_path(str(DATA / "p12-aes.p12"), PASSWORDS["p12-aes.p12"])
    checked(qtbot, window)

    combo = window.connect_panel.client_source
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert any(label.startswith("p12-aes.p12: ") for label in labels)


def test_a_keystore_shows_the_alias_of_each_row(qtbot: QtBot, window: MainWindow) -> None:
    from pinscope.gui.models import COLUMNS

    entry = COLUMNS.index("Entry")
    window.open_path(str(DATA / "keystore.jks"), PASSWORDS["keystore.jks"])
    checked(qtbot, window)

    assert not window.table.isColumnHidden(entry)
    rows = dict(zip(column(window, "Subject"), column(window, "Entry"), strict=True))
    assert rows["CN=other.example.test"] == "other"
    assert rows["CN=api.example.test"] == "server"
    window.filter.setText("test-root")
    assert column(window, "Entry") == ["test-root"]

    window.filter.clear()
    opened(qtbot, window, DATA / "chain.pem", count=2)
    window.sources_view.setCurrentIndex(window.sources.index(1, 0))
    assert window.table.isColumnHidden(entry)  # one chain: nothing to tell apart


def test_the_chain_follows_the_selected_keystore_entry(qtbot: QtBot, window: MainWindow) -> None:
    window.open_path(str(DATA / "keystore.jks"), PASSWORDS["keystore.jks"])
    checked(qtbot, window)

    subjects = column(window, "Subject")
    window.table.selectRow(subjects.index("CN=api.example.test"))

    leaf = window.chain.item(0)
    assert leaf.text() == "api.example.test"
    assert leaf.child(0).text() == "Pinscope Test Issuing CA"

    window.table.selectRow(subjects.index("CN=other.example.test"))
    assert window.chain.item(0).child(0).text() == "in no trust store"


def test_the_aia_setting_reaches_the_connect_panel(window: MainWindow) -> None:
    from dataclasses import replace

    window.connect_panel.host_edit.setText("example.test:443")
    for fetch in (True, False):
        window.apply_preferences(replace(window.preferences, fetch_missing=fetch))
        request = window.connect_panel.read_request()
        assert request is not None and request.fetch_missing is fetch


def test_settings_change_the_expiry_warning_and_persist(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    import datetime as dt
    from dataclasses import replace

    from PySide6.QtCore import QSettings

    from pinscope.gui.settings import load_preferences, save_preferences
    from tests.core import minting

    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=60)
    leaf = minting.mint_leaf(minting.mint_ca("Settings CA"), "soon.test", not_after=soon)
    path = tmp_path / "soon.pem"
    path.write_bytes(leaf.pem)
    prefs = replace(window.preferences, warn_days=90, trust_store="none")
    save_preferences(QSettings(), prefs)
    window.apply_preferences(load_preferences(QSettings()))
    opened(qtbot, window, path)

    assert column(window, "Status")[0] == "expiring"  # 59 days left, warned from 90
    assert "not judged" in window.details.summary.toPlainText()  # no trust store


def test_two_certificates_are_compared_from_the_table_menu(
    qtbot: QtBot, window: MainWindow
) -> None:
    opened(qtbot, window, DATA / "chain.pem")
    subjects = column(window, "Subject")
    rows = window.table.model()

    window._menu_row = rows.index(subjects.index("CN=api.example.test"), 0).data(CERTIFICATE_ROLE)
    window._set_compare_left()
    window._menu_row = rows.index(0, 0).data(CERTIFICATE_ROLE)
    window._compare_with_left()

    assert window.docks["Compare"].isVisible()
    assert window.compare.verdict.text().startswith("Same key")


def test_pasting_host_and_port_connects_to_it(qtbot: QtBot, window: MainWindow) -> None:
    from tests.core import minting
    from tests.core.endpoint.servers import ServerConfig, serving

    chain = minting.mint_chain("paste.test", prefix="Paste")
    config = ServerConfig(
        chain=[chain.leaf.certificate, chain.intermediate.certificate], key=chain.leaf.key
    )
    with serving(config) as server:
        address = f"127.0.0.1:{server.port}"
        QApplication.clipboard().setText(f"  {address}\n")
        window.paste_action.trigger()

        assert window.docks["Connect"].isVisible()
        checked(qtbot, window)
    assert window.sources.item(0).text().startswith(f"\u2716 {address}")
    assert column(window, "Subject")[0] == "CN=paste.test"
    assert window.bottom.isTabEnabled(1)  # the handshake story
    assert "127.0.0.1" in window.handshake_view.toPlainText()


def test_pasting_a_pin_selects_the_certificate_with_that_key(
    qtbot: QtBot, window: MainWindow
) -> None:
    opened(qtbot, window, DATA / "chain.pem")
    subjects = column(window, "Subject")
    rows = window.table.model()
    root = rows.index(subjects.index("CN=Pinscope Test Root,O=Pinscope Tests,C=GB"), 0).data(
        CERTIFICATE_ROLE
    )
    pin = root.certificate.details.public_key.spki_sha256
    window.table.selectRow(0)

    QApplication.clipboard().setText(f'pin-sha256="{pin}"')
    window.paste_action.trigger()

    current = window.table.currentIndex()
    assert (
        rows.index(current.row(), SUBJECT).data() == "CN=Pinscope Test Root,O=Pinscope Tests,C=GB"
    )
    assert window.statusBar().currentMessage() == (
        "The pasted pin is the key of Pinscope Test Root (chain.pem)"
    )
    assert window.sources.rowCount() == 1  # nothing new was opened


def test_pasting_an_unknown_pin_says_no_open_certificate_has_it(window: MainWindow) -> None:
    QApplication.clipboard().setText("sha256/" + "A" * 43 + "=")

    window.paste_action.trigger()

    assert "No open certificate has the key pinned by" in window.statusBar().currentMessage()
    assert window.sources.rowCount() == 0


def test_closing_a_source_removes_it_and_shows_the_next(qtbot: QtBot, window: MainWindow) -> None:
    opened(qtbot, window, DATA / "chain.pem")
    opened(qtbot, window, DATA / "server.crt", count=2)
    window.sources_view.setCurrentIndex(window.sources.index(0, 0))

    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)

    assert window.sources.rowCount() == 1
    assert "server.crt" in window.sources.item(0).text()
    window.sources_view.setCurrentIndex(window.sources.index(0, 0))
    assert column(window, "Subject") == ["CN=api.example.test"]
    window.close_source()
    assert window.stack.currentWidget() is window.placeholder


def test_dropping_pem_text_opens_it(qtbot: QtBot, window: MainWindow) -> None:
    mime = QMimeData()
    mime.setText((DATA / "server.crt").read_text())
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )

    window.dropEvent(event)

    checked(qtbot, window)
    assert "dropped text" in window.sources.item(0).text()


def test_every_toolbar_button_says_what_it_does(window: MainWindow) -> None:
    from PySide6.QtWidgets import QToolBar

    (toolbar,) = window.findChildren(QToolBar)
    for action in toolbar.actions():
        if action.isSeparator():
            continue
        tip = action.toolTip()
        assert tip and tip != action.text().replace("&", ""), action.text()


def test_ctrl_f_goes_to_the_filter_and_tab_walks_on_to_the_table(
    qtbot: QtBot, window: MainWindow
) -> None:
    opened(qtbot, window, DATA / "chain.pem")
    window.activateWindow()
    window.sources_view.setFocus()

    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.filter.hasFocus)
    qtbot.keyClicks(window.filter, "api.example")
    assert column(window, "Subject") == ["CN=api.example.test"]

    qtbot.keyClick(window.filter, Qt.Key.Key_Tab)
    assert window.table.hasFocus()


def test_picking_a_keystore_entry_selects_its_certificate(qtbot: QtBot, window: MainWindow) -> None:
    window.open_path(str(DATA / "keystore.jks"), PASSWORDS["keystore.jks"])
    checked(qtbot, window)
    source = window.sources.item(0)
    server = next(
        r for r in range(source.rowCount()) if source.child(r).text().startswith("server")
    )

    window.sources_view.setCurrentIndex(source.child(server).index())

    current = window.table.currentIndex()
    assert window.table.model().index(current.row(), SUBJECT).data() == "CN=api.example.test"
    assert "api.example.test" in window.details.summary.toPlainText()


@pytest.mark.parametrize("name", ["chain.pem", "keystore.jks", "request.csr"])
def test_the_empty_window_offers_samples_that_open(
    qtbot: QtBot, window: MainWindow, name: str
) -> None:
    assert f'href="sample:{name}"' in window.placeholder.text()

    window.placeholder.linkActivated.emit(f"sample:{name}")

    checked(qtbot, window)
    assert name in window.sources.item(0).text()
    assert not window.password_bar.isVisible()  # a sample's password comes with it
    assert window.inspections[0].error is None


def test_a_big_bundle_lists_its_entries_in_steps(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    from tests.core import minting

    ca = minting.mint_ca("Bundle CA")
    path = tmp_path / "bundle.pem"
    path.write_bytes(b"".join(minting.mint_leaf(ca, f"h{n}.test").pem for n in range(450)))
    opened(qtbot, window, path)
    source = window.sources.item(0)
    assert source.rowCount() == 201
    assert source.child(200).text() == "\u2026 250 more: select to list them"
    assert window.proxy.rowCount() == 450  # the table has them all at once

    window.sources_view.setCurrentIndex(source.child(200).index())

    assert source.rowCount() == 401
    assert source.child(200).text() == "h200.test  (certificate-chain)"
    assert window.sources_view.currentIndex() == source.child(200).index()
    current = window.table.currentIndex()
    assert window.table.model().index(current.row(), SUBJECT).data() == "CN=h200.test"


def test_a_source_given_as_host_and_port_is_connected_to(qtbot: QtBot, window: MainWindow) -> None:
    from tests.core import minting
    from tests.core.endpoint.servers import ServerConfig, serving

    chain = minting.mint_chain("argument.test", prefix="Argument")
    config = ServerConfig(chain=[chain.leaf.certificate], key=chain.leaf.key)
    with serving(config) as server:
        window.open_source(f"127.0.0.1:{server.port}")
        checked(qtbot, window)
    assert column(window, "Subject") == ["CN=argument.test"]


def test_the_pem_tab_saves_the_certificate(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    opened(qtbot, window, DATA / "server.crt")
    target = tmp_path / "saved.pem"
    asked: list[str] = []

    def choose(parent: object, title: str, suggested: str, kinds: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), kinds

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    qtbot.mouseClick(window.details.save_button, Qt.MouseButton.LeftButton)

    assert asked == ["api.example.test.pem"]
    assert target.read_text() == window.details.pem.toPlainText()
    assert target.read_text().startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize(
    "name",
    [
        "chain.pem",
        "server.crt",
        "chain.p7b",
        "chain-der.p7b",
        "server.csr",
        "server-csr.der",
        "server.key",
        "p12-aes.p12",
        "p12-legacy-rc2.p12",
        "keystore.jks",
        "keystore.jceks",
        "keystore.bks",
        "keystore.uber",
        "java-keystore.p12",
    ],
)
def test_every_kind_of_file_opens(qtbot: QtBot, window: MainWindow, name: str) -> None:
    window.open_path(str(DATA / name), PASSWORDS.get(name))
    checked(qtbot, window)

    assert window.inspections[0].error is None
    assert name in window.sources.item(0).text()
    assert window.sources.item(0).rowCount() >= 1  # its entries


def test_pasting_a_certificate_fingerprint_says_it_is_no_pin(
    qtbot: QtBot, window: MainWindow
) -> None:
    opened(qtbot, window, DATA / "server.crt")
    fingerprint = window.inspections[0].source.certificates()[0].sha256  # type: ignore[union-attr]

    QApplication.clipboard().setText(fingerprint)
    window.paste_action.trigger()

    message = window.statusBar().currentMessage()
    assert "fingerprint" in message.lower()
    assert window.sources.rowCount() == 1


def test_pin_panels_follow_the_sources_while_open(qtbot: QtBot, window: MainWindow) -> None:
    window.show_tool("Export pins")
    opened(qtbot, window, DATA / "chain.pem")
    qtbot.waitUntil(lambda: window.export_panel.source_labels() != [], timeout=10_000)
    assert any("chain.pem" in label for label in window.export_panel.source_labels())

    window.sources_view.setCurrentIndex(window.sources.index(0, 0))
    window.close_source()

    assert window.export_panel.source_labels() == []


def test_a_password_is_tried_once_at_a_time(qtbot: QtBot, window: MainWindow) -> None:
    window.open_path(str(DATA / "p12-aes.p12"))
    qtbot.waitUntil(window.password_bar.isVisible, timeout=10_000)
    qtbot.keyClicks(window.password_bar.field, PASSWORDS["p12-aes.p12"])

    qtbot.keyClick(window.password_bar.field, Qt.Key.Key_Return)
    assert not window.password_bar.isEnabled()
    qtbot.keyClick(window.password_bar.field, Qt.Key.Key_Return)
    checked(qtbot, window)
    qtbot.wait(200)

    assert window.sources.rowCount() == 1


def test_the_empty_window_lists_every_sample(window: MainWindow) -> None:
    from pinscope import resources

    for sample in resources.sample_files():
        assert f'href="sample:{sample.name}"' in window.placeholder.text()


# ---- the details tabs, the table's colours and icons, reports, recent files, pasting ----------


def minted_detailed_leaf(tmp_path: Path) -> tuple[Path, object]:
    """A leaf with every kind of SAN, KU (critical) and two EKUs, 30 % through its life."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from tests.core import minting

    now = dt.datetime.now(dt.UTC)
    ca = minting.mint_ca("Details CA", not_after=now + dt.timedelta(days=3650))
    sans = x509.SubjectAlternativeName(
        [
            x509.DNSName("details.test"),
            x509.DNSName("*.details.test"),
            x509.IPAddress(ipaddress.ip_address("192.0.2.7")),
            x509.RFC822Name("ops@details.test"),
        ]
    )
    usage = minting.key_usage(digital_signature=True, key_encipherment=True)
    purposes = x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    )
    leaf = minting.mint_certificate(
        minting.name("details.test"),
        issuer=ca,
        not_before=now - dt.timedelta(days=30),
        not_after=now + dt.timedelta(days=70),
        extensions=[(sans, False), (usage, True), (purposes, False)],
    )
    path = tmp_path / "details.pem"
    path.write_bytes(leaf.pem + ca.pem)
    return path, leaf


def test_the_tabs_show_names_usages_extensions_pins_and_lifetime(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    import base64

    path, _ = minted_detailed_leaf(tmp_path)
    opened(qtbot, window, path)
    details = window.details

    names = details.names.toPlainText()
    for name in ("details.test", "*.details.test", "192.0.2.7", "ops@details.test"):
        assert name in names
    usages = details.usages.toPlainText()
    assert "TLS server" in usages and "TLS client" in usages
    assert "digital signature" in usages and "key encipherment" in usages
    assert "serverAuth" not in usages  # in words, not OIDs' short names
    extensions = details.extensions.toPlainText().splitlines()
    key_usage_line = next(line for line in extensions if line.startswith("keyUsage"))
    assert "critical" in key_usage_line
    assert "critical" not in next(line for line in extensions if line.startswith("subjectAlt"))
    assert "30 % used" in details.summary.toPlainText()

    pin = details.pin_fields["SPKI SHA-256 (base64)"].text()
    assert details.pin_fields["SPKI SHA-256 (hex)"].text() == base64.b64decode(pin).hex()
    assert len(details.pin_fields["SHA-1"].text().replace(":", "")) == 40
    copy = next(
        button
        for button in details.findChildren(QPushButton)
        if button.toolTip() == "Copy the SPKI SHA-256 (base64) to the clipboard"
    )
    QApplication.clipboard().clear()
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == pin


def test_days_left_sorts_by_number_and_the_status_is_coloured(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    import datetime as dt

    from PySide6.QtGui import QBrush

    from pinscope.gui.models import EXPIRED, EXPIRING, VALID, status_colour
    from tests.core import minting

    now = dt.datetime.now(dt.UTC)
    ca = minting.mint_ca("Sort CA", not_after=now + dt.timedelta(days=3650))
    pem = b""
    for days in (100, 5, -3, 20):  # 5 is within the 30 warning days, -3 has expired
        leaf = minting.mint_leaf(
            ca,
            f"in{days}.test",
            not_before=now - dt.timedelta(days=10),
            not_after=now + dt.timedelta(days=days, hours=12),
        )
        pem += leaf.pem
    path = tmp_path / "sort.pem"
    path.write_bytes(pem)
    opened(qtbot, window, path)

    window.table.sortByColumn(COLUMNS.index("Days left"), Qt.SortOrder.AscendingOrder)
    assert column(window, "Days left") == ["-3", "5", "20", "100"]  # not "-3", "100", "20", "5"
    assert column(window, "Status") == ["expired", "expiring", "expiring", "valid"]
    model = window.table.model()
    status = COLUMNS.index("Status")
    colours = [model.index(row, status).data(Qt.ItemDataRole.ForegroundRole) for row in range(4)]
    assert all(isinstance(colour, QBrush) for colour in colours)
    wanted = [status_colour(c) for c in (EXPIRED, EXPIRING, EXPIRING, VALID)]
    assert [colour.color() for colour in colours] == wanted


def test_the_chain_rows_carry_the_status_icons(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    from pinscope.gui.icons import icon

    opened(qtbot, window, DATA / "chain.pem")
    leaf = window.chain.item(0)
    expected = icon("status-valid").pixmap(16).toImage()
    assert leaf.icon().pixmap(16).toImage() == expected
    ending = leaf.child(0).child(0).child(0)  # below the root: "in no trust store"
    assert ending.icon().pixmap(16).toImage() == icon("status-warning").pixmap(16).toImage()


def test_the_reports_of_a_file_with_a_key_hold_no_private_material(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.open_path(str(DATA / "p12-aes.p12"), PASSWORDS["p12-aes.p12"])
    checked(qtbot, window)
    assert window.inspections[0].source is not None
    assert any(e.private_key is not None for e in window.inspections[0].source.entries)

    window.copy_report()
    text = QApplication.clipboard().text()
    window.copy_report_json()
    document = QApplication.clipboard().text()
    password = re.compile(rf"(?<!\w){re.escape(PASSWORDS['p12-aes.p12'])}(?!\w)")
    for report in (text, document):
        assert "p12-aes.p12" in report
        assert "PRIVATE KEY" not in report and "BEGIN" not in report
        assert not password.search(report)


def test_a_recent_file_opens_from_the_menu(qtbot: QtBot, window: MainWindow) -> None:
    opened(qtbot, window, DATA / "server.crt")
    window.sources_view.setCurrentIndex(window.sources.index(0, 0))
    window.close_source()
    assert window.sources.rowCount() == 0

    window._fill_recent()
    [entry] = [a for a in window.recent_menu.actions() if a.text().endswith("server.crt")]
    entry.trigger()
    checked(qtbot, window)
    assert "server.crt  [pem]" in window.sources.item(0).text()


def test_pasting_base64_der_opens_it(qtbot: QtBot, window: MainWindow) -> None:
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate((DATA / "server.crt").read_bytes()).public_bytes(
        Encoding.DER
    )
    QApplication.clipboard().setText(base64.b64encode(der).decode())
    window.paste()
    checked(qtbot, window)
    assert "[der]" in window.sources.item(0).text()
    assert column(window, "Subject")[0].startswith("CN=")


def test_pasting_a_url_connects_to_its_host(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    monkeypatch.setattr(window.connect_panel, "start_connection", lambda: started.append("connect"))
    QApplication.clipboard().setText("https://api.example.test:8443/v1/health")
    window.paste()

    assert started == ["connect"]
    assert window.docks["Connect"].isVisible()
    assert window.connect_panel.host_edit.text() in (
        "api.example.test:8443",
        "https://api.example.test:8443/v1/health",
    )


# ---- password attempts racing the user ---------------------------------------------------------


def labels(window: MainWindow) -> list[str]:
    return [window.sources.item(row).text() for row in range(window.sources.rowCount())]


@pytest.mark.parametrize("typed", ["wrong", PASSWORDS["p12-aes.p12"]])
def test_a_locked_file_closed_while_its_password_is_tried_stays_closed(
    qtbot: QtBot, window: MainWindow, typed: str
) -> None:
    bar = window.password_bar
    window.open_path(str(DATA / "p12-aes.p12"))
    qtbot.waitUntil(bar.isVisible, timeout=10_000)
    qtbot.keyClicks(bar.field, typed)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    window.sources_view.setCurrentIndex(window.sources.index(0, 0))
    window.close_source()

    qtbot.wait(1500)  # the attempt ends meanwhile
    assert labels(window) == []
    assert not bar.isVisible()


def test_picking_the_locked_row_again_during_an_attempt_allows_no_second_one(
    qtbot: QtBot, window: MainWindow
) -> None:
    bar = window.password_bar
    window.open_path(str(DATA / "p12-aes.p12"))
    qtbot.waitUntil(bar.isVisible, timeout=10_000)
    window.open_path(str(DATA / "chain.pem"))
    qtbot.waitUntil(lambda: window.sources.rowCount() == 2, timeout=10_000)
    window.sources_view.setCurrentIndex(window.sources.index(0, 0))
    qtbot.keyClicks(bar.field, PASSWORDS["p12-aes.p12"])
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert not bar.isEnabled()  # one attempt at a time

    window.sources_view.setCurrentIndex(window.sources.index(1, 0))
    window.sources_view.setCurrentIndex(window.sources.index(0, 0))
    assert not bar.isEnabled()  # still running: not offered again

    qtbot.waitUntil(lambda: "[pkcs12]" in labels(window)[0], timeout=10_000)
    checked(qtbot, window, count=2)
    assert len(labels(window)) == 2 and not bar.isVisible()


def test_a_typed_password_leaves_no_undo_copy_in_the_field(
    qtbot: QtBot, window: MainWindow
) -> None:
    bar = window.password_bar
    window.open_path(str(DATA / "p12-aes.p12"))
    qtbot.waitUntil(bar.isVisible, timeout=10_000)
    qtbot.keyClicks(bar.field, "not-it")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong password" in bar.label.text(), timeout=10_000)

    bar.field.undo()
    assert bar.field.text() == ""
