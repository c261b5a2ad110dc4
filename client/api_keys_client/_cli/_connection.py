"""The service settings of one invocation: from flags or the environment, checked before anything
is sent, with the SDK's messages about them put in the CLI's own words."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .._settings import ENV_BASE_URL, ENV_TOKEN, ENV_WORKSPACE_ID
from ._parser import UsageError

ENV_TOKEN_FILE = "API_KEYS_TOKEN_FILE"  # noqa: S105 - the name of a variable, not a secret
MAX_TOKEN_FILE = 64 * 1024  # bytes: a token file larger than this is not a token

if TYPE_CHECKING:
    from .. import ApiKeysClient, AsyncApiKeysClient

ClientT = TypeVar("ClientT")
FLAGS = {
    "base_url": f"--base-url (or {ENV_BASE_URL})",
    "token": f"--token (or {ENV_TOKEN})",  # the SDK's words are about a given token, not a file
    "workspace_id": f"--workspace (or {ENV_WORKSPACE_ID})",
    "expires_in": "--expires-in",
    "expires_at": "--expires-at",
    "name": "NAME",
    "key_id": "ID",
}


# A missing token can come from a file too.
MISSING = {"token": f"--token or --token-file (or {ENV_TOKEN} or {ENV_TOKEN_FILE})"}


def in_cli_words(message: str) -> str:
    """An SDK message about an argument, naming the CLI's flag and variable instead."""
    for argument, flag in FLAGS.items():
        if message.startswith(argument + " "):
            return flag + message[len(argument) :]
    return message


def read_token_file(path: str, where: str) -> str:
    """The token in a file (a mounted secret), read now: one trailing newline is allowed; an
    empty, unreadable or undecodable file is a usage error. The token is never echoed."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_TOKEN_FILE + 1)
    except OSError as exc:
        raise UsageError(f"{where} {path} cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_TOKEN_FILE:
        raise UsageError(f"{where} {path} is larger than a token ({MAX_TOKEN_FILE:,} bytes)")
    data = data.removesuffix(b"\n").removesuffix(b"\r")
    if not data:
        raise UsageError(f"{where} {path} is empty: it should hold the bearer token")
    try:
        token = data.decode("ascii")
    except UnicodeDecodeError:
        raise UsageError(
            f"{where} {path} holds bytes that are not ASCII, which no token has"
        ) from None
    from .. import InvalidArgumentError  # noqa: PLC0415
    from .._settings import check_header_value  # noqa: PLC0415 - `--help` stays fast

    try:
        return check_header_value(token, f"the token in {where} {path}", spaces=False)
    except InvalidArgumentError as exc:
        raise UsageError(exc.message) from None


def _token(args: argparse.Namespace) -> str | None:
    """The token of this run: --token, else --token-file, else API_KEYS_TOKEN, else
    API_KEYS_TOKEN_FILE. A token and a token file from the same place are a usage error."""
    if args.token and args.token_file:
        raise UsageError("pass --token or --token-file, not both")
    if args.token:
        return str(args.token)
    if args.token_file:
        return read_token_file(args.token_file, "--token-file")
    from_env, file_from_env = os.environ.get(ENV_TOKEN), os.environ.get(ENV_TOKEN_FILE)
    if from_env and file_from_env:
        raise UsageError(f"{ENV_TOKEN} and {ENV_TOKEN_FILE} are both set: unset one of them")
    if file_from_env:
        return read_token_file(file_from_env, ENV_TOKEN_FILE)
    return from_env


class Connection:
    """The service settings of one invocation, from flags or the environment."""

    def __init__(self, args: argparse.Namespace, workspace: str | None = None) -> None:
        found = {
            "base_url": args.base_url or os.environ.get(ENV_BASE_URL),
            "token": _token(args),
            "workspace_id": workspace or args.workspace or os.environ.get(ENV_WORKSPACE_ID),
        }
        missing = [MISSING.get(name, FLAGS[name]) for name, value in found.items() if not value]
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
        from .._logs import logger  # noqa: PLC0415

        if not logger.handlers:
            # The CLI says itself what an interrupted create may have done: without API_KEYS_LOG,
            # the SDK's warnings are not printed a second time by logging's last resort.
            logger.addHandler(logging.NullHandler())

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
