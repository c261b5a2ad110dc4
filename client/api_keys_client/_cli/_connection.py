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

if TYPE_CHECKING:
    from .. import ApiKeysClient, AsyncApiKeysClient

ClientT = TypeVar("ClientT")
FLAGS = {
    "base_url": f"--base-url (or {ENV_BASE_URL})",
    "token": f"--token (or {ENV_TOKEN})",
    "workspace_id": f"--workspace (or {ENV_WORKSPACE_ID})",
    "expires_in": "--expires-in",
    "expires_at": "--expires-at",
    "name": "NAME",
    "key_id": "ID",
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
