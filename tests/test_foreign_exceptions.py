"""What is not the SDK's to convert passes through: a caller's own exception raised mid-call (a
signal handler's, a watchdog's TimeoutError, a caller's event hook's) reaches the caller
unchanged, at once, never retried; after a create that may have been sent it carries the note.
And an answer that arrived is its status even when httpx fails on it (a caller's pool)."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

import api_keys_client as sdk

from .conftest import TOKEN, WORKSPACE, Driver
from .faultserver import FaultServer, respond, running, slow_headers


class SoftTimeLimitExceeded(Exception):
    """What Celery's prefork pool raises from its SIGUSR1 handler at a task's soft time limit."""


@contextmanager
def watchdog(seconds: float, exc: type[BaseException]) -> Iterator[None]:
    """Raise `exc` from a signal handler after `seconds`, wherever the main thread is then."""

    def fire(signum: int, frame: object) -> None:
        raise exc("watchdog fired")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def stalling() -> Iterator[FaultServer]:
    with running(slow_headers(3.0)) as server:
        yield server


POOLS = ["own", "caller"]


def _sync_client(server: FaultServer, pool: str, **kwargs: Any) -> sdk.ApiKeysClient:
    return sdk.ApiKeysClient(
        base_url=server.url,
        token=TOKEN,
        workspace_id=WORKSPACE,
        http_client=httpx.Client() if pool == "caller" else None,
        **kwargs,
    )


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("raised", [SoftTimeLimitExceeded, TimeoutError, RuntimeError])
@pytest.mark.usefixtures("real_sleeps")
def test_a_signal_handlers_exception_passes_through_at_once(
    stalling: FaultServer, pool: str, raised: type[Exception]
) -> None:
    # A builtin TimeoutError too: httpcore would make it a read timeout, which the SDK retried.
    with _sync_client(stalling, pool, timeout=5.0) as client:
        started = time.monotonic()
        with watchdog(0.3, raised), pytest.raises(raised) as caught:
            client.api_keys.list()
        took = time.monotonic() - started

    assert type(caught.value) is raised
    assert str(caught.value) == "watchdog fired"
    assert len(stalling.requests) == 1  # never retried
    assert took < 2.0
    assert caught.value.__context__ is None  # nothing of the call (its request) chained on


@pytest.mark.parametrize("pool", POOLS)
def test_after_a_create_that_was_sent_it_carries_the_note(
    stalling: FaultServer, pool: str, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        _sync_client(stalling, pool, timeout=5.0) as client,
        watchdog(0.3, SoftTimeLimitExceeded),
        pytest.raises(SoftTimeLimitExceeded) as caught,
    ):
        client.api_keys.create(name="ci deploy")

    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "may have been created anyway" in notes
    assert "'ci deploy'" in notes
    assert TOKEN not in notes
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("was interrupted (SoftTimeLimitExceeded)" in r.getMessage() for r in warnings)
    assert len(stalling.requests) == 1


@pytest.mark.parametrize("pool", POOLS)
def test_a_real_read_timeout_is_still_the_sdks(stalling: FaultServer, pool: str) -> None:
    with (
        _sync_client(stalling, pool, timeout=0.3, max_retries=0) as client,
        pytest.raises(sdk.APITimeoutError),
    ):
        client.api_keys.list()


def _hooked(
    flavour: str, hook: Callable[[httpx.Response], Any]
) -> httpx.Client | httpx.AsyncClient:
    if flavour == "sync":
        return httpx.Client(event_hooks={"response": [hook]})

    async def async_hook(response: httpx.Response) -> None:
        hook(response)

    return httpx.AsyncClient(event_hooks={"response": [async_hook]})


@pytest.mark.parametrize("raised", [SoftTimeLimitExceeded, TimeoutError])
def test_a_callers_event_hook_exception_passes_through(
    api: Driver, raised: type[Exception]
) -> None:
    # Async, a TimeoutError was taken for the attempt's own deadline and retried.
    def hook(response: httpx.Response) -> None:
        raise raised("the caller's hook")

    with running(respond(503, b"{}")) as server:
        client = api.client(base_url=server.url, http_client=_hooked(api.flavour, hook))
        with pytest.raises(raised) as caught:
            api.list(client)

    assert type(caught.value) is raised
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Location": "http://xn--zz/", "Content-Type": "text/plain"},  # httpx: IDNAError
        {"Location": "/login", "Set-Cookie": "session=\u00e9t\u00e9"},  # UnicodeEncodeError
    ],
    ids=["location-not-idna", "non-ascii-set-cookie"],
)
def test_an_answer_httpx_fails_on_is_its_status_on_a_callers_pool(
    api: Driver, headers: dict[str, str]
) -> None:
    with running(respond(308, b"moved", headers)) as server:
        pool: httpx.Client | httpx.AsyncClient = (
            httpx.Client() if api.flavour == "sync" else httpx.AsyncClient()
        )
        client = api.client(base_url=server.url, http_client=pool, max_retries=0)
        with pytest.raises(sdk.APIStatusError) as caught:
            api.list(client)

    assert caught.value.status_code == 308
    assert "308 Permanent Redirect" in caught.value.message
    assert "may have been" not in caught.value.message
    # The recorder of the answer's head is not kept with the request.
    assert "trace" not in caught.value.response.request.extensions
    if api.flavour == "sync":
        assert isinstance(pool, httpx.Client)
        pool.close()
    else:
        assert isinstance(pool, httpx.AsyncClient)
        api.run(pool.aclose())


def test_the_async_attempts_deadline_is_still_a_timeout() -> None:
    async def main() -> None:
        with running(slow_headers(2.0)) as server:
            async with sdk.AsyncApiKeysClient(
                base_url=server.url,
                token=TOKEN,
                workspace_id=WORKSPACE,
                timeout=0.3,
                max_retries=0,
            ) as client:
                with pytest.raises(sdk.APITimeoutError):
                    await client.api_keys.list()

    asyncio.run(main())
