"""JSON from the wire: decoded safely, whatever the server sent.

Python's json refuses some bodies that a server can send: nested past the interpreter's recursion
limit (a RecursionError, not a ValueError), an integer of more than 4,300 digits, bytes that are
not UTF-8. Each of these is a `NotJSON` here, with a reason that quotes nothing of the body. JSON
is UTF-8 (RFC 8259 section 8.1; the media type has no charset parameter), so a declared charset
only explains a failure, it never changes the decoding.

A create's answer is the only copy of its raw key, so `raw_key_in` finds the key even in a body
that cannot be decoded as a whole, as long as it plainly carries `"rawKey": "..."`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_MAX_DIGITS = 4000  # below Python's int_max_str_digits (4300): longer integers become floats
# How deep a body may nest, whatever the interpreter's json can decode (Python 3.11 stops near
# 1,000 levels, 3.13 and later go much further): the same answer on every Python, and no value
# deep enough to break a later repr, copy or pickle of what keeps it. This API nests 3 levels.
MAX_DEPTH = 128
TOO_DEEP = f"it is nested deeper than this client decodes (more than {MAX_DEPTH} levels)"
# "<name>": "<a JSON string>", anywhere in the bytes.
_STRING_FIELD = rb'"%s"\s*:\s*"((?:[^"\\\x00-\x1f]|\\.)*)"'


class NotJSON(Exception):
    """The body is not JSON this SDK can decode; the message says why (no body text in it)."""


def _integer(text: str) -> int | float:
    # A huge integer in a field nobody reads must not make the whole body unreadable; in a field
    # the spec types, a float is reported as the wrong type it is.
    return int(text) if len(text) <= _MAX_DIGITS else float(text)


def _charset(content_type: str | None) -> str | None:
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"')[:40] or None
    return None


def loads(content: bytes, content_type: str | None = None) -> object:
    """The decoded body, or NotJSON."""
    try:
        return json.loads(content, parse_int=_integer)
    except RecursionError:
        raise NotJSON(TOO_DEEP) from None
    except UnicodeDecodeError:
        charset = _charset(content_type)
        said = f" (it says charset={charset}, but JSON is UTF-8 only)" if charset else ""
        raise NotJSON(f"it is not UTF-8 text{said}") from None
    except ValueError as exc:  # JSONDecodeError, and anything else json refuses
        position = f" at byte {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise NotJSON(f"it is not valid JSON{position}") from None


def nested_deeper_than(value: object, levels: int) -> bool:
    """Whether `value` holds arrays or objects nested more than `levels` deep (a container is one
    level). Iterative, and it stops at the first branch too deep: cheap on any decoded body."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[object] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > levels:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def string_in(content: bytes, name: str) -> str | None:
    """The non-empty string a body carries as `"<name>": "..."`, found in its bytes, or None
    when it carries none or several different ones. For bodies that cannot be decoded whole."""
    found = set()
    pattern = re.compile(_STRING_FIELD % re.escape(name.encode("ascii")))
    for match in pattern.finditer(content):
        try:
            value = json.loads(b'"' + match[1] + b'"')
        except ValueError:  # the string itself is broken (not UTF-8, a bad escape)
            continue
        if isinstance(value, str) and value:
            found.add(value)
    return found.pop() if len(found) == 1 else None


def raw_key_in(content: bytes) -> str | None:
    """The raw key a create's body plainly carries (see string_in)."""
    return string_in(content, "rawKey")
