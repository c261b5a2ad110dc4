"""The SDK end to end against FakeApiKeys over real HTTP on 127.0.0.1, sync and async."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys

from .conftest import Driver


@pytest.fixture
def service() -> Iterator[tuple[FakeApiKeys, str, str]]:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1", "ws_2"])
    with fake.serve() as base_url:
        yield fake, base_url, token


def test_lifecycle_over_http(api: Driver, service: tuple[FakeApiKeys, str, str]) -> None:
    _, base_url, token = service
    client = api.client(base_url=base_url, token=token, workspace_id="ws_1")
    expiry = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)

    created = api.create(client, name="e2e", expires_at=expiry)
    assert created.expires_at == expiry
    (listed,) = api.list(client)
    assert (listed.id, listed.name, listed.revoked_at, listed.last_used_at) == (
        created.id,
        "e2e",
        None,
        None,
    )

    as_key = api.client(
        base_url=base_url, token=created.raw_key, workspace_id="ws_1", max_retries=0
    )
    assert [k.id for k in api.list(as_key)] == [created.id]
    assert isinstance(api.list(client)[0].last_used_at, datetime.datetime)

    assert api.list(client.with_workspace("ws_2")) == []

    api.revoke(created.id, client)
    assert isinstance(api.list(client)[0].revoked_at, datetime.datetime)
    with pytest.raises(sdk.AuthenticationError, match="api key revoked"):
        api.list(as_key)
    with pytest.raises(sdk.BadRequestError, match="api key not found"):
        api.revoke("no-such-key", client)


def test_retries_against_injected_failures(
    api: Driver, service: tuple[FakeApiKeys, str, str], sleeps: list[float]
) -> None:
    fake, base_url, token = service
    client = api.client(base_url=base_url, token=token, workspace_id="ws_1")

    fake.fail_next(2, status=503, retry_after=0.5)
    assert api.list(client) == []
    assert sleeps == [0.5, 0.5]

    fake.fail_next(1, status=502)
    with pytest.raises(sdk.InternalServerError):
        api.create(client)  # never repeated after a 5xx
    assert api.list(client) == []  # so nothing was created
