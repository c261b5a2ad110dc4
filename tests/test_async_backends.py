"""The async client wherever httpx's runs: asyncio, uvloop's loop and trio, driven by anyio's
pytest plugin (each test once per backend), and trio.run and anyio.run directly. The same
promises hold on each: deadlines, retries with their waits, cancellation (with the create's
warning), one pool per loop or trio run, and nothing left open when a run ends."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
import trio
import uvloop

import api_keys_client as sdk
from api_keys_client._pools import AsyncOwnPool
from api_keys_client.testing import FakeApiKeys

from .conftest import TOKEN
from .faultserver import FaultServer, respond, running, slow_headers


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {}), id="asyncio"),
        pytest.param(("asyncio", {"loop_factory": uvloop.new_event_loop}), id="uvloop"),
        pytest.param(("trio", {}), id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    backend: tuple[str, dict[str, Any]] = request.param
    return backend


@pytest.fixture
def fake_url() -> Iterator[tuple[FakeApiKeys, str, str]]:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    with fake.serve() as base_url:
        yield fake, base_url, token


@pytest.fixture
def stalling() -> Iterator[FaultServer]:
    with running(slow_headers(3.0)) as server:
        yield server


def _client(base_url: str, token: str = TOKEN, **options: Any) -> sdk.AsyncApiKeysClient:
    return sdk.AsyncApiKeysClient(base_url=base_url, token=token, workspace_id="ws_1", **options)


@pytest.mark.anyio
async def test_list_create_revoke(fake_url: tuple[FakeApiKeys, str, str]) -> None:
    _, base_url, token = fake_url
    async with _client(base_url, token, timeout=5.0, total_timeout=10.0) as client:
        created = await client.api_keys.create(name="on any loop")
        assert created.raw_key.startswith("ak_")
        assert [key.id for key in await client.api_keys.list()] == [created.id]
        await client.api_keys.revoke(created.id)
        (key,) = await client.api_keys.list()
        assert key.revoked_at is not None


@pytest.mark.anyio
@pytest.mark.usefixtures("real_sleeps")
async def test_retries_wait_and_then_succeed(real_sleeps: list[float]) -> None:
    with running(respond(200, b"[]")) as server:
        server.script(respond(503, b"{}", {"Retry-After-Ms": "50"}))
        async with _client(server.url) as client:
            assert await client.api_keys.list() == []
        assert len(server.requests) == 2
    assert real_sleeps == [0.05]


@pytest.mark.anyio
async def test_an_attempts_timeout_holds(stalling: FaultServer) -> None:
    async with _client(stalling.url, timeout=0.3, max_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(sdk.APITimeoutError):
            await client.api_keys.list()
    assert time.monotonic() - started < 1.5


@pytest.mark.anyio
async def test_the_calls_deadline_holds_across_retries(stalling: FaultServer) -> None:
    async with _client(stalling.url, timeout=5.0, total_timeout=0.5, max_retries=5) as client:
        started = time.monotonic()
        with pytest.raises(sdk.APITimeoutError):
            await client.api_keys.list()
    assert time.monotonic() - started < 1.5


@pytest.mark.anyio
async def test_a_cancelled_create_warns_that_the_key_may_exist(
    stalling: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with _client(stalling.url, timeout=5.0) as client:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            with anyio.fail_after(0.3):
                await client.api_keys.create(name="cancelled")
    assert time.monotonic() - started < 1.5
    assert any(
        "create of a key named 'cancelled' was interrupted" in record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING
    )


def test_trio_move_on_after_cancels_a_call(stalling: FaultServer) -> None:
    client = _client(stalling.url, timeout=5.0)

    async def main() -> bool:
        with trio.move_on_after(0.3) as scope:
            await client.api_keys.list()
        await client.aclose()
        return scope.cancelled_caught

    started = time.monotonic()
    assert trio.run(main)
    assert time.monotonic() - started < 1.5


def _pools_of(client: sdk.AsyncApiKeysClient) -> dict[Any, Any]:
    pool = client._pool
    assert isinstance(pool, AsyncOwnPool)
    return pool._pools


@pytest.mark.parametrize(
    "run",
    [
        pytest.param(trio.run, id="trio.run"),
        pytest.param(lambda main: anyio.run(main, backend="trio"), id="anyio.run-trio"),
        pytest.param(lambda main: anyio.run(main, backend="asyncio"), id="anyio.run-asyncio"),
    ],
)
def test_one_pool_a_run_closed_when_the_run_ends(run: Any) -> None:
    client_holder: list[sdk.AsyncApiKeysClient] = []
    with running(respond(200, b"[]")) as server:
        client = _client(server.url)
        client_holder.append(client)

        async def two_calls() -> int:
            await client.api_keys.list()
            await client.api_keys.list()
            return len(_pools_of(client))

        for runs in (1, 2):
            assert run(two_calls) == 1
            assert server.connections == runs  # one pool, one connection, each run
            assert _pools_of(client) == {}  # closed, and let go, when its run ended
            deadline = time.monotonic() + 5
            while server.disconnections < runs and time.monotonic() < deadline:
                time.sleep(0.01)
            assert server.disconnections == runs


def test_trio_runs_in_two_threads_share_nothing() -> None:
    with running(respond(200, b"[]")) as server:
        client = _client(server.url)
        both_inside = threading.Barrier(2, timeout=5)
        outcomes: list[object] = []

        async def call() -> None:
            await client.api_keys.list()
            await trio.to_thread.run_sync(both_inside.wait)
            await client.api_keys.list()

        def in_a_thread() -> None:
            try:
                trio.run(call)
                outcomes.append("done")
            except BaseException as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=in_a_thread) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

    assert outcomes == ["done", "done"]
    assert server.connections == 2  # each run its own connection, reused within it
    assert _pools_of(client) == {}


def test_outside_any_event_loop_is_an_sdk_error() -> None:
    client = _client("http://127.0.0.1:9")
    coroutine = client.api_keys.list()
    with pytest.raises(sdk.ApiKeysError, match=r"asyncio .* or trio"):
        coroutine.send(None)
    coroutine.close()


@pytest.mark.anyio
async def test_the_fake_async_fixture_works_on_each_backend(
    fake_async_api_keys_client: sdk.AsyncApiKeysClient,
) -> None:
    created = await fake_async_api_keys_client.api_keys.create(name="fixture")
    assert [key.id for key in await fake_async_api_keys_client.api_keys.list()] == [created.id]
