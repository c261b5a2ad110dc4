"""`api-keys`: list, create and revoke API keys from a shell, or serve the fake service.

Configuration comes from flags or API_KEYS_BASE_URL, API_KEYS_TOKEN and API_KEYS_WORKSPACE_ID.
A readable table by default, `--json` for scripts. Exit codes: 0 success, 1 the API said no or
could not be reached, 2 bad usage or configuration, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import re
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

if TYPE_CHECKING:
    from ._client import ApiKeysClient
    from ._generated.models import ApiKey, ApiKeyCreated

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class _UsageError(Exception):
    """A flag value the CLI refuses; argparse-style exit code 2."""


def _parse_duration(text: str) -> datetime.timedelta:
    match = _DURATION.match(text)
    if match is None or int(match[1]) == 0:
        raise _UsageError(
            f"--expires-in takes a positive duration such as 30d, 12h or 90m, not {text!r}"
        )
    return datetime.timedelta(**{_UNITS[match[2]]: int(match[1])})


def _parse_instant(text: str) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise _UsageError(
            f"--expires-at takes an ISO 8601 date or date-time, not {text!r}"
        ) from None
    # A date or a time without an offset means UTC here: a shell has no better guess.
    return value if value.utcoffset() is not None else value.replace(tzinfo=datetime.UTC)


def _build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--base-url", help="service URL (default: $API_KEYS_BASE_URL)")
    common.add_argument(
        "--token",
        help="bearer token (default: $API_KEYS_TOKEN; prefer the variable, flags show in ps)",
    )
    common.add_argument("--workspace", help="workspace id (default: $API_KEYS_WORKSPACE_ID)")
    common.add_argument("--timeout", type=float, help="seconds per attempt (default: 30)")
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")

    parser = argparse.ArgumentParser(
        prog="api-keys",
        description="Manage your API keys in a workspace.",
        epilog=__doc__.split("\n\n")[1],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", parents=[common], help="list your keys in the workspace")
    create = commands.add_parser(
        "create", parents=[common], help="create a key (its raw value is shown once)"
    )
    create.add_argument("name", metavar="NAME")
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument(
        "--expires-at", metavar="ISO", help="when it stops working (UTC unless an offset is given)"
    )
    expiry.add_argument(
        "--expires-in", metavar="DURATION", help="how long it works: 30d, 12h, 90m, 2w"
    )
    revoke = commands.add_parser("revoke", parents=[common], help="revoke a key")
    revoke.add_argument("key_id", metavar="ID")
    serve = commands.add_parser("serve-fake", help="serve the in-memory fake service on 127.0.0.1")
    serve.add_argument(
        "--port",
        type=int,
        default=8765,
        help="port to listen on, 0 for any free one (default: 8765)",
    )
    serve.add_argument(
        "--workspace",
        action="append",
        dest="workspaces",
        metavar="ID",
        help="a workspace the demo user belongs to (repeatable; default: ws_demo)",
    )
    return parser


def _client(args: argparse.Namespace) -> ApiKeysClient:
    from ._client import ApiKeysClient  # noqa: PLC0415 - `--help` stays fast without httpx

    options: dict[str, Any] = {}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    return ApiKeysClient(
        base_url=args.base_url, token=args.token, workspace_id=args.workspace, **options
    )


def _when(value: object, empty: str = "-") -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return empty


def _status(key: ApiKey, now: datetime.datetime) -> str:
    if isinstance(key.revoked_at, datetime.datetime):
        return "revoked"
    if isinstance(key.expires_at, datetime.datetime) and key.expires_at <= now:
        return "expired"
    return "active"


def _table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            + "\n"
        )


def _print_list(keys: list[ApiKey], args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        json.dump([key.to_dict() for key in keys], out, indent=2)
        out.write("\n")
        return
    if not keys:
        out.write("No API keys in this workspace.\n")
        return
    now = datetime.datetime.now(datetime.UTC)
    rows = [["ID", "NAME", "PREFIX", "STATUS", "CREATED", "EXPIRES", "LAST USED"]]
    rows += [
        [
            key.id,
            key.name,
            key.key_prefix,
            _status(key, now),
            _when(key.created_at),
            _when(key.expires_at, "never"),
            _when(key.last_used_at, "never"),
        ]
        for key in keys
    ]
    _table(rows, out)


def _print_created(
    created: ApiKeyCreated, args: argparse.Namespace, out: TextIO, err: TextIO
) -> None:
    notice = (
        "This is the only time the raw key is shown: store it now"
        " (in a secret manager, not in a file under version control)."
    )
    if args.json:
        json.dump(created.to_dict(), out, indent=2)  # rawKey included: scripts need it
        out.write("\n")
        err.write(notice + "\n")
        return
    out.write(f"Created API key {created.id} ({created.name!r}, prefix {created.key_prefix},")
    out.write(f" expires {_when(created.expires_at, 'never')}).\n\n")
    out.write(f"    {created.raw_key}\n\n{notice}\n")


def _serve_fake(args: argparse.Namespace, out: TextIO) -> int:
    from .testing import FakeApiKeys  # noqa: PLC0415

    fake = FakeApiKeys()
    workspaces = args.workspaces or ["ws_demo"]
    token = fake.add_user(workspaces=workspaces)

    def stop(signum: int, frame: object) -> NoReturn:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with fake.serve(port=args.port) as base_url:
        out.write(f"# Fake API Keys service on {base_url} (Ctrl-C to stop). For a shell:\n")
        out.write(f"export API_KEYS_BASE_URL={base_url}\n")
        out.write(f"export API_KEYS_TOKEN={token}\n")
        out.write(f"export API_KEYS_WORKSPACE_ID={workspaces[0]}\n")
        out.flush()
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "serve-fake":
        return _serve_fake(args, out)
    expires_at = None
    if args.command == "create":
        if args.expires_in:
            expires_at = datetime.datetime.now(datetime.UTC) + _parse_duration(args.expires_in)
        elif args.expires_at:
            expires_at = _parse_instant(args.expires_at)
    with _client(args) as client:
        if args.command == "list":
            _print_list(client.api_keys.list(), args, out)
        elif args.command == "create":
            _print_created(
                client.api_keys.create(name=args.name, expires_at=expires_at), args, out, err
            )
        else:
            client.api_keys.revoke(args.key_id)
            if args.json:
                out.write(json.dumps({"revoked": args.key_id}) + "\n")
            else:
                out.write(f"Revoked API key {args.key_id}.\n")
    return 0


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = _build_parser().parse_args(argv)
    from . import ApiKeysError, APIStatusError, InvalidArgumentError  # noqa: PLC0415

    try:
        return _run(args, out, err)
    except (_UsageError, InvalidArgumentError) as exc:
        err.write(f"api-keys: error: {exc}\n")
        return 2
    except APIStatusError as exc:
        # The server's own message first: it says what to fix.
        err.write(f"api-keys: {exc.error or exc.message} (HTTP {exc.status_code})\n")
        return 1
    except ApiKeysError as exc:
        err.write(f"api-keys: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
