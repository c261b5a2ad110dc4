"""Property: whatever the server answers, each operation returns its documented type or raises
an ApiKeysError subclass. Nothing else escapes; every returned field holds its annotated type."""

from __future__ import annotations

import asyncio
import datetime
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import api_keys_client as sdk

from .conftest import BASE_URL, TOKEN, WORKSPACE

EXAMPLES = 300  # per operation and flavour: 6 x 300 = 1,800 in all

json_leaves = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
timestamps = (
    st.datetimes(timezones=st.timezones()).map(datetime.datetime.isoformat)
    # Naive date-times and bare dates: no instant, so never a naive datetime out.
    | st.datetimes().map(datetime.datetime.isoformat)
    | st.dates().map(datetime.date.isoformat)
    | st.sampled_from(
        [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2024-05-01T10:00:00.123456789Z",
            "2024-05-01t12:00:00+02:00",
            "2016-12-31T23:59:60z",
            "0000-01-01T00:00:00Z",
            "not-a-date",
            "",
        ]
    )
)
field_values = json_leaves | timestamps | st.lists(st.text(max_size=5), max_size=3)


def _shaped(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the model's wire keys (some left out), each holding a value of any kind."""
    return st.dictionaries(st.sampled_from(keys), field_values, max_size=len(keys))


api_key_like = _shaped(
    [
        "id",
        "name",
        "key_prefix",
        "created_at",
        "updated_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "scopes",
        "user_id",
    ]
)
created_like = _shaped(["id", "name", "keyPrefix", "rawKey", "createdAt", "expiresAt"])

good_timestamps = st.datetimes(
    min_value=datetime.datetime(2, 1, 1),
    max_value=datetime.datetime(9998, 12, 31),
    timezones=st.timezones(),
).map(datetime.datetime.isoformat)
valid_api_key = st.fixed_dictionaries(
    {"id": st.text(), "name": st.text(), "key_prefix": st.text(), "created_at": good_timestamps},
    optional={
        "revoked_at": timestamps | st.none(),
        "scopes": field_values,
        "user_id": field_values,
        "extra": json_values,
    },
)
valid_created = st.fixed_dictionaries(
    {
        "id": st.text(),
        "name": st.text(),
        "keyPrefix": st.text(),
        "rawKey": st.text(),
        "createdAt": good_timestamps,
    },
    optional={"expiresAt": timestamps | st.none(), "extra": json_values},
)

bodies = st.one_of(
    st.lists(valid_api_key, max_size=3).map(lambda v: json.dumps(v).encode()),
    valid_created.map(lambda v: json.dumps(v).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.lists(api_key_like, max_size=3).map(lambda v: json.dumps(v).encode()),
    created_like.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
    st.just(b""),
    st.just(b"null"),
)
content_types = st.sampled_from(["application/json", "text/plain; charset=utf-8", "text/html", ""])


def _check_instant(value: object) -> None:
    """A timestamp field holds nothing (None, UNSET) or an aware datetime within UTC's range."""
    if value is None or isinstance(value, sdk.Unset):
        return
    assert isinstance(value, datetime.datetime)
    assert value.utcoffset() is not None
    value.astimezone(datetime.UTC)  # raises OverflowError outside the years 0001-9999 in UTC


def _check_key(key: sdk.ApiKey) -> None:
    assert isinstance(key.id, str)
    assert isinstance(key.name, str)
    assert isinstance(key.key_prefix, str)
    assert isinstance(key.created_at, datetime.datetime)
    for optional in (key.expires_at, key.last_used_at, key.revoked_at):
        assert optional is None or isinstance(optional, datetime.datetime | sdk.Unset)
    assert isinstance(key.updated_at, datetime.datetime | sdk.Unset)
    for stamp in (key.created_at, key.updated_at, key.expires_at, key.last_used_at, key.revoked_at):
        _check_instant(stamp)
    assert isinstance(key.user_id, str | sdk.Unset)
    assert (
        key.scopes is None
        or isinstance(key.scopes, sdk.Unset)
        or all(isinstance(s, str) for s in key.scopes)
    )


def _check_created(created: sdk.ApiKeyCreated) -> None:
    assert isinstance(created.id, str)
    assert isinstance(created.raw_key, str)
    assert isinstance(created.key_prefix, str)
    assert isinstance(created.created_at, datetime.datetime)
    assert created.expires_at is None or isinstance(
        created.expires_at, datetime.datetime | sdk.Unset
    )
    _check_instant(created.created_at)
    _check_instant(created.expires_at)


def _check_result(operation: str, result: object) -> None:
    if operation == "list":
        assert isinstance(result, list)
        for key in result:
            assert isinstance(key, sdk.ApiKey)
            _check_key(key)
    elif operation == "create":
        assert isinstance(result, sdk.ApiKeyCreated)
        _check_created(result)
    else:
        assert result is None


def _handler(status: int, body: bytes, content_type: str) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    return handle


def _sync(operation: str, transport: httpx.MockTransport) -> object:
    with httpx.Client(transport=transport) as http_client:
        client = sdk.ApiKeysClient(
            base_url=BASE_URL,
            token=TOKEN,
            workspace_id=WORKSPACE,
            max_retries=0,
            http_client=http_client,
        )
        if operation == "list":
            return client.api_keys.list()
        if operation == "create":
            return client.api_keys.create(name="n")
        # The property checks that revoke really returns None at run time, so keep its value.
        return client.api_keys.revoke("key_1")  # type: ignore[func-returns-value]


async def _async(operation: str, transport: httpx.MockTransport) -> object:
    async with httpx.AsyncClient(transport=transport) as http_client:
        client = sdk.AsyncApiKeysClient(
            base_url=BASE_URL,
            token=TOKEN,
            workspace_id=WORKSPACE,
            max_retries=0,
            http_client=http_client,
        )
        if operation == "list":
            return await client.api_keys.list()
        if operation == "create":
            return await client.api_keys.create(name="n")
        # As above: the value revoke returns is what the property checks.
        return await client.api_keys.revoke("key_1")  # type: ignore[func-returns-value]


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
# The autouse fixtures (environment cleared, sleeps recorded) hold no per-example state.
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(status=st.integers(200, 599), body=bodies, content_type=content_types)
def test_any_response_gives_the_documented_type_or_an_sdk_error(
    operation: str, flavour: str, status: int, body: bytes, content_type: str
) -> None:
    transport = httpx.MockTransport(_handler(status, body, content_type))
    outcome: object
    try:
        outcome = (
            _sync(operation, transport)
            if flavour == "sync"
            else asyncio.run(_async(operation, transport))
        )
    except sdk.ApiKeysError as error:
        outcome = error
    if not 200 <= status < 300:
        assert isinstance(outcome, sdk.APIStatusError)
        assert outcome.status_code == status
    elif isinstance(outcome, sdk.ApiKeysError):
        assert isinstance(outcome, sdk.APIResponseValidationError)
    else:
        _check_result(operation, outcome)
