"""What each command does. They share the rules that make the CLI safe to use: settings checked
before anything is sent, the raw key out before anything else that can fail, and after a create
that may have succeeded, the candidates shown (never revoked on the CLI's own initiative)."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from .._settings import ENV_BASE_URL, ENV_TOKEN, ENV_WORKSPACE_ID
from ._console import (
    STORE_IT_NOW,
    Console,
    OutputClosed,
    OutputFailed,
    created_json,
    discard_output_file,
    esc,
    key_json,
    reserve_output_file,
    when,
    write_output_file,
)
from ._parser import EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from .. import ApiKeysClient, APIResponseValidationError, AsyncApiKeysClient
    from .._generated.models import ApiKey, ApiKeyCreated

ClientT = TypeVar("ClientT")
UTC = datetime.UTC
# A key made by a create that timed out may carry a created_at a little before the call began
# when the server's clock is behind this machine's: candidates are looked for this far back.
CLOCK_SKEW = datetime.timedelta(seconds=60)
CHECK_TIMEOUT = 5.0  # seconds for the quick listing that looks for candidates
FLAGS = {
    "base_url": f"--base-url (or {ENV_BASE_URL})",
    "token": f"--token (or {ENV_TOKEN})",
    "workspace_id": f"--workspace (or {ENV_WORKSPACE_ID})",
    "expires_in": "--expires-in",
    "expires_at": "--expires-at",
    "name": "NAME",
}


def in_cli_words(message: str) -> str:
    """An SDK message about an argument, naming the CLI's flag and variable instead."""
    for argument, flag in FLAGS.items():
        if message.startswith(argument + " "):
            return flag + message[len(argument) :]
    return message


class Connection:
    """The service settings of one invocation, from flags or the environment."""

    def __init__(self, args: argparse.Namespace, workspace: str | None = None) -> None:
        found = {
            "base_url": args.base_url or os.environ.get(ENV_BASE_URL),
            "token": args.token or os.environ.get(ENV_TOKEN),
            "workspace_id": workspace or args.workspace or os.environ.get(ENV_WORKSPACE_ID),
        }
        missing = [FLAGS[name] for name, value in found.items() if not value]
        if missing:
            raise UsageError("missing settings: " + "; ".join(missing))
        self.base_url = found["base_url"] or ""
        self.token = found["token"] or ""
        self.workspace_id = found["workspace_id"] or ""
        self.timeout = args.timeout

    def _build(
        self, client_class: Callable[..., ClientT], timeout: float | None, max_retries: int | None
    ) -> ClientT:
        """A client of these settings, or a usage error naming the CLI's own flags."""
        from .. import InvalidArgumentError  # noqa: PLC0415 - `--help` stays fast

        options: dict[str, Any] = {}
        if timeout or self.timeout:
            options["timeout"] = timeout or self.timeout
        if max_retries is not None:
            options["max_retries"] = max_retries
        try:
            return client_class(
                base_url=self.base_url,
                token=self.token,
                workspace_id=self.workspace_id,
                **options,
            )
        except InvalidArgumentError as exc:
            raise UsageError(in_cli_words(exc.message)) from None

    def client(
        self, *, timeout: float | None = None, max_retries: int | None = None
    ) -> ApiKeysClient:
        from .. import ApiKeysClient  # noqa: PLC0415 - `--help` stays fast

        return self._build(ApiKeysClient, timeout, max_retries)

    def async_client(self) -> AsyncApiKeysClient:
        from .. import AsyncApiKeysClient  # noqa: PLC0415

        return self._build(AsyncApiKeysClient, None, None)


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


# -- delivering a new secret -------------------------------------------------------------------


class SecretDelivery:
    """Where a new raw key goes: stdout, or a 0600 file reserved before the key exists."""

    def __init__(self, console: Console, output_file: str | None) -> None:
        self.console = console
        self.path = output_file
        self.descriptor = reserve_output_file(output_file) if output_file else None
        self.delivered = False

    def abandon(self) -> None:
        """Nothing will be created after all: remove the reserved file."""
        if self.descriptor is not None and self.path is not None and not self.delivered:
            discard_output_file(self.descriptor, self.path)
            self.descriptor = None

    def raw_key(self, raw_key: str, key_id: str, prefix: str) -> None:
        """The secret, before anything else. If it cannot be written, say that the key exists
        and how to get rid of it, then let the failure end the command."""
        try:
            if self.descriptor is not None:
                try:
                    write_output_file(self.descriptor, raw_key)
                except OutputFailed as failed:
                    self._file_failed(failed.reason)
                    self.console.write(raw_key + "\n")
            elif self.console.as_json:
                return  # the JSON object that follows carries it
            else:
                self.console.write(raw_key + "\n")
        except (OutputClosed, OutputFailed) as exc:
            reason = exc.reason if isinstance(exc, OutputFailed) else "the output was closed"
            self.console.say(
                f"the raw key of the new key {esc(key_id)} (prefix {esc(prefix)}) could not be"
                f" written ({reason}) and cannot be shown again: revoke it (api-keys revoke"
                f" {esc(key_id)}) and create another"
            )
            raise
        self.delivered = True

    def _file_failed(self, reason: str) -> None:
        assert self.path is not None  # noqa: S101 - only called with a file
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        self.descriptor = None
        self.console.say(
            f"could not write the raw key to {esc(self.path)} ({reason}); it goes to stdout"
            " instead, since it cannot be shown again"
        )

    def created(self, created: ApiKeyCreated, headline: str, extra: dict[str, Any]) -> None:
        """A created key: its raw key first (unless already out), then what it is."""
        if not self.delivered:
            self.raw_key(created.raw_key, created.id, created.key_prefix)
        if self.console.as_json:
            shown = created_json(created)
            if self.path is not None:
                shown["raw_key"] = None
                shown["raw_key_file"] = self.path
            self.console.json({**shown, **extra})
            if self.path is None:
                self.console.say(STORE_IT_NOW)
            return
        details = (
            f"{headline} ({esc(repr(created.name))}, prefix {esc(created.key_prefix)},"
            f" expires {when(created.expires_at, 'never')})."
        )
        if self.path is not None:
            self.console.write(f"{details}\nIts raw key is in {esc(self.path)} (mode 0600).\n")
        else:
            self.console.write(f"{details}\n{STORE_IT_NOW}\n")


def _raw_key_from(error: APIResponseValidationError) -> tuple[str, str, str] | None:
    """(raw key, id, prefix) from a create whose answer did not validate, if it had a raw key."""
    raw_key = error.raw_key
    if not raw_key:
        return None
    body: Any = {}
    with contextlib.suppress(ValueError):
        body = error.response.json()
    key_id = body.get("id") if isinstance(body, dict) else None
    prefix = body.get("keyPrefix") if isinstance(body, dict) else None
    return (
        raw_key,
        key_id if isinstance(key_id, str) else "(unknown id)",
        prefix if isinstance(prefix, str) else "(unknown)",
    )


def may_have_created(exc: BaseException) -> bool:
    """Whether a failed create may still have made the key on the server."""
    from .. import APIConnectionError, APIStatusError  # noqa: PLC0415

    if isinstance(exc, KeyboardInterrupt):
        return True
    if isinstance(exc, APIConnectionError):
        return exc.may_have_been_sent
    if isinstance(exc, APIStatusError):
        return exc.status_code >= 500 or exc.status_code == 408
    return False


def show_candidates(
    connection: Connection, console: Console, name: str | None, began: datetime.datetime
) -> None:
    """After a create that may have succeeded: the keys it may have made, as a person would look
    for them (the same name, created since the call began). Nothing is revoked."""
    from .. import ApiKeysError  # noqa: PLC0415

    since = began - CLOCK_SKEW
    described = "a key" if name is None else f"a key named {esc(repr(name))}"
    console.say(
        f"the key may have been created anyway; looking for {described} created since"
        f" {since:%Y-%m-%d %H:%M:%S} UTC ..."
    )
    try:
        with connection.client(timeout=CHECK_TIMEOUT, max_retries=0) as client:
            keys = client.api_keys.list()
    except (ApiKeysError, KeyboardInterrupt) as exc:
        reason = exc.message if isinstance(exc, ApiKeysError) else "interrupted"
        console.say(f"could not look ({esc(reason)}): run `api-keys list` before creating it again")
        return
    candidates = [
        key for key in keys if (name is None or key.name == name) and key.created_at >= since
    ]
    if not candidates:
        console.say(
            "none found, so it was most likely not created; `api-keys list` shows it if it"
            " appears later"
        )
        return
    console.say("candidates (their raw keys cannot be shown again):")
    for key in candidates:
        console.say(
            f"  {esc(key.id)}  prefix {esc(key.key_prefix)}  created {when(key.created_at)}"
            f"  {status_of(key)}"
        )
    console.say(
        "if one of them is the key you asked for, it works but its secret is lost: revoke it"
        " (api-keys revoke ID) and create another. Nothing was revoked."
    )


# -- create ------------------------------------------------------------------------------------


def run_create(args: argparse.Namespace, console: Console) -> int:
    from .. import ApiKeysError, APIResponseValidationError  # noqa: PLC0415

    connection = Connection(args)
    delivery = SecretDelivery(console, args.output_file)
    began = datetime.datetime.now(UTC)
    try:
        with connection.client() as client:
            created = client.api_keys.create(
                name=args.name, expires_at=args.expires_at, expires_in=args.expires_in
            )
    except APIResponseValidationError as exc:
        found = _raw_key_from(exc)
        if found is None:
            delivery.abandon()
            raise
        delivery.raw_key(*found)
        console.say(
            f"key {esc(found[1])} was created and its raw key is above, shown this once, but"
            f" the server's answer did not validate: {esc(exc.message)}"
        )
        return EXIT_FAILURE
    except (ApiKeysError, KeyboardInterrupt) as exc:
        delivery.abandon()
        if may_have_created(exc):
            if isinstance(exc, ApiKeysError):
                console.say(esc(exc.message))
            show_candidates(connection, console, args.name, began)
            if isinstance(exc, KeyboardInterrupt):
                raise
            return EXIT_FAILURE
        raise
    delivery.created(created, f"Created API key {esc(created.id)}", {})
    return EXIT_OK


# -- revoke ------------------------------------------------------------------------------------


def run_revoke(args: argparse.Namespace, console: Console) -> int:
    connection = Connection(args)
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
        client.api_keys.revoke(args.key_id)
    if console.as_json:
        console.json({"revoked": args.key_id})
    else:
        console.write(f"Revoked API key {esc(args.key_id)}.\n")
    return EXIT_OK


# -- rotate ------------------------------------------------------------------------------------


def _failed_method(exc: BaseException) -> str | None:
    """The HTTP method of the request an SDK error is about (POST is a create), if any."""
    from .. import APIConnectionError, APIStatusError  # noqa: PLC0415

    if isinstance(exc, APIConnectionError) and exc.request is not None:
        return exc.request.method
    if isinstance(exc, APIStatusError):
        return exc.response.request.method
    return None


def run_rotate(args: argparse.Namespace, console: Console) -> int:
    from .. import ApiKeysError, RotationError  # noqa: PLC0415

    connection = Connection(args)
    delivery = SecretDelivery(console, args.output_file)
    began = datetime.datetime.now(UTC)

    def on_created(created: ApiKeyCreated) -> None:
        # Before the old key is revoked: the new secret is out before anything else can fail.
        delivery.raw_key(created.raw_key, created.id, created.key_prefix)

    try:
        with connection.client() as client:
            created = client.api_keys.rotate(
                args.key_id,
                name=args.name,
                expires_at=args.expires_at,
                expires_in=args.expires_in,
                on_created=on_created,
            )
    except RotationError as exc:
        if not delivery.delivered:
            raise  # the secret could not be written (said already); the old key stays active
        console.say(esc(exc.message).replace("this error's .created", "the output above"))
        console.say(
            f"revoke {esc(exc.old_key_id)} once the cause is fixed (api-keys revoke"
            f" {esc(exc.old_key_id)})"
        )
        return EXIT_FAILURE
    except (ApiKeysError, KeyboardInterrupt) as exc:
        delivery.abandon()
        if delivery.delivered:  # interrupted during the revoke: the new key is out already
            console.say(
                f"interrupted after the new key was written: {esc(args.key_id)} may still be"
                " active; check with `api-keys list`"
            )
            raise
        creating = isinstance(exc, KeyboardInterrupt) or _failed_method(exc) == "POST"
        if creating and may_have_created(exc):
            if isinstance(exc, ApiKeysError):
                console.say(esc(exc.message))
            show_candidates(connection, console, args.name, began)
            if isinstance(exc, KeyboardInterrupt):
                raise
            return EXIT_FAILURE
        raise
    delivery.created(
        created,
        f"Rotated API key {esc(args.key_id)} (now revoked): its successor is {esc(created.id)}",
        {"replaces": args.key_id},
    )
    return EXIT_OK


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

    from .. import ApiKeysError, audit_keys  # noqa: PLC0415

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
                    "workspace_id": finding.workspace_id,
                    **key_json(finding.key, "active"),
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


def read_secret(stdin: TextIO, console: Console) -> str:
    """The secret from stdin: typed (not echoed) at a terminal, else its first non-empty line."""
    if stdin.isatty():
        import getpass  # noqa: PLC0415

        secret = getpass.getpass("Paste the secret (it is not shown), then Enter: ")
    else:
        secret = next((line for line in stdin.read(65536).splitlines() if line.strip()), "")
    secret = secret.strip()
    if not secret:
        raise UsageError("no secret on stdin: pipe it in (api-keys identify < file) or paste it")
    return secret


def run_identify(args: argparse.Namespace, console: Console, stdin: TextIO) -> int:
    connection = Connection(args)
    secret = read_secret(stdin, console)
    with connection.client() as client:
        key = client.api_keys.identify(secret)
        if key is None:
            console.say(
                f"no key in workspace {esc(connection.workspace_id)} has this secret's prefix"
                " (compared here: the secret was not sent)"
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
    workspaces = args.workspaces or ["ws_demo"]
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
        console.write(
            f"# Fake API Keys service on {base_url} (Ctrl-C to stop). For a shell:\n"
            f"export API_KEYS_BASE_URL={base_url}\n"
            f"export API_KEYS_TOKEN={token}\n"
            f"export API_KEYS_WORKSPACE_ID={workspaces[0]}\n"
        )
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    finally:
        serving.__exit__(None, None, None)
    return EXIT_OK
