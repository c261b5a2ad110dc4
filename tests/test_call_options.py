"""Options per call: timeout, max_retries, total_timeout and extra_headers on every operation,
checked like the client's, winning over the client's for that call only."""

from __future__ import annotations

import inspect
import re
from typing import Any

import httpx
import pytest
import respx

import api_keys_client as sdk
from api_keys_client._resources import (
    ApiKeys,
    ApiKeysWithRawResponse,
    AsyncApiKeys,
    AsyncApiKeysWithRawResponse,
)

from .conftest import CREATED_JSON, KEY_JSON, TOKEN, WORKSPACE, Driver, Harness

OPTIONS = {"timeout", "max_retries", "total_timeout", "extra_headers"}


@pytest.mark.parametrize(
    "resource", [ApiKeys, AsyncApiKeys, ApiKeysWithRawResponse, AsyncApiKeysWithRawResponse]
)
def test_every_operation_takes_the_options_keyword_only(resource: type) -> None:
    operations = [
        name
        for name in ("list", "create", "revoke", "rotate", "identify")
        if hasattr(resource, name)
    ]
    assert len(operations) >= 3
    for name in operations:
        parameters = inspect.signature(getattr(resource, name)).parameters
        assert set(parameters) >= OPTIONS, name
        assert all(parameters[o].kind is inspect.Parameter.KEYWORD_ONLY for o in OPTIONS), name
        assert all(parameters[o].default is None for o in OPTIONS), name


def _call(api: Driver, operation: str, **options: Any) -> Any:
    keys = api.default.api_keys
    if operation == "list":
        return api.run(keys.list(**options))
    if operation == "create":
        return api.run(keys.create(name="deploy", **options))
    return api.run(keys.revoke("key_1", **options))


ROUTES = {
    "list": ("GET", "/api-keys", 200, [KEY_JSON]),
    "create": ("POST", "/api-keys", 201, CREATED_JSON),
    "revoke": ("DELETE", "/api-keys/key_1", 204, None),
}


@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_a_calls_timeout_is_its_own(
    api: Driver, mock_api: respx.MockRouter, operation: str
) -> None:
    method, path, status, body = ROUTES[operation]
    route = mock_api.route(method=method, path=path).respond(status, json=body)

    _call(api, operation, timeout=1.5)
    _call(api, operation)

    first, second = (call.request.extensions["timeout"] for call in route.calls)
    assert first == httpx.Timeout(1.5).as_dict()
    assert second == sdk.DEFAULT_TIMEOUT.as_dict()  # the client's, for the next call


@pytest.mark.parametrize("operation", ["list", "revoke"])
@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_a_calls_max_retries_is_its_own(
    api: Driver, mock_api: respx.MockRouter, operation: str, max_retries: int
) -> None:
    method, path, _, _ = ROUTES[operation]
    route = mock_api.route(method=method, path=path).respond(503)

    with pytest.raises(sdk.InternalServerError):
        _call(api, operation, max_retries=max_retries)

    assert route.call_count == max_retries + 1


@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_a_calls_total_timeout_is_its_own(
    api: Driver, mock_api: respx.MockRouter, operation: str, sleeps: list[float]
) -> None:
    method, path, status, body = ROUTES[operation]
    busy = httpx.Response(429, headers={"Retry-After": "10"})
    route = mock_api.route(method=method, path=path).mock(
        side_effect=[busy, busy, httpx.Response(status, json=body)]
    )

    with pytest.raises(sdk.APITimeoutError):
        _call(api, operation, total_timeout=5.0)  # a 10 s wait cannot fit in 5 s
    assert (route.call_count, sleeps) == (1, [])

    _call(api, operation)  # the client has no deadline: it waits and succeeds
    assert (route.call_count, sleeps) == (3, [10.0])


@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_extra_headers_are_sent_and_win_over_the_clients(
    api: Driver, mock_api: respx.MockRouter, operation: str
) -> None:
    method, path, status, body = ROUTES[operation]
    route = mock_api.route(method=method, path=path).respond(status, json=body)
    client = api.client(headers={"X-Trace": "client", "X-Team": "keys"})

    api.run(
        getattr(client.api_keys, operation)(
            **({"name": "n"} if operation == "create" else {}),
            **({"key_id": "key_1"} if operation == "revoke" else {}),
            extra_headers={"x-trace": "call", "User-Agent": "mine/2"},
        )
    )

    request = route.calls.last.request
    names = [name.decode().lower() for name, _ in request.headers.raw]
    assert len(names) == len(set(names)), names
    assert request.headers["x-trace"] == "call"
    assert request.headers["x-team"] == "keys"
    assert request.headers["user-agent"] == "mine/2"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-workspace-id"] == WORKSPACE


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"Authorization": "Bearer other"}, "header 'Authorization' is set by the SDK itself"),
        ({"x-workspace-id": "ws_other"}, "header 'x-workspace-id' is set by the SDK itself"),
        ({"X-Trace": "caf\u00e9"}, "header 'X-Trace' contains U+00E9"),
        ({"X Trace": "v"}, "is not a valid HTTP header name"),
        ({"X-A": "1", "x-a": "2"}, "extra_headers has 'X-A' and 'x-a'"),
    ],
)
def test_extra_headers_are_checked_like_the_clients(
    api: Driver, mock_api: respx.MockRouter, extra: dict[str, str], message: str
) -> None:
    route = mock_api.route()

    with pytest.raises(sdk.InvalidArgumentError, match=re.escape(message)):
        api.run(api.default.api_keys.list(extra_headers=extra))

    assert not route.called


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": float("inf")}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"total_timeout": 0}, "total_timeout"),
        ({"total_timeout": float("nan")}, "total_timeout"),
        ({"total_timeout": 1e300}, "total_timeout"),
    ],
)
def test_options_that_cannot_work_are_refused_before_sending(
    api: Driver, mock_api: respx.MockRouter, options: dict[str, Any], message: str
) -> None:
    route = mock_api.route()
    with pytest.raises(sdk.InvalidArgumentError, match=message):
        api.run(api.default.api_keys.list(**options))
    with pytest.raises(sdk.InvalidArgumentError, match=message):
        api.client(**options)
    assert not route.called


def test_with_options_stays_and_gains_total_timeout(api: Driver) -> None:
    client = api.client(total_timeout=20.0)
    child = client.with_options(timeout=2.0, max_retries=1, total_timeout=5.0)
    assert (child.timeout, child.max_retries, child.total_timeout) == (httpx.Timeout(2.0), 1, 5.0)
    assert client.total_timeout == 20.0
    assert child.with_options().total_timeout == 5.0
    assert child.retry_budget is client.retry_budget
    assert child._pool is client._pool


def test_per_call_options_against_the_fake(harness: Harness) -> None:
    harness.fake.fail_next(1, status=503, retry_after=0)
    # The client would retry three times; this call's own max_retries=0 raises the first 503.
    with pytest.raises(sdk.InternalServerError):
        harness.call("list", max_retries=3, per_call={"max_retries": 0})

    harness.fake.fail_next(1, status=429, retry_after=0)
    # And the other way round: a client that never retries, a call that may (a create retries
    # a 429: nothing was done).
    created = harness.call(
        "create",
        name="k",
        max_retries=0,
        per_call={"max_retries": 1, "timeout": 5.0, "extra_headers": {"X-Trace": "t"}},
    )
    assert created.name == "k"

    harness.fake.stall_next(3.0)
    with pytest.raises(sdk.APITimeoutError):
        harness.call("list", per_call={"timeout": 0.3})


def test_retry_after_ms_against_the_fake(harness: Harness, sleeps: list[float]) -> None:
    harness.fake.fail_next(1, status=503, retry_after=30, retry_after_ms=120)

    assert harness.call("list", max_retries=1) == []

    assert sleeps == [0.12]  # the milliseconds, not the 30 s
