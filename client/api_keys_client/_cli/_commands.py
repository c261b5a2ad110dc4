"""What each command does. The rules that keep the CLI safe live in the modules they use:
`_connection` (settings checked before anything is sent), `_delivery` (the raw key out first,
and after a create that may have succeeded, the candidates), `_console` (writing safely)."""

from __future__ import annotations

import argparse
import datetime
from typing import TYPE_CHECKING, TextIO

from ._connection import Connection
from ._console import Console, esc, key_json, when
from ._delivery import (
    SecretDelivery,
    created_shown,
    may_have_created,
    show_candidates,
    unvalidated_shown,
)
from ._parser import DEMO_WORKSPACES, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, UsageError
from ._signals import wait_for_signals

if TYPE_CHECKING:
    from .. import ApiKeysClient, ApiKeysError
    from .._generated.models import ApiKey, ApiKeyCreated

UTC = datetime.UTC


def status_of(key: ApiKey) -> str:
    from .. import key_status  # noqa: PLC0415

    return key_status(key)


# -- list --------------------------------------------------------------------------------------


def run_list(args: argparse.Namespace, console: Console) -> int:
    with Connection(args).client() as client:
        keys = client.api_keys.list()
    if console.as_json:
        console.json([key_json(key, status_of(key)) for key in keys])
        return EXIT_OK
    if not keys:
        console.write("No API keys in this workspace.\n")
        return EXIT_OK
    rows = [["ID", "NAME", "PREFIX", "STATUS", "CREATED", "EXPIRES", "LAST USED"]]
    rows += [
        [
            esc(key.id),
            esc(key.name),
            esc(key.key_prefix),
            status_of(key),
            when(key.created_at),
            when(key.expires_at, "never"),
            when(key.last_used_at, "never"),
        ]
        for key in keys
    ]
    console.table(rows)
    return EXIT_OK


# -- create ------------------------------------------------------------------------------------


def _no_stdout_for_a_secret(args: argparse.Namespace, console: Console) -> None:
    """Refuse, before anything is created, to make a secret that could go nowhere."""
    if console.out_closed and not args.output_file:
        raise UsageError(
            "stdout is closed, so a new raw key would have nowhere to go: pass --output-file"
        )


def _after_a_failed_create(
    exc: ApiKeysError | KeyboardInterrupt,
    connection: Connection,
    console: Console,
    delivery: SecretDelivery,
    *,
    name: str | None,
    began: datetime.datetime,
    rotating: str | None = None,
) -> int | None:
    """A create failed: deliver the raw key if its answer carried one, or show the keys it may
    have made. Returns the exit code, or None when the failure is to be reported as it is.
    `rotating` is the id of the key a rotation replaces (still active: it was not revoked)."""
    from .. import APIResponseValidationError  # noqa: PLC0415

    still_active = f"; {esc(rotating)} was not revoked and is still active" if rotating else ""
    if isinstance(exc, APIResponseValidationError):
        shown = unvalidated_shown(exc, name)
        if shown is None:
            return None
        delivery.deliver(shown)
        console.say(
            f"key {esc(shown['id'] or '(unknown id)')} was created and its raw key is"
            f" {delivery.where}, shown this once, but the server's answer did not validate:"
            f" {esc(shown['validation_error'])}{still_active}"
        )
        return EXIT_FAILURE
    if not may_have_created(exc):
        return None
    if not isinstance(exc, KeyboardInterrupt):
        console.say(esc(exc.message) + still_active)
    show_candidates(connection, console, name=name, began=began, name_of=rotating, exclude=rotating)
    if isinstance(exc, KeyboardInterrupt):
        raise exc
    return EXIT_FAILURE


def run_create(args: argparse.Namespace, console: Console) -> int:
    from .. import ApiKeysError  # noqa: PLC0415

    _no_stdout_for_a_secret(args, console)
    connection = Connection(args)
    with connection.client() as client:  # settings checked before the file is reserved
        delivery = SecretDelivery(console, args.output_file)
        created: ApiKeyCreated | None = None
        try:
            delivery.reserve()
            began = datetime.datetime.now(UTC)
            try:
                created = client.api_keys.create(
                    name=args.name, expires_at=args.expires_at, expires_in=args.expires_in
                )
                delivery.deliver(created_shown(created))
            except (ApiKeysError, KeyboardInterrupt) as exc:
                if created is not None:  # the key exists: its secret goes out before all else
                    if not delivery.delivered:
                        delivery.deliver(created_shown(created))
                    raise
                code = _after_a_failed_create(
                    exc, connection, console, delivery, name=args.name, began=began
                )
                if code is None:
                    raise
                return code
        finally:
            delivery.abandon()  # the reserved file, unless the secret went into it
    delivery.describe(f"Created API key {esc(created.id)}", created)
    return EXIT_OK


# -- revoke ------------------------------------------------------------------------------------


def unknown_key(key_id: str, workspace_id: str) -> UsageError:
    """The one answer of revoke and rotate for an id that is not the caller's in the workspace:
    the service's words, then what they mean. Exit 2, as nothing was changed (rotate finds out
    from its listing before creating anything, revoke from the service's 400)."""
    return UsageError(
        f"api key not found: {esc(key_id)} is not one of your keys in workspace"
        f" {esc(workspace_id)}; nothing was changed"
    )


def run_revoke(args: argparse.Namespace, console: Console) -> int:
    from .. import KeyNotFoundError  # noqa: PLC0415
    from .._operations import checked_text  # noqa: PLC0415

    connection = Connection(args)
    # Before the guard's listing, so nothing is sent; its InvalidArgumentError is a usage error
    # (exit 2, in the CLI's words) like every other one (_run_safely).
    checked_text(args.key_id, "key_id")
    with connection.client() as client:
        if not args.force:
            keys = client.api_keys.list()
            own = next((key for key in keys if key.id == args.key_id), None)
            if own is not None and own.key_prefix and connection.token.startswith(own.key_prefix):
                raise UsageError(
                    f"refusing to revoke {esc(args.key_id)}: it is the key this command"
                    " authenticates with (--token or API_KEYS_TOKEN), so revoking it would lock"
                    " you out; pass --force to revoke it anyway"
                )
        try:
            client.api_keys.revoke(args.key_id)
        except KeyNotFoundError:
            raise unknown_key(args.key_id, connection.workspace_id) from None
    if console.as_json:
        console.json({"revoked": args.key_id})
    else:
        console.write(f"Revoked API key {esc(args.key_id)}.\n")
    return EXIT_OK


# -- rotate ------------------------------------------------------------------------------------


def _failed_method(exc: BaseException) -> str | None:
    """The HTTP method of the request an SDK error is about (POST is a create), if any."""
    from .. import APIConnectionError, APIResponseValidationError, APIStatusError  # noqa: PLC0415

    if isinstance(exc, APIConnectionError) and exc.request is not None:
        return exc.request.method
    if isinstance(exc, APIStatusError | APIResponseValidationError):
        return exc.response.request.method
    return None


def run_rotate(args: argparse.Namespace, console: Console) -> int:
    _no_stdout_for_a_secret(args, console)
    connection = Connection(args)
    with connection.client() as client:
        delivery = SecretDelivery(console, args.output_file)
        try:
            delivery.reserve()
            outcome = _rotate(args, console, connection, client, delivery)
        finally:
            delivery.abandon()  # the reserved file, unless the secret went into it
    if isinstance(outcome, int):
        return outcome
    delivery.describe(
        f"Rotated API key {esc(args.key_id)} (now revoked): its successor is {esc(outcome.id)}",
        outcome,
    )
    return EXIT_OK


def _rotate(
    args: argparse.Namespace,
    console: Console,
    connection: Connection,
    client: ApiKeysClient,
    delivery: SecretDelivery,
) -> ApiKeyCreated | int:
    """The rotation, and what to say when it fails: the successor, or the exit code."""
    from .. import ApiKeysError, InvalidArgumentError, RotationError  # noqa: PLC0415
    from .._lifecycle import not_one_of_yours  # noqa: PLC0415

    began = datetime.datetime.now(UTC)

    def on_created(created: ApiKeyCreated) -> None:
        # Before the old key is revoked: the new secret is out before anything else can fail.
        delivery.deliver(created_shown(created, replaces=args.key_id))

    try:
        return client.api_keys.rotate(
            args.key_id,
            name=args.name,
            expires_at=args.expires_at,
            expires_in=args.expires_in,
            on_created=on_created,
        )
    except RotationError as exc:
        if exc.step == "on_created":
            raise  # the secret could not be written: said already; the old key is active
        new = exc.created
        cause = exc.__cause__
        reason = esc(cause.message) if isinstance(cause, ApiKeysError) else "interrupted"
        console.say(
            f"the successor {esc(new.id)} (prefix {esc(new.key_prefix)}) was created and its"
            f" raw key is {delivery.where}, shown this once; but revoking {esc(args.key_id)}"
            f" failed: {reason}. {esc(args.key_id)} is still active: revoke it once the cause"
            f" is fixed (api-keys revoke {esc(args.key_id)})"
        )
        return EXIT_FAILURE
    except (ApiKeysError, KeyboardInterrupt) as exc:
        unknown = not_one_of_yours(args.key_id, connection.workspace_id)
        if isinstance(exc, InvalidArgumentError) and exc.message == unknown:
            raise unknown_key(args.key_id, connection.workspace_id) from None
        if delivery.delivered:  # interrupted during the revoke: the new key is out already
            console.say(
                f"interrupted after the new key's secret was written: {esc(args.key_id)} may"
                " still be active; check with `api-keys list`"
            )
            raise
        code = None
        if isinstance(exc, KeyboardInterrupt) or _failed_method(exc) == "POST":
            code = _after_a_failed_create(
                exc,
                connection,
                console,
                delivery,
                name=args.name,
                began=began,
                rotating=args.key_id,
            )
        if code is None:
            raise
        return code


# -- audit -------------------------------------------------------------------------------------


def run_audit(args: argparse.Namespace, console: Console) -> int:
    import asyncio  # noqa: PLC0415 - only audit runs concurrently

    if args.expiring_within is None and args.idle_for is None and not args.no_expiry:
        raise UsageError("choose at least one rule: --expiring-within, --idle-for or --no-expiry")
    workspaces = list(dict.fromkeys(args.workspaces or []))
    connection = Connection(args, workspaces[0] if workspaces else None)
    workspaces = workspaces or [connection.workspace_id]
    return asyncio.run(_audit(args, console, connection, workspaces))


async def _audit(
    args: argparse.Namespace, console: Console, connection: Connection, workspaces: list[str]
) -> int:
    import asyncio  # noqa: PLC0415

    from .. import ApiKeysError, audit_keys, key_status  # noqa: PLC0415

    async with connection.async_client() as client:
        # One connection pool: every workspace's listing goes through the same client.
        listings = await asyncio.gather(
            *(client.with_workspace(ws).api_keys.list() for ws in workspaces),
            return_exceptions=True,
        )
    now = datetime.datetime.now(UTC)
    findings = []
    failed = 0
    for workspace, listing in zip(workspaces, listings, strict=True):
        if isinstance(listing, ApiKeysError):
            failed += 1
            console.say(f"workspace {esc(workspace)}: {esc(listing.message)}")
            continue
        if isinstance(listing, BaseException):
            raise listing
        findings += audit_keys(
            listing,
            expiring_within=args.expiring_within,
            idle_for=args.idle_for,
            no_expiry=args.no_expiry,
            at=now,
            workspace_id=workspace,
        )
    if console.as_json:
        console.json(
            [
                {
                    **key_json(finding.key, key_status(finding.key, at=now)),
                    # The audited workspace, whether or not the listing named it.
                    "workspace_id": finding.workspace_id,
                    "reasons": finding.reasons,
                }
                for finding in findings
            ]
        )
    elif findings:
        rows = [["WORKSPACE", "ID", "NAME", "PREFIX", "FINDINGS"]]
        rows += [
            [
                esc(finding.workspace_id),
                esc(finding.key.id),
                esc(finding.key.name),
                esc(finding.key.key_prefix),
                "; ".join(finding.reasons),
            ]
            for finding in findings
        ]
        console.table(rows)
    audited = len(workspaces) - failed
    plural = "s" if audited != 1 else ""
    console.say(f"{len(findings)} finding(s) in {audited} workspace{plural}")
    if failed:
        return EXIT_FAILURE
    return EXIT_FINDINGS if findings else EXIT_OK


# -- identify ----------------------------------------------------------------------------------


def read_secret(stdin: TextIO | None) -> str:
    """The secret from stdin: typed (not echoed) at a terminal, else its first non-empty line,
    read as UTF-8 bytes whatever the locale says. Never from the command line, which ps shows."""
    if stdin is None or stdin.closed:
        raise UsageError("no secret on stdin (it is closed): pipe it in (api-keys identify < file)")
    if stdin.isatty():
        import getpass  # noqa: PLC0415

        text = getpass.getpass("Paste the secret (it is not shown), then Enter: ")
    else:
        buffer = getattr(stdin, "buffer", None)
        if buffer is not None:
            try:
                text = buffer.read(65536).decode("utf-8")
            except UnicodeDecodeError:
                # Not echoed: it may be the secret itself.
                raise UsageError("stdin is not UTF-8 text: pipe in the secret as it is") from None
        else:
            text = stdin.read(65536)
    secret = next((line for line in text.splitlines() if line.strip()), "")
    if not secret.strip():
        raise UsageError("no secret on stdin: pipe it in (api-keys identify < file) or paste it")
    return secret


def run_identify(args: argparse.Namespace, console: Console, stdin: TextIO | None) -> int:
    connection = Connection(args)
    secret = read_secret(stdin)
    with connection.client() as client:
        key = client.api_keys.identify(secret)
        if key is None:
            console.say(
                f"no key in workspace {esc(connection.workspace_id)} has a prefix found in this"
                " secret (compared here: the secret was not sent)"
            )
            return EXIT_FAILURE
        status = status_of(key)
        revoked_now = False
        if args.revoke and status != "revoked":
            client.api_keys.revoke(key.id)
            revoked_now = True
    if console.as_json:
        console.json(
            {**key_json(key, "revoked" if revoked_now else status), "revoked_now": revoked_now}
        )
    else:
        console.write(
            f"The secret belongs to API key {esc(key.id)} ({esc(repr(key.name))}, prefix"
            f" {esc(key.key_prefix)}, {status}, created {when(key.created_at)}, last used"
            f" {when(key.last_used_at, 'never')}).\n"
        )
        if revoked_now:
            console.write(f"Revoked API key {esc(key.id)}.\n")
        elif args.revoke:
            console.write("It was already revoked.\n")
    if revoked_now and secret == connection.token:
        console.say("that was the token this command used: later commands need another one")
    return EXIT_OK


# -- serve-fake --------------------------------------------------------------------------------


def run_serve_fake(args: argparse.Namespace, console: Console) -> int:
    import contextlib  # noqa: PLC0415
    import signal  # noqa: PLC0415

    from ..testing import FakeApiKeys  # noqa: PLC0415

    fake = FakeApiKeys()
    workspaces = args.workspaces or list(DEMO_WORKSPACES)
    token = fake.add_user(workspaces=workspaces)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        serving = fake.serve(port=args.port)
        base_url = serving.__enter__()
    except OSError as exc:
        console.say(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}")
        return EXIT_FAILURE
    try:
        # A signal is a stop from here on, even one that comes while the exports are written:
        # whoever read them may send it at once.
        with contextlib.suppress(KeyboardInterrupt):
            console.write(
                f"# Fake API Keys service on {base_url} (Ctrl-C to stop). For a shell:\n"
                f"export API_KEYS_BASE_URL={base_url}\n"
                f"export API_KEYS_TOKEN={token}\n"
                f"export API_KEYS_WORKSPACE_ID={workspaces[0]}\n"
                f"# The token's user belongs to {', '.join(workspaces)}.\n"
            )
            wait_for_signals()
    finally:
        # Shutting down is not interrupted: a second Ctrl-C or SIGTERM waits for it.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        serving.__exit__(None, None, None)
    return EXIT_OK
