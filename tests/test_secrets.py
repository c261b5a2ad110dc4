"""The token and raw keys never show in a repr, a str or an exception message."""

from __future__ import annotations

import attrs
import httpx
import pytest
import respx

import api_keys_client as sdk
from api_keys_client.lowlevel import AuthenticatedClient, list_api_keys

from .conftest import BASE_URL, CREATED_JSON, RAW_KEY, TOKEN, Driver


def _printed(*objects: object) -> str:
    return " ".join(f"{o!r} {o!s}" for o in objects)


def test_created_key_hides_raw_key(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.post("/api-keys").respond(201, json=CREATED_JSON)

    created = api.create()

    assert created.raw_key == RAW_KEY
    assert RAW_KEY not in _printed(created, [created], {"k": created})
    assert "key_2" in repr(created)  # the rest still prints


def test_secret_fields_follow_the_spec() -> None:
    secret = {f.name for f in attrs.fields(sdk.ApiKeyCreated) if f.metadata.get("secret")}
    hidden = {f.name for f in attrs.fields(sdk.ApiKeyCreated) if not f.repr}
    assert secret == hidden == {"raw_key"}


def test_clients_hide_the_token(api: Driver) -> None:
    client = api.client()
    child = client.with_workspace("ws_2").with_options(timeout=3)
    printed = _printed(client, child, client.api_keys, client._settings)
    assert TOKEN not in printed
    assert "ws_2" in printed


@pytest.mark.parametrize("status", [400, 401, 500])
def test_server_echoing_the_token_is_redacted(
    api: Driver, mock_api: respx.MockRouter, status: int
) -> None:
    mock_api.get("/api-keys").respond(status, json={"error": f"bad token {TOKEN}"})

    with pytest.raises(sdk.APIStatusError) as caught:
        api.list(api.client(max_retries=0))

    assert TOKEN not in _printed(caught.value, caught.value.error, caught.value.args)
    assert "[redacted]" in str(caught.value)


def test_connection_error_message_is_redacted(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").mock(side_effect=httpx.ConnectError(f"refused for {TOKEN}"))

    with pytest.raises(sdk.APIConnectionError) as caught:
        api.list(api.client(max_retries=0))

    assert TOKEN not in _printed(caught.value, caught.value.args)
    assert TOKEN not in repr(caught.value.request)


def test_validation_error_on_create_does_not_print_raw_key(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    mock_api.post("/api-keys").respond(
        201, json={**CREATED_JSON, "rawKey": 12345, "createdAt": RAW_KEY}
    )

    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.create()

    assert RAW_KEY not in _printed(caught.value, caught.value.args)


def test_generated_authenticated_client_hides_token_after_use() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[])

    client = AuthenticatedClient(base_url=BASE_URL, token=TOKEN)
    client.set_httpx_client(httpx.Client(base_url=BASE_URL, transport=httpx.MockTransport(handler)))
    with client:
        list_api_keys.sync_detailed(client=client, x_workspace_id="ws_1")
        assert TOKEN not in repr(client)
    fresh = AuthenticatedClient(base_url=BASE_URL, token=TOKEN)
    fresh.get_httpx_client().close()  # builds the headers that carry the token
    assert TOKEN not in repr(fresh)
