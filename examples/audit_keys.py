"""Audit keys across several workspaces, concurrently, with the library's audit rules.

    python examples/audit_keys.py --idle-days 30 --expiring-days 14 ws_1 ws_2 ws_3

Configuration comes from API_KEYS_BASE_URL and API_KEYS_TOKEN (the workspaces are arguments).
Prints one line per active key that matches a rule, and exits as `api-keys audit` does, so it
can gate a CI job: 0 when nothing matches, 3 when something does, 1 when a workspace could not be
listed (the others are audited all the same), 2 on bad usage or configuration, 130 on Ctrl-C and
141 when the reader of its output goes away (`| head`).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import sys
from typing import NamedTuple

from api_keys_client import (
    ApiKeysError,
    AsyncApiKeysClient,
    AuditFinding,
    InvalidArgumentError,
    audit_keys,
)

# The exit codes of `api-keys audit`.
FOUND_NOTHING, FAILED, USAGE, FOUND = 0, 1, 2, 3
INTERRUPTED, OUTPUT_CLOSED = 130, 141


class Audit(NamedTuple):
    findings: list[AuditFinding]
    failures: dict[str, ApiKeysError]  # workspace id -> why it could not be listed


async def audit(
    client: AsyncApiKeysClient,
    workspaces: list[str],
    *,
    idle_days: int | None = None,
    expiring_days: int | None = None,
    now: datetime.datetime | None = None,
) -> Audit:
    """List every workspace at once (one connection pool), then apply the rules to each. A
    workspace that cannot be listed is reported in `failures`; the others are still audited."""
    listings = await asyncio.gather(
        *(client.with_workspace(ws).api_keys.list() for ws in workspaces),
        return_exceptions=True,
    )
    findings: list[AuditFinding] = []
    failures: dict[str, ApiKeysError] = {}
    for workspace_id, keys in zip(workspaces, listings, strict=True):
        if isinstance(keys, ApiKeysError):
            failures[workspace_id] = keys
            continue
        if isinstance(keys, BaseException):
            raise keys  # not the SDK's: a bug or a cancellation, not a finding
        findings += audit_keys(
            keys,
            idle_for=None if idle_days is None else datetime.timedelta(days=idle_days),
            expiring_within=None
            if expiring_days is None
            else datetime.timedelta(days=expiring_days),
            at=now,
            workspace_id=workspace_id,
        )
    return Audit(findings, failures)


def shown(text: str) -> str:
    """Text the server controls (a key's name), with control characters escaped, so that a name
    like "\\x1b]2;owned" cannot retitle the terminal, and a tab cannot shift the columns."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def report(result: Audit) -> None:
    for workspace_id, error in result.failures.items():
        print(f"workspace {shown(workspace_id)}: {error}", file=sys.stderr)
    for finding in result.findings:
        reasons = "; ".join(finding.reasons)
        print(
            f"{shown(finding.workspace_id or '')}\t{shown(finding.key.id)}"
            f"\t{shown(finding.key.name)}\t{reasons}"
        )
    sys.stdout.flush()  # a reader gone away surfaces here, not at the interpreter's exit


def _silence_stdout() -> None:
    """After the reader went away: stdout to /dev/null, so that the interpreter's own flush at
    exit prints no `Exception ignored ... BrokenPipeError`."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


async def _main(args: argparse.Namespace) -> int:
    async with AsyncApiKeysClient(workspace_id=args.workspaces[0]) as client:
        result = await audit(
            client, args.workspaces, idle_days=args.idle_days, expiring_days=args.expiring_days
        )
    report(result)
    audited = len(args.workspaces) - len(result.failures)
    print(f"{len(result.findings)} finding(s) in {audited} workspace(s)", file=sys.stderr)
    if result.failures:
        return FAILED
    return FOUND if result.findings else FOUND_NOTHING


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Audit API keys across workspaces.")
    parser.add_argument("workspaces", nargs="+", metavar="WORKSPACE")
    parser.add_argument("--idle-days", type=int, help="keys unused for this many days")
    parser.add_argument("--expiring-days", type=int, help="keys that expire within this many days")
    args = parser.parse_args(argv)
    if args.idle_days is None and args.expiring_days is None:
        parser.error("choose --idle-days, --expiring-days or both")
    args.workspaces = list(dict.fromkeys(args.workspaces))  # each audited once
    try:
        return asyncio.run(_main(args))
    except BrokenPipeError:
        _silence_stdout()
        return OUTPUT_CLOSED
    except InvalidArgumentError as exc:  # a missing or bad setting: nothing was sent
        print(f"audit_keys.py: error: {exc}", file=sys.stderr)
        return USAGE
    except ApiKeysError as exc:
        print(f"audit failed: {exc}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
