"""A create cancelled (task.cancel(), asyncio.wait_for) or interrupted (Ctrl-C) after its request
was sent leaves a trace: a WARNING with the key's name and the instant, no secret in it, and a
note (PEP 678) on the exception saying the key may have been created and how to find it. Before
the request was sent, nothing is said: nothing can exist. Real sockets."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import threading
import time
from collections.abc import Iterator

import pytest

import api_keys_client as sdk

from .conftest import RAW_KEY, TOKEN
from .faultserver import FaultServer, refused_url, respond, running, slow_headers

NOTE = re.compile(
    r"^api_keys_client: this create was interrupted after its request was sent; the key may have"
    r" been created anyway: look for a key named 'deploy' created since"
    r" \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC before creating it again; if it was, its raw key is"
    r" lost: revoke it$"
)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(200, b"[]")) as fault_server:
        yield fault_server


def _async_client(base_url: str) -> sdk.AsyncApiKeysClient:
    return sdk.AsyncApiKeysClient(base_url=base_url, token=TOKEN, workspace_id="ws_1")


def _wait_for_a_request(server: FaultServer) -> None:
    assert server.wait_for_requests(1), "the request never reached the server"


def _the_warning(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    message = record.getMessage()
    assert re.fullmatch(
        r"create of a key named 'deploy' was interrupted \(\w+\) after its request was sent at"
        r" \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: the key may exist",
        message,
    ), message
    assert TOKEN not in message
    assert RAW_KEY not in message
    return record


def test_a_cancelled_create_leaves_a_note_and_a_warning(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(slow_headers(3.0))

    async def cancel_it_once_sent() -> BaseException:
        async with _async_client(server.url) as client:
            task = asyncio.create_task(client.api_keys.create(name="deploy"))
            await asyncio.to_thread(_wait_for_a_request, server)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError as exc:
                return exc
        raise AssertionError("not cancelled")

    with caplog.at_level(logging.WARNING, logger="api_keys_client"):
        cancelled = asyncio.run(cancel_it_once_sent())

    assert isinstance(cancelled, asyncio.CancelledError)
    assert [note for note in cancelled.__notes__ if NOTE.match(note)] == cancelled.__notes__
    assert len(cancelled.__notes__) == 1
    assert "(CancelledError)" in _the_warning(caplog).getMessage()


def test_a_create_cut_short_by_wait_for_leaves_a_trace(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(slow_headers(3.0))

    async def wait_briefly() -> None:
        async with _async_client(server.url) as client:
            await asyncio.wait_for(client.api_keys.create(name="deploy"), timeout=0.5)

    with (
        caplog.at_level(logging.WARNING, logger="api_keys_client"),
        pytest.raises(TimeoutError) as caught,
    ):
        asyncio.run(wait_briefly())

    cancelled = caught.value.__context__  # what wait_for cancelled the create with
    assert isinstance(cancelled, asyncio.CancelledError)
    assert NOTE.match(cancelled.__notes__[0])
    _the_warning(caplog)


def test_ctrl_c_during_a_sync_create_leaves_a_note_and_a_warning(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(slow_headers(3.0))
    main = threading.main_thread().ident
    assert main is not None

    def press_ctrl_c() -> None:
        _wait_for_a_request(server)
        time.sleep(0.1)
        signal.pthread_kill(main, signal.SIGINT)

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    client = sdk.ApiKeysClient(base_url=server.url, token=TOKEN, workspace_id="ws_1")
    with (
        caplog.at_level(logging.WARNING, logger="api_keys_client"),
        pytest.raises(KeyboardInterrupt) as caught,
    ):
        client.api_keys.create(name="deploy")
    client.close()

    assert NOTE.match(caught.value.__notes__[0])
    assert "(KeyboardInterrupt)" in _the_warning(caplog).getMessage()


def test_nothing_is_said_when_the_request_never_left(
    caplog: pytest.LogCaptureFixture, real_sleeps: list[float]
) -> None:
    """Cancelled while waiting to retry a refused connection: no request ever left."""

    async def cancel_it_while_it_retries() -> asyncio.CancelledError:
        async with _async_client(refused_url()) as client:
            task = asyncio.create_task(client.api_keys.create(name="deploy"))
            await asyncio.sleep(0.2)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError as exc:
                return exc
        raise AssertionError("not cancelled")

    with caplog.at_level(logging.WARNING, logger="api_keys_client"):
        cancelled = asyncio.run(cancel_it_while_it_retries())

    assert getattr(cancelled, "__notes__", []) == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_an_interrupted_listing_says_nothing(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(slow_headers(3.0))

    async def cancel_a_listing() -> asyncio.CancelledError:
        async with _async_client(server.url) as client:
            task = asyncio.create_task(client.api_keys.list())
            await asyncio.to_thread(_wait_for_a_request, server)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError as exc:
                return exc
        raise AssertionError("not cancelled")

    with caplog.at_level(logging.WARNING, logger="api_keys_client"):
        cancelled = asyncio.run(cancel_a_listing())

    assert getattr(cancelled, "__notes__", []) == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
