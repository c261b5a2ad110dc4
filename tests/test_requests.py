"""What each operation puts on the wire, and what it returns on success."""

from __future__ import annotations

import datetime
import json

import httpx
import pytest
import respx

from api_keys_client import UNSET, ApiKey, ApiKeyCreated, InvalidArgumentError

from .conftest import BASE_URL, CREATED_JSON, KEY_JSON, RAW_KEY, TOKEN, WORKSPACE, Driver


def _common_headers(request: httpx.Request, workspace: str = WORKSPACE) -> None:
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-workspace-id"] == workspace
    assert request.headers["user-agent"].startswith("api-keys-client/")
    assert request.headers["accept"] == "application/json"


def test_list_request_and_result(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.get("/api-keys").respond(200, json=[KEY_JSON])

    keys = api.list()

    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url == f"{BASE_URL}/api-keys"
    assert request.content == b""
    _common_headers(request)
    assert keys == [
        ApiKey(
            id="key_1",
            name="ci",
            key_prefix="ak_live_0123",
            user_id="user_1",
            workspace_id=WORKSPACE,
            scopes=["keys:read"],
            created_at=datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC),
            updated_at=datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC),
            expires_at=None,
            last_used_at=None,
            revoked_at=None,
        )
    ]


def test_create_request_body_without_expiry(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.post("/api-keys").respond(201, json=CREATED_JSON)

    created = api.create(name="deploy")

    request = route.calls.last.request
    assert request.method == "POST"
    assert request.url == f"{BASE_URL}/api-keys"
    assert request.headers["content-type"] == "application/json"
    _common_headers(request)
    # None leaves the field out: the body never carries "expires_at": null.
    assert json.loads(request.content) == {"name": "deploy"}
    assert isinstance(created, ApiKeyCreated)
    assert created.id == "key_2"
    assert created.raw_key == RAW_KEY
    assert created.key_prefix == "ak_live_0123"
    assert created.created_at == datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC)
    assert created.expires_at is None


def test_create_sends_aware_expiry_as_rfc3339(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.post("/api-keys").respond(201, json=CREATED_JSON)
    expiry = datetime.datetime(
        2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-3))
    )

    api.create(name="deploy", expires_at=expiry)

    body = json.loads(route.calls.last.request.content)
    assert body == {"name": "deploy", "expires_at": "2030-01-02T03:04:05-03:00"}
    assert datetime.datetime.fromisoformat(body["expires_at"]) == expiry


def test_create_refuses_naive_expiry_before_sending(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    route = mock_api.post("/api-keys").respond(201, json=CREATED_JSON)

    with pytest.raises(InvalidArgumentError, match="timezone-aware"):
        api.create(name="deploy", expires_at=datetime.datetime(2030, 1, 1))

    assert not route.called


@pytest.mark.parametrize(
    ("key_id", "wire_path"),
    [
        ("key_1", "/v1/api-keys/key_1"),
        ("a/../b", "/v1/api-keys/a%2F..%2Fb"),
        ("a b?c#d", "/v1/api-keys/a%20b%3Fc%23d"),
        ("é", "/v1/api-keys/%C3%A9"),
    ],
)
def test_revoke_percent_encodes_the_id(
    api: Driver, mock_api: respx.MockRouter, key_id: str, wire_path: str
) -> None:
    route = mock_api.route(method="DELETE").respond(204)

    api.revoke(key_id)

    request = route.calls.last.request
    assert request.method == "DELETE"
    assert request.url.raw_path.decode() == wire_path
    assert request.content == b""
    _common_headers(request)


@pytest.mark.parametrize("key_id", ["", ".", ".."])
def test_revoke_refuses_ids_that_would_leave_the_path(
    api: Driver, mock_api: respx.MockRouter, key_id: str
) -> None:
    route = mock_api.route().respond(204)

    with pytest.raises(InvalidArgumentError, match="not a valid API key id"):
        api.revoke(key_id)

    assert not route.called


def test_with_workspace_sends_other_header_through_same_pool(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    route = mock_api.get("/api-keys").respond(200, json=[])
    parent = api.client()
    child = parent.with_workspace("ws_2")

    api.list(child)
    api.list(parent)

    assert child._pool is parent._pool
    assert child.workspace_id == "ws_2"
    assert parent.workspace_id == WORKSPACE
    first, second = route.calls
    _common_headers(first.request, workspace="ws_2")
    _common_headers(second.request, workspace=WORKSPACE)


def test_closing_a_child_leaves_the_parent_usable(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").respond(200, json=[])
    parent = api.client()
    child = parent.with_workspace("ws_2")

    api.close(child)

    assert api.list(parent) == []
    assert not parent._pool.closed


def test_extra_default_headers_are_sent(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.get("/api-keys").respond(200, json=[])

    api.list(api.client(headers={"X-Trace": "t-1"}))

    assert route.calls.last.request.headers["x-trace"] == "t-1"


def test_base_url_path_is_kept_with_or_without_trailing_slash(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    route = mock_api.get("/api-keys").respond(200, json=[])

    api.list(api.client(base_url=BASE_URL + "/"))

    assert route.calls.last.request.url == f"{BASE_URL}/api-keys"


def test_unknown_fields_are_kept_not_fatal(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").respond(200, json=[{**KEY_JSON, "new_field": {"x": 1}}])

    (key,) = api.list()

    assert key.additional_properties == {"new_field": {"x": 1}}


def test_optional_fields_left_out_are_unset(api: Driver, mock_api: respx.MockRouter) -> None:
    minimal = {k: KEY_JSON[k] for k in ("id", "name", "key_prefix", "created_at")}
    mock_api.get("/api-keys").respond(200, json=[minimal])

    (key,) = api.list()

    assert key.revoked_at is UNSET
    assert key.scopes is UNSET
    assert repr(UNSET) == "UNSET"


@pytest.mark.parametrize(
    ("operation", "value", "message"),
    [
        ("create", "\ud800", "name has a character UTF-8 cannot encode (U+D800) at position 0"),
        ("create", "ok\udcff", "name has a character UTF-8 cannot encode (U+DCFF) at position 2"),
        ("revoke", "\udcff", "key_id has a character UTF-8 cannot encode (U+DCFF) at position 0"),
    ],
)
def test_text_utf8_cannot_carry_is_refused_before_sending(
    api: Driver, mock_api: respx.MockRouter, operation: str, value: str, message: str
) -> None:
    route = mock_api.route()
    call = (
        (lambda: api.create(name=value)) if operation == "create" else (lambda: api.revoke(value))
    )
    with pytest.raises(InvalidArgumentError) as caught:
        call()
    assert str(caught.value) == message
    assert not route.called


def test_an_expiry_past_9999_in_utc_is_refused(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.route()
    minus_five = datetime.timezone(datetime.timedelta(hours=-5))
    with pytest.raises(InvalidArgumentError, match="past the year 9999 once in UTC"):
        api.create(expires_at=datetime.datetime(9999, 12, 31, 23, tzinfo=minus_five))
    assert not route.called
