"""Rotate an API key: create its replacement, then revoke the old one.

    python examples/rotate_key.py OLD_KEY_ID NEW_NAME [--days 90]

Configuration comes from API_KEYS_BASE_URL, API_KEYS_TOKEN and API_KEYS_WORKSPACE_ID. The new raw
key is printed once, on stdout; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime
import sys

from api_keys_client import ApiKeyCreated, ApiKeysClient, ApiKeysError, BadRequestError


def rotate(
    client: ApiKeysClient, old_key_id: str, new_name: str, *, days: int = 90
) -> ApiKeyCreated:
    """Create the replacement first, so there is never a moment without a working key; then
    revoke the old one. A 400 on revoke means it is already gone, which is what we wanted."""
    expires_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days)
    created = client.api_keys.create(name=new_name, expires_at=expires_at)
    try:
        client.api_keys.revoke(old_key_id)
    except BadRequestError as exc:
        print(f"old key {old_key_id} was not revoked: {exc.error}", file=sys.stderr)
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rotate an API key.")
    parser.add_argument("old_key_id")
    parser.add_argument("new_name")
    parser.add_argument(
        "--days", type=int, default=90, help="lifetime of the new key (default: 90)"
    )
    args = parser.parse_args(argv)
    try:
        with ApiKeysClient() as client:
            created = rotate(client, args.old_key_id, args.new_name, days=args.days)
    except ApiKeysError as exc:
        print(f"rotation failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"created {created.id} ({created.key_prefix}...), revoked {args.old_key_id}",
        file=sys.stderr,
    )
    print(created.raw_key)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
