"""The pytest plugin is registered by entry point and its fixtures work (used here as any
project that installs the SDK would use them, without importing anything)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys, pytest_plugin

ROOT = Path(__file__).resolve().parent.parent


def test_registered_as_a_pytest11_entry_point() -> None:
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins["api_keys_client"] == "api_keys_client.testing.pytest_plugin"


def test_sync_client_fixture(
    fake_api_keys_client: sdk.ApiKeysClient, fake_api_keys: FakeApiKeys
) -> None:
    created = fake_api_keys_client.api_keys.create(name="from fixture")
    assert [k.id for k in fake_api_keys_client.api_keys.list()] == [created.id]
    assert fake_api_keys_client.workspace_id == "ws_test"
    assert fake_api_keys.requests_handled == 2


def test_async_client_fixture(fake_async_api_keys_client: sdk.AsyncApiKeysClient) -> None:
    async def scenario() -> list[str]:
        created = await fake_async_api_keys_client.api_keys.create(name="async")
        await fake_async_api_keys_client.api_keys.revoke(created.id)
        return [
            str(k.revoked_at is not None) for k in await fake_async_api_keys_client.api_keys.list()
        ]

    assert asyncio.run(scenario()) == ["True"]


@pytest.mark.asyncio
async def test_async_client_fixture_under_pytest_asyncio(
    fake_async_api_keys_client: sdk.AsyncApiKeysClient,
) -> None:
    # The runner the docstring names first (anyio's plugin is tested in test_async_backends).
    created = await fake_async_api_keys_client.api_keys.create(name="pytest-asyncio")
    assert [k.id for k in await fake_async_api_keys_client.api_keys.list()] == [created.id]


def test_url_fixture_serves_real_http(fake_api_keys_url: str, fake_api_keys_token: str) -> None:
    response = httpx.get(
        fake_api_keys_url + "/api-keys",
        headers={"Authorization": f"Bearer {fake_api_keys_token}", "X-Workspace-ID": "ws_test"},
    )
    # No keys yet: a Go nil slice, `null`, as the service answers.
    assert (response.status_code, response.json()) == (200, None)


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    # Every pytest run in an environment with the SDK loads the plugin: it must cost nothing
    # until a fixture is used (no attrs, asyncio, httpx, nor the fake).
    code = (
        "import sys; import api_keys_client.testing.pytest_plugin;"
        "heavy = ['attrs', 'asyncio', 'httpx', 'api_keys_client.testing._fake',"
        " 'api_keys_client._client'];"
        "print([name for name in heavy if name in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_every_fixture_has_a_docstring() -> None:
    fixtures = {
        name: value
        for name, value in vars(pytest_plugin).items()
        if name.startswith("fake_") and callable(value)
    }
    assert len(fixtures) == 6
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--fixtures",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests" / "test_types.py"),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    listing = result.stdout
    for name in fixtures:
        block = listing.split(f"\n{name} ")[1].split("\n\n")[0]
        lines = block.splitlines()
        assert len(lines) >= 2, f"{name} has no docstring in pytest --fixtures"
        assert "no docstring available" not in block, name
