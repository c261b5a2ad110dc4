"""A token provider for short-lived platform tokens: the SDK calls it for every attempt and never
caches what it returns, so the provider decides when to fetch a new token.

    python examples/short_lived_token.py

`fetch` stands for however your platform hands out tokens (an OAuth client-credentials call, a
file that a sidecar rewrites); it returns the token and the instant it expires. The provider keeps
the token until `margin` before that instant, then fetches the next one. It is safe to share
across threads: one thread fetches while the others wait for its token.
"""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Callable

from api_keys_client import ApiKeysClient, TokenProvider

Fetch = Callable[[], tuple[str, datetime.datetime]]


class ShortLivedToken:
    """Returns the current token, fetching a new one when it is within `margin` of expiring."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        margin: datetime.timedelta = datetime.timedelta(seconds=60),
        now: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
    ) -> None:
        self._fetch = fetch
        self._margin = margin
        self._now = now
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = datetime.datetime.min.replace(tzinfo=datetime.UTC)

    def __call__(self) -> str:
        with self._lock:
            if self._token is None or self._now() >= self._expires_at - self._margin:
                self._token, self._expires_at = self._fetch()
            return self._token


def client_with_short_lived_token(fetch: Fetch) -> ApiKeysClient:
    provider: TokenProvider = ShortLivedToken(fetch)
    return ApiKeysClient(
        base_url=os.environ["API_KEYS_BASE_URL"],
        token=provider,
        workspace_id=os.environ["API_KEYS_WORKSPACE_ID"],
    )


def _from_environment() -> tuple[str, datetime.datetime]:
    """A stand-in for your platform: the token in API_KEYS_TOKEN, said to live for 15 minutes."""
    expires_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=15)
    return os.environ["API_KEYS_TOKEN"], expires_at


if __name__ == "__main__":
    with client_with_short_lived_token(_from_environment) as client:
        for key in client.api_keys.list():
            print(key.id, key.name)
