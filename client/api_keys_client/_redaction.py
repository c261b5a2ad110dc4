"""Taking the token out of whatever a server could echo it back in.

A server that echoes the token rarely echoes it byte for byte: Go's encoding/json writes `&`, `<`
and `>` as `\\u0026`, `\\u003c` and `\\u003e`, any JSON encoder may write any character as a
`\\uXXXX` escape and `/` as `\\/`, and a URL percent-encodes. So every character of the token is
matched in any of those spellings (hex digits in either case, spellings mixed freely), and in
any letter case, since what carries it may have been case-folded on the way.

The rule for short tokens: a token of at least `SUBSTRING_MIN` characters is redacted wherever it
appears, even inside a longer word; a shorter one only where it stands alone (no letter or digit
right before or after it, nor `_` or `-`, which join words; an escape counts as a boundary), so
that a token like "la" leaves "the last request" and "la-la land" whole while "token=la" still
becomes "token=[redacted]".
"""

from __future__ import annotations

import re
from functools import lru_cache

REDACTED = "[redacted]"
# A token this long never turns up inside ordinary text by chance.
SUBSTRING_MIN = 16

# What joins a word: letters and digits (any script), `_` and `-`. In bytes, any byte of a
# non-ASCII character counts as a letter.
_TEXT_WORD = r"\w-"
_BYTES_WORD = r"\w\x80-\xff-"


def _hex_digit(digit: str) -> str:
    return f"[{digit.lower()}{digit.upper()}]" if digit.isalpha() else digit


def _spellings(char: str) -> str:
    """A pattern for every spelling of one character: itself, a JSON escape, a percent escape."""
    code = f"{ord(char):04x}"
    alternatives = [
        re.escape(char),
        "\\\\u" + "".join(_hex_digit(d) for d in code),
    ]
    if ord(char) < 0x100:
        alternatives.append("%" + "".join(_hex_digit(d) for d in code[2:]))
    if char == "/":
        alternatives.append(re.escape("\\/"))
    return "(?:" + "|".join(alternatives) + ")"


def _pattern(token: str, word: str) -> str:
    body = "".join(_spellings(char) for char in token)
    if len(token) >= SUBSTRING_MIN:
        return body
    # Fixed-width look-behinds: a percent escape or a JSON escape just before counts as a boundary.
    before = f"(?:(?<=%[0-9A-Fa-f]{{2}})|(?<=\\\\u[0-9A-Fa-f]{{4}})|(?<![{word}]))"
    return f"{before}{body}(?![{word}])"


class Redactor:
    """Redacts tokens (a client's one, or every one a token provider gave a call) from text and
    from bytes. With no token, it changes nothing."""

    __slots__ = ("_bytes", "_text", "tokens")

    def __init__(self, *tokens: str) -> None:
        self.tokens = tokens
        # Longer tokens first: one that contains another is taken out whole.
        ordered = sorted(set(tokens), key=len, reverse=True)
        # Case-insensitive: text on the way may have been case-folded (httpx lower-cases header
        # names and hosts; a server may quote a value after .lower()).
        self._text = re.compile(
            "|".join(_pattern(t, _TEXT_WORD) for t in ordered) or "(?!)", re.IGNORECASE
        )
        self._bytes = re.compile(
            "|".join(_pattern(t, _BYTES_WORD) for t in ordered).encode("ascii") or b"(?!)",
            re.IGNORECASE,
        )

    def text(self, value: str) -> str:
        return self._text.sub(REDACTED, value) if self.tokens else value

    def bytes(self, value: bytes) -> bytes:
        return self._bytes.sub(REDACTED.encode("ascii"), value) if self.tokens else value

    def found_in(self, value: str) -> bool:
        return bool(self.tokens) and self._text.search(value) is not None


@lru_cache(maxsize=16)
def redactor_for(*tokens: str) -> Redactor:
    """The redactor of these tokens (a client's token is fixed; a token provider's may change)."""
    return Redactor(*tokens)
