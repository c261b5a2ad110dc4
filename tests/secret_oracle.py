"""The promises as an oracle: where a token could still be found on an error, and what an error
pins in memory.

The search does not reuse the SDK's redactor: it walks every object an error can reach (its
attributes, args, notes, chained exceptions, the requests and responses it keeps and everything
they keep, down to the bytes) and undoes each spelling a server could echo the token in (JSON's
`\\uXXXX` and `\\/`, percent escapes, any case) before looking for the token.
"""

from __future__ import annotations

import gc
import pickle
import re
import types
from collections.abc import Iterator
from pathlib import Path

import api_keys_client

_SDK = str(Path(api_keys_client.__file__).parent)

# Never walked into: these lead to modules and from there to everything in the process.
_OPAQUE = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    types.FrameType,
)
_ESCAPE = re.compile(r"\\[uU]([0-9a-fA-F]{4})|\\/|%([0-9a-fA-F]{2})")


def _unescaped(match: re.Match[str]) -> str:
    if match[1]:
        return chr(int(match[1], 16))
    if match[2]:
        return chr(int(match[2], 16))
    return "/"


def normalized(text: str) -> str:
    """`text` with the escapes a server may spell the token in undone, lower-cased."""
    return _ESCAPE.sub(_unescaped, text).lower()


def carries(text: str | bytes, token: str) -> bool:
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    return token.lower() in normalized(text)


def reachable(root: object, *, sdk_frames: bool = False) -> Iterator[object]:
    """Every object `root` keeps alive, by gc's referents, short of types, modules, functions
    and code. With `sdk_frames`, also the local variables of the SDK's own frames in every
    traceback (the caller's frames, which hold the client, are not the error's to answer for)."""
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        yield value
        if isinstance(value, str | bytes | int | float):
            continue
        if isinstance(value, types.TracebackType):
            if sdk_frames:
                stack.append(value.tb_next)
                frame = value.tb_frame
                if frame.f_code.co_filename.startswith(_SDK):
                    stack.extend(frame.f_locals.values())
            continue
        if isinstance(value, _OPAQUE):
            continue
        stack.extend(gc.get_referents(value))


def token_places(error: BaseException, token: str) -> list[str]:
    """Where `token`, in any spelling, is still reachable from `error` or in its pickle."""
    places = [
        f"{type(value).__name__} {value[:120]!r}"
        for value in reachable(error)
        if isinstance(value, str | bytes) and carries(value, token)
    ]
    try:
        pickled = pickle.dumps(error)
    except Exception as exc:
        places.append(f"pickle failed: {exc!r}")
    else:
        if carries(pickled, token):
            places.append("the pickle")
    return places


def large_objects(error: BaseException, size: int) -> list[str | bytes]:
    """The texts and byte strings of at least `size` characters that `error` keeps alive,
    through the SDK's frames too."""
    return [
        value
        for value in reachable(error, sdk_frames=True)
        if isinstance(value, str | bytes) and len(value) >= size
    ]
