"""`client.api_keys.with_raw_response`: the HTTP response of a successful call, after the same
retries and with the same errors and redaction as the plain call; `parse()` gives its value."""

from __future__ import annotations

import datetime
import json
from typing import Any

import httpx
import pytest
import respx

import api_keys_client as sdk

from .conftest import CREATED_JSON, KEY_JSON, RAW_KEY, TOKEN, Driver, Harness


def test_list_raw(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").respond(200, json=[KEY_JSON], headers={"X-Request-ID": "req_42"})

    raw = api.run(api.default.api_keys.with_raw_response.list())

    assert isinstance(raw, sdk.APIResponse)
    assert (raw.status_code, raw.request_id, raw.retries_taken) == (200, "req_42", 0)
    assert raw.headers["content-type"] == "application/json"
    assert isinstance(raw.http_response, httpx.Response)
    assert isinstance(raw.elapsed, datetime.timedelta)
    assert raw.elapsed > datetime.timedelta(0)
    keys = raw.parse()
    assert keys == api.list()  # the same typed value as the plain call
    assert raw.parse() is keys  # decoded once


def test_create_and_revoke_raw(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.post("/api-keys").respond(201, json=CREATED_JSON)
    mock_api.delete("/api-keys/key_2").respond(204)

    created = api.run(api.default.api_keys.with_raw_response.create(name="deploy"))
    revoked = api.run(api.default.api_keys.with_raw_response.revoke("key_2"))

    assert created.status_code == 201
    assert created.parse().raw_key == RAW_KEY
    assert RAW_KEY not in repr(created)
    assert (revoked.status_code, revoked.parse()) == (204, None)


def test_raw_responses_are_retried_like_plain_calls(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float]
) -> None:
    mock_api.get("/api-keys").side_effect = [
        httpx.Response(503),
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(200, json=[]),
    ]

    raw = api.run(api.default.api_keys.with_raw_response.list())

    assert (raw.status_code, raw.retries_taken, raw.parse()) == (200, 2, [])
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, sdk.BadRequestError), (401, sdk.AuthenticationError), (503, sdk.InternalServerError)],
)
@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_raw_responses_raise_the_same_errors(
    api: Driver,
    mock_api: respx.MockRouter,
    operation: str,
    status: int,
    error_class: type[sdk.APIStatusError],
) -> None:
    mock_api.route().respond(status, json={"error": f"nope {TOKEN}"})
    raw = api.default.with_options(max_retries=0).api_keys.with_raw_response
    call = {
        "list": raw.list,
        "create": lambda: raw.create(name="x"),
        "revoke": lambda: raw.revoke("key_1"),
    }[operation]

    with pytest.raises(error_class) as caught:
        api.run(call())

    assert caught.value.error == "nope [redacted]"
    assert TOKEN not in str(caught.value)


def test_a_body_that_does_not_validate_fails_at_parse_not_before(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    mock_api.get("/api-keys").respond(200, json={"not": "a list"}, headers={"X-Request-ID": "r1"})

    raw = api.run(api.default.api_keys.with_raw_response.list())

    assert (raw.status_code, raw.request_id) == (200, "r1")  # the headers are still there
    with pytest.raises(sdk.APIResponseValidationError, match="expected a JSON array"):
        raw.parse()


def test_the_raw_response_keeps_no_token(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").respond(200, json=[])

    raw = api.run(api.default.api_keys.with_raw_response.list())

    assert raw.http_response.request.headers["authorization"] == "Bearer [redacted]"
    assert TOKEN not in repr(raw)
    assert repr(raw) == "<APIResponse [200 OK] request_id=None retries_taken=0>"


def test_raw_responses_against_the_fake(harness: Harness) -> None:
    created = harness.call("with_raw_response.create", name="raw")

    assert created.status_code == 201
    assert created.request_id.startswith("req_")
    key = created.parse()
    harness.fake.fail_next(1, status=503, retry_after=0)
    listed = harness.call("with_raw_response.list", max_retries=1)
    assert listed.retries_taken == 1
    assert [k.id for k in listed.parse()] == [key.id]
    revoked = harness.call("with_raw_response.revoke", key.id)
    assert (revoked.status_code, revoked.parse()) == (204, None)


def test_raw_create_sends_the_expiry_it_is_given(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.post("/api-keys").respond(201, json=CREATED_JSON)
    when = datetime.datetime(2031, 1, 31, 9, 30, tzinfo=datetime.UTC)

    api.run(api.default.api_keys.with_raw_response.create(name="deploy", expires_at=when))
    api.run(
        api.default.api_keys.with_raw_response.create(
            name="deploy", expires_in=datetime.timedelta(days=30)
        )
    )

    first, second = (json.loads(call.request.content) for call in route.calls)
    assert first == {"name": "deploy", "expires_at": "2031-01-31T09:30:00+00:00"}
    sent = datetime.datetime.fromisoformat(second["expires_at"])
    expected = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
    assert abs((sent - expected).total_seconds()) < 60


@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_raw_responses_take_the_per_call_options(
    api: Driver, mock_api: respx.MockRouter, operation: str, sleeps: list[float]
) -> None:
    method, path, status, body = {
        "list": ("GET", "/api-keys", 200, []),
        "create": ("POST", "/api-keys", 201, CREATED_JSON),
        "revoke": ("DELETE", "/api-keys/key_1", 204, None),
    }[operation]
    busy = httpx.Response(429, headers={"Retry-After": "10"})
    route = mock_api.route(method=method, path=path).mock(
        side_effect=[busy, httpx.Response(status, json=body)]
    )
    raw = api.default.api_keys.with_raw_response
    arguments: dict[str, Any] = {
        "list": {},
        "create": {"name": "n"},
        "revoke": {"key_id": "key_1"},
    }[operation]
    options: dict[str, Any] = {
        "total_timeout": 5.0,
        "timeout": 1.5,
        "extra_headers": {"X-Trace": "t"},
    }

    with pytest.raises(sdk.APITimeoutError):  # a 10 s wait cannot fit in the call's 5 s
        api.run(getattr(raw, operation)(**arguments, **options))

    request = route.calls.last.request
    assert request.headers["X-Trace"] == "t"
    assert request.extensions["timeout"] == httpx.Timeout(1.5).as_dict()
    assert sleeps == []
