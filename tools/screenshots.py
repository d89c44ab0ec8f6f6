"""Render the window's main views to PNG under docs/screenshots/ (`make screenshots`).

Views: a chain, a keystore, an endpoint whose server requires a client certificate (a
loopback pyOpenSSL server), the pin export preview, the pin check table and, when the window
has a theme setting, the dark theme. Runs offscreen; connects to 127.0.0.1 only.
Usage, from the repository root: python -m tools.screenshots [--out FOLDER]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (
    QMessageLogContext,
    QStandardPaths,
    QThreadPool,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from pinscope.core.checks import CheckContext
from pinscope.core.endpoint.handshake import ConnectOptions
from pinscope.core.endpoint.probe import inspect_endpoint
from pinscope.core.endpoint.target import Target
from pinscope.core.inspection import Inspection, Settings, inspect_path
from pinscope.core.pins.compute import build_pin_set, pins_from_source
from pinscope.core.pins.formats import render
from pinscope.core.trust import TrustStore, load_trust_stores
from pinscope.gui.window import MainWindow
from tests.core import minting
from tests.core.endpoint.servers import CLIENT_AUTH_REQUIRED, ServerConfig, serving
from tests.core.endpoint.test_connect import certificate

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SIZE = (1440, 900)
HOST = "api.example.test"
WAIT_S = 20.0
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"


def quiet_offscreen(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    """Print Qt's messages, except the one the offscreen platform gives for every window."""
    if text != OFFSCREEN_NOISE:
        print(text, file=sys.stderr)


def wait_for(condition: Callable[[], object], what: str, limit: float = WAIT_S) -> None:
    """Run the event loop until `condition()` holds; fail naming `what` after `limit` s."""
    app = QApplication.instance()
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {limit:.0f} s")
        app.processEvents()
        time.sleep(0.01)


def settle(seconds: float = 0.3) -> None:
    """Let layouts, late signals and paints finish before grabbing."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


@contextmanager
def main_window() -> Iterator[MainWindow]:
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    wait_for(lambda: window.windowHandle().isExposed(), "the window to be shown")
    try:
        yield window
    finally:
        QThreadPool.globalInstance().waitForDone(int(WAIT_S * 1000))
        window.close()
        window.deleteLater()
        settle(0.05)


def open_file(window: MainWindow, path: Path, password: str | None = None) -> None:
    count = len(window.inspections)
    window.open_path(str(path), password)
    wait_for(
        lambda: len(window.inspections) > count and window.inspections[-1].checked,
        f"{path.name} to be read and checked",
    )
    settle()


def save(window: MainWindow, out: Path, name: str) -> None:
    settle()
    path = out / f"{name}.png"
    if not window.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def test_settings() -> Settings:
    """Judge chains against the test root of tests/data, as a user who trusts it would."""
    return Settings(CheckContext(), tuple(load_trust_stores(None, [str(DATA / "ca-root.crt")])))


# ---- the views ---------------------------------------------------------------------------------


def chain(out: Path) -> None:
    with main_window() as window:
        open_file(window, DATA / "chain.pem")
        save(window, out, "chain")


def keystore(out: Path) -> None:
    with main_window() as window:
        open_file(window, DATA / "keystore.jks", "storepass")
        save(window, out, "keystore")


def endpoint_mtls_failure() -> Inspection:
    """A handshake with a loopback server that requires a client certificate; none is sent."""
    # A year of validity, so that the view shows the mTLS failure and not an expiry warning.
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
    root = minting.mint_ca("Server Root CA", not_after=until)
    issuing = minting.mint_ca("Server Issuing CA", issuer=root, path_length=0, not_after=until)
    server_chain = minting.Chain(root, issuing, minting.mint_leaf(issuing, HOST, not_after=until))
    client_root = minting.mint_ca("Internal Services Root")
    client_ca = minting.mint_ca("Internal Services CA", issuer=client_root, path_length=0)
    config = ServerConfig(
        chain=[server_chain.leaf.certificate, server_chain.intermediate.certificate],
        key=server_chain.leaf.key,
        client_auth=CLIENT_AUTH_REQUIRED,
        client_trust=[client_root.certificate],
        ca_names=[client_root.certificate.subject, client_ca.certificate.subject],
    )
    store = TrustStore("custom", "the test roots", (certificate(server_chain.root),))
    settings = Settings(CheckContext(host=HOST), (store,))
    with serving(config) as server:
        return inspect_endpoint(
            Target("127.0.0.1", server.port), ConnectOptions(sni=HOST, timeout=5.0), settings
        )


def endpoint(out: Path) -> None:
    inspection = endpoint_mtls_failure()
    with main_window() as window:
        window.add_inspection(inspection)
        settle()
        window.bottom.setCurrentIndex(1)  # the handshake story
        save(window, out, "endpoint-mtls-failure")


def export_pins(out: Path) -> None:
    with main_window() as window:
        open_file(window, DATA / "chain.pem")
        window.show_tool("Export pins")
        settle(1.0)
        save(window, out, "export-pins")


def check_pins(out: Path, folder: Path) -> None:
    loaded = inspect_path(DATA / "chain.pem", settings=test_settings())
    assert loaded.source is not None
    computed = pins_from_source(loaded.source, loaded.validation, "intermediate")
    config = folder / "network_security_config.xml"
    config.write_text(render("android", build_pin_set([computed])).text, encoding="utf-8")

    with main_window() as window:
        open_file(window, DATA / "chain.pem")
        window.show_tool("Check pins")
        panel = window.check_panel
        if not panel.open_config(str(config)):
            raise RuntimeError(f"the check panel could not read {config}")
        results: list[object] = []
        panel.checked.connect(results.append)
        panel.select_source(str(DATA / "chain.pem"))
        panel.check()
        wait_for(lambda: results, "the pin check")
        save(window, out, "check-pins")


def dark_theme(out: Path) -> bool:
    """The chain in the dark theme; False when the window has no theme setting yet."""
    try:
        from pinscope.gui.settings import apply_theme  # type: ignore[import-not-found]
    except ImportError:
        return False
    app = QApplication.instance()
    apply_theme(app, "dark")
    try:
        with main_window() as window:
            open_file(window, DATA / "chain.pem")
            save(window, out, "dark-theme")
    finally:
        apply_theme(app, "system")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    for variable in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(variable, None)  # the loopback server is reached directly
    args.out.mkdir(parents=True, exist_ok=True)

    QStandardPaths.setTestModeEnabled(True)  # no user settings, recent files or logs
    qInstallMessageHandler(quiet_offscreen)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Pinscope")
    with tempfile.TemporaryDirectory() as folder:
        chain(args.out)
        keystore(args.out)
        endpoint(args.out)
        export_pins(args.out)
        check_pins(args.out, Path(folder))
    if not dark_theme(args.out):
        print("skipped the dark theme: pinscope.gui.settings.apply_theme does not exist yet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
