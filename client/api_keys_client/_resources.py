"""`client.api_keys`: list, create and revoke, the jobs built on them (rotate, identify), and
`with_raw_response` for the HTTP response of the first three; in a sync and an async flavour.

Every method takes keyword-only per-call options: `timeout` (each attempt), `max_retries`,
`total_timeout` (the whole call) and `extra_headers` (checked like a client's `headers`; a call's
header wins over the client's of the same name). None keeps the client's setting.
"""

from __future__ import annotations

import builtins
import datetime
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, TypedDict, overload

import httpx

from ._exceptions import ApiKeysError
from ._generated.models import ApiKey, ApiKeyCreated
from ._lifecycle import (
    identify_in,
    note_created_key,
    replacement_expiry,
    rotation_error,
    rotation_source,
)
from ._operations import create_call, list_call, revoke_call
from ._settings import RequestOptions

if TYPE_CHECKING:
    from ._client import ApiKeysClient, AsyncApiKeysClient
    from ._response import APIResponse

Timeout = float | httpx.Timeout | None
Headers = Mapping[str, str] | None


class _CallOptions(TypedDict):
    """The per-call options, as rotate and identify pass them on to the calls they make."""

    timeout: Timeout
    max_retries: int | None
    total_timeout: float | None
    extra_headers: Headers


def _options(
    timeout: Timeout, max_retries: int | None, total_timeout: float | None, extra_headers: Headers
) -> RequestOptions | None:
    """The call's own options, or None (the client's, and the fast path) when it has none."""
    if timeout is None and max_retries is None and total_timeout is None and not extra_headers:
        return None
    return RequestOptions(timeout, max_retries, total_timeout, extra_headers)


class ApiKeys:
    """The caller's API keys in the client's workspace."""

    def __init__(self, client: ApiKeysClient) -> None:
        self._client = client
        self.with_raw_response: ApiKeysWithRawResponse = ApiKeysWithRawResponse(client)

    def list(
        self,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> builtins.list[ApiKey]:
        """Every key of the caller in this workspace, revoked ones included."""
        return self._client._request(
            list_call(workspace_id=self._client.workspace_id),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    @overload
    def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated: ...
    @overload
    def create(
        self,
        *,
        name: str,
        expires_at: None = None,
        expires_in: datetime.timedelta | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated: ...

    def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated:
        """Create a key. `raw_key` on the result is shown this once: store it now.

        `expires_at` (timezone-aware) or `expires_in` (from now), not both; neither creates a key
        that never expires. Type checkers refuse both at once (the overloads say so); a naive
        datetime, which no type tells apart, is refused at run time before anything is sent.
        """
        return self._client._request(
            create_call(
                workspace_id=self._client.workspace_id,
                name=name,
                expires_at=expires_at,
                expires_in=expires_in,
            ),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    def revoke(
        self,
        key_id: str,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> None:
        """Revoke a key. It stays listed, with `revoked_at` set."""
        self._client._request(
            revoke_call(workspace_id=self._client.workspace_id, key_id=key_id),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    @overload
    def rotate(
        self,
        key_id: str,
        *,
        name: str | None = None,
        expires_at: datetime.datetime | None = None,
        expires_in: None = None,
        on_created: Callable[[ApiKeyCreated], object] | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated: ...
    @overload
    def rotate(
        self,
        key_id: str,
        *,
        name: str | None = None,
        expires_at: None = None,
        expires_in: datetime.timedelta | None = None,
        on_created: Callable[[ApiKeyCreated], object] | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated: ...

    def rotate(
        self,
        key_id: str,
        *,
        name: str | None = None,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
        on_created: Callable[[ApiKeyCreated], object] | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated:
        """Replace a key without downtime: create its successor, then revoke it.

        The successor takes the old key's name and its lifetime counted from now, unless `name`,
        `expires_at` or `expires_in` say otherwise. An unknown, foreign or revoked key is refused
        (InvalidArgumentError) before anything is created. `on_created` is called with the new
        key before the old one is revoked: store the secret there, and if it raises, the old key
        stays active. A failure after the create raises RotationError, which carries the new key.
        An interruption (Ctrl-C) during the revoke is not an error of the SDK's: it goes on, with
        a note naming the new key, whose secret only on_created can have kept. The per-call
        options apply to each of the three calls it makes (list, create, revoke).
        """
        options: _CallOptions = {
            "timeout": timeout,
            "max_retries": max_retries,
            "total_timeout": total_timeout,
            "extra_headers": extra_headers,
        }
        old = rotation_source(self.list(**options), key_id, self._client.workspace_id)
        expiry = replacement_expiry(old, expires_at=expires_at, expires_in=expires_in)
        created = self.create(name=old.name if name is None else name, expires_at=expiry, **options)
        if on_created is not None:
            try:
                on_created(created)
            except Exception as exc:
                raise rotation_error("on_created", exc, created=created, old_key_id=old.id) from exc
        try:
            self.revoke(old.id, **options)
        except ApiKeysError as exc:
            raise rotation_error("revoke", exc, created=created, old_key_id=old.id) from exc
        except BaseException as exc:  # Ctrl-C: it goes on, saying which key now exists
            note_created_key(exc, created, old.id)
            raise
        return created

    def identify(
        self,
        raw_key: str,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKey | None:
        """The key whose `key_prefix` the secret `raw_key` starts with, or None: for a secret
        found in a log or a repository. Matched here: the secret is never sent nor logged."""
        keys = self.list(
            timeout=timeout,
            max_retries=max_retries,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
        )
        return identify_in(keys, raw_key)

    def __repr__(self) -> str:
        return f"<ApiKeys of {self._client!r}>"


class ApiKeysWithRawResponse:
    """`client.api_keys.with_raw_response`: the same calls, returning the APIResponse (status,
    headers, request id, elapsed time) whose `parse()` gives what the plain call returns."""

    def __init__(self, client: ApiKeysClient) -> None:
        self._client = client

    def list(
        self,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[builtins.list[ApiKey]]:
        """As `api_keys.list()`, with the HTTP response."""
        return self._client._request_raw(
            list_call(workspace_id=self._client.workspace_id),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    @overload
    def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[ApiKeyCreated]: ...
    @overload
    def create(
        self,
        *,
        name: str,
        expires_at: None = None,
        expires_in: datetime.timedelta | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[ApiKeyCreated]: ...

    def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[ApiKeyCreated]:
        """As `api_keys.create()`, with the HTTP response (whose body holds the raw key)."""
        return self._client._request_raw(
            create_call(
                workspace_id=self._client.workspace_id,
                name=name,
                expires_at=expires_at,
                expires_in=expires_in,
            ),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    def revoke(
        self,
        key_id: str,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[None]:
        """As `api_keys.revoke()`, with the HTTP response."""
        return self._client._request_raw(
            revoke_call(workspace_id=self._client.workspace_id, key_id=key_id),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    def __repr__(self) -> str:
        return f"<ApiKeysWithRawResponse of {self._client!r}>"


class AsyncApiKeys:
    """The caller's API keys in the client's workspace, with `await`."""

    def __init__(self, client: AsyncApiKeysClient) -> None:
        self._client = client
        self.with_raw_response: AsyncApiKeysWithRawResponse = AsyncApiKeysWithRawResponse(client)

    async def list(
        self,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> builtins.list[ApiKey]:
        """Every key of the caller in this workspace, revoked ones included."""
        return await self._client._request(
            list_call(workspace_id=self._client.workspace_id),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    @overload
    async def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated: ...
    @overload
    async def create(
        self,
        *,
        name: str,
        expires_at: None = None,
        expires_in: datetime.timedelta | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated: ...

    async def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated:
        """Create a key. `raw_key` on the result is shown this once: store it now.

        `expires_at` (timezone-aware) or `expires_in` (from now), not both; neither creates a key
        that never expires. Type checkers refuse both at once (the overloads say so); a naive
        datetime, which no type tells apart, is refused at run time before anything is sent.
        """
        return await self._client._request(
            create_call(
                workspace_id=self._client.workspace_id,
                name=name,
                expires_at=expires_at,
                expires_in=expires_in,
            ),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    async def revoke(
        self,
        key_id: str,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> None:
        """Revoke a key. It stays listed, with `revoked_at` set."""
        await self._client._request(
            revoke_call(workspace_id=self._client.workspace_id, key_id=key_id),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    @overload
    async def rotate(
        self,
        key_id: str,
        *,
        name: str | None = None,
        expires_at: datetime.datetime | None = None,
        expires_in: None = None,
        on_created: Callable[[ApiKeyCreated], Awaitable[object] | object] | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated: ...
    @overload
    async def rotate(
        self,
        key_id: str,
        *,
        name: str | None = None,
        expires_at: None = None,
        expires_in: datetime.timedelta | None = None,
        on_created: Callable[[ApiKeyCreated], Awaitable[object] | object] | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated: ...

    async def rotate(
        self,
        key_id: str,
        *,
        name: str | None = None,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
        on_created: Callable[[ApiKeyCreated], Awaitable[object] | object] | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKeyCreated:
        """Replace a key without downtime: create its successor, then revoke it.

        The successor takes the old key's name and its lifetime counted from now, unless `name`,
        `expires_at` or `expires_in` say otherwise. An unknown, foreign or revoked key is refused
        (InvalidArgumentError) before anything is created. `on_created` is called with the new
        key before the old one is revoked: store the secret there, and if it raises, the old key
        stays active (it may also be a coroutine function). A failure after the create raises
        RotationError, which carries the new key. The per-call options apply to each of the
        three calls it makes (list, create, revoke).
        """
        options: _CallOptions = {
            "timeout": timeout,
            "max_retries": max_retries,
            "total_timeout": total_timeout,
            "extra_headers": extra_headers,
        }
        old = rotation_source(await self.list(**options), key_id, self._client.workspace_id)
        expiry = replacement_expiry(old, expires_at=expires_at, expires_in=expires_in)
        created = await self.create(
            name=old.name if name is None else name, expires_at=expiry, **options
        )
        if on_created is not None:
            try:
                stored = on_created(created)
                if inspect.isawaitable(stored):
                    await stored
            except Exception as exc:
                raise rotation_error("on_created", exc, created=created, old_key_id=old.id) from exc
        try:
            await self.revoke(old.id, **options)
        except ApiKeysError as exc:
            raise rotation_error("revoke", exc, created=created, old_key_id=old.id) from exc
        except BaseException as exc:  # a cancelled task: it goes on, saying which key exists
            note_created_key(exc, created, old.id)
            raise
        return created

    async def identify(
        self,
        raw_key: str,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> ApiKey | None:
        """The key whose `key_prefix` the secret `raw_key` starts with, or None: for a secret
        found in a log or a repository. Matched here: the secret is never sent nor logged."""
        keys = await self.list(
            timeout=timeout,
            max_retries=max_retries,
            total_timeout=total_timeout,
            extra_headers=extra_headers,
        )
        return identify_in(keys, raw_key)

    def __repr__(self) -> str:
        return f"<AsyncApiKeys of {self._client!r}>"


class AsyncApiKeysWithRawResponse:
    """`client.api_keys.with_raw_response`: the same calls, returning the APIResponse (status,
    headers, request id, elapsed time) whose `parse()` gives what the plain call returns."""

    def __init__(self, client: AsyncApiKeysClient) -> None:
        self._client = client

    async def list(
        self,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[builtins.list[ApiKey]]:
        """As `api_keys.list()`, with the HTTP response."""
        return await self._client._request_raw(
            list_call(workspace_id=self._client.workspace_id),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    @overload
    async def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[ApiKeyCreated]: ...
    @overload
    async def create(
        self,
        *,
        name: str,
        expires_at: None = None,
        expires_in: datetime.timedelta | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[ApiKeyCreated]: ...

    async def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[ApiKeyCreated]:
        """As `api_keys.create()`, with the HTTP response (whose body holds the raw key)."""
        return await self._client._request_raw(
            create_call(
                workspace_id=self._client.workspace_id,
                name=name,
                expires_at=expires_at,
                expires_in=expires_in,
            ),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    async def revoke(
        self,
        key_id: str,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        extra_headers: Headers = None,
    ) -> APIResponse[None]:
        """As `api_keys.revoke()`, with the HTTP response."""
        return await self._client._request_raw(
            revoke_call(workspace_id=self._client.workspace_id, key_id=key_id),
            _options(timeout, max_retries, total_timeout, extra_headers),
        )

    def __repr__(self) -> str:
        return f"<AsyncApiKeysWithRawResponse of {self._client!r}>"
