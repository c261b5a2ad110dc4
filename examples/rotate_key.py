"""Rotate an API key without downtime, storing the new secret in a file before the old key dies.

    python examples/rotate_key.py OLD_KEY_ID SECRET_FILE [--name NEW_NAME] [--days 90]

Configuration comes from API_KEYS_BASE_URL, API_KEYS_TOKEN and API_KEYS_WORKSPACE_ID. The new raw
key goes to SECRET_FILE (created with mode 0600 before anything else; an existing file is refused
before anything is created), never to the terminal; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import sys

from api_keys_client import ApiKeyCreated, ApiKeysClient, ApiKeysError, RotationError


def reserve(path: str) -> int:
    """Create the secret's file before anything is created: an existing path is refused while
    refusing costs nothing (after the create, it would orphan a key)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def rotate(
    client: ApiKeysClient,
    old_key_id: str,
    secret_file: str,
    *,
    name: str | None = None,
    days: int | None = None,
) -> ApiKeyCreated:
    """The library does the order (find the old key, create, store, revoke) and refuses an
    unknown or revoked key before creating anything. Without `days`, the new key gets the old
    key's lifetime, counted from now. The secret is written to `secret_file` (reserved first)
    before the old key is revoked."""
    descriptor = reserve(secret_file)

    def store(created: ApiKeyCreated) -> None:
        with os.fdopen(descriptor, "w") as file:
            file.write(created.raw_key + "\n")

    try:
        return client.api_keys.rotate(
            old_key_id,
            name=name,
            expires_in=None if days is None else datetime.timedelta(days=days),
            on_created=store,
        )
    except RotationError as exc:
        if exc.step == "on_created":
            # The secret could not be stored: the new key is of no use. Take it back; the old
            # key was never revoked.
            client.api_keys.revoke(exc.created.id)
            os.unlink(secret_file)
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(descriptor)  # nothing was created: give the path back
            os.unlink(secret_file)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rotate an API key.")
    parser.add_argument("old_key_id")
    parser.add_argument("secret_file", help="where the new raw key goes (a new file)")
    parser.add_argument("--name", help="the new key's name (default: the old key's)")
    parser.add_argument("--days", type=int, help="lifetime of the new key (default: the old one's)")
    args = parser.parse_args(argv)
    try:
        with ApiKeysClient() as client:
            created = rotate(
                client, args.old_key_id, args.secret_file, name=args.name, days=args.days
            )
    except RotationError as exc:
        if exc.step == "on_created":
            print(f"rotation undone, the old key is untouched: {exc}", file=sys.stderr)
        else:
            print(
                f"rotation incomplete: the new key's secret is in {args.secret_file}, but"
                f" {exc.old_key_id} is still active: {exc}",
                file=sys.stderr,
            )
        return 1
    except FileExistsError:
        print(f"{args.secret_file} exists: nothing was created", file=sys.stderr)
        return 1
    except ApiKeysError as exc:
        print(f"rotation failed, nothing changed: {exc}", file=sys.stderr)
        return 1
    print(
        f"created {created.id} ({created.key_prefix}...), secret in {args.secret_file};"
        f" revoked {args.old_key_id}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
