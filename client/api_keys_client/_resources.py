"""`client.api_keys`: list, create and revoke, and the jobs built on them (rotate, identify), in a
sync and an async flavour."""

from __future__ import annotations

import builtins
import datetime
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from . import ApiKeysError
from ._generated.models import ApiKey, ApiKeyCreated
from ._lifecycle import identify_in, replacement_expiry, rotation_error, rotation_source
from ._operations import create_call, list_call, revoke_call

if TYPE_CHECKING:
    from ._client import ApiKeysClient, AsyncApiKeysClient


class ApiKeys:
    """The caller's API keys in the client's workspace."""

    def __init__(self, client: ApiKeysClient) -> None:
        self._client = client

    def list(self) -> builtins.list[ApiKey]:
        """Every key of the caller in this workspace, revoked ones included."""
        return self._client._request(list_call(workspace_id=self._client.workspace_id))

    def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
    ) -> ApiKeyCreated:
        """Create a key. `raw_key` on the result is shown this once: store it now.

        `expires_at` (timezone-aware) or `expires_in` (from now), not both; neither creates a key
        that never expires.
        """
        return self._client._request(
            create_call(
                workspace_id=self._client.workspace_id,
                name=name,
                expires_at=expires_at,
                expires_in=expires_in,
            )
        )

    def revoke(self, key_id: str) -> None:
        """Revoke a key. It stays listed, with `revoked_at` set."""
        self._client._request(revoke_call(workspace_id=self._client.workspace_id, key_id=key_id))

    def rotate(
        self,
        key_id: str,
        *,
        name: str | None = None,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
        on_created: Callable[[ApiKeyCreated], object] | None = None,
    ) -> ApiKeyCreated:
        """Replace a key without downtime: create its successor, then revoke it.

        The successor takes the old key's name and its lifetime counted from now, unless `name`,
        `expires_at` or `expires_in` say otherwise. An unknown, foreign or revoked key is refused
        (InvalidArgumentError) before anything is created. `on_created` is called with the new
        key before the old one is revoked: store the secret there, and if it raises, the old key
        stays active. A failure after the create raises RotationError, which carries the new key.
        """
        old = rotation_source(self.list(), key_id, self._client.workspace_id)
        expiry = replacement_expiry(old, expires_at=expires_at, expires_in=expires_in)
        created = self.create(name=old.name if name is None else name, expires_at=expiry)
        if on_created is not None:
            try:
                on_created(created)
            except Exception as exc:
                raise rotation_error("on_created", exc, created=created, old_key_id=old.id) from exc
        try:
            self.revoke(old.id)
        except ApiKeysError as exc:
            raise rotation_error(
                f"revoking {old.id}", exc, created=created, old_key_id=old.id
            ) from exc
        return created

    def identify(self, raw_key: str) -> ApiKey | None:
        """The key whose `key_prefix` the secret `raw_key` starts with, or None: for a secret
        found in a log or a repository. Matched here: the secret is never sent nor logged."""
        return identify_in(self.list(), raw_key)

    def __repr__(self) -> str:
        return f"<ApiKeys of {self._client!r}>"


class AsyncApiKeys:
    """The caller's API keys in the client's workspace, with `await`."""

    def __init__(self, client: AsyncApiKeysClient) -> None:
        self._client = client

    async def list(self) -> builtins.list[ApiKey]:
        """Every key of the caller in this workspace, revoked ones included."""
        return await self._client._request(list_call(workspace_id=self._client.workspace_id))

    async def create(
        self,
        *,
        name: str,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
    ) -> ApiKeyCreated:
        """Create a key. `raw_key` on the result is shown this once: store it now.

        `expires_at` (timezone-aware) or `expires_in` (from now), not both; neither creates a key
        that never expires.
        """
        return await self._client._request(
            create_call(
                workspace_id=self._client.workspace_id,
                name=name,
                expires_at=expires_at,
                expires_in=expires_in,
            )
        )

    async def revoke(self, key_id: str) -> None:
        """Revoke a key. It stays listed, with `revoked_at` set."""
        await self._client._request(
            revoke_call(workspace_id=self._client.workspace_id, key_id=key_id)
        )

    async def rotate(
        self,
        key_id: str,
        *,
        name: str | None = None,
        expires_at: datetime.datetime | None = None,
        expires_in: datetime.timedelta | None = None,
        on_created: Callable[[ApiKeyCreated], Awaitable[object] | object] | None = None,
    ) -> ApiKeyCreated:
        """Replace a key without downtime: create its successor, then revoke it. As
        ApiKeys.rotate; `on_created` may also be a coroutine function."""
        old = rotation_source(await self.list(), key_id, self._client.workspace_id)
        expiry = replacement_expiry(old, expires_at=expires_at, expires_in=expires_in)
        created = await self.create(name=old.name if name is None else name, expires_at=expiry)
        if on_created is not None:
            try:
                stored = on_created(created)
                if inspect.isawaitable(stored):
                    await stored
            except Exception as exc:
                raise rotation_error("on_created", exc, created=created, old_key_id=old.id) from exc
        try:
            await self.revoke(old.id)
        except ApiKeysError as exc:
            raise rotation_error(
                f"revoking {old.id}", exc, created=created, old_key_id=old.id
            ) from exc
        return created

    async def identify(self, raw_key: str) -> ApiKey | None:
        """The key whose `key_prefix` the secret `raw_key` starts with, or None. Matched here:
        the secret is never sent nor logged."""
        return identify_in(await self.list(), raw_key)

    def __repr__(self) -> str:
        return f"<AsyncApiKeys of {self._client!r}>"
