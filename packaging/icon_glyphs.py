"""The window's icons as drawings on a 24 x 24 grid, one definition for the light and dark sets.

Each glyph is a few SVG elements whose colours are placeholders: `{ink}` for the outline,
`{accent}` for the part that tells one icon from another, and for the status badges `{fill}`
and `{mark}`. `make_icons.py` fills them in once per theme, so the two sets cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    """The colours of one theme: outlines, accents and the four status badges."""

    ink: str
    accent: str
    valid: str
    warning: str
    error: str
    unknown: str
    mark: str
    """The check, cross or question mark drawn on a badge."""
    warning_mark: str
    """The exclamation mark on the warning badge, dark because amber is too light for white."""


LIGHT = Palette(
    ink="#2b3440",
    accent="#1f6fd1",
    valid="#1e8e4e",
    warning="#e0a106",
    error="#d93a3a",
    unknown="#7a8491",
    mark="#ffffff",
    warning_mark="#2b2100",
)
DARK = Palette(
    ink="#dde3ea",
    accent="#74b0ff",
    valid="#3fbf73",
    warning="#f2bd3a",
    error="#f26363",
    unknown="#9aa4b1",
    mark="#ffffff",
    warning_mark="#2b2100",
)

# A pushpin standing up; shared by pin, export-pins and check-pins, shifted where needed.
_PIN = (
    '<path d="M{x0} 3h7" stroke="{{ink}}"/>'
    '<path d="M{x1} 3.2v5.3l-3 3.5h10l-3-3.5V3.2" stroke="{{ink}}"/>'
    '<path d="M{x2} 12v8.5" stroke="{{accent}}"/>'
)


def _pin_at(center: float) -> str:
    """The pushpin with its needle on x = center."""
    return _PIN.format(x0=center - 3.5, x1=center - 2, x2=center)


_DOCUMENT = (
    "M5.5 4h13A1.5 1.5 0 0 1 20 5.5V11M13.5 20h-8A1.5 1.5 0 0 1 4 18.5v-13A1.5 1.5 0 0 1 5.5 4"
)

GLYPHS: dict[str, str] = {
    "open": (
        '<path d="M3 18.5v-12A1.5 1.5 0 0 1 4.5 5h4.2l2 2.2h7.3A1.5 1.5 0 0 1 19.5 8.7V10"'
        ' stroke="{ink}"/>'
        '<path d="M3 18.5l2.6-7.2a1.5 1.5 0 0 1 1.4-1h13.6a1 1 0 0 1 .95 1.3l-2.2 6.4'
        'a1.5 1.5 0 0 1-1.4 1z" stroke="{accent}"/>'
    ),
    "paste": (
        '<rect x="5" y="4.5" width="14" height="16.5" rx="1.8" stroke="{ink}"/>'
        '<rect x="8.5" y="2.5" width="7" height="4" rx="1.2" stroke="{ink}"/>'
        '<path d="M8.5 11h7M8.5 14.5h7M8.5 18h4" stroke="{accent}"/>'
    ),
    "connect": (
        '<path d="M1.5 12H4M20 12h2.5" stroke="{ink}"/>'
        '<path d="M4 8.5h3.5a3.5 3.5 0 0 1 0 7H4z" stroke="{ink}"/>'
        '<path d="M20 8.5h-3.5a3.5 3.5 0 0 0 0 7H20z" stroke="{ink}"/>'
        '<path d="M11 10.2h2.2M11 13.8h2.2" stroke="{accent}"/>'
    ),
    "export-pins": _pin_at(8) + '<path d="M15 16h6.5M18.5 13l3 3-3 3" stroke="{accent}"/>',
    "check-pins": _pin_at(8) + '<path d="M14 16.5l2.5 2.5 5-5.5" stroke="{accent}"/>',
    "explain": (
        '<path d="M5.5 4h13A1.5 1.5 0 0 1 20 5.5v9a1.5 1.5 0 0 1-1.5 1.5H11l-4.5 4v-4h-1'
        'A1.5 1.5 0 0 1 4 14.5v-9A1.5 1.5 0 0 1 5.5 4z" stroke="{ink}"/>'
        '<path d="M9.8 8.4a2.3 2.3 0 1 1 3.2 2.1c-.6.3-1 .8-1 1.4M12 13.9v.1"'
        ' stroke="{accent}"/>'
    ),
    "compare": (
        '<path d="M4 8.5h15M16 5.5l3 3-3 3" stroke="{ink}"/>'
        '<path d="M20 15.5H5M8 12.5l-3 3 3 3" stroke="{accent}"/>'
    ),
    "settings": (
        '<path d="M4 7h3M11 7h9M4 12h9M17 12h3M4 17h1M9 17h11" stroke="{ink}"/>'
        '<circle cx="9" cy="7" r="2" stroke="{accent}"/>'
        '<circle cx="15" cy="12" r="2" stroke="{accent}"/>'
        '<circle cx="7" cy="17" r="2" stroke="{accent}"/>'
    ),
    "copy": (
        '<path d="M15 8V5.5A1.5 1.5 0 0 0 13.5 4h-8A1.5 1.5 0 0 0 4 5.5v8A1.5 1.5 0 0 0 5.5 15H8"'
        ' stroke="{ink}"/>'
        '<rect x="9" y="9" width="11" height="11" rx="1.5" stroke="{accent}"/>'
    ),
    "save": (
        '<path d="M4 15v3.5A1.5 1.5 0 0 0 5.5 20h13a1.5 1.5 0 0 0 1.5-1.5V15" stroke="{ink}"/>'
        '<path d="M12 3.5v11M7.5 10l4.5 4.5 4.5-4.5" stroke="{accent}"/>'
    ),
    "refresh": (
        '<path d="M19.5 12a7.5 7.5 0 1 1-2.2-5.3" stroke="{ink}"/>'
        '<path d="M18.2 2.8v4.4h-4.4" stroke="{accent}"/>'
    ),
    "cancel": (
        '<circle cx="12" cy="12" r="8.5" stroke="{ink}"/>'
        '<path d="M9 9l6 6M15 9l-6 6" stroke="{accent}"/>'
    ),
    "status-valid": (
        '<circle cx="12" cy="12" r="9.5" fill="{valid}"/>'
        '<path d="M7.8 12.3l2.8 2.8 5.6-5.8" stroke="{mark}" stroke-width="2.4"/>'
    ),
    "status-warning": (
        '<path d="M10.3 3.6a2 2 0 0 1 3.4 0l8.1 14.1a2 2 0 0 1-1.7 3H3.9a2 2 0 0 1-1.7-3z"'
        ' fill="{warning}"/>'
        '<path d="M12 9v4.5M12 17v.1" stroke="{warning_mark}" stroke-width="2.4"/>'
    ),
    "status-error": (
        '<circle cx="12" cy="12" r="9.5" fill="{error}"/>'
        '<path d="M8.8 8.8l6.4 6.4M15.2 8.8l-6.4 6.4" stroke="{mark}" stroke-width="2.4"/>'
    ),
    "status-unknown": (
        '<circle cx="12" cy="12" r="9.5" fill="{unknown}"/>'
        '<path d="M9.6 9.4a2.5 2.5 0 1 1 3.4 2.3c-.6.3-1 .8-1 1.5M12 16.6v.1" stroke="{mark}"'
        ' stroke-width="2.4"/>'
    ),
    "certificate": (
        f'<path d="{_DOCUMENT}" stroke="{{ink}}"/>'
        '<path d="M7.5 8h9M7.5 11.5h5" stroke="{ink}"/>'
        '<circle cx="17" cy="14.5" r="3" stroke="{accent}"/>'
        '<path d="M15.4 17l-.7 4 2.3-1.2 2.3 1.2-.7-4" stroke="{accent}"/>'
    ),
    "key": (
        '<circle cx="8" cy="16" r="4" stroke="{ink}"/>'
        '<path d="M10.9 13.1L20 4" stroke="{ink}"/>'
        '<path d="M16.5 7.5l2.5 2.5M14 10l2 2" stroke="{accent}"/>'
    ),
    "keystore": (
        '<rect x="3" y="4" width="18" height="14.5" rx="2" stroke="{ink}"/>'
        '<path d="M6.5 18.5v2M17.5 18.5v2" stroke="{ink}"/>'
        '<circle cx="12" cy="11.2" r="3.3" stroke="{accent}"/>'
        '<path d="M12 11.2l1.6-1.6" stroke="{accent}"/>'
    ),
    "endpoint": (
        '<circle cx="12" cy="12" r="8.5" stroke="{ink}"/>'
        '<ellipse cx="12" cy="12" rx="3.6" ry="8.5" stroke="{accent}"/>'
        '<path d="M3.5 12h17" stroke="{accent}"/>'
    ),
    "csr": (
        '<path d="M11 20.5H6.5A1.5 1.5 0 0 1 5 19V5a1.5 1.5 0 0 1 1.5-1.5H14l4 4V9.5"'
        ' stroke="{ink}"/>'
        '<path d="M14 3.5v4h4M8 10h6M8 13.5h3.5" stroke="{ink}"/>'
        '<path d="M13.5 20.5l.5-2.5 5.3-5.3a1.4 1.4 0 0 1 2 2L16 20z" stroke="{accent}"/>'
    ),
    "pin": _pin_at(12),
    "lock": (
        '<rect x="5" y="10.5" width="14" height="10" rx="1.8" stroke="{ink}"/>'
        '<path d="M8 10.5V7.5a4 4 0 0 1 8 0v3" stroke="{ink}"/>'
        '<path d="M12 14.5v2.5" stroke="{accent}"/>'
    ),
    "chain": (
        '<path d="M10.5 13.5a3.5 3.5 0 0 0 5 0l3-3a3.5 3.5 0 0 0-5-5l-1 1" stroke="{ink}"/>'
        '<path d="M13.5 10.5a3.5 3.5 0 0 0-5 0l-3 3a3.5 3.5 0 0 0 5 5l1-1" stroke="{accent}"/>'
    ),
    "info": (
        '<circle cx="12" cy="12" r="8.5" stroke="{ink}"/>'
        '<path d="M12 11v5.5M12 7.8v.1" stroke="{accent}"/>'
    ),
    "search": (
        '<circle cx="10.5" cy="10.5" r="6" stroke="{ink}"/><path d="M15 15l5 5" stroke="{accent}"/>'
    ),
}


def svg(name: str, palette: Palette) -> str:
    """The SVG document of one glyph in one palette."""
    body = GLYPHS[name].format(**vars(palette))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">\n'
        '  <g fill="none" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">\n'
        f"    {body}\n"
        "  </g>\n"
        "</svg>\n"
    )
