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
from collections.abc import Iterator

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
    level). Depth first with a stack of iterators, so its memory grows with the depth it has
    reached (never past `levels`), not with the width of the body, and it stops at the first
    branch too deep."""
    if not isinstance(value, dict | list):
        return False
    if levels < 1:
        return True
    stack: list[Iterator[object]] = [iter(value.values() if isinstance(value, dict) else value)]
    while stack:
        for child in stack[-1]:
            if isinstance(child, dict | list):
                if len(stack) >= levels:
                    return True
                stack.append(iter(child.values() if isinstance(child, dict) else child))
                break
        else:
            stack.pop()
    return False


def strings_in(content: bytes, name: str) -> set[str]:
    """Every non-empty string a body carries as `"<name>": "..."`, found in its bytes, at any
    depth. For bodies that cannot be decoded whole, and to tell when one that can is ambiguous."""
    found = set()
    pattern = re.compile(_STRING_FIELD % re.escape(name.encode("ascii")))
    for match in pattern.finditer(content):
        try:
            value = json.loads(b'"' + match[1] + b'"')
        except ValueError:  # the string itself is broken (not UTF-8, a bad escape)
            continue
        if isinstance(value, str) and value:
            found.add(value)
    return found


def string_in(content: bytes, name: str) -> str | None:
    """The one non-empty string a body carries as `"<name>": "..."`, or None when it carries none
    or several different ones (see strings_in)."""
    found = strings_in(content, name)
    return found.pop() if len(found) == 1 else None


def raw_key_in(content: bytes, decoded: object = None) -> str | None:
    """The raw key a create's answer carries, or None when it carries none or is ambiguous.

    With the decoded body (a dict), its top-level `rawKey`, unless the bytes also carry another
    `"rawKey"` (a duplicate name, or one nested in another field): then nobody can tell which is
    the key. Without it (the body cannot be decoded), the one `"rawKey"` the bytes plainly carry.
    """
    found = strings_in(content, "rawKey")
    if isinstance(decoded, dict):
        raw_key = decoded.get("rawKey")
        if isinstance(raw_key, str) and raw_key and found <= {raw_key}:
            return raw_key
        return None
    return found.pop() if len(found) == 1 else None
