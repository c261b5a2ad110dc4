"""Timeouts and deadlines on every transport: every httpx.Timeout (a part of None is no limit,
still bounded by total_timeout), the SDK's own pool through a proxy from the environment, and a
caller's http_client (never mutated). `may_have_been_sent` is False whenever the request never
left. Real sockets, sync and async (tests/faultserver.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx
import pytest

import api_keys_client as sdk

from .conftest import KEY_JSON, Driver
from .faultserver import Behaviour, FaultServer, respond, running, slow_headers, trickle_headers

LIST_BODY = json.dumps([KEY_JSON]).encode()
SLACK = 0.8  # what a busy machine may add to a deadline before the test notices


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(200, LIST_BODY)) as fault_server:
        yield fault_server


@pytest.mark.parametrize(
    "timeout",
    [
        httpx.Timeout(5, read=None),
        httpx.Timeout(None),
        httpx.Timeout(5, connect=None),
        httpx.Timeout(5, write=None, pool=None),
    ],
    ids=["read-none", "all-none", "connect-none", "write-pool-none"],
)
def test_every_timeout_works(api: Driver, server: FaultServer, timeout: httpx.Timeout) -> None:
    server.script(slow_headers(0.3), respond(200, LIST_BODY))  # a slow answer, then a quick one
    client = api.client(base_url=server.url, timeout=timeout, max_retries=1)

    assert [key.id for key in api.list(client)] == ["key_1"]


def _late(seconds: float) -> Behaviour:
    """The whole answer, after `seconds` of silence."""

    def behaviour(sock: Any) -> bool:
        time.sleep(seconds)
        return respond(200, LIST_BODY)(sock)

    return behaviour


def test_no_read_limit_waits_for_a_slow_answer(api: Driver, server: FaultServer) -> None:
    server.script(_late(1.2))
    client = api.client(base_url=server.url, timeout=httpx.Timeout(0.5, read=None), max_retries=0)

    assert [key.id for key in api.list(client)] == ["key_1"]


def test_no_read_limit_is_still_bounded_by_total_timeout(api: Driver, server: FaultServer) -> None:
    server.script(trickle_headers(8.0))
    client = api.client(
        base_url=server.url, timeout=httpx.Timeout(5, read=None), total_timeout=1.0, max_retries=0
    )
    started = time.monotonic()

    with pytest.raises(sdk.APITimeoutError) as caught:
        api.list(client)

    assert time.monotonic() - started < 1.0 + SLACK
    assert "total 1 s" in caught.value.message
    assert caught.value.may_have_been_sent


def _refuse_to_write_headers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request fails in httpcore after it has its connection, before a byte is written
    (as h11 does when it refuses to serialise a header)."""
    refused: list[str] = []

    def refuse(self: Any, request: Any) -> None:
        refused.append(request.method.decode())
        raise httpcore.LocalProtocolError("refused to write the request")

    async def refuse_async(self: Any, request: Any) -> None:
        refuse(self, request)

    monkeypatch.setattr(httpcore._sync.http11.HTTP11Connection, "_send_request_headers", refuse)
    monkeypatch.setattr(
        httpcore._async.http11.AsyncHTTP11Connection, "_send_request_headers", refuse_async
    )
    return refused


def test_a_create_that_never_left_says_so_and_is_retried(
    api: Driver, server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK's own sockets saw the connection and no write: the server cannot have the
    request, so even a create is safe to send again, and its error says nothing left."""
    refused = _refuse_to_write_headers(monkeypatch)

    with pytest.raises(sdk.APIConnectionError) as caught:
        api.create(api.client(base_url=server.url, max_retries=1))

    assert refused == ["POST", "POST"]  # tried again: nothing had been sent
    assert caught.value.may_have_been_sent is False
    assert "may have been created" not in caught.value.message
    assert server.requests == []


def test_on_a_callers_pool_the_same_failure_is_not_known_to_be_unsent(
    api: Driver, server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller's pool is not watched: the SDK cannot tell, and assumes the worst."""
    refused = _refuse_to_write_headers(monkeypatch)
    pool: Any = httpx.Client() if api.flavour == "sync" else httpx.AsyncClient()

    with pytest.raises(sdk.APIConnectionError) as caught:
        api.create(api.client(base_url=server.url, max_retries=1, http_client=pool))

    assert refused == ["POST"]
    assert caught.value.may_have_been_sent is True
    assert "the key may have been created anyway" in caught.value.message
    _close(api, pool)


def _close(api: Driver, pool: Any) -> None:
    if api.flavour == "async":
        api.run(pool.aclose())
    else:
        pool.close()


# -- through a proxy from the environment --------------------------------------------------------


@pytest.fixture
def proxy(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> FaultServer:
    """The fault server as the environment's HTTP proxy: it answers the proxied requests."""
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    return server


@pytest.mark.parametrize(
    ("options", "bound"),
    [
        ({"timeout": httpx.Timeout(1.0, connect=0.5), "max_retries": 0}, 1.5),
        ({"timeout": 5.0, "total_timeout": 1.0, "max_retries": 0}, 1.0),
    ],
    ids=["attempt", "total"],
)
def test_deadlines_hold_through_a_proxy_from_the_environment(
    api: Driver, proxy: FaultServer, options: dict[str, Any], bound: float
) -> None:
    proxy.script(trickle_headers(8.0))
    client = api.client(base_url="http://api.localhost/v1", **options)
    started = time.monotonic()

    with pytest.raises(sdk.APITimeoutError):
        api.list(client)

    assert time.monotonic() - started < bound + SLACK
    method, target, _, _ = proxy.requests[0]
    assert (method, target) == ("GET", "http://api.localhost/v1/api-keys")  # it went through


def test_the_proxy_carries_the_call(api: Driver, proxy: FaultServer) -> None:
    keys = api.list(api.client(base_url="http://api.localhost/v1"))

    assert [key.id for key in keys] == ["key_1"]
    assert proxy.requests[0][1] == "http://api.localhost/v1/api-keys"


def test_trust_env_false_ignores_the_proxy(
    api: Driver, proxy: FaultServer, server: FaultServer
) -> None:
    with running(respond(200, b"[]")) as direct:
        keys = api.list(api.client(base_url=direct.url, trust_env=False))

        assert keys == []
        assert direct.requests[0][1] == "/api-keys"
    assert proxy.requests == []


# -- a caller's http_client ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "bound"),
    [
        ({"timeout": httpx.Timeout(1.0, connect=0.5), "max_retries": 0}, 1.5),
        ({"timeout": 5.0, "total_timeout": 1.0, "max_retries": 0}, 1.0),
    ],
    ids=["attempt", "total"],
)
def test_deadlines_hold_on_a_callers_pool_which_is_not_mutated(
    api: Driver, server: FaultServer, options: dict[str, Any], bound: float
) -> None:
    pool: Any = httpx.Client() if api.flavour == "sync" else httpx.AsyncClient()
    backend = pool._transport._pool._network_backend
    server.script(trickle_headers(8.0))
    client = api.client(base_url=server.url, http_client=pool, **options)
    started = time.monotonic()

    with pytest.raises(sdk.APITimeoutError) as caught:
        api.list(client)

    assert time.monotonic() - started < bound + SLACK
    assert "the response took longer than the timeout to come whole" in caught.value.message
    assert pool._transport._pool._network_backend is backend  # the caller's pool, untouched
    assert not pool.is_closed
    _close(api, pool)


def test_a_callers_mock_transport_is_called_in_the_callers_thread(api: Driver) -> None:
    """Only a pool that reaches the network is given a helper thread for its deadline."""
    import threading  # noqa: PLC0415

    seen: list[threading.Thread] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(threading.current_thread())
        return httpx.Response(200, json=[KEY_JSON])

    transport = httpx.MockTransport(handler)
    pool: Any = (
        httpx.Client(transport=transport)
        if api.flavour == "sync"
        else httpx.AsyncClient(transport=transport)
    )
    api.list(api.client(http_client=pool))

    # The thread that made the call: the main thread, or the trio run's own under the driver.
    assert len(seen) == 1
    if api.backend == "trio":
        assert seen[0] is not threading.main_thread()
        assert seen[0].name != "api-keys-client attempt"
    else:
        assert seen == [threading.main_thread()]


# -- which timeout governs with a caller's http_client ---------------------------------------------


def _pool(api: Driver, **options: Any) -> Any:
    return httpx.Client(**options) if api.flavour == "sync" else httpx.AsyncClient(**options)


def test_a_callers_pool_timeout_governs_when_none_is_given(
    api: Driver, server: FaultServer
) -> None:
    pool = _pool(api, timeout=httpx.Timeout(0.5, connect=0.3))
    client = api.client(base_url=server.url, http_client=pool, max_retries=0)
    server.script(slow_headers(3.0))
    started = time.monotonic()

    with pytest.raises(sdk.APITimeoutError) as caught:
        api.list(client)

    assert client.timeout == httpx.Timeout(0.5, connect=0.3)  # what governs, reported
    assert time.monotonic() - started < 0.8 + SLACK
    assert "timeouts: connect 0.3 s, read 0.5 s" in caught.value.message
    _close(api, pool)


def test_a_timeout_given_governs_over_the_callers_pool(api: Driver, server: FaultServer) -> None:
    pool = _pool(api, timeout=0.2)
    client = api.client(base_url=server.url, http_client=pool, timeout=3.0, max_retries=0)
    server.script(_late(0.6))

    assert client.timeout == httpx.Timeout(3.0)
    assert [key.id for key in api.list(client)] == ["key_1"]  # the pool's 0.2 s did not apply
    _close(api, pool)


def test_the_sdks_default_governs_its_own_pool(api: Driver, server: FaultServer) -> None:
    assert api.client(base_url=server.url).timeout == sdk.DEFAULT_TIMEOUT


def test_a_callers_pool_timeout_that_cannot_work_is_refused_by_name(api: Driver) -> None:
    pool = _pool(api, timeout=httpx.Timeout(5, read=3 * 86_400))

    with pytest.raises(sdk.InvalidArgumentError, match=r"^http_client's timeout's read must be"):
        api.client(http_client=pool)
    _close(api, pool)
