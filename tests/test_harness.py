"""The suite's own machinery: what every trio case runs on must not leave garbage that fails a
later, unrelated test under filterwarnings = ["error"]."""

from __future__ import annotations

import gc
import sys
from typing import Any

import pytest

from .conftest import EventLoop


class Interruption(BaseException):
    """What a KeyboardInterrupt or SIGTERM is to the run: not an Exception."""


async def interrupted() -> None:
    raise Interruption


def test_an_interruption_on_a_trio_run_leaves_no_unawaited_coroutine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each interruption ends the run and starts another. When the interruption crashed the
    # portal's task group, about one stop() in seven raced the closing nursery and left a
    # coroutine that warned when collected, in whichever test the collector ran.
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    loop = EventLoop("trio")
    try:
        for _ in range(100):
            with pytest.raises(Interruption):
                loop.run(interrupted())
        assert loop.run(_answer()) == 42  # the run after the last interruption still serves
    finally:
        loop.close()
    gc.collect()
    assert [str(hook.exc_value) for hook in unraisable] == []


async def _answer() -> int:
    return 42
