"""ApiKeysClient and AsyncApiKeysClient: the generated operations with the workspace header, the
bearer token, timeouts and error handling taken out of everyday calls."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Self, TypeVar

import httpx

from ._base_client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, Settings, status_error
from ._exceptions import APIConnectionError, ApiKeysError, APITimeoutError
from ._operations import Call
from ._resources import ApiKeys, AsyncApiKeys

T = TypeVar("T")


def _transport_error(exc: httpx.RequestError, settings: Settings) -> APIConnectionError:
    request = exc.request if _has_request(exc) else None
    where = (
        f"{request.method} {request.url.raw_path.decode('ascii')}"
        if request is not None
        else "request"
    )
    detail = settings.redact(str(exc)) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{where} timed out ({type(exc).__name__}: {detail})", request=request
        )
    return APIConnectionError(f"{where} failed: {type(exc).__name__}: {detail}", request=request)


def _has_request(exc: httpx.RequestError) -> bool:
    try:
        exc.request  # noqa: B018 - httpx raises RuntimeError when no request is attached
    except RuntimeError:
        return False
    return True


class _ClientBase:
    _settings: Settings
    _default_headers: dict[str, str]

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

    def _build_request(
        self, http_client: httpx.Client | httpx.AsyncClient, call: Call[T]
    ) -> httpx.Request:
        kwargs = call.kwargs
        return http_client.build_request(
            kwargs["method"],
            self._settings.url(kwargs["url"]),
            headers={**self._default_headers, **kwargs.get("headers", {})},
            json=kwargs.get("json"),
            timeout=self._settings.timeout,
        )

    def _finish(self, call: Call[T], response: httpx.Response) -> T:
        if not response.is_success:
            raise status_error(response, self._settings)
        return call.parse(response)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={str(self.base_url)!r},"
            f" workspace_id={self.workspace_id!r})"
        )


class ApiKeysClient(_ClientBase):
    """The API Keys service, synchronously.

    ```python
    with ApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
        created = client.api_keys.create(name="ci")
        client.api_keys.revoke(created.id)
    ```

    Arguments left out come from API_KEYS_BASE_URL, API_KEYS_TOKEN and API_KEYS_WORKSPACE_ID.
    `http_client` is a caller-built httpx.Client to send through; the caller keeps closing it.
    """

    api_keys: ApiKeys

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        token: str | None = None,
        workspace_id: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        settings = Settings.resolve(
            base_url=base_url,
            token=token,
            workspace_id=workspace_id,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
        )
        owns = http_client is None
        if http_client is None:
            http_client = httpx.Client(timeout=settings.timeout, follow_redirects=False)
        self._init(settings, http_client, owns_http_client=owns)

    def _init(
        self, settings: Settings, http_client: httpx.Client, *, owns_http_client: bool
    ) -> None:
        self._settings = settings
        self._default_headers = settings.default_headers()
        self._http_client = http_client
        self._owns_http_client = owns_http_client
        self.api_keys = ApiKeys(self)

    def _derive(self, settings: Settings) -> Self:
        child = object.__new__(type(self))
        # A child sends through the same pool and never closes it: the parent owns it.
        child._init(settings, self._http_client, owns_http_client=False)
        return child

    def with_workspace(self, workspace_id: str) -> Self:
        """The same client (same connection pool) acting in another workspace."""
        return self._derive(self._settings.with_workspace(workspace_id))

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> Self:
        """The same client (same connection pool) with other per-call options."""
        return self._derive(self._settings.with_options(timeout=timeout, max_retries=max_retries))

    def _request(self, call: Call[T]) -> T:
        if self._http_client.is_closed:
            raise ApiKeysError("this client has been closed")
        request = self._build_request(self._http_client, call)
        try:
            response = self._http_client.send(request, follow_redirects=False)
        except httpx.RequestError as exc:
            raise _transport_error(exc, self._settings) from exc
        return self._finish(call, response)

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


class AsyncApiKeysClient(_ClientBase):
    """The API Keys service, with `await`: the same surface as ApiKeysClient.

    ```python
    async with AsyncApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
        keys = await client.api_keys.list()
    ```
    """

    api_keys: AsyncApiKeys

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        token: str | None = None,
        workspace_id: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        settings = Settings.resolve(
            base_url=base_url,
            token=token,
            workspace_id=workspace_id,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
        )
        owns = http_client is None
        if http_client is None:
            http_client = httpx.AsyncClient(timeout=settings.timeout, follow_redirects=False)
        self._init(settings, http_client, owns_http_client=owns)

    def _init(
        self, settings: Settings, http_client: httpx.AsyncClient, *, owns_http_client: bool
    ) -> None:
        self._settings = settings
        self._default_headers = settings.default_headers()
        self._http_client = http_client
        self._owns_http_client = owns_http_client
        self.api_keys = AsyncApiKeys(self)

    def _derive(self, settings: Settings) -> Self:
        child = object.__new__(type(self))
        child._init(settings, self._http_client, owns_http_client=False)
        return child

    def with_workspace(self, workspace_id: str) -> Self:
        """The same client (same connection pool) acting in another workspace."""
        return self._derive(self._settings.with_workspace(workspace_id))

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> Self:
        """The same client (same connection pool) with other per-call options."""
        return self._derive(self._settings.with_options(timeout=timeout, max_retries=max_retries))

    async def _request(self, call: Call[T]) -> T:
        if self._http_client.is_closed:
            raise ApiKeysError("this client has been closed")
        request = self._build_request(self._http_client, call)
        try:
            response = await self._http_client.send(request, follow_redirects=False)
        except httpx.RequestError as exc:
            raise _transport_error(exc, self._settings) from exc
        return self._finish(call, response)

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
