"""pytest fixtures for code that uses the SDK, registered through the `pytest11` entry point: they
are there in any test suite of a project that installs api-keys-client.

| fixture | what it gives |
| --- | --- |
| `fake_api_keys` | a fresh `FakeApiKeys` with one user in `fake_api_keys_workspace` |
| `fake_api_keys_workspace` | that workspace's id, `"ws_test"` (override the fixture to change it) |
| `fake_api_keys_token` | that user's bearer token |
| `fake_api_keys_client` | an `ApiKeysClient` answered by the fake in process, closed after |
| `fake_async_api_keys_client` | an `AsyncApiKeysClient` answered in process, on any runner |
| `fake_api_keys_url` | the base URL of the fake served over real HTTP on 127.0.0.1 |

Nothing is imported from the SDK until a fixture is used, so the plugin costs nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from api_keys_client import ApiKeysClient, AsyncApiKeysClient
    from api_keys_client.testing import FakeApiKeys


@pytest.fixture
def fake_api_keys_workspace() -> str:
    """The workspace of the fake's user: "ws_test". Override this fixture to choose another."""
    return "ws_test"


@pytest.fixture
def fake_api_keys() -> FakeApiKeys:
    """A fresh, empty FakeApiKeys for this test (stateful, in memory, with fault injection)."""
    from api_keys_client.testing import FakeApiKeys  # noqa: PLC0415 - import on first use

    return FakeApiKeys()


@pytest.fixture
def fake_api_keys_token(fake_api_keys: FakeApiKeys, fake_api_keys_workspace: str) -> str:
    """The bearer token of a user of `fake_api_keys` in `fake_api_keys_workspace`."""
    return fake_api_keys.add_user(workspaces=[fake_api_keys_workspace])


@pytest.fixture
def fake_api_keys_client(
    fake_api_keys: FakeApiKeys, fake_api_keys_token: str, fake_api_keys_workspace: str
) -> Iterator[ApiKeysClient]:
    """An ApiKeysClient for that user, answered by the fake in process; closed after the test."""
    with fake_api_keys.client(
        token=fake_api_keys_token, workspace_id=fake_api_keys_workspace
    ) as client:
        yield client


@pytest.fixture
def fake_async_api_keys_client(
    fake_api_keys: FakeApiKeys, fake_api_keys_token: str, fake_api_keys_workspace: str
) -> Iterator[AsyncApiKeysClient]:
    """An AsyncApiKeysClient for that user, answered in process, on any async runner; closed after.

    A plain fixture, not an async one, so it needs no particular runner: use it in tests run by
    pytest-asyncio (`@pytest.mark.asyncio`) or by anyio's plugin (`@pytest.mark.anyio`, on
    asyncio or trio), or drive it yourself with `asyncio.run` or `trio.run`.
    """
    client = fake_api_keys.async_client(
        token=fake_api_keys_token, workspace_id=fake_api_keys_workspace
    )
    yield client
    import asyncio  # noqa: PLC0415 - only tests that use this fixture pay for asyncio

    # The in-process transport holds no sockets, so closing it on a loop of its own is safe.
    asyncio.run(client.aclose())


@pytest.fixture
def fake_api_keys_url(fake_api_keys: FakeApiKeys) -> Iterator[str]:
    """The base URL of `fake_api_keys` served over real HTTP on 127.0.0.1 for this test."""
    with fake_api_keys.serve() as base_url:
        yield base_url
