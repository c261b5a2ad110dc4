"""Shared fixtures: one `api` driver runs each test case against the sync and the async client."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
import respx
from anyio.from_thread import BlockingPortal, start_blocking_portal

import api_keys_client as sdk
from api_keys_client import ApiKey, ApiKeyCreated, ApiKeysClient, AsyncApiKeysClient
from api_keys_client import _client as client_module
from api_keys_client.testing import FakeApiKeys

BASE_URL = "https://api.test/v1"
TOKEN = "tok_live_abcdefghijklmnop"
WORKSPACE = "ws_1"
RAW_KEY = "ak_live_0123456789abcdefSECRET"

KEY_JSON: dict[str, Any] = {
    "id": "key_1",
    "name": "ci",
    "key_prefix": "ak_live_0123",
    "user_id": "user_1",
    "workspace_id": WORKSPACE,
    "scopes": ["keys:read"],
    "created_at": "2024-05-01T10:00:00Z",
    "updated_at": "2024-05-01T10:00:00Z",
    "expires_at": None,
    "last_used_at": None,
    "revoked_at": None,
}
CREATED_JSON: dict[str, Any] = {
    "id": "key_2",
    "name": "deploy",
    "keyPrefix": "ak_live_0123",
    "rawKey": RAW_KEY,
    "createdAt": "2024-05-01T10:00:00Z",
    "expiresAt": None,
}


# Where each operation of Driver.call goes (revoke uses the id "key_1").
ROUTES = {
    "list": ("GET", "/api-keys"),
    "create": ("POST", "/api-keys"),
    "revoke": ("DELETE", "/api-keys/key_1"),
}


def operation_route(mock_api: respx.MockRouter, operation: str) -> respx.Route:
    """The respx route that Driver.call(operation) reaches."""
    method, path = ROUTES[operation]
    return mock_api.route(method=method, path=path)


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close a test's loop the way asyncio.run closes its own, so that what is still pending runs
    first: a body cut at max_response_size leaves httpcore's inner stream generators to the loop's
    async-generator finalizer, which schedules their aclose() on it."""
    loop.run_until_complete(asyncio.sleep(0))  # the finalizers' tasks get created
    pending = asyncio.all_tasks(loop)
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


class EventLoop:
    """One event loop that a synchronous test drives, kept for the test's length: an asyncio
    loop of its own, or a trio run in a thread of its own (anyio's blocking portal), so that an
    async client serves every call of a test from one pool, as in a program."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self._loop = asyncio.new_event_loop() if backend == "asyncio" else None
        self._portal: contextlib.AbstractContextManager[BlockingPortal] | None = None
        if self._loop is None:
            self._start()

    def _start(self) -> None:
        self._portal = start_blocking_portal(self.backend)
        self._running = self._portal.__enter__()

    def run(self, awaitable: Any) -> Any:
        if self._loop is not None:
            return self._loop.run_until_complete(awaitable)

        async def wait() -> tuple[Any, BaseException | None]:
            # An interruption is carried out of the run rather than raised through the portal's
            # task group: a crashing group closes its nursery while the run is still live, and
            # the stop() that __exit__ then sends is refused with a coroutine anyio made and
            # never closes ("coroutine 'BlockingPortal._call_func' was never awaited").
            try:
                return await awaitable, None
            except (Exception, anyio.get_cancelled_exc_class()):
                raise
            except BaseException as exc:
                return None, exc

        value, interruption = self._running.call(wait)
        if interruption is None:
            return value
        # It would have ended the run, as in a program: this run ends, and a new one starts.
        self.close()
        self._start()
        raise interruption

    def close(self) -> None:
        if self._loop is not None:
            close_loop(self._loop)
        elif self._portal is not None:
            portal, self._portal = self._portal, None
            with contextlib.suppress(BaseException):  # what ended the run was raised already
                portal.__exit__(None, None, None)


# The async client runs on asyncio and on trio: "async" is asyncio, "trio" a trio run.
ASYNC_BACKENDS = {"async": "asyncio", "trio": "trio"}


class Driver:
    """Drives an ApiKeysClient or an AsyncApiKeysClient through one synchronous interface, so the
    same test body checks both. The async client runs on an event loop owned by the driver: an
    asyncio loop, or a trio run (`backend`); `flavour` is "sync" or "async" either way."""

    def __init__(self, flavour: str) -> None:
        self.backend = ASYNC_BACKENDS.get(flavour)
        self.flavour = "sync" if self.backend is None else "async"
        self._loop = None if self.backend is None else EventLoop(self.backend)
        self._clients: list[ApiKeysClient | AsyncApiKeysClient] = []

    def _run(self, value: Any) -> Any:
        if self._loop is None:
            return value
        return self._loop.run(value)

    def run(self, value: Any) -> Any:
        """The value of a sync call, or of an async one awaited on the driver's loop."""
        return self._run(value)

    def client(self, **kwargs: Any) -> ApiKeysClient | AsyncApiKeysClient:
        kwargs.setdefault("base_url", BASE_URL)
        kwargs.setdefault("token", TOKEN)
        kwargs.setdefault("workspace_id", WORKSPACE)
        client: ApiKeysClient | AsyncApiKeysClient
        client = ApiKeysClient(**kwargs) if self._loop is None else AsyncApiKeysClient(**kwargs)
        self._clients.append(client)
        return client

    def list(self, client: ApiKeysClient | AsyncApiKeysClient | None = None) -> list[ApiKey]:
        result: list[ApiKey] = self._run((client or self.default).api_keys.list())
        return result

    def create(
        self,
        client: ApiKeysClient | AsyncApiKeysClient | None = None,
        *,
        name: str = "deploy",
        expires_at: datetime.datetime | None = None,
    ) -> ApiKeyCreated:
        result: ApiKeyCreated = self._run(
            (client or self.default).api_keys.create(name=name, expires_at=expires_at)
        )
        return result

    def revoke(self, key_id: str, client: ApiKeysClient | AsyncApiKeysClient | None = None) -> None:
        self._run((client or self.default).api_keys.revoke(key_id))

    def call(
        self, operation: str, client: ApiKeysClient | AsyncApiKeysClient | None = None
    ) -> object:
        """Run one operation by name with ordinary arguments."""
        if operation == "list":
            return self.list(client)
        if operation == "create":
            return self.create(client)
        self.revoke("key_1", client)
        return None

    def close(self, client: ApiKeysClient | AsyncApiKeysClient) -> None:
        if isinstance(client, ApiKeysClient):
            client.close()
        else:
            self._run(client.aclose())

    @property
    def default(self) -> ApiKeysClient | AsyncApiKeysClient:
        if not self._clients:
            self.client()
        return self._clients[0]

    def shutdown(self) -> None:
        for client in self._clients:
            self.close(client)
        if self._loop is not None:
            self._loop.close()


@pytest.fixture(params=["sync", "async", "trio"])
def api(request: pytest.FixtureRequest) -> Iterator[Driver]:
    driver = Driver(request.param)
    yield driver
    driver.shutdown()


@pytest.fixture
def mock_api() -> Iterator[respx.MockRouter]:
    """respx mounted on the test base URL; every route must be declared by the test."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait the clients ask for between attempts, recorded instead of slept."""
    waits: list[float] = []

    async def async_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(client_module, "_sleep", waits.append)
    monkeypatch.setattr(client_module, "_async_sleep", async_sleep)
    return waits


@pytest.fixture
def real_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits between attempts really wait here (and are recorded too)."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    async def async_sleep(seconds: float) -> None:
        waits.append(seconds)
        await anyio.sleep(seconds)

    monkeypatch.setattr(client_module, "_sleep", sleep)
    monkeypatch.setattr(client_module, "_async_sleep", async_sleep)
    return waits


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own API_KEYS_* variables."""
    for name in ("API_KEYS_BASE_URL", "API_KEYS_TOKEN", "API_KEYS_WORKSPACE_ID", "API_KEYS_LOG"):
        monkeypatch.delenv(name, raising=False)


def json_response(status: int, body: object, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


# -- the fake, in process or over HTTP, sync or async ---------------------------------------------

HARNESS_MODES = ["in-process", "http"]
HARNESS_CLIENT_OPTIONS = ("timeout", "max_retries", "headers", "total_timeout", "retry_budget")


class Harness:
    """One fake user's client, in process or over HTTP, sync or async, run synchronously."""

    def __init__(self, fake: FakeApiKeys, mode: str, flavour: str, base_url: str | None) -> None:
        self.fake, self.mode, self.base_url = fake, mode, base_url
        self.backend = ASYNC_BACKENDS.get(flavour)
        self.flavour = flavour  # "sync", "async" (asyncio) or "trio"
        self.token = fake.add_user(workspaces=["ws_1"])
        self.loop = None if self.backend is None else EventLoop(self.backend)

    def call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        """Run one operation with a new client. The client's options (timeout, max_retries,
        max_retries=0 unless given) are taken out of `kwargs`; the rest go to the operation, and
        so do the call's own options, given as `per_call={...}`."""
        options = {k: kwargs.pop(k) for k in HARNESS_CLIENT_OPTIONS if k in kwargs}
        options.setdefault("max_retries", 0)
        arguments = {**kwargs, **kwargs.pop("per_call", {})}  # per_call: the call's own options
        arguments.pop("per_call", None)
        if self.mode == "in-process":
            factory = self.fake.client if self.loop is None else self.fake.async_client
            client: Any = factory(token=self.token, workspace_id="ws_1", **options)
        else:
            client_class = sdk.ApiKeysClient if self.loop is None else sdk.AsyncApiKeysClient
            client = client_class(
                base_url=self.base_url, token=self.token, workspace_id="ws_1", **options
            )
        method: Any = client.api_keys
        for name in operation.split("."):  # "list", or "with_raw_response.list"
            method = getattr(method, name)
        if self.loop is None:
            with client:
                return method(*args, **arguments)

        async def run() -> Any:
            async with client:
                return await method(*args, **arguments)

        return self.loop.run(run())

    def names(self) -> list[str]:
        return [key.name for key in self.call("list")]

    def close(self) -> None:
        if self.loop is not None:
            self.loop.close()


@pytest.fixture(
    params=[(m, f) for m in HARNESS_MODES for f in ("sync", "async", "trio")], ids="-".join
)
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """A fresh fake and a user of it, reached in process or over HTTP, sync or async."""
    mode, flavour = request.param
    fake = FakeApiKeys()
    if mode == "http":
        with fake.serve() as base_url:
            harness = Harness(fake, mode, flavour, base_url)
            yield harness
    else:
        harness = Harness(fake, mode, flavour, None)
        yield harness
    harness.close()
