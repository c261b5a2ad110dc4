"""ApiKeysClient and AsyncApiKeysClient: the generated operations with the workspace header, the
bearer token, timeouts and error handling taken out of everyday calls."""

from __future__ import annotations

import datetime
import ipaddress
import time
import warnings
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

from . import ApiKeysError, InsecureTransportWarning
from ._attempts import CallState, RetryIn
from ._deadlines import ATTEMPT_ENDS, TOO_SLOW, DeadlineStream, bound_the_sockets
from ._operations import Call
from ._resources import ApiKeys, AsyncApiKeys
from ._response import APIResponse
from ._retry_budget import RetryBudget
from ._settings import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    RequestOptions,
    Settings,
    merge_headers,
)

# Indirections the tests replace to record waits instead of sleeping.
_sleep = time.sleep


async def _async_sleep(seconds: float) -> None:
    import asyncio  # noqa: PLC0415 - the async client's callers have it loaded; sync ones need not

    await asyncio.sleep(seconds)


T = TypeVar("T")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _warn_if_insecure(settings: Settings) -> None:
    url = settings.base_url
    if url.scheme == "http" and not _is_loopback(url.host):
        warnings.warn(
            f"the API token is sent over plain http to {url.host}; use https://",
            InsecureTransportWarning,
            stacklevel=4,
        )


HttpClientT = TypeVar("HttpClientT", httpx.Client, httpx.AsyncClient)


class _ClientBase(Generic[HttpClientT]):
    """Settings, the pool and its children, and request building: all but the sending."""

    _settings: Settings
    _http_client: HttpClientT
    _owns_http_client: bool
    # Headers sent with each request on top of the pool's own: everything (auth, User-Agent ...)
    # for a caller-built http_client, which is never mutated; nothing extra for the SDK's own pool,
    # which carries them as its default headers.
    _request_headers: dict[str, str]

    _pool_class: type[HttpClientT]

    def _configure(
        self,
        settings: Settings,
        http_client: HttpClientT | None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Use the caller's http_client as it is, or build (and own) a pool, on `transport` if
        one is given."""
        _warn_if_insecure(settings)
        owns = http_client is None
        if http_client is None:
            # The transport matches the pool's flavour: the sync or async client passes its own.
            pool_options: dict[str, Any] = {"transport": transport} if transport else {}
            http_client = self._pool_class(
                headers=settings.default_headers(),
                timeout=settings.timeout,
                follow_redirects=False,
                **pool_options,
            )
            if isinstance(http_client, httpx.Client):
                bound_the_sockets(http_client)  # async attempts are bounded by asyncio.timeout
        self._init(settings, http_client, owns_http_client=owns, headers_in_pool=owns)

    @classmethod
    def _over_transport(
        cls,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport,
        settings: Settings,
        http_client: HttpClientT | None = None,
    ) -> Self:
        """A client whose own pool sends through `transport` (the testing kit's in-process fake)."""
        client = object.__new__(cls)
        client._configure(settings, http_client, transport)
        return client

    def _init(
        self,
        settings: Settings,
        http_client: HttpClientT,
        *,
        owns_http_client: bool,
        headers_in_pool: bool,
    ) -> None:
        self._settings = settings
        self._request_headers = {} if headers_in_pool else settings.default_headers()
        self._http_client = http_client
        self._owns_http_client = owns_http_client
        self._attach_resources()

    def _attach_resources(self) -> None:
        raise NotImplementedError

    def _derive(self, settings: Settings) -> Self:
        child = object.__new__(type(self))
        # A child sends through the same pool and never closes it: the parent owns it.
        child._init(
            settings,
            self._http_client,
            owns_http_client=False,
            headers_in_pool=not self._request_headers,
        )
        return child

    def with_workspace(self, workspace_id: str) -> Self:
        """The same client (same connection pool) acting in another workspace."""
        return self._derive(self._settings.with_workspace(workspace_id))

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
    ) -> Self:
        """The same client (same connection pool and retry budget) with other options for every
        call it makes; None keeps this client's."""
        return self._derive(
            self._settings.with_options(
                timeout=timeout, max_retries=max_retries, total_timeout=total_timeout
            )
        )

    @property
    def base_url(self) -> httpx.URL:
        return self._settings.base_url

    @property
    def workspace_id(self) -> str:
        """The X-Workspace-ID this client sends."""
        return self._settings.workspace_id

    @property
    def timeout(self) -> httpx.Timeout:
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def total_timeout(self) -> float | None:
        """The deadline of each call, across its attempts and waits (None: none)."""
        return self._settings.total_timeout

    @property
    def retry_budget(self) -> RetryBudget | None:
        """The retry budget this client shares with its children (None: retries unbudgeted)."""
        return self._settings.retry_budget

    def _build_request(
        self, call: Call[T], settings: Settings, extra_headers: tuple[tuple[str, str], ...]
    ) -> httpx.Request:
        kwargs = call.kwargs
        headers = kwargs["headers"]
        if self._request_headers:
            headers = {**self._request_headers, **headers}
        if extra_headers:
            # A call's own headers win over the client's, whatever their case (httpx merges a
            # request's headers over its pool's the same way).
            headers = merge_headers(headers, extra_headers)
        return self._http_client.build_request(
            kwargs["method"],
            settings.url(kwargs["url"]),
            headers=headers,
            json=kwargs.get("json"),
            timeout=settings.timeout,
        )

    def _start(self, call: Call[T], options: RequestOptions | None) -> CallState[T]:
        if self._http_client.is_closed:
            raise ApiKeysError("this client has been closed")
        settings, extra_headers = (
            (self._settings, ()) if options is None else self._settings.for_call(options)
        )
        return CallState(call, settings, self._build_request(call, settings, extra_headers))

    @staticmethod
    def _raw(call: Call[T], state: CallState[T], response: httpx.Response) -> APIResponse[T]:
        return APIResponse(
            response,
            call.parse,
            retries_taken=state.attempt - 1,
            elapsed=datetime.timedelta(seconds=time.monotonic() - state.since),
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={str(self.base_url)!r},"
            f" workspace_id={self.workspace_id!r})"
        )


class ApiKeysClient(_ClientBase[httpx.Client]):
    """The API Keys service, synchronously.

    ```python
    with ApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
        created = client.api_keys.create(name="ci")
        client.api_keys.revoke(created.id)
    ```

    Arguments left out come from API_KEYS_BASE_URL, API_KEYS_TOKEN and API_KEYS_WORKSPACE_ID.
    `timeout` bounds each attempt, `total_timeout` each call (every attempt and every wait);
    `retry_budget` (on by default, shared with children) stops retries from multiplying load
    during an outage. `http_client` is a caller-built httpx.Client to send through; the caller
    keeps closing it.
    """

    api_keys: ApiKeys
    _pool_class = httpx.Client

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        token: str | None = None,
        workspace_id: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        total_timeout: float | None = None,
        retry_budget: RetryBudget | bool = True,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._configure(
            Settings.resolve(
                base_url=base_url,
                token=token,
                workspace_id=workspace_id,
                timeout=timeout,
                max_retries=max_retries,
                total_timeout=total_timeout,
                retry_budget=retry_budget,
                headers=headers,
            ),
            http_client,
        )

    def _attach_resources(self) -> None:
        self.api_keys = ApiKeys(self)

    def _send(self, request: httpx.Request, ends: float) -> httpx.Response:
        # The SDK's own pool bounds every socket wait by `ends` (bound_the_sockets); the body's
        # stream checks it between chunks too, which also holds for a caller's http_client.
        token = ATTEMPT_ENDS.set(ends)
        try:
            response = self._http_client.send(request, stream=True, follow_redirects=False)
            try:
                assert isinstance(response.stream, httpx.SyncByteStream)  # noqa: S101 - sync client, sync stream
                response.stream = DeadlineStream(response.stream, ends, request)
                response.read()
            finally:
                response.close()
        finally:
            ATTEMPT_ENDS.reset(token)
        return response

    def _exchange(self, state: CallState[T]) -> httpx.Response:
        """Attempts until a success, which is returned; every failure ends in an ApiKeysError."""
        while True:
            ends = state.next_attempt()
            try:
                response = self._send(state.request, ends)
            except Exception as exc:  # every failure becomes an ApiKeysError
                _sleep(state.after_exception(exc))
                continue
            outcome = state.after_response(response)
            if isinstance(outcome, RetryIn):
                _sleep(outcome.seconds)
                continue
            return outcome

    def _request(self, call: Call[T], options: RequestOptions | None = None) -> T:
        state = self._start(call, options)
        return call.parse(self._exchange(state))

    def _request_raw(self, call: Call[T], options: RequestOptions | None = None) -> APIResponse[T]:
        state = self._start(call, options)
        return self._raw(call, state, self._exchange(state))

    def close(self) -> None:
        """Close the connection pool, unless it came in as http_client or this is a child."""
        if self._owns_http_client:
            self._http_client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncApiKeysClient(_ClientBase[httpx.AsyncClient]):
    """The API Keys service, with `await`: the same surface as ApiKeysClient.

    ```python
    async with AsyncApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
        keys = await client.api_keys.list()
    ```
    """

    api_keys: AsyncApiKeys
    _pool_class = httpx.AsyncClient

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        token: str | None = None,
        workspace_id: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        total_timeout: float | None = None,
        retry_budget: RetryBudget | bool = True,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._configure(
            Settings.resolve(
                base_url=base_url,
                token=token,
                workspace_id=workspace_id,
                timeout=timeout,
                max_retries=max_retries,
                total_timeout=total_timeout,
                retry_budget=retry_budget,
                headers=headers,
            ),
            http_client,
        )

    def _attach_resources(self) -> None:
        self.api_keys = AsyncApiKeys(self)

    async def _send(self, request: httpx.Request, ends: float) -> httpx.Response:
        # asyncio.timeout, not a stream wrapper: cancelling from inside unwinds httpcore's async
        # generators properly, where raising from outside would leave them unclosed.
        import asyncio  # noqa: PLC0415 - see _async_sleep

        budget = ends - time.monotonic()
        try:
            async with asyncio.timeout(budget if budget != float("inf") else None):
                return await self._http_client.send(request, follow_redirects=False)
        except TimeoutError:
            raise httpx.ReadTimeout(TOO_SLOW, request=request) from None

    async def _exchange(self, state: CallState[T]) -> httpx.Response:
        """Attempts until a success, which is returned; every failure ends in an ApiKeysError."""
        while True:
            ends = state.next_attempt()
            try:
                response = await self._send(state.request, ends)
            except Exception as exc:  # every failure becomes an ApiKeysError
                await _async_sleep(state.after_exception(exc))
                continue
            outcome = state.after_response(response)
            if isinstance(outcome, RetryIn):
                await _async_sleep(outcome.seconds)
                continue
            return outcome

    async def _request(self, call: Call[T], options: RequestOptions | None = None) -> T:
        state = self._start(call, options)
        return call.parse(await self._exchange(state))

    async def _request_raw(
        self, call: Call[T], options: RequestOptions | None = None
    ) -> APIResponse[T]:
        state = self._start(call, options)
        return self._raw(call, state, await self._exchange(state))

    async def aclose(self) -> None:
        """Close the connection pool, unless it came in as http_client or this is a child."""
        if self._owns_http_client:
            await self._http_client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
