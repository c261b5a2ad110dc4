"""`client.api_keys`: list, create and revoke, in a sync and an async flavour."""

from __future__ import annotations

import builtins
import datetime
from typing import TYPE_CHECKING

from ._generated.models import ApiKey, ApiKeyCreated
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

    def create(self, *, name: str, expires_at: datetime.datetime | None = None) -> ApiKeyCreated:
        """Create a key. `raw_key` on the result is shown this once: store it now.

        `expires_at` must be timezone-aware; None creates a key that never expires.
        """
        return self._client._request(
            create_call(workspace_id=self._client.workspace_id, name=name, expires_at=expires_at)
        )

    def revoke(self, key_id: str) -> None:
        """Revoke a key. It stays listed, with `revoked_at` set."""
        self._client._request(revoke_call(workspace_id=self._client.workspace_id, key_id=key_id))

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
        self, *, name: str, expires_at: datetime.datetime | None = None
    ) -> ApiKeyCreated:
        """Create a key. `raw_key` on the result is shown this once: store it now.

        `expires_at` must be timezone-aware; None creates a key that never expires.
        """
        return await self._client._request(
            create_call(workspace_id=self._client.workspace_id, name=name, expires_at=expires_at)
        )

    async def revoke(self, key_id: str) -> None:
        """Revoke a key. It stays listed, with `revoked_at` set."""
        await self._client._request(
            revoke_call(workspace_id=self._client.workspace_id, key_id=key_id)
        )

    def __repr__(self) -> str:
        return f"<AsyncApiKeys of {self._client!r}>"
