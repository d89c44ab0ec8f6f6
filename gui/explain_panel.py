"""The Explain panel: paste an error message from any TLS stack, read what it means and what to do.

`pinscope.core.explain.explain` is fast (well under 50 ms on the largest input it reads), so it
runs on the GUI thread. Its explanations are rendered as rich text: title, finding code, the
explanation, the next steps as a list, and the fragment of the pasted text that was recognised.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut, QTextOption
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    # Its tables take a tenth of a second to build: loaded on the first Explain, not at start.
    from pinscope.core.explain import Explanation


__all__ = ["ExplainPanel", "render_explanations"]

CONNECT_LINK = "pinscope:connect"
"""The link in the "nothing recognised" text that asks the window to open Connect."""

PROMPT = (
    "<p>Paste what the failing program printed — a Java stack trace, curl's output, a Go, "
    "Python or Node.js error, a browser error page, a server log line — and press "
    "<b>Explain</b> (Ctrl+Return).</p>"
)

_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str) -> _W:
    """`widget` with its object name set, so tests and style sheets can find it."""
    widget.setObjectName(name)
    return widget


_QUOTED = re.compile(r"`([^`]+)`")


def _rich(text: str) -> str:
    """Escape `text` for rich text, showing `quoted` commands and names in a fixed font."""
    return _QUOTED.sub(r"<code>\1</code>", html.escape(text, quote=False))


def _render_one(explanation: Explanation, heading: str) -> str:
    steps = "".join(f"<li>{_rich(step)}</li>" for step in explanation.next_steps)
    return (
        f"<p style='margin-bottom:0'><small>{heading}</small></p>"
        f"<h3 style='margin-top:2px'>{html.escape(explanation.title)}</h3>"
        f"<p><small>Finding <code>{html.escape(explanation.code)}</code></small></p>"
        f"<p>{_rich(explanation.explanation)}</p>"
        f"<p><b>What to do</b></p><ol>{steps}</ol>"
        f"<p><small>Recognised in the text: <code>{html.escape(explanation.matched)}</code>"
        "</small></p>"
    )


def render_explanations(explanations: list[Explanation]) -> str:
    """The explanations as rich text, most likely first; the not-recognised text when none."""
    if not explanations:
        return (
            "<h3>Nothing recognised</h3>"
            "<p>Pinscope does not recognise a TLS or certificate failure in this text. Paste "
            "more of it (the whole stack trace or log, with its <i>Caused by</i> lines), or "
            f"<a href='{CONNECT_LINK}'>connect to the server</a> (Ctrl+L) to see what happens "
            "during the handshake.</p>"
        )
    parts = [_render_one(explanations[0], "Most likely")]
    parts.extend(_render_one(other, "Also possible") for other in explanations[1:])
    return "<hr>".join(parts)


class ExplainPanel(QWidget):
    """A box to paste an error message into, an Explain button and the explanation.

    Signals:
        explained: the list of `Explanation`s shown, after each Explain.
        connect_requested: the user followed the "connect to the server" link.
    """

    explained = Signal(list)
    connect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explain-panel")
        self.setWindowTitle("Explain an error")

        self.message_edit = _named(QPlainTextEdit(), "error-message")
        self.message_edit.setPlaceholderText("Paste an error message, stack trace or log here")
        self.message_edit.setAccessibleName("Error message")
        self.message_edit.setTabChangesFocus(True)
        self.message_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # Base64 blobs and URLs have no spaces: break them anywhere rather than scroll sideways.
        self.message_edit.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.message_edit.setToolTip(
            "Any client's error text: Java, curl, OpenSSL, Go, Python, Node.js, .NET, a browser "
            "or a server log. Tab moves on; Ctrl+Return explains."
        )
        self.explain_button = _named(QPushButton("E&xplain"), "explain")
        self.explain_button.setToolTip("Explain the pasted message (Ctrl+Return)")
        self.explain_button.setDefault(True)
        self.clear_button = _named(QPushButton("C&lear"), "clear")
        self.clear_button.setToolTip("Empty the message box and the explanation")
        self.result_view = _named(QTextBrowser(), "explanation")
        self.result_view.setAccessibleName("Explanation")
        self.result_view.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.result_view.setOpenLinks(False)
        self.result_view.document().setDocumentMargin(8)
        self.result_view.setHtml(PROMPT)

        self._lay_out()
        self.explain_button.clicked.connect(self.explain_text)
        self.clear_button.clicked.connect(self.clear)
        self.result_view.anchorClicked.connect(self._follow_link)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.explain_text)

    def _lay_out(self) -> None:
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        label = QLabel("&Error message:")
        label.setBuddy(self.message_edit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.explain_button)
        column.addWidget(label)
        column.addWidget(self.message_edit, 1)
        column.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(top)
        splitter.addWidget(self.result_view)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        # The message, then Explain before Clear, then the explanation to read.
        QWidget.setTabOrder(self.message_edit, self.explain_button)
        QWidget.setTabOrder(self.explain_button, self.clear_button)
        QWidget.setTabOrder(self.clear_button, self.result_view)

    def set_text(self, text: str) -> None:
        """Put `text` in the message box, as if pasted."""
        self.message_edit.setPlainText(text)

    def explain_text(self) -> list[Explanation]:
        """Explain the message in the box and show the result.

        Returns:
            The explanations shown, most likely first; empty when nothing was recognised or
            the box is empty.
        """
        text = self.message_edit.toPlainText()
        if not text.strip():
            self.result_view.setHtml(PROMPT)
            return []
        from pinscope.core.explain import explain

        explanations = explain(text)
        self.result_view.setHtml(render_explanations(explanations))
        self.explained.emit(explanations)
        return explanations

    def clear(self) -> None:
        self.message_edit.clear()
        self.result_view.setHtml(PROMPT)
        self.message_edit.setFocus()

    def _follow_link(self, url: QUrl) -> None:
        if url.toString() == CONNECT_LINK:
            self.connect_requested.emit()
