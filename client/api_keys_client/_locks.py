"""Locks that a forked child gets anew.

A lock that another thread holds when the process forks stays held forever in the child: the
thread that would release it does not exist there. Every lock the SDK takes (the retry budget's,
the pool renewal's, the fake's) is a `ForkSafeLock`, renewed in the child right after fork
(`os.register_at_fork`), so no call in a forked worker can hang on one.
"""

from __future__ import annotations

import os
import threading
import weakref
from types import TracebackType

_LIVE: weakref.WeakSet[ForkSafeLock] = weakref.WeakSet()


class ForkSafeLock:
    """A threading.Lock, unheld again in a forked child."""

    __slots__ = ("__weakref__", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        _LIVE.add(self)

    def __enter__(self) -> bool:
        return self._lock.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._lock.__exit__(exc_type, exc_value, traceback)

    def locked(self) -> bool:
        return self._lock.locked()

    def _renew(self) -> None:
        self._lock = threading.Lock()


def _renew_all() -> None:
    for lock in list(_LIVE):
        lock._renew()


os.register_at_fork(after_in_child=_renew_all)
