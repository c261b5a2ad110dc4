"""Type pins of the public surface: mypy --strict checks each `assert_type`, pytest runs them."""

from __future__ import annotations

import datetime
from typing import assert_type

import httpx
import respx

import api_keys_client as sdk
from api_keys_client import UNSET, Unset

from .conftest import BASE_URL, CREATED_JSON, KEY_JSON, TOKEN, WORKSPACE


def test_sync_surface_types(mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").respond(200, json=[KEY_JSON])
    mock_api.post("/api-keys").respond(201, json=CREATED_JSON)
    mock_api.delete("/api-keys/key_2").respond(204)
    with sdk.ApiKeysClient(base_url=BASE_URL, token=TOKEN, workspace_id=WORKSPACE) as client:
        keys = assert_type(client.api_keys.list(), list[sdk.ApiKey])
        created = assert_type(client.api_keys.create(name="ci", expires_at=None), sdk.ApiKeyCreated)
        assert_type(created.id, str)
        assert_type(created.raw_key, str)
        assert_type(created.created_at, datetime.datetime)
        assert_type(created.expires_at, datetime.datetime | None | Unset)
        assert_type(keys[0].revoked_at, datetime.datetime | None | Unset)
        assert_type(keys[0].scopes, list[str] | None | Unset)
        assert_type(client.api_keys.revoke(created.id), None)
        assert_type(client.with_workspace("ws_2"), sdk.ApiKeysClient)
        assert_type(client.with_options(max_retries=0), sdk.ApiKeysClient)
    assert keys[0].expires_at is None
    assert created.expires_at is None


async def _async_surface(client: sdk.AsyncApiKeysClient) -> None:
    assert_type(await client.api_keys.list(), list[sdk.ApiKey])
    assert_type(await client.api_keys.create(name="ci"), sdk.ApiKeyCreated)
    assert_type(await client.api_keys.revoke("key_1"), None)
    assert_type(client.with_workspace("ws_2"), sdk.AsyncApiKeysClient)


def test_error_attribute_types() -> None:
    response = httpx.Response(429, request=httpx.Request("GET", BASE_URL))
    error = sdk.RateLimitError("slow down", response=response, error=None)
    assert_type(error.status_code, int)
    assert_type(error.error, str | None)
    assert_type(error.request_id, str | None)
    assert_type(error.response, httpx.Response)
    assert error.status_code == 429
    assert_type(UNSET, Unset)
