"""Fault injection against a real HTTP server on 127.0.0.1 (tests/faultserver.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

import api_keys_client as sdk

from .conftest import KEY_JSON, Driver
from .faultserver import (
    FaultServer,
    close_early,
    refused_url,
    reset_mid_body,
    respond,
    running,
    slow_headers,
    stall_mid_body,
    trickle,
    trickle_headers,
)

FAST = httpx.Timeout(0.5, connect=0.5)
LIST_BODY = json.dumps([KEY_JSON]).encode()


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(200, LIST_BODY)) as fault_server:
        yield fault_server


def test_connection_refused_is_retried_then_raised(api: Driver, sleeps: list[float]) -> None:
    client = api.client(base_url=refused_url())

    with pytest.raises(sdk.APIConnectionError) as caught:
        api.list(client)

    assert type(caught.value) is sdk.APIConnectionError
    assert "ConnectError" in str(caught.value)
    assert len(sleeps) == 2  # max_retries=2 by default


def test_create_is_retried_when_the_connection_was_refused(
    api: Driver, sleeps: list[float]
) -> None:
    with pytest.raises(sdk.APIConnectionError):
        api.create(api.client(base_url=refused_url()))

    assert len(sleeps) == 2  # nothing reached a server, so trying again is safe


def test_reset_mid_body_list_is_retried(api: Driver, server: FaultServer) -> None:
    server.script(reset_mid_body())

    keys = api.list(api.client(base_url=server.url))

    assert [k.id for k in keys] == ["key_1"]
    assert len(server.requests) == 2


def test_reset_mid_body_create_is_not_retried(api: Driver, server: FaultServer) -> None:
    server.script(reset_mid_body())

    with pytest.raises(sdk.APIConnectionError):
        api.create(api.client(base_url=server.url))

    assert len(server.requests) == 1  # the key may exist: never created twice


def test_slow_headers_time_out(api: Driver, server: FaultServer) -> None:
    server.script(slow_headers(2.0))
    client = api.client(base_url=server.url, timeout=FAST, max_retries=0)

    started = time.monotonic()
    with pytest.raises(sdk.APITimeoutError, match="ReadTimeout"):
        api.list(client)

    assert time.monotonic() - started < 1.5


def test_stalled_body_times_out(api: Driver, server: FaultServer) -> None:
    server.script(stall_mid_body(2.0))
    client = api.client(base_url=server.url, timeout=FAST, max_retries=0)

    started = time.monotonic()
    with pytest.raises(sdk.APITimeoutError):
        api.list(client)

    assert time.monotonic() - started < 1.5


def test_trickling_body_cannot_outlast_the_timeout(api: Driver, server: FaultServer) -> None:
    # One byte every 50 ms never trips httpx's per-read timeout; the attempt deadline does.
    server.script(trickle(3.0))
    client = api.client(base_url=server.url, timeout=FAST, max_retries=0)

    started = time.monotonic()
    with pytest.raises(sdk.APITimeoutError, match="took longer than the timeout to come whole"):
        api.list(client)

    assert time.monotonic() - started < 2.0


def test_stalled_server_with_retries_ends_within_timeout_plus_backoff(
    api: Driver, server: FaultServer, sleeps: list[float]
) -> None:
    server.script(slow_headers(1.0), slow_headers(1.0), slow_headers(1.0))
    client = api.client(base_url=server.url, timeout=httpx.Timeout(0.3, connect=0.3), max_retries=2)

    started = time.monotonic()
    with pytest.raises(sdk.APITimeoutError):
        api.list(client)
    elapsed = time.monotonic() - started

    assert server.wait_for_requests(3) == 3
    assert len(sleeps) == 2
    assert elapsed < 3 * 0.3 + 1.0


def test_503_with_retry_after_then_success(
    api: Driver, server: FaultServer, sleeps: list[float]
) -> None:
    server.script(
        respond(503, b'{"error": "busy"}', {"Content-Type": "application/json", "Retry-After": "2"})
    )

    keys = api.list(api.client(base_url=server.url))

    assert [k.id for k in keys] == ["key_1"]
    assert sleeps == [2.0]
    assert len(server.requests) == 2


def test_html_502_from_a_proxy(api: Driver, server: FaultServer) -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    server.script(*[respond(502, page, {"Content-Type": "text/html"})] * 3)

    with pytest.raises(sdk.InternalServerError) as caught:
        api.list(api.client(base_url=server.url))

    assert caught.value.status_code == 502
    assert caught.value.response.content == page
    assert len(server.requests) == 3


def test_truncated_json_with_honest_length(api: Driver, server: FaultServer) -> None:
    server.script(respond(200, LIST_BODY[:-7]))

    with pytest.raises(sdk.APIResponseValidationError, match="not JSON"):
        api.list(api.client(base_url=server.url))


def test_body_shorter_than_its_content_length(api: Driver, server: FaultServer) -> None:
    server.script(*[close_early(LIST_BODY[:20], length=len(LIST_BODY))] * 3)

    with pytest.raises(sdk.APIConnectionError, match="RemoteProtocolError"):
        api.list(api.client(base_url=server.url))


def test_sequential_calls_reuse_one_connection(api: Driver, server: FaultServer) -> None:
    client = api.client(base_url=server.url)
    child = client.with_workspace("ws_2").with_options(max_retries=0)

    for _ in range(5):
        api.list(client)
        api.list(child)

    assert len(server.requests) == 10
    assert server.connections == 1


def test_requests_on_the_wire(api: Driver, server: FaultServer) -> None:
    server.script(
        respond(
            201,
            json.dumps(
                {**KEY_JSON, "keyPrefix": "p", "rawKey": "r", "createdAt": KEY_JSON["created_at"]}
            ).encode(),
        )
    )

    api.create(api.client(base_url=server.url), name="deploy")

    method, path, headers, body = server.requests[0]
    assert (method, path) == ("POST", "/api-keys")
    assert headers["x-workspace-id"] == "ws_1"
    assert headers["authorization"].startswith("Bearer ")
    assert json.loads(body) == {"name": "deploy"}


@pytest.mark.parametrize(
    ("options", "bound"),
    [
        # The attempt's own deadline: connect + read.
        ({"timeout": httpx.Timeout(1.0, connect=0.5), "max_retries": 0}, 1.5),
        # The call's deadline, shorter still.
        ({"timeout": 5.0, "total_timeout": 1.0, "max_retries": 0}, 1.0),
    ],
)
def test_a_trickled_header_block_cannot_outlast_the_deadline(
    api: Driver, server: FaultServer, options: dict[str, object], bound: float
) -> None:
    # Each header line comes within the read timeout: only a deadline on every socket read (the
    # SDK's own sync pool) or asyncio.timeout (async) ends it.
    server.script(trickle_headers(8.0))
    started = time.monotonic()

    with pytest.raises(sdk.APITimeoutError):
        api.list(api.client(base_url=server.url, **options))

    assert time.monotonic() - started < bound + 0.7
