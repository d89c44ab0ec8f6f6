"""`pinscope explain`: say in plain words what a pasted TLS or certificate error means."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence

from pinscope.core import __version__
from pinscope.core.explain import Explanation, explain

# The same numbers as pinscope.cli.main's EXIT_OK and EXIT_UNREADABLE. Not imported from there:
# main imports this module, and importing it back would be circular.
EXIT_RECOGNISED = 0
EXIT_UNRECOGNISED = 2

STDIN_LIMIT = 16 * 1024 * 1024
"""Bytes read from standard input at most; core reads only the two ends of a long text."""

WIDTH = 88

NOTHING_RECOGNISED = (
    "no known TLS or certificate error in this text; run `pinscope connect HOST:PORT` to "
    "test the endpoint itself"
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare `pinscope explain TEXT... [--json]` on the command line's subcommands."""
    parser = commands.add_parser(
        "explain",
        help="explain a TLS or certificate error message pasted from any program",
        description="Recognise an error message from Java, Go, Node.js, Python, curl, "
        "OpenSSL, .NET or a browser and say what it means and what to check next. "
        "Quote the text, or pass - (or nothing) to read it from standard input, where a "
        "whole log or stack trace can be pasted. "
        "Exit status: 0 something was recognised, 2 nothing was.",
    )
    parser.add_argument(
        "text",
        nargs="*",
        metavar="TEXT",
        help="the error message (several arguments are joined with spaces); "
        "- or none reads standard input",
    )
    parser.add_argument("--json", action="store_true", help="print the JSON document")


def run(args: argparse.Namespace) -> int:
    """Explain the text the arguments give; print the result; return the exit status."""
    explanations = explain(_text_from(args.text))

    if args.json:
        indent = 2 if sys.stdout.isatty() else None
        sys.stdout.write(json.dumps(document(explanations), indent=indent, ensure_ascii=False))
        sys.stdout.write("\n")
    elif explanations:
        sys.stdout.write(text_report(explanations))

    if not explanations:
        print(f"pinscope: explain: {NOTHING_RECOGNISED}", file=sys.stderr)
        return EXIT_UNRECOGNISED
    return EXIT_RECOGNISED


def _text_from(words: Sequence[str]) -> str:
    if words and list(words) != ["-"]:
        return " ".join(words)
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        print(
            "Paste the error message, then press Ctrl-D (Ctrl-Z and Enter on Windows):",
            file=sys.stderr,
        )
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        data: bytes = buffer.read(STDIN_LIMIT)
        return data.decode("utf-8", errors="replace")
    text: str = sys.stdin.read(STDIN_LIMIT)
    return text


def document(explanations: Sequence[Explanation]) -> dict[str, object]:
    """The `--json` document."""
    return {
        "pinscope": __version__,
        "explanations": [
            {
                "code": item.code,
                "title": item.title,
                "explanation": item.explanation,
                "next_steps": list(item.next_steps),
                "matched": item.matched,
            }
            for item in explanations
        ],
    }


def text_report(explanations: Sequence[Explanation]) -> str:
    """The explanations as a person reads them: numbered, most likely first."""
    if len(explanations) == 1:
        lines = ["One known failure matches this text:", ""]
    else:
        lines = [f"{len(explanations)} known failures match this text, most likely first:", ""]

    for number, item in enumerate(explanations, start=1):
        lines.append(f"{number}. {item.title}  [{item.code}]")
        lines.append(f"   Recognised: \u201c{item.matched}\u201d")
        lines.append("")
        lines.extend(_wrapped(item.explanation, "   ", "   "))
        lines.append("")
        lines.append("   What to check next:")
        for step in item.next_steps:
            lines.extend(_wrapped(step, "   - ", "     "))
        lines.append("")
    return "\n".join(lines)


def _wrapped(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
