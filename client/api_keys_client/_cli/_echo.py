"""What a usage error may repeat of the command line. A token pasted in the wrong place (`create
ci -- --token TOK`, a variable expanded after the wrong flag) must not move from `ps` into a CI
log through the error that refuses it.

The rule: words the parser did not understand are never repeated, only counted; an option is
named only when it is clearly an option's name (never with its value); and any other value is
quoted only when it has none of a secret's shapes (`looks_like_a_secret`): the flags' types
say only what they expected (`_parser._quiet_about_secrets`), and `Parser.error` takes every
such word of the command line out of argparse's own messages, whatever their wording in this
Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

HIDDEN = "the value (not shown: it looks like a secret)"

# Runs of the characters tokens are made of (base64, base64url, hex, prefixed): dates, numbers
# and durations have none this long.
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/=~.\-]{16,}")
_MIXED_RUN = re.compile(r"[A-Za-z0-9]{8,}")
_OPTION = re.compile(r"(--?[a-z][a-z0-9-]{0,38})(=.*)?", re.DOTALL)
_OPTION_NAME = re.compile(r"--?[a-z]+(?:-[a-z]+)*")  # --expiring-within: long, but no token
_PRINTABLE_ASCII = re.compile(r"[ -~]*")
_LETTER, _LOWER, _UPPER, _DIGIT = (
    re.compile(cls) for cls in ("[A-Za-z]", "[a-z]", "[A-Z]", "[0-9]")
)


def looks_like_a_secret(word: str) -> bool:
    """Whether a word could be a token or a key: anything with an underscore (`ak_`, `tok_`,
    `sk_live_`, `ghp_`), a run of 16 token characters with letters among them, letters of
    both cases mixed with digits, more than 40 characters, or anything but printable ASCII
    (which a terminal would take as escapes, too). An option's name is none of these."""
    if len(word) > 40 or "_" in word or not _PRINTABLE_ASCII.fullmatch(word):
        return True
    if _OPTION_NAME.fullmatch(word):
        return False
    # Four letters at least: thirty 9s and an s, a duration too long, are no token.
    if any(len(_LETTER.findall(run)) >= 4 for run in _TOKEN_RUN.findall(word)):
        return True
    return any(
        _LOWER.search(run) and _UPPER.search(run) and _DIGIT.search(run)
        for run in _MIXED_RUN.findall(word)
    )


def option_name(word: str) -> str | None:
    """`--colour`, or `--colour=…` for `--colour=red`: the name of what looks like an option,
    never its value; None for anything else."""
    match = _OPTION.fullmatch(word)
    if match is None or looks_like_a_secret(match[1]):
        return None
    return match[1] + ("=…" if match[2] is not None else "")


def unrecognized(extras: Sequence[str], *, after_double_dash: bool) -> str:
    """The usage error for words no command takes: options named, everything else counted."""
    extras = [word for word in extras if word != "--"]  # argparse keeps a `--` nothing used
    names = [name for name in map(option_name, extras) if name is not None]
    hidden = len(extras) - len(names)
    words = f"{hidden} word{'s' if hidden != 1 else ''}"
    not_shown = f"(not shown: {'it may be a secret' if hidden == 1 else 'they may be secrets'})"
    if not names:
        return f"unrecognized arguments: {words} {not_shown}"
    message = "unrecognized arguments: " + ", ".join(names)
    if hidden:
        message += f" and {words.replace(' word', ' more word')} {not_shown}"
    if after_double_dash:
        message += "; after `--` every word is a value, not an option"
    return message


def _pieces(word: str) -> Iterable[str]:
    """What of a word a message may quote: the value of `--flag=VALUE` (the flag's name stays
    shown, unless it too looks like a secret), the rest of `-xVALUE`, and the word itself."""
    if not word.startswith("-"):
        yield word
        return
    name, equals, value = word.partition("=")
    if equals:
        yield value
    if not word.startswith("--") and len(word) > 2:
        yield word[2:]  # `-hVALUE`, whatever it holds (base64 ends in `=`)
    if not equals or looks_like_a_secret(name):
        yield word


def redact(message: str, command_line: Iterable[str]) -> str:
    """`message` with every secret-shaped word of the command line replaced by HIDDEN, in the
    forms argparse quotes them: repr() first, then as they are."""
    unshown = {piece for word in command_line for piece in _pieces(word)}
    for piece in sorted(filter(looks_like_a_secret, unshown), key=len, reverse=True):
        message = message.replace(repr(piece), HIDDEN).replace(piece, HIDDEN)
    return message
