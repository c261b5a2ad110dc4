"""Audit keys unused for N days across several workspaces, concurrently.

    python examples/audit_keys.py --days 30 ws_1 ws_2 ws_3

Configuration comes from API_KEYS_BASE_URL and API_KEYS_TOKEN (the workspaces are arguments).
Prints one line per active key that has not been used for --days days (never-used keys count
from their creation), and exits 1 if there is any, so it can gate a CI job.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import sys

import attrs

from api_keys_client import ApiKey, ApiKeysError, AsyncApiKeysClient


@attrs.frozen
class StaleKey:
    workspace_id: str
    key: ApiKey
    idle_days: int


def _is_active(key: ApiKey, now: datetime.datetime) -> bool:
    if isinstance(key.revoked_at, datetime.datetime):
        return False
    return not (isinstance(key.expires_at, datetime.datetime) and key.expires_at <= now)


def stale_keys(
    workspace_id: str, keys: list[ApiKey], *, days: int, now: datetime.datetime
) -> list[StaleKey]:
    """The active keys of one workspace idle for at least `days` days."""
    found = []
    for key in keys:
        if not _is_active(key, now):
            continue
        used = key.last_used_at
        last_seen = used if isinstance(used, datetime.datetime) else key.created_at
        idle = now - last_seen
        if idle >= datetime.timedelta(days=days):
            found.append(StaleKey(workspace_id=workspace_id, key=key, idle_days=idle.days))
    return found


async def audit(
    client: AsyncApiKeysClient,
    workspaces: list[str],
    *,
    days: int,
    now: datetime.datetime | None = None,
) -> list[StaleKey]:
    """List every workspace at once (one connection pool), then keep the stale keys."""
    now = now or datetime.datetime.now(datetime.UTC)
    listings = await asyncio.gather(
        *(client.with_workspace(ws).api_keys.list() for ws in workspaces)
    )
    return [
        stale
        for workspace_id, keys in zip(workspaces, listings, strict=True)
        for stale in stale_keys(workspace_id, keys, days=days, now=now)
    ]


async def _main(args: argparse.Namespace) -> int:
    async with AsyncApiKeysClient(workspace_id=args.workspaces[0]) as client:
        stale = await audit(client, args.workspaces, days=args.days)
    for item in stale:
        print(f"{item.workspace_id}\t{item.key.id}\t{item.key.name}\tidle {item.idle_days} days")
    print(f"{len(stale)} stale key(s) in {len(args.workspaces)} workspace(s)", file=sys.stderr)
    return 1 if stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Audit keys unused for N days.")
    parser.add_argument("workspaces", nargs="+", metavar="WORKSPACE")
    parser.add_argument("--days", type=int, default=30, help="idle days that make a key stale")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_main(args))
    except ApiKeysError as exc:
        print(f"audit failed: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
