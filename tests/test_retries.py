"""The retry policy: what is tried again, how often, and after how long."""

from __future__ import annotations

import datetime
import email.utils
import logging
import time

import httpx
import pytest
import respx

import api_keys_client as sdk
from api_keys_client import _retry

from .conftest import CREATED_JSON, TOKEN, Driver, operation_route

SUCCESS = {
    "list": httpx.Response(200, json=[]),
    "create": httpx.Response(201, json=CREATED_JSON),
    "revoke": httpx.Response(204),
}


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
@pytest.mark.parametrize("operation", ["list", "revoke"])
def test_safe_operations_retry_retryable_statuses(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float], operation: str, status: int
) -> None:
    route = operation_route(mock_api, operation)
    route.side_effect = [httpx.Response(status, json={"error": "later"}), SUCCESS[operation]]

    api.call(operation)

    assert route.call_count == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_create_never_retries_after_the_server_may_have_acted(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = operation_route(mock_api, "create")
    route.side_effect = [httpx.Response(status), SUCCESS["create"]]

    with pytest.raises(sdk.APIStatusError) as caught:
        api.create()

    assert caught.value.status_code == status
    assert route.call_count == 1
    assert sleeps == []


def test_create_retries_a_429(api: Driver, mock_api: respx.MockRouter, sleeps: list[float]) -> None:
    route = operation_route(mock_api, "create")
    route.side_effect = [httpx.Response(429, headers={"Retry-After": "1"}), SUCCESS["create"]]

    assert api.create().id == CREATED_JSON["id"]
    assert route.call_count == 2
    assert sleeps == [1.0]


@pytest.mark.parametrize(
    ("raised", "retried"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ConnectTimeout("no connection"), True),
        (httpx.PoolTimeout("pool full"), True),
        (httpx.ReadTimeout("slow"), False),
        (httpx.WriteTimeout("slow"), False),
        (httpx.ReadError("reset"), False),
        (httpx.RemoteProtocolError("closed"), False),
    ],
)
def test_create_retries_only_when_the_request_never_left(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float], raised: Exception, retried: bool
) -> None:
    route = operation_route(mock_api, "create")
    route.side_effect = [raised, SUCCESS["create"]]

    if retried:
        api.create()
    else:
        with pytest.raises(sdk.APIConnectionError):
            api.create()

    assert route.call_count == (2 if retried else 1)


@pytest.mark.parametrize(
    "raised",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("closed"),
        httpx.ReadError("reset"),
    ],
)
@pytest.mark.parametrize("operation", ["list", "revoke"])
def test_safe_operations_retry_transport_failures(
    api: Driver, mock_api: respx.MockRouter, operation: str, raised: Exception
) -> None:
    route = operation_route(mock_api, operation)
    route.side_effect = [raised, raised, SUCCESS[operation]]

    api.call(operation)

    assert route.call_count == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 418])
@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_other_client_errors_are_not_retried(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float], operation: str, status: int
) -> None:
    route = operation_route(mock_api, operation).respond(status, json={"error": "no"})

    with pytest.raises(sdk.APIStatusError):
        api.call(operation)

    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("max_retries", [0, 1, 2, 5])
def test_max_retries_bounds_the_attempts(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float], max_retries: int
) -> None:
    route = operation_route(mock_api, "list").respond(503)

    with pytest.raises(sdk.InternalServerError):
        api.list(api.client(max_retries=max_retries))

    assert route.call_count == max_retries + 1
    assert len(sleeps) == max_retries


def test_per_call_max_retries_through_with_options(api: Driver, mock_api: respx.MockRouter) -> None:
    route = operation_route(mock_api, "list").respond(503)
    client = api.client(max_retries=4)

    with pytest.raises(sdk.InternalServerError):
        api.list(client.with_options(max_retries=0))
    assert route.call_count == 1

    with pytest.raises(sdk.InternalServerError):
        api.list(client)
    assert route.call_count == 1 + 5


def test_backoff_grows_exponentially_with_jitter(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float]
) -> None:
    operation_route(mock_api, "list").respond(500)

    with pytest.raises(sdk.InternalServerError):
        api.list(api.client(max_retries=6))

    nominal = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert len(sleeps) == len(nominal)
    for slept, expected in zip(sleeps, nominal, strict=True):
        assert 0.75 * expected <= slept <= expected


@pytest.mark.parametrize(
    ("header", "expected"), [("0", 0.0), ("3", 3.0), ("1.5", 1.5), ("60", 60.0)]
)
def test_retry_after_seconds_is_honoured(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float], header: str, expected: float
) -> None:
    operation_route(mock_api, "list").side_effect = [
        httpx.Response(429, headers={"Retry-After": header}),
        SUCCESS["list"],
    ]

    api.list()

    assert sleeps == [expected]


def test_retry_after_http_date_is_honoured(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float]
) -> None:
    when = email.utils.formatdate(time.time() + 10, usegmt=True)
    operation_route(mock_api, "list").side_effect = [
        httpx.Response(503, headers={"Retry-After": when}),
        SUCCESS["list"],
    ]

    api.list()

    (slept,) = sleeps
    assert 8.0 <= slept <= 10.0


def test_retry_after_beyond_the_cap_raises_instead_of_sleeping(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = operation_route(mock_api, "list")
    route.side_effect = [httpx.Response(429, headers={"Retry-After": "3600"}), SUCCESS["list"]]

    with pytest.raises(sdk.RateLimitError):
        api.list()

    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("header", ["soon", "", "nan", "inf", "Mon, 99 Foo 2024"])
def test_unreadable_retry_after_falls_back_to_backoff(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float], header: str
) -> None:
    operation_route(mock_api, "list").side_effect = [
        httpx.Response(503, headers={"Retry-After": header}),
        SUCCESS["list"],
    ]

    api.list()

    (slept,) = sleeps
    assert 0.375 <= slept <= 0.5


def test_retry_after_in_the_past_means_now() -> None:
    headers = httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert _retry.retry_after(headers) == 0.0


def test_an_http_date_retry_after_counts_from_the_instant_given() -> None:
    headers = httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT"})
    then = datetime.datetime(2015, 10, 21, 7, 28, tzinfo=datetime.UTC).timestamp()
    assert _retry.retry_after(headers, now=then) == 30.0


def test_each_retry_is_logged(
    api: Driver, mock_api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    operation_route(mock_api, "list").side_effect = [
        httpx.Response(503, headers={"X-Request-ID": "r-1"}),
        SUCCESS["list"],
    ]

    with caplog.at_level(logging.INFO, logger="api_keys_client"):
        api.list()

    messages = [r.getMessage() for r in caplog.records if r.name == "api_keys_client"]
    assert any(
        m.startswith("retrying list in ") and m.endswith("after HTTP 503") for m in messages
    ), messages
    assert TOKEN not in " ".join(messages)


@pytest.mark.parametrize("retry_number", [1, 5, 17, 1025, 10**6])
def test_backoff_never_overflows(retry_number: int) -> None:
    delay = _retry.backoff(retry_number)
    assert 0 < delay <= _retry.MAX_DELAY
    if retry_number >= 5:
        assert delay >= _retry.MAX_DELAY * 0.75


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "30"}, 0.25),  # milliseconds win
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),  # unreadable: the other one
        ({"retry-after-ms": "nan", "retry-after": "2"}, 2.0),
        ({"retry-after-ms": "-5"}, 0.0),
        ({"retry-after-ms": " 40 "}, 0.04),
        ({"retry-after": "7"}, 7.0),
        ({}, None),
    ],
)
def test_retry_after_ms_comes_first(headers: dict[str, str], seconds: float | None) -> None:
    assert _retry.retry_after(httpx.Headers(headers)) == seconds


def test_retry_after_ms_is_honoured_with_the_same_cap(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = mock_api.get("/api-keys")
    route.side_effect = [
        httpx.Response(503, headers={"retry-after-ms": "1250", "Retry-After": "9"}),
        httpx.Response(200, json=[]),
    ]
    api.list()
    assert sleeps == [1.25]

    route.side_effect = None
    route.respond(429, headers={"retry-after-ms": "61000"})
    with pytest.raises(sdk.RateLimitError) as caught:
        api.list()
    assert "asked to retry after 61 s, longer than the 60 s this client waits" in str(caught.value)
    assert sleeps == [1.25]
