"""Text the server controls (key names, error messages, headers), made safe to show a person.

A name may hold ESC sequences that recolour or retitle a terminal, a CR that overwrites the line
before it, or bidirectional overrides that make text read differently from what it is. Human
output (exception messages, the CLI's tables) shows these escaped; JSON output and the values on
the models stay exact.
"""

from __future__ import annotations

import unicodedata

# Bidirectional formatting characters: invisible, and they reorder the text around them.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _needs_escape(char: str) -> bool:
    # Cc: C0 controls, DEL and C1 controls (0x9b is a one-byte CSI); Zl, Zp: line and paragraph
    # separators, which some terminals and viewers break lines at.
    return char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp")


def _escape(char: str) -> str:
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\n`, `\\u202e`)."""
    if text.isprintable():  # the common case: nothing Python deems unprintable at all
        return text
    return "".join(_escape(char) if _needs_escape(char) else char for char in text)


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: two for wide and full-width characters (CJK, most
    emoji), none for combining marks and zero-width formatting characters, one otherwise."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` terminal columns."""
    return text + " " * max(width - display_width(text), 0)
