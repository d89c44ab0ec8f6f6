"""Compare: a renewal that keeps the key against one that does not, as the reviewer reads it."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pinscope.core.certificate import Certificate
from pinscope.gui.compare import COMPARE_COLUMNS, CompareWidget
from pinscope.gui.settings import apply_theme
from tests.core.minting import Issued, mint_ca, mint_leaf, new_key
from tests.gui.test_settings import contrast


def wrap(issued: Issued) -> Certificate:
    cert = issued.certificate
    return Certificate(cert.public_bytes(Encoding.DER), cert)


@pytest.fixture
def issuer() -> Issued:
    return mint_ca("Compare Issuing CA")


@pytest.fixture
def current(issuer: Issued) -> Issued:
    return mint_leaf(issuer, "shop.example.test", dns=["shop.example.test", "www.example.test"])


@pytest.fixture
def renewal_same_key(issuer: Issued, current: Issued) -> Issued:
    later = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=10)
    return mint_leaf(
        issuer,
        "shop.example.test",
        dns=["www.example.test", "shop.example.test"],  # the same names, another order
        key=current.key,
        not_before=later,
    )


@pytest.fixture
def renewal_new_key(issuer: Issued) -> Issued:
    return mint_leaf(
        issuer,
        "shop.example.test",
        dns=["shop.example.test", "api.example.test"],
        key=new_key("rsa-2048"),
    )


@pytest.fixture
def widget(qtbot: QtBot) -> CompareWidget:
    compare = CompareWidget()
    qtbot.addWidget(compare)
    compare.resize(900, 560)
    compare.show()
    qtbot.waitExposed(compare)
    return compare


def visible_rows(widget: CompareWidget) -> dict[str, tuple[str, str]]:
    """Field name -> (left, right), as the table on screen shows them."""
    model = widget.table.model()
    rows = {}
    for row in range(model.rowCount()):
        texts = [model.index(row, column).data() for column in range(model.columnCount())]
        rows[texts[0]] = (texts[1], texts[2])
    return rows


def highlighted(widget: CompareWidget) -> set[str]:
    model = widget.table.model()
    return {
        model.index(row, 0).data()
        for row in range(model.rowCount())
        if model.index(row, 1).data(Qt.ItemDataRole.BackgroundRole) is not None
    }


def test_the_empty_widget_says_what_to_do(widget: CompareWidget) -> None:
    assert "Choose two certificates" in widget.verdict.text()
    assert widget.table.model().rowCount() == 0


def test_a_renewal_with_the_same_key_keeps_the_pins(
    widget: CompareWidget, current: Issued, renewal_same_key: Issued
) -> None:
    widget.set_certificates(wrap(current), wrap(renewal_same_key))

    assert widget.verdict.text() == "Same key \u2014 pins stay valid"
    assert widget.verdict.isVisible()
    rows = visible_rows(widget)
    assert rows["SPKI pin"] == (current.pin, current.pin)
    assert rows["Subject"] == ("CN=shop.example.test", "CN=shop.example.test")
    assert rows["SANs"][0] == rows["SANs"][1]  # the same names, whatever their order
    assert highlighted(widget) == {"Serial", "Valid from", "Valid until", "SHA-256"}


def test_a_renewal_with_a_new_key_says_the_pins_change(
    widget: CompareWidget, current: Issued, renewal_new_key: Issued
) -> None:
    widget.set_certificates(wrap(current), wrap(renewal_new_key))

    assert widget.verdict.text() == (
        "Different key \u2014 SPKI pins change: update pinned apps before deploying"
    )
    rows = visible_rows(widget)
    assert rows["SPKI pin"] == (current.pin, renewal_new_key.pin)
    assert rows["Key"] == ("EC 256 secp256r1", "RSA 2048")
    assert rows["SANs"] == (
        "DNS:shop.example.test\nDNS:www.example.test",
        "DNS:api.example.test\nDNS:shop.example.test",
    )
    assert rows["Extended key usage"] == ("TLS server", "TLS server")
    assert {"Key", "SPKI pin", "SANs", "SHA-256"} <= highlighted(widget)
    assert "Issuer" not in highlighted(widget)


def test_the_table_has_every_field_in_reading_order(
    widget: CompareWidget, current: Issued, renewal_new_key: Issued
) -> None:
    widget.set_certificates(wrap(current), wrap(renewal_new_key))

    model = widget.table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert tuple(headers) == COMPARE_COLUMNS == ("Field", "Left", "Right")
    assert list(visible_rows(widget)) == [
        "Subject",
        "Issuer",
        "Serial",
        "Valid from",
        "Valid until",
        "Key",
        "SPKI pin",
        "SANs",
        "Key usage",
        "Extended key usage",
        "SHA-256",
        "Signature algorithm",
    ]
    assert f"{len(highlighted(widget))} of 12 fields differ" in widget.summary.text()


def test_only_differences_hides_the_shared_fields(
    qtbot: QtBot, widget: CompareWidget, current: Issued, renewal_same_key: Issued
) -> None:
    widget.set_certificates(wrap(current), wrap(renewal_same_key))

    qtbot.mouseClick(widget.only_differences, Qt.MouseButton.LeftButton)

    assert list(visible_rows(widget)) == ["Serial", "Valid from", "Valid until", "SHA-256"]

    qtbot.mouseClick(widget.only_differences, Qt.MouseButton.LeftButton)

    assert len(visible_rows(widget)) == 12


def test_the_same_certificate_twice(widget: CompareWidget, current: Issued) -> None:
    widget.set_certificates(wrap(current), wrap(current))

    assert widget.verdict.text().startswith("Same key")
    assert "The same certificate on both sides" in widget.summary.text()
    assert highlighted(widget) == set()


def test_clear_returns_to_the_empty_state(
    widget: CompareWidget, current: Issued, renewal_new_key: Issued
) -> None:
    widget.set_certificates(wrap(current), wrap(renewal_new_key))

    widget.clear()

    assert "Choose two certificates" in widget.verdict.text()
    assert visible_rows(widget) == {}


def test_the_widget_is_freed_without_the_cycle_collector(
    qtbot: QtBot, current: Issued, renewal_new_key: Issued
) -> None:
    gc.disable()
    try:
        widget = CompareWidget()
        widget.set_certificates(wrap(current), wrap(renewal_new_key))
        qtbot.mouseClick(widget.only_differences, Qt.MouseButton.LeftButton)
        freed = weakref.ref(widget)
        del widget

        assert freed() is None
    finally:
        gc.enable()


# ---- reading it in a narrow dock, in either theme ---------------------------------------------


@pytest.fixture
def narrow(widget: CompareWidget) -> CompareWidget:
    """The widget as wide as a dock beside the certificate table."""
    widget.resize(480, 700)
    return widget


def test_a_narrow_dock_scrolls_nothing_sideways_and_keeps_digests_whole_in_tooltips(
    qtbot: QtBot, narrow: CompareWidget, current: Issued, renewal_new_key: Issued
) -> None:
    narrow.set_certificates(wrap(current), wrap(renewal_new_key))
    qtbot.wait(10)  # let the rows be laid out

    assert not narrow.table.horizontalScrollBar().isVisible()
    model = narrow.table.model()
    pins = next(row for row in range(model.rowCount()) if model.index(row, 0).data() == "SPKI pin")
    assert model.index(pins, 1).data(Qt.ItemDataRole.ToolTipRole) == current.pin
    assert model.index(pins, 2).data(Qt.ItemDataRole.ToolTipRole) == renewal_new_key.pin
    assert narrow.verdict.width() <= narrow.width()
    assert narrow.verdict.wordWrap() and narrow.verdict.toolTip()


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    apply_theme(qapp, "system")


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_verdict_colour_reads_well_in_both_themes(
    qtbot: QtBot,
    themed: QApplication,
    widget: CompareWidget,
    current: Issued,
    renewal_new_key: Issued,
    theme: str,
) -> None:
    widget.set_certificates(wrap(current), wrap(renewal_new_key))

    apply_theme(themed, theme)
    qtbot.wait(10)

    text = widget.verdict.palette().color(QPalette.ColorRole.WindowText)
    background = widget.palette().color(QPalette.ColorRole.Window)
    assert contrast(text, background) >= 4.5
    assert text.red() > text.green()  # still the colour of a problem


def test_alt_o_shows_only_the_differences(
    qtbot: QtBot, widget: CompareWidget, current: Issued, renewal_same_key: Issued
) -> None:
    widget.set_certificates(wrap(current), wrap(renewal_same_key))
    widget.activateWindow()
    qtbot.waitActive(widget)

    qtbot.keyClick(widget.table, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)

    qtbot.waitUntil(lambda: len(visible_rows(widget)) == 4)
