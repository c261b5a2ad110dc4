"""Type pins of the public surface: mypy --strict checks each `assert_type`, pytest runs them."""

from __future__ import annotations

import asyncio
import datetime
import re
import subprocess
import sys
from pathlib import Path
from typing import assert_type

import httpx
import respx

import api_keys_client as sdk
from api_keys_client import UNSET, Unset
from api_keys_client.testing import FakeApiKeys

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
    keys = assert_type(await client.api_keys.list(timeout=2.0, total_timeout=5.0), list[sdk.ApiKey])
    created = assert_type(
        await client.api_keys.create(name="ci", expires_in=datetime.timedelta(days=1)),
        sdk.ApiKeyCreated,
    )
    assert_type(await client.api_keys.revoke(created.id, max_retries=0), None)
    assert_type(client.with_workspace("ws_2"), sdk.AsyncApiKeysClient)
    raw = assert_type(
        await client.api_keys.with_raw_response.list(extra_headers={"X-Trace": "t"}),
        sdk.APIResponse[list[sdk.ApiKey]],
    )
    assert_type(raw.parse(), list[sdk.ApiKey])
    assert_type(
        (await client.api_keys.with_raw_response.create(name="raw")).parse(), sdk.ApiKeyCreated
    )
    assert_type((await client.api_keys.with_raw_response.revoke(created.id)).parse(), None)
    assert_type(await client.api_keys.identify(created.raw_key), sdk.ApiKey | None)

    async def store(new: sdk.ApiKeyCreated) -> None:
        assert new.raw_key

    rotated = assert_type(
        await client.api_keys.rotate(keys[0].id, on_created=store), sdk.ApiKeyCreated
    )
    assert rotated.id


def test_async_surface_types(fake_api_keys: FakeApiKeys) -> None:
    token = fake_api_keys.add_user(workspaces=["ws_1", "ws_2"])

    async def scenario() -> None:
        async with fake_api_keys.async_client(token=token, workspace_id="ws_1") as client:
            await client.api_keys.create(name="first")
            await _async_surface(client)

    asyncio.run(scenario())


def test_token_provider_types(fake_api_keys: FakeApiKeys) -> None:
    """A token provider, as user code writes it: typed for mypy --strict and pyright strict."""
    token = fake_api_keys.add_user(workspaces=[WORKSPACE])

    def provider() -> str:
        return token

    async def async_provider() -> str:
        await asyncio.sleep(0)
        return token

    with fake_api_keys.serve() as base_url:
        client = sdk.ApiKeysClient(base_url=base_url, token=provider, workspace_id=WORKSPACE)
        assert_type(client, sdk.ApiKeysClient)
        assert_type(client.api_keys.list(), list[sdk.ApiKey])
        client.close()

        async def scenario() -> None:
            async with sdk.AsyncApiKeysClient(
                base_url=base_url, token=async_provider, workspace_id=WORKSPACE
            ) as async_client:
                assert_type(await async_client.api_keys.list(), list[sdk.ApiKey])
            async with sdk.AsyncApiKeysClient(
                base_url=base_url, token=provider, workspace_id=WORKSPACE
            ) as async_client:
                assert_type(await async_client.api_keys.list(), list[sdk.ApiKey])

        asyncio.run(scenario())


def test_lifecycle_and_reliability_types(fake_api_keys_client: sdk.ApiKeysClient) -> None:
    client = fake_api_keys_client
    created = client.api_keys.create(name="k")
    raw = assert_type(client.api_keys.with_raw_response.list(), sdk.APIResponse[list[sdk.ApiKey]])
    assert_type(raw.status_code, int)
    assert_type(raw.headers, httpx.Headers)
    assert_type(raw.request_id, str | None)
    assert_type(raw.elapsed, datetime.timedelta)
    assert_type(raw.retries_taken, int)
    assert_type(raw.http_response, httpx.Response)
    listed = assert_type(raw.parse(), list[sdk.ApiKey])
    status = assert_type(sdk.key_status(listed[0]), sdk.KeyStatus)
    assert status == "active"
    findings = assert_type(sdk.audit_keys(listed, no_expiry=True), list[sdk.AuditFinding])
    assert_type(findings[0].reasons, list[str])
    assert_type(findings[0].idle_for, datetime.timedelta | None)
    assert_type(client.retry_budget, sdk.RetryBudget | None)
    assert_type(client.total_timeout, float | None)
    assert_type(client.with_options(total_timeout=3.0), sdk.ApiKeysClient)
    assert_type(client.api_keys.identify(created.raw_key), sdk.ApiKey | None)
    try:
        client.api_keys.rotate(created.id, on_created=lambda new: None)
    except sdk.RotationError as exc:
        assert_type(exc.created, sdk.ApiKeyCreated)
        assert_type(exc.old_key_id, str)
    budget = sdk.RetryBudget(100, retry_cost=2)
    assert_type(budget.available, int)
    try:
        client.api_keys.list(total_timeout=0)
    except sdk.APIConnectionError as exc:  # not raised here: refused before sending
        assert_type(exc.may_have_been_sent, bool)
    except sdk.InvalidArgumentError as exc:
        assert_type(exc.message, str)


def test_key_status_takes_what_create_returns(fake_api_keys_client: sdk.ApiKeysClient) -> None:
    """A created key has no revoked_at on the wire: its status comes from its expiry alone."""
    now = datetime.datetime.now(datetime.UTC)
    created = fake_api_keys_client.api_keys.create(name="ci", expires_in=datetime.timedelta(days=1))
    forever = fake_api_keys_client.api_keys.create(name="forever")

    assert assert_type(sdk.key_status(created), sdk.KeyStatus) == "active"
    assert sdk.key_status(created, at=now + datetime.timedelta(days=2)) == "expired"
    assert sdk.key_status(forever, at=datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)) == (
        "active"
    )


def test_error_attribute_types() -> None:
    response = httpx.Response(429, request=httpx.Request("GET", BASE_URL))
    error = sdk.RateLimitError("slow down", response=response, error=None)
    assert_type(error.status_code, int)
    assert_type(error.error, str | None)
    assert_type(error.request_id, str | None)
    assert_type(error.response, httpx.Response)
    assert error.status_code == 429
    assert_type(UNSET, Unset)


def test_type_checkers_resolve_the_public_names_to_the_tree(tmp_path: Path) -> None:
    """mypy names a class by the module that defines it (as it does httpx's): the tree lives in
    _exceptions, re-exported by the package; at run time the classes say api_keys_client.X."""
    snippet = tmp_path / "user_code.py"
    snippet.write_text(
        "import api_keys_client\n"
        "def handle(exc: api_keys_client.AuthenticationError) -> None:\n"
        "    reveal_type(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(snippet)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert 'Revealed type is "api_keys_client._exceptions.AuthenticationError"' in result.stdout, (
        result.stdout
    )
    assert "Success: no issues found" in result.stdout


# User code the type checkers must refuse where marked (`# refused`) and accept elsewhere: both
# expiries at once fail at run time, so the overloads make them a type error first. (A naive
# datetime has no type of its own: only the run time can refuse it.)
EXPIRIES = """\
import datetime

import api_keys_client as sdk


def sync_code(
    client: sdk.ApiKeysClient,
    at: datetime.datetime,
    within: datetime.timedelta,
    maybe_at: datetime.datetime | None,
    maybe_in: datetime.timedelta | None,
) -> None:
    keys, raw = client.api_keys, client.api_keys.with_raw_response
    keys.create(name="a", expires_at=at)
    keys.create(name="a", expires_at=maybe_at)
    keys.create(name="a", expires_in=within)
    keys.create(name="a", expires_in=maybe_in)
    keys.create(name="a", expires_at=None, expires_in=within)
    keys.create(name="a")
    keys.rotate("key_1", expires_in=maybe_in)
    raw.create(name="a", expires_at=at)
    keys.create(name="a", expires_at=at, expires_in=within)  # refused
    keys.create(name="a", expires_at=maybe_at, expires_in=maybe_in)  # refused: may be both
    raw.create(name="a", expires_at=at, expires_in=within)  # refused
    keys.rotate("key_1", expires_at=at, expires_in=within)  # refused


async def async_code(
    client: sdk.AsyncApiKeysClient, at: datetime.datetime, within: datetime.timedelta
) -> None:
    keys, raw = client.api_keys, client.api_keys.with_raw_response
    await keys.create(name="a", expires_in=within)
    await keys.rotate("key_1", expires_at=at)
    await raw.create(name="a", expires_at=at)
    await keys.create(name="a", expires_at=at, expires_in=within)  # refused
    await raw.create(name="a", expires_at=at, expires_in=within)  # refused
    await keys.rotate("key_1", expires_at=at, expires_in=within)  # refused
"""
REFUSED = {n for n, line in enumerate(EXPIRIES.splitlines(), 1) if "# refused" in line}


def test_mypy_refuses_both_expiries_at_once(tmp_path: Path) -> None:
    (tmp_path / "user_code.py").write_text(EXPIRIES)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "user_code.py"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    errors = {
        int(line): text
        for line, text in re.findall(r"^user_code\.py:(\d+): error: (.*)$", result.stdout, re.M)
    }
    assert set(errors) == REFUSED, result.stdout
    # A plain pair: no overload matches; a pair of optionals: union math names the argument.
    assert all(
        text.startswith(("No overload variant", 'Argument "expires_in"'))
        for text in errors.values()
    ), result.stdout


def test_token_providers_type_check() -> None:
    """A provider is any callable returning the token; the async client also takes an async one."""

    def sync_token() -> str:
        return TOKEN

    async def async_token() -> str:
        return TOKEN

    provider: sdk.TokenProvider = sync_token
    async_provider: sdk.AsyncTokenProvider = async_token
    with sdk.ApiKeysClient(base_url=BASE_URL, token=provider, workspace_id=WORKSPACE) as client:
        assert_type(client, sdk.ApiKeysClient)

    async def main() -> None:
        for token in (provider, async_provider):
            async with sdk.AsyncApiKeysClient(
                base_url=BASE_URL, token=token, workspace_id=WORKSPACE
            ) as async_client:
                assert_type(async_client, sdk.AsyncApiKeysClient)

    asyncio.run(main())
    assert asyncio.run(async_token()) == provider() == TOKEN
