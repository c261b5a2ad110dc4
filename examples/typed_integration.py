"""Typed user code, checked by mypy --strict in the test suite: narrowing the optional fields of a
listed key the way integration code does."""

from __future__ import annotations

import contextlib
import datetime

from api_keys_client import UNSET, ApiKey, ApiKeysClient, NotFoundError


def active_keys(keys: list[ApiKey], now: datetime.datetime) -> list[ApiKey]:
    """Keys that are neither revoked nor past their expiry."""
    active = []
    for key in keys:
        if key.revoked_at is not None and key.revoked_at is not UNSET:
            continue
        if isinstance(key.expires_at, datetime.datetime) and key.expires_at <= now:
            continue
        active.append(key)
    return active


def rotate(client: ApiKeysClient, old_key_id: str, name: str) -> str:
    """Create a replacement key, revoke the old one, and hand back the new raw key."""
    created = client.api_keys.create(
        name=name, expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=90)
    )
    with contextlib.suppress(NotFoundError):  # already gone: nothing to revoke
        client.api_keys.revoke(old_key_id)
    return created.raw_key
