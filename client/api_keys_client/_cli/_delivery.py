"""A new key's secret, from `create` and `rotate`: it goes out at once, in the run's format
(a line of its own, the JSON object, or a 0600 file reserved before the key exists), before
anything else can fail. And after a create that failed in a way that may have reached the
server, the keys it may have made, as a person would look for them; nothing is ever revoked on
the CLI's own initiative."""

from __future__ import annotations

import contextlib
import datetime
import os
from typing import TYPE_CHECKING, Any

from ._console import (
    STORE_IT_NOW,
    Console,
    OutputClosed,
    OutputFailed,
    created_json,
    discard_output_file,
    encodable,
    esc,
    reserve_output_file,
    when,
    write_output_file,
)
from ._signals import deferred

if TYPE_CHECKING:
    from .. import APIResponseValidationError
    from .._generated.models import ApiKeyCreated
    from ._connection import Connection

UTC = datetime.UTC
# A key made by a create that timed out may carry a created_at a little before the call began
# when the server's clock is behind this machine's: candidates are looked for this far back.
CLOCK_SKEW = datetime.timedelta(seconds=60)
CHECK_TIMEOUT = 5.0  # seconds for the quick listing that looks for candidates


class SecretDelivery:
    """Where a new raw key goes: stdout, or a file with mode 0600 reserved before the key exists.

    `deliver` puts the secret out at once, in the run's format: the raw key on a line of its own,
    or (with --json) the whole JSON object, raw key included; with a file, only the file gets it.
    `delivered` then says that the user has it, which every later failure can rely on.
    """

    def __init__(self, console: Console, output_file: str | None) -> None:
        self.console = console
        self.path = output_file
        self.descriptor: int | None = None
        self.delivered = False
        self.where = "above"  # where the secret went, for messages: above, in FILE, ...

    def reserve(self) -> None:
        """Create the output file, if any, before the key exists (see reserve_output_file)."""
        if self.path:
            with deferred():  # a signal now would leave a file that abandon() cannot know of
                self.descriptor = reserve_output_file(self.path)

    def abandon(self) -> None:
        """Nothing was delivered after all: remove the reserved, still empty, file."""
        if self.descriptor is not None and self.path is not None and not self.delivered:
            discard_output_file(self.descriptor, self.path)
            self.descriptor = None

    def deliver(self, shown: dict[str, Any]) -> None:
        """Put the secret (`shown["raw_key"]`) out now, with what is known of its key. If it
        cannot go out, say which key exists and how to get rid of it, and let the failure end
        the command."""
        with deferred():  # the secret goes out whole before any signal is acted on
            self._deliver(shown)

    def _deliver(self, shown: dict[str, Any]) -> None:
        raw_key: str = shown["raw_key"]
        key_id = esc(shown.get("id") or "(unknown id)")
        try:
            if self.descriptor is not None and self._into_file(raw_key):
                self.where = f"in {esc(self.path)}"
                self.delivered = True  # the secret is safe in the file, whatever stdout does
                shown = {**shown, "raw_key": None, "raw_key_file": self.path}
                if self.console.as_json:
                    self.console.json(shown)
            elif self.console.as_json:
                self.where = "in the JSON above"
                self.console.json(shown)
            else:
                self.console.write(raw_key + "\n")
                self._say_if_escaped(raw_key, self.console.out_encoding, "shown above")
        except (OutputClosed, OutputFailed) as exc:
            if self.delivered:
                self._say_kept_in_file(key_id, exc)
            else:
                self.console.say(
                    f"the raw key of the new key {key_id} (prefix {esc(shown.get('key_prefix'))})"
                    f" could not be written ({_reason(exc)}) and cannot be shown again: revoke it"
                    f" (api-keys revoke {key_id}) and create another"
                )
            raise
        self.delivered = True
        if self.console.as_json and self.path is None:
            self.console.say(STORE_IT_NOW)

    def _into_file(self, raw_key: str) -> bool:
        """Write the reserved file; False (and the file removed) when it cannot be written, so
        the secret goes to stdout instead: shown is better than lost."""
        assert self.descriptor is not None  # noqa: S101 - called with a reserved file only
        assert self.path is not None  # noqa: S101
        try:
            write_output_file(self.descriptor, raw_key)
            self._say_if_escaped(raw_key, "utf-8", f"in {esc(self.path)}")
        except OutputFailed as failed:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self.descriptor = None
            self.console.say(
                f"could not write the raw key to {esc(self.path)} ({failed.reason}); it goes to"
                " stdout instead, since it cannot be shown again"
            )
            self.path = None
            return False
        return True

    def _say_if_escaped(self, raw_key: str, encoding: str, where: str) -> None:
        """A raw key with characters `encoding` cannot write (a lone surrogate from a \\udcxx
        escape, a non-ASCII key on an ASCII terminal) went out escaped: say so, since it is
        then not the exact secret."""
        if not encodable(raw_key, encoding):
            self.console.say(
                f"the raw key has characters {encoding} cannot write: it is {where} with those"
                " characters as backslash escapes (\\uXXXX); --json shows it exactly, as JSON"
                " escapes"
            )

    def describe(self, headline: str, created: ApiKeyCreated) -> None:
        """In text mode, after the secret: what the key is, and where its secret went."""
        if self.console.as_json:
            return
        details = (
            f"{headline} ({esc(repr(created.name))}, prefix {esc(created.key_prefix)},"
            f" expires {when(created.expires_at, 'never')})."
        )
        try:
            if self.path is not None:
                self.console.write(f"{details}\nIts raw key is in {esc(self.path)} (mode 0600).\n")
            else:
                self.console.write(f"{details}\n{STORE_IT_NOW}\n")
        except (OutputClosed, OutputFailed) as exc:
            if self.path is not None:  # on stdout, the raw key went out just before this
                self._say_kept_in_file(esc(created.id), exc)
            raise

    def _say_kept_in_file(self, key_id: str, exc: OutputClosed | OutputFailed) -> None:
        """stdout failed after the secret went into the file: the key exists and its secret is
        safe, which the user must hear rather than a bare output error."""
        self.console.say(
            f"key {key_id} was created and its raw key is in {esc(self.path)} (mode 0600), but"
            f" the output could not be written ({_reason(exc)})"
        )


def _reason(exc: OutputClosed | OutputFailed) -> str:
    return exc.reason if isinstance(exc, OutputFailed) else "the output was closed"


def created_shown(created: ApiKeyCreated, *, replaces: str | None = None) -> dict[str, Any]:
    """What the CLI shows of a created key (the JSON object, and the secret in it); a rotation's
    successor says which key it replaces."""
    shown = created_json(created)
    if replaces is not None:
        shown["replaces"] = replaces
    return shown


def unvalidated_shown(error: APIResponseValidationError, name: str | None) -> dict[str, Any] | None:
    """What can be shown of a key whose create answer did not validate: its raw key (the key
    exists, and this is its only copy), and the id and prefix if they are readable, from the
    decoded body or, when it cannot be decoded (nested 10,000 deep, not UTF-8), from its bytes."""
    from .._failures import CREATED_NOTE  # noqa: PLC0415
    from .._json import NotJSON, loads, string_in  # noqa: PLC0415

    raw_key = error.raw_key
    if not raw_key:
        return None
    content = error.response.content
    try:
        body: Any = loads(content)
    except NotJSON:
        key_id, prefix = string_in(content, "id"), string_in(content, "keyPrefix")
    else:
        key_id = body.get("id") if isinstance(body, dict) else None
        prefix = body.get("keyPrefix") if isinstance(body, dict) else None
    return {
        "id": key_id if isinstance(key_id, str) else None,
        "name": name,
        "key_prefix": prefix if isinstance(prefix, str) else None,
        "raw_key": raw_key,
        # What was wrong; the SDK's note on where the raw key is (.raw_key) is the CLI's to say.
        "validation_error": error.message.split(CREATED_NOTE, 1)[0],
    }


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
    connection: Connection,
    console: Console,
    *,
    name: str | None,
    began: datetime.datetime,
    name_of: str | None = None,
    exclude: str | None = None,
) -> None:
    """After a create that may have succeeded: the keys it may have made, as a person would look
    for them (the same name, created since the call began, give or take a minute of clock
    skew). `name_of` is a key whose name the new one took (a rotation's old key), `exclude` a
    key that cannot be a candidate. Nothing is revoked."""
    from .. import ApiKeysError  # noqa: PLC0415

    console.say(
        f"looking for the key it may have made (created since {began:%Y-%m-%d %H:%M:%S} UTC) ..."
    )
    try:
        # A client of its own: the one that failed may have been interrupted mid-request.
        with connection.client(timeout=CHECK_TIMEOUT, max_retries=0) as client:
            keys = client.api_keys.list()
    except (ApiKeysError, KeyboardInterrupt) as exc:
        reason = exc.message if isinstance(exc, ApiKeysError) else "interrupted"
        console.say(f"could not look ({esc(reason)}): run `api-keys list` before creating it again")
        return
    if name is None and name_of is not None:
        name = next((key.name for key in keys if key.id == name_of), None)
    since = began - CLOCK_SKEW
    candidates = [
        key
        for key in keys
        if key.id != exclude and (name is None or key.name == name) and key.created_at >= since
    ]
    if not candidates:
        console.say(
            "none found, so it was most likely not created; `api-keys list` shows it if it"
            " appears later"
        )
        return
    console.say("candidates (their raw keys cannot be shown again):")
    for key in candidates:
        earlier = (
            "  (before the call began, by this machine's clock)" if key.created_at < began else ""
        )
        console.say(
            f"  {esc(key.id)}  {esc(repr(key.name))}  prefix {esc(key.key_prefix)}"
            f"  created {when(key.created_at)}{earlier}"
        )
    console.say(
        "if one of them is the key you asked for, it works but its secret is lost: revoke it"
        " (api-keys revoke ID) and create another. Nothing was revoked."
    )
