"""pytest fixtures for code that uses the SDK, registered through the `pytest11` entry point: they
are there in any test suite of a project that installs api-keys-client.

| fixture | what it gives |
| --- | --- |
| `fake_api_keys` | a fresh `FakeApiKeys` with one user in `fake_api_keys_workspace` |
| `fake_api_keys_workspace` | that workspace's id, `"ws_test"` (override the fixture to change it) |
| `fake_api_keys_token` | that user's bearer token |
| `fake_api_keys_client` | an `ApiKeysClient` answered by the fake in process, closed after |
| `fake_async_api_keys_client` | an `AsyncApiKeysClient` answered by the fake in process |
| `fake_api_keys_url` | the base URL of the fake served over real HTTP on 127.0.0.1 |

Nothing is imported from the SDK until a fixture is used, so the plugin costs nothing otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from api_keys_client import ApiKeysClient, AsyncApiKeysClient
    from api_keys_client.testing import FakeApiKeys


@pytest.fixture
def fake_api_keys_workspace() -> str:
    return "ws_test"


@pytest.fixture
def fake_api_keys() -> FakeApiKeys:
    from api_keys_client.testing import FakeApiKeys  # noqa: PLC0415 - import on first use

    return FakeApiKeys()


@pytest.fixture
def fake_api_keys_token(fake_api_keys: FakeApiKeys, fake_api_keys_workspace: str) -> str:
    return fake_api_keys.add_user(workspaces=[fake_api_keys_workspace])


@pytest.fixture
def fake_api_keys_client(
    fake_api_keys: FakeApiKeys, fake_api_keys_token: str, fake_api_keys_workspace: str
) -> Iterator[ApiKeysClient]:
    with fake_api_keys.client(
        token=fake_api_keys_token, workspace_id=fake_api_keys_workspace
    ) as client:
        yield client


@pytest.fixture
def fake_async_api_keys_client(
    fake_api_keys: FakeApiKeys, fake_api_keys_token: str, fake_api_keys_workspace: str
) -> Iterator[AsyncApiKeysClient]:
    client = fake_api_keys.async_client(
        token=fake_api_keys_token, workspace_id=fake_api_keys_workspace
    )
    yield client
    # The in-process transport holds no sockets, so closing it on a loop of its own is safe.
    asyncio.run(client.aclose())


@pytest.fixture
def fake_api_keys_url(fake_api_keys: FakeApiKeys) -> Iterator[str]:
    with fake_api_keys.serve() as base_url:
        yield base_url
