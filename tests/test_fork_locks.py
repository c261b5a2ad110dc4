"""A fork while another thread holds one of the SDK's locks: the child's calls never wait on it
(the thread that would release it does not exist in the child). Each lock is held in turn."""

from __future__ import annotations

import ast
import os
import pathlib
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

import api_keys_client as sdk
from api_keys_client import _pools
from api_keys_client._locks import ForkSafeLock
from api_keys_client.testing import FakeApiKeys

from .conftest import TOKEN
from .faultserver import respond, running

CHILD_LIMIT = 10.0  # seconds a child may take before it counts as hung

pytestmark = [
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]


@contextmanager
def held_by_another_thread(lock: ForkSafeLock) -> Iterator[None]:
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            release.wait(CHILD_LIMIT * 2)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert taken.wait(5)
    try:
        yield
    finally:
        release.set()
        thread.join(5)


def _child_finishes(work: Callable[[], object]) -> str:
    """Fork and run `work` in the child: "done", "failed: ..." or "hung" (killed after
    CHILD_LIMIT seconds)."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        outcome = b"done"
        try:
            work()
        except BaseException as exc:
            outcome = f"failed: {exc!r}".encode()
        finally:
            os.write(writing, outcome)
            os._exit(0)
    os.close(writing)
    try:
        ready, _, _ = select.select([reading], [], [], CHILD_LIMIT)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            return "hung"
        return os.read(reading, 4096).decode()
    finally:
        os.close(reading)
        os.waitpid(pid, 0)


def test_the_retry_budgets_lock() -> None:
    with running(respond(200, b"[]")) as server:
        budget = sdk.RetryBudget()
        client = sdk.ApiKeysClient(
            base_url=server.url, token=TOKEN, workspace_id="ws_1", retry_budget=budget
        )
        with held_by_another_thread(budget._lock):
            # A success gives the budget back its refund: it takes the lock.
            outcome = _child_finishes(client.api_keys.list)
        client.close()
    assert outcome == "done"


def test_the_pool_renewals_lock() -> None:
    with running(respond(200, b"[]")) as server:
        client = sdk.ApiKeysClient(base_url=server.url, token=TOKEN, workspace_id="ws_1")
        client.api_keys.list()
        with held_by_another_thread(_pools._RENEWING):
            # The child's first call renews the pool it inherited: it takes the lock.
            outcome = _child_finishes(client.api_keys.list)
        client.close()
    assert outcome == "done"


def test_the_fakes_lock() -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    client = fake.client(token=token, workspace_id="ws_1")
    with held_by_another_thread(fake._lock):
        outcome = _child_finishes(lambda: client.api_keys.create(name="in the child"))
    client.close()
    assert outcome == "done"


def test_a_fork_safe_lock_still_excludes_in_one_process() -> None:
    lock = ForkSafeLock()
    with held_by_another_thread(lock):
        assert lock.locked()
        started = time.monotonic()
        assert not lock._lock.acquire(timeout=0.1)
        assert time.monotonic() - started >= 0.09
    assert not lock.locked()


PACKAGE = pathlib.Path(sdk.__file__).parent


def _locks_made_in(source: str) -> list[str]:
    """Calls such as threading.Lock() or RLock(): the locks a module makes itself."""
    made = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore"):
                made.append(name)
    return made


def test_every_lock_the_sdk_takes_is_renewed_after_fork() -> None:
    makers = {
        str(path.relative_to(PACKAGE)): _locks_made_in(path.read_text())
        for path in PACKAGE.rglob("*.py")
        if "_generated" not in path.parts
    }
    assert makers.pop("_locks.py") == ["Lock", "Lock"]  # the one place a plain lock is made
    assert {path: made for path, made in makers.items() if made} == {}
