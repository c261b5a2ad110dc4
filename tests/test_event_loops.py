"""One event loop at a time: the SDK's own async pool keeps one set of connections per event
loop, each closed when its loop shuts down, so a client serves one asyncio.run() after another
(and loops in other threads at the same time). A caller's httpx.AsyncClient, which the SDK cannot
renew, is refused in another loop while its connections may be alive: a clear
InvalidArgumentError before anything is sent."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

import api_keys_client as sdk
from api_keys_client._pools import AsyncOwnPool

from .conftest import KEY_JSON, TOKEN
from .faultserver import FaultServer, respond, running

LIST_BODY = json.dumps([KEY_JSON]).encode()


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(200, LIST_BODY)) as fault_server:
        yield fault_server


def _client(server: FaultServer, **options: object) -> sdk.AsyncApiKeysClient:
    return sdk.AsyncApiKeysClient(base_url=server.url, token=TOKEN, workspace_id="ws_1", **options)  # type: ignore[arg-type] # the test's options


def _wait_for(condition: object, seconds: float = 5.0) -> bool:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if callable(condition) and condition():
            return True
        time.sleep(0.01)
    return False


def test_one_client_serves_one_asyncio_run_after_another(server: FaultServer) -> None:
    client = _client(server)  # made outside any loop, as a module-level client is

    for _ in range(3):
        keys = asyncio.run(client.api_keys.list())
        assert [key.id for key in keys] == ["key_1"]
        # The loop's shutdown closed its pool: its connection is gone, not left dangling.
        assert _wait_for(lambda: server.disconnections == server.connections)

    assert server.connections == 3  # fresh connections in each loop


def test_loops_in_two_threads_at_once_each_get_their_own_pool(server: FaultServer) -> None:
    client = _client(server)
    results: dict[str, list[str]] = {}

    def in_a_thread(name: str) -> None:
        async def calls() -> list[str]:
            found = []
            for _ in range(10):
                found += [key.id for key in await client.api_keys.list()]
            return found

        results[name] = asyncio.run(calls())

    threads = [threading.Thread(target=in_a_thread, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == {"a": ["key_1"] * 10, "b": ["key_1"] * 10}


def test_a_closed_client_stays_closed_in_a_new_loop(server: FaultServer) -> None:
    client = _client(server)

    async def use_and_close() -> None:
        await client.api_keys.list()
        await client.aclose()

    asyncio.run(use_and_close())

    with pytest.raises(sdk.ApiKeysError, match="this client has been closed"):
        asyncio.run(client.api_keys.list())


@pytest.mark.parametrize("first_loop", ["now closed", "still open"])
# A connection left in a closed loop cannot be closed any more: collecting it warns (below).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_callers_pool_is_refused_in_another_loop_before_anything_is_sent(
    server: FaultServer, first_loop: str
) -> None:
    pool = httpx.AsyncClient()
    client = _client(server, http_client=pool)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(client.api_keys.list())  # its connection belongs to that loop now
    if first_loop == "now closed":
        loop.close()
    sent = len(server.requests)

    with pytest.raises(sdk.InvalidArgumentError) as caught:
        asyncio.run(client.api_keys.create(name="deploy"))

    assert f"first used in another event loop ({first_loop})" in caught.value.message
    assert "Make one http_client per event loop" in caught.value.message
    assert not isinstance(caught.value, sdk.APIConnectionError)  # nothing "may have been sent"
    assert len(server.requests) == sent
    if first_loop == "still open":
        loop.run_until_complete(pool.aclose())
        loop.close()
    del client, pool
    gc.collect()  # here, where the warning of the connection left behind is expected


def test_a_callers_pool_with_nothing_left_in_its_first_loop_may_move_on() -> None:
    """Once nothing (no pooled connection) keeps the first loop alive, another may take over."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=[KEY_JSON]))
    client = sdk.AsyncApiKeysClient(
        base_url="https://api.test",
        token=TOKEN,
        workspace_id="ws_1",
        http_client=httpx.AsyncClient(transport=transport),
    )

    asyncio.run(client.api_keys.list())
    gc.collect()  # the first loop is gone

    assert [key.id for key in asyncio.run(client.api_keys.list())] == ["key_1"]


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


LOOPS_CLOSED_BY_HAND = 1000


def test_loops_closed_by_hand_leave_nothing_behind(server: FaultServer) -> None:
    """new_event_loop() and loop.close(), without shutdown_asyncgens: each loop's pool has its
    sockets closed and is let go when the client meets the next loop (with no ResourceWarning:
    filterwarnings is error), so a long-lived worker stays flat in descriptors and memory."""
    client = _client(server)
    pool = client._pool
    assert isinstance(pool, AsyncOwnPool)
    for done in range(LOOPS_CLOSED_BY_HAND):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(client.api_keys.list())
        finally:
            loop.close()
        if done == 49:  # past the first allocations of everything involved
            gc.collect()
            fds, rss = _open_fds(), _rss_mib()
    gc.collect()
    assert server.connections == LOOPS_CLOSED_BY_HAND  # one pool, one connection, each loop
    assert _open_fds() <= fds + 1  # the last loop's socket, until the client meets another
    assert _rss_mib() - rss < 20  # was about 0.9 MiB a loop
    assert len(pool._pools) == 1

    asyncio.run(client.aclose())  # lets go of the last one too
    assert pool._pools == {}
    assert _wait_for(lambda: server.disconnections == LOOPS_CLOSED_BY_HAND)
