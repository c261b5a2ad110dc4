"""SIGTERM and SIGHUP handled like Ctrl-C. `timeout`, systemd, Kubernetes and CI cancel with
SIGTERM, and a closed terminal sends SIGHUP: each becomes an `Interrupted` (a KeyboardInterrupt),
so that every path that says what an interrupted create may have done says it for them too, and
the CLI exits 128 plus the signal's number.

While a secret is being delivered (`deferred()`), a signal waits: the secret is written whole
first, and the interruption happens once it is out.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
import threading
from collections.abc import Iterator
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_WORDS: dict[int, str] = {
    signal.SIGINT: "interrupted",
    signal.SIGTERM: "terminated",
    signal.SIGHUP: "hung up",
}


class Interrupted(KeyboardInterrupt):
    """A signal that ends the command: Ctrl-C, SIGTERM or SIGHUP."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def exit_code(exc: KeyboardInterrupt) -> int:
    return 128 + (exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)


def words(exc: KeyboardInterrupt) -> str:
    signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
    if signum == signal.SIGINT:
        return "interrupted"
    return f"{_WORDS.get(signum, 'stopped')} ({signal.Signals(signum).name})"


class _State:
    deferring = 0  # how deep in deferred() sections the command is
    pending: int | None = None  # a signal that came during one


def _handle(signum: int, frame: FrameType | None) -> None:
    if _State.deferring:
        _State.pending = _State.pending or signum
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """Within: SIGINT, SIGTERM and SIGHUP raise Interrupted (from the main thread only, where
    Python runs signal handlers); the previous handlers come back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _handle) for signum in HANDLED}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _State.deferring, _State.pending = 0, None


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A section no signal cuts short: one that comes meanwhile is raised at its end."""
    _State.deferring += 1
    try:
        yield
    finally:
        _State.deferring -= 1
        if not _State.deferring and _State.pending is not None:
            signum, _State.pending = _State.pending, None
            raise Interrupted(signum)


def wait_for_signals() -> None:
    """Sleep until a signal's handler raises. A signal sent to the process goes to whichever
    thread the kernel picks, and pause() wakes only when it is the main thread: one that landed
    on a server thread ran no handler until the next signal. The wakeup fd is written whichever
    thread takes it. Main thread only, as signal.signal is."""
    reader, writer = socket.socketpair()
    with reader, writer:
        reader.setblocking(False)
        writer.setblocking(False)
        previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        try:
            while True:  # a handler that returns (or a signal Python does not handle) sleeps on
                select.select([reader], [], [])
                with contextlib.suppress(BlockingIOError):
                    reader.recv(4096)
        finally:
            signal.set_wakeup_fd(previous)
