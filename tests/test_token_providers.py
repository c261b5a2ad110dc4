"""`token=` also takes a callable that returns the token (the async client also an async one):
called for each attempt, never cached, its result checked like a token and redacted like one; an
exception from it reaches the caller unchanged, with nothing sent. Real sockets, sync and
async."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

import api_keys_client as sdk

from .conftest import KEY_JSON, Driver
from .faultserver import FaultServer, Request, answer, respond, response_bytes, running
from .test_secrets import _texts

LIST_BODY = json.dumps([KEY_JSON]).encode()


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(200, LIST_BODY)) as fault_server:
        yield fault_server


class Rotating:
    """A provider whose token changes on every call, as a short-lived one does."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return f"tok_short_lived_{self.calls:04d}"


def _authorizations(server: FaultServer) -> list[str]:
    return [headers["authorization"] for _, _, headers, _ in server.requests]


def test_the_provider_is_called_for_each_attempt(api: Driver, server: FaultServer) -> None:
    provider = Rotating()
    server.script(respond(503, b"{}"))  # one failure: the call makes two attempts
    client = api.client(base_url=server.url, token=provider)

    api.list(client)
    api.list(client.with_workspace("ws_2"))  # a child asks the same provider

    assert provider.calls == 3  # never cached
    assert _authorizations(server) == [
        "Bearer tok_short_lived_0001",
        "Bearer tok_short_lived_0002",
        "Bearer tok_short_lived_0003",
    ]


def test_the_async_client_awaits_an_async_provider(server: FaultServer) -> None:
    calls = itertools.count(1)

    async def provider() -> str:
        await asyncio.sleep(0)
        return f"tok_async_provided_{next(calls)}"

    async def scenario() -> None:
        async with sdk.AsyncApiKeysClient(
            base_url=server.url, token=provider, workspace_id="ws_1"
        ) as client:
            await client.api_keys.list()
            await client.api_keys.list()

    asyncio.run(scenario())

    assert _authorizations(server) == [
        "Bearer tok_async_provided_1",
        "Bearer tok_async_provided_2",
    ]


class VaultDown(Exception):
    pass


def test_an_exception_from_the_provider_reaches_the_caller_unchanged(
    api: Driver, server: FaultServer
) -> None:
    failure = VaultDown("the vault is sealed")

    def provider() -> str:
        raise failure

    with pytest.raises(VaultDown) as caught:
        api.create(api.client(base_url=server.url, token=provider))

    assert caught.value is failure
    assert server.requests == []


def test_an_exception_on_a_retry_stops_the_call_there(api: Driver, server: FaultServer) -> None:
    answers: Iterator[str] = iter(["tok_first_attempt_ok"])

    def provider() -> str:
        try:
            return next(answers)
        except StopIteration:
            raise VaultDown("expired, and no new one") from None

    server.script(respond(503, b"{}"))
    with pytest.raises(VaultDown):
        api.list(api.client(base_url=server.url, token=provider))

    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ("", "the token provider returned an empty token"),
        ("tok with space", "the token provider's token contains a space at position 3"),
        ("tok\r\nX-Evil: 1", "the token provider's token contains U+000D (a control character)"),
        (b"tok_bytes", "the token provider must return a str, not bytes"),
        (None, "the token provider must return a str, not NoneType"),
    ],
)
def test_what_the_provider_returns_is_checked_like_a_token(
    api: Driver, server: FaultServer, returned: object, message: str
) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.list(api.client(base_url=server.url, token=lambda: returned))

    assert message in caught.value.message
    assert "tok with" not in caught.value.message  # never echoed
    assert server.requests == []


def test_the_sync_client_refuses_an_async_provider() -> None:
    async def provider() -> str:
        return "tok_never_awaited"

    with pytest.raises(sdk.InvalidArgumentError, match="an async callable"):
        sdk.ApiKeysClient(base_url="https://api.test", token=provider, workspace_id="ws")  # type: ignore[arg-type] # what the types already refuse, refused at run time too


def test_the_sync_client_refuses_an_awaitable_it_is_handed(server: FaultServer) -> None:
    """A plain callable that returns a coroutine: refused, and the coroutine closed (no
    'never awaited' warning, which filterwarnings = error would turn into a failure)."""

    async def later() -> str:
        return "tok_never_awaited"

    def provider() -> Any:  # a plain function, handing over what an async one returns
        return later()

    client = sdk.ApiKeysClient(base_url=server.url, token=provider, workspace_id="ws")

    with pytest.raises(sdk.InvalidArgumentError, match="returned an awaitable"):
        client.api_keys.list()
    assert server.requests == []


def _echoing_the_token(request: Request) -> bytes:
    token = request[2]["authorization"].removeprefix("Bearer ")
    body = json.dumps({"error": f"token {token} expired"}).encode()
    return response_bytes(401, body, {"Content-Type": "application/json", "X-Echo": token})


def test_the_providers_tokens_are_redacted_like_a_token(api: Driver) -> None:
    provider = Rotating()
    with running(answer(_echoing_the_token)) as server:
        client = api.client(base_url=server.url, token=provider, max_retries=0)
        with pytest.raises(sdk.AuthenticationError) as caught:
            api.list(client)

    leaked = [text for text in _texts(caught.value) if "tok_short_lived" in text]
    assert leaked == []
    assert caught.value.error == "token [redacted] expired"


def test_typed_user_code_with_providers(server: FaultServer) -> None:
    """mypy --strict and pyright strict check this user code (tests/test_types.py has more)."""
    provider: Callable[[], str] = Rotating()

    async def fetch() -> str:
        return "tok_async_provided_x"

    async_provider: Callable[[], Awaitable[str]] = fetch
    with sdk.ApiKeysClient(base_url=server.url, token=provider, workspace_id="ws") as client:
        assert [key.id for key in client.api_keys.list()] == ["key_1"]
    sdk.AsyncApiKeysClient(base_url=server.url, token=async_provider, workspace_id="ws")
    sdk.AsyncApiKeysClient(base_url=server.url, token=provider, workspace_id="ws")
