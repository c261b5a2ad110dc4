"""Which event loop an async call runs in: an asyncio loop (uvloop's too), or a trio run. The
SDK's own async pool keeps one set of connections for each (connections belong to the loop that
opened them), and a caller's pool is held to the first it was used in."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Hashable

from ._exceptions import ApiKeysError


def current_loop() -> Hashable:
    """The running asyncio loop, or the running trio run's token (directly, or under anyio)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    trio = sys.modules.get("trio")  # only a program that runs trio has imported it
    if trio is not None:
        try:
            token: Hashable = trio.lowlevel.current_trio_token()
        except RuntimeError:
            pass
        else:
            return token
    raise ApiKeysError(
        "an AsyncApiKeysClient runs in an event loop of asyncio (uvloop's too) or trio, directly"
        " or through anyio: none is running in this thread"
    )


def loop_closed(loop: Hashable) -> bool:
    """Whether that loop has closed, or that trio run has finished."""
    if isinstance(loop, asyncio.AbstractEventLoop):
        return loop.is_closed()
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        loop.run_sync_soon(_nothing)  # type: ignore[attr-defined] # a TrioToken, from current_loop
    except trio.RunFinishedError:
        return True
    return False


def _nothing() -> None:
    return
