"""Audit keys across several workspaces, concurrently, with the library's audit rules.

    python examples/audit_keys.py --idle-days 30 --expiring-days 14 ws_1 ws_2 ws_3

Configuration comes from API_KEYS_BASE_URL and API_KEYS_TOKEN (the workspaces are arguments).
Prints one line per active key that matches a rule and exits 1 if there is any, so it can gate a
CI job. (`api-keys audit` does the same from a shell.)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import sys

from api_keys_client import ApiKeysError, AsyncApiKeysClient, AuditFinding, audit_keys


async def audit(
    client: AsyncApiKeysClient,
    workspaces: list[str],
    *,
    idle_days: int | None = None,
    expiring_days: int | None = None,
    now: datetime.datetime | None = None,
) -> list[AuditFinding]:
    """List every workspace at once (one connection pool), then apply the rules to each."""
    listings = await asyncio.gather(
        *(client.with_workspace(ws).api_keys.list() for ws in workspaces)
    )
    return [
        finding
        for workspace_id, keys in zip(workspaces, listings, strict=True)
        for finding in audit_keys(
            keys,
            idle_for=None if idle_days is None else datetime.timedelta(days=idle_days),
            expiring_within=None
            if expiring_days is None
            else datetime.timedelta(days=expiring_days),
            at=now,
            workspace_id=workspace_id,
        )
    ]


async def _main(args: argparse.Namespace) -> int:
    async with AsyncApiKeysClient(workspace_id=args.workspaces[0]) as client:
        findings = await audit(
            client, args.workspaces, idle_days=args.idle_days, expiring_days=args.expiring_days
        )
    for finding in findings:
        reasons = "; ".join(finding.reasons)
        print(f"{finding.workspace_id}\t{finding.key.id}\t{finding.key.name}\t{reasons}")
    print(f"{len(findings)} finding(s) in {len(args.workspaces)} workspace(s)", file=sys.stderr)
    return 1 if findings else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Audit API keys across workspaces.")
    parser.add_argument("workspaces", nargs="+", metavar="WORKSPACE")
    parser.add_argument("--idle-days", type=int, help="keys unused for this many days")
    parser.add_argument("--expiring-days", type=int, help="keys that expire within this many days")
    args = parser.parse_args(argv)
    if args.idle_days is None and args.expiring_days is None:
        parser.error("choose --idle-days, --expiring-days or both")
    try:
        return asyncio.run(_main(args))
    except ApiKeysError as exc:
        print(f"audit failed: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
