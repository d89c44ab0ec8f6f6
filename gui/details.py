"""The selected certificate in tabs: Summary, Names, Usages, Extensions, Pins, PEM, Findings.

Everything shown comes from the core's `CertificateDetails`, `Validation` and findings; this
module only lays it out.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from pinscope.core.certificate import Certificate
from pinscope.core.chain import Validation
from pinscope.core.files import replace_file
from pinscope.core.model import Finding
from pinscope.core.report import san_texts, serial_hex
from pinscope.gui.models import status_of, validity_colour

__all__ = ["CertificateDetailsView"]

LIFETIME_BAR_PX = 120
"""The width of the lifetime bar in the Summary tab."""
USAGE_WORDS = {
    "serverAuth": "TLS server",
    "clientAuth": "TLS client",
    "codeSigning": "code signing",
    "emailProtection": "e-mail (S/MIME)",
    "timeStamping": "time stamping",
    "OCSPSigning": "OCSP responses",
    "digitalSignature": "digital signature",
    "keyEncipherment": "key encipherment",
    "keyCertSign": "signs certificates",
    "cRLSign": "signs CRLs",
    "keyAgreement": "key agreement",
    "nonRepudiation": "non-repudiation",
    "dataEncipherment": "data encipherment",
}


def _rows(rows: list[tuple[str, str]], markup: dict[str, str] | None = None) -> str:
    """A two-column table of `rows`, escaped; a label in `markup` gets that HTML instead."""
    markup = markup or {}
    cells = "".join(
        f"<tr><td style='white-space:nowrap; padding-right:12px'><b>{html.escape(k)}</b></td>"
        f"<td>{markup.get(k, html.escape(v))}</td></tr>"
        for k, v in rows
    )
    return f"<table cellspacing='3'>{cells}</table>"


class CertificateDetailsView(QTabWidget):
    """Tabs about one certificate; `show_certificate(None)` empties them."""

    def __init__(self) -> None:
        super().__init__()
        self.setUsesScrollButtons(False)
        # Whole tab names, scrolled with arrows when the pane is narrow: "Summ…" helps no one.
        self.setElideMode(Qt.TextElideMode.ElideNone)
        self.setUsesScrollButtons(True)
        self.summary = QTextBrowser()
        self.addTab(self.summary, "Summary")
        self.warn_days = 30

        self.names = QTextBrowser()
        self.addTab(self.names, "Names")
        self.usages = QTextBrowser()
        self.addTab(self.usages, "Usages")
        self.extensions = QTextBrowser()
        self.addTab(self.extensions, "Extensions")
        self.addTab(self._pins_tab(), "Pins")
        self.addTab(self._pem_tab(), "PEM")
        self.findings = QTextBrowser()
        self.addTab(self.findings, "Findings")
        self.certificate: Certificate | None = None

    def _pins_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.pin_fields: dict[str, QLineEdit] = {}
        for label in ("SPKI SHA-256 (base64)", "SPKI SHA-256 (hex)", "SHA-256", "SHA-1"):
            field = QLineEdit()
            field.setReadOnly(True)
            button = QPushButton("Copy")
            button.setToolTip(f"Copy the {label} to the clipboard")
            button.clicked.connect(lambda _=False, f=field: _copy(f.text()))
            row = QHBoxLayout()
            row.addWidget(field)
            row.addWidget(button)
            form.addRow(label, row)
            self.pin_fields[label] = field
        return tab

    def _pem_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.pem = QPlainTextEdit()
        self.pem.setReadOnly(True)
        copy = QPushButton("&Copy PEM")
        copy.setToolTip("Copy the certificate in PEM to the clipboard")
        copy.clicked.connect(self._copy_pem)
        self.save_button = QPushButton("&Save PEM\u2026")
        self.save_button.setToolTip("Write the certificate to a .pem file")
        self.save_button.clicked.connect(self.save_pem)
        self.save_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(copy)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout.addWidget(self.pem)
        layout.addLayout(buttons)
        return tab

    def _copy_pem(self) -> None:
        _copy(self.pem.toPlainText())

    def save_pem(self) -> None:
        """Ask where, then write the shown certificate as PEM (atomically)."""
        text = self.pem.toPlainText()
        if not text:
            return
        name = self.certificate.short_name if self.certificate is not None else "certificate"
        suggested = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") + ".pem"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the certificate", suggested, "PEM certificate (*.pem *.crt)"
        )
        if not path:
            return
        try:
            replace_file(Path(path), text.encode("ascii"))
        except OSError as error:
            QMessageBox.warning(
                self, "Not saved", f"Cannot write {path}: {error.strerror or error}"
            )

    def show_certificate(
        self,
        cert: Certificate | None,
        validation: Validation | None = None,
        findings: list[Finding] | None = None,
    ) -> None:
        self.certificate = cert
        if cert is None:
            for view in (self.summary, self.names, self.usages, self.extensions, self.findings):
                view.clear()
            self.pem.clear()
            self.save_button.setEnabled(False)
            for field in self.pin_fields.values():
                field.clear()
            return
        details = cert.details
        now = dt.datetime.now(dt.UTC)
        self.summary.setHtml(self._summary_html(cert, validation, now))
        names = san_texts(details.san) or ["(no subject alternative names)"]
        self.names.setHtml("<br>".join(html.escape(name) for name in names))
        usages = [USAGE_WORDS.get(u, u) for u in (*details.key_usage, *details.extended_key_usage)]
        constraints = "CA" if details.is_ca else "end entity"
        if details.path_length is not None:
            constraints += f", at most {details.path_length} intermediates below"
        self.usages.setHtml(
            _rows([("allowed for", ", ".join(usages) or "anything (no usage extensions)")])
            + _rows([("role", constraints)])
        )
        self.extensions.setHtml(
            "".join(
                f"<p><b>{html.escape(e.name)}</b> <small>{e.oid}</small>"
                f"{' <b style=color:#d64541>critical</b>' if e.critical else ''}<br>"
                f"{html.escape(e.value)}</p>"
                for e in details.extensions
            )
        )
        self.save_button.setEnabled(True)
        pin = details.public_key.spki_sha256
        self.pin_fields["SPKI SHA-256 (base64)"].setText(pin)
        self.pin_fields["SPKI SHA-256 (hex)"].setText(base64.b64decode(pin).hex())
        self.pin_fields["SHA-256"].setText(cert.sha256)
        self.pin_fields["SHA-1"].setText(cert.sha1)
        self.pem.setPlainText(cert.x509.public_bytes(Encoding.PEM).decode("ascii"))
        mine = [f for f in findings or [] if f.certificate in (None, cert.sha256)]
        self.findings.setHtml(
            "".join(
                f"<p><b>{html.escape(f.title)}</b> <small>[{f.code}]</small><br>"
                f"{html.escape(f.detail)}<br><i>What to do:</i> {html.escape(f.remedy)}</p>"
                for f in mine
            )
            or "No findings."
        )

    def show_problem(self, title: str, reason: str) -> None:
        """Say why there is no certificate to show (a file that could not be read)."""
        self.show_certificate(None)
        self.setCurrentIndex(0)
        self.summary.setHtml(f"<h3>{html.escape(title)}</h3><p>{html.escape(reason)}</p>")

    def _summary_html(
        self, cert: Certificate, validation: Validation | None, now: dt.datetime
    ) -> str:
        details = cert.details
        key = details.public_key
        days = int(details.seconds_left(now) // 86400)
        rows = [
            ("subject", details.subject or "(empty)"),
            ("issued by", details.issuer or "(empty)"),
            ("valid from", f"{details.not_before:%Y-%m-%d %H:%M} UTC"),
            ("valid until", f"{details.not_after:%Y-%m-%d %H:%M} UTC ({days} days left)"),
            ("lifetime", _lifetime_text(cert, now)),
            ("key", " ".join(str(p) for p in (key.type, key.size or "", key.curve or "") if p)),
            ("signature", details.signature_algorithm),
            ("serial", serial_hex(details.serial)),
        ]
        if validation is not None:
            rows.append(("trust", _trust_text(validation)))
        bar = _lifetime_bar(cert, now, self.warn_days)
        return f"<h3>{html.escape(details.short_name())}</h3>" + _rows(rows, {"lifetime": bar})


def _lifetime_used(cert: Certificate, now: dt.datetime) -> float:
    """The share of its validity period that has passed at `now`, from 0 to 1."""
    details = cert.details
    total = (details.not_after - details.not_before).total_seconds() or 1
    return min(max((now - details.not_before).total_seconds() / total, 0.0), 1.0)


def _lifetime_text(cert: Certificate, now: dt.datetime) -> str:
    return f"{int(_lifetime_used(cert, now) * 100)} % used"


def _lifetime_bar(cert: Certificate, now: dt.datetime, warn_days: int) -> str:
    """The lifetime as a bar in the certificate's status colour, then the share in words."""
    status, _ = status_of(cert, now, warn_days)
    filled = round(_lifetime_used(cert, now) * LIFETIME_BAR_PX)
    track = QApplication.palette().mid().color().name()
    cells = "".join(
        f"<td width='{width}' bgcolor='{shade}' style='font-size:4pt'>&nbsp;</td>"
        for width, shade in (
            (filled, validity_colour(status).name()),
            (LIFETIME_BAR_PX - filled, track),
        )
        if width > 0
    )
    bar = (
        f"<table cellspacing='0' cellpadding='0' width='{LIFETIME_BAR_PX}'><tr>{cells}</tr></table>"
    )
    return (
        "<table cellspacing='0' cellpadding='0'><tr>"
        f"<td valign='middle'>{bar}</td>"
        f"<td style='padding-left:8px'>{html.escape(_lifetime_text(cert, now))}</td>"
        "</tr></table>"
    )


def _trust_text(validation: Validation) -> str:
    path = validation.path
    if validation.trusted and path.anchor is not None and path.store is not None:
        return f"trusted through \u201c{path.anchor.short_name}\u201d from {path.store.label}"
    if not validation.stores:
        return "not judged (no trust store)"
    return "NOT trusted: " + " ".join(validation.errors)


def _copy(text: str) -> None:
    clipboard = QApplication.clipboard()
    clipboard.setText(text)
