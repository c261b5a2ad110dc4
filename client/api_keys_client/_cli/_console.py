"""Where the command line writes, and how: text the server controls escaped, tables lined up in
terminal columns, JSON in one naming convention, and the raw key delivered first (to stdout or a
0600 file), with every write failure turned into something the CLI can say."""

from __future__ import annotations

import contextlib
import datetime
import errno
import io
import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .._text import display_width, escape_controls, pad
from ._parser import UsageError

if TYPE_CHECKING:
    from .._generated.models import ApiKey, ApiKeyCreated

UTC = datetime.UTC
STORE_IT_NOW = (
    "This is the only time the raw key is shown: store it now (in a secret manager, not in a"
    " file under version control)."
)


class OutputClosed(Exception):
    """The reader of stdout went away (`api-keys list | head -1`)."""


class OutputFailed(Exception):
    """stdout, or the output file, could not be written (a full disk, an I/O error)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def output_error(exc: OSError) -> Exception:
    """What a failed write to stdout means for the CLI."""
    if isinstance(exc, BrokenPipeError) or exc.errno in (errno.EPIPE, errno.ECONNRESET):
        return OutputClosed()
    return OutputFailed(exc.strerror or type(exc).__name__)


class ClosedStream(io.StringIO):
    """What a closed stdout or stderr is (Python gives None for it): every write fails."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "it is closed")


def esc(value: object) -> str:
    """Text the server controls, safe for a terminal."""
    return escape_controls(str(value))


def when(value: object, empty: str = "-") -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return empty


def rfc3339(value: object) -> str | None:
    """A timestamp for JSON output: RFC 3339 in UTC with a Z, or null."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None


def key_json(key: ApiKey, status: str) -> dict[str, Any]:
    """A listed key as the CLI prints it in JSON: snake_case, every field present (null when the
    server left it out), times in UTC."""
    return {
        "id": key.id,
        "name": key.name,
        "key_prefix": key.key_prefix,
        "status": status,
        "created_at": rfc3339(key.created_at),
        "updated_at": rfc3339(key.updated_at),
        "expires_at": rfc3339(key.expires_at),
        "last_used_at": rfc3339(key.last_used_at),
        "revoked_at": rfc3339(key.revoked_at),
        "user_id": key.user_id if isinstance(key.user_id, str) else None,
        "workspace_id": key.workspace_id if isinstance(key.workspace_id, str) else None,
        "scopes": key.scopes if isinstance(key.scopes, list) else None,
    }


def created_json(created: ApiKeyCreated) -> dict[str, Any]:
    """A created key in JSON, in the same snake_case as a listed one (the wire says camelCase)."""
    return {
        "id": created.id,
        "name": created.name,
        "key_prefix": created.key_prefix,
        "raw_key": created.raw_key,
        "created_at": rfc3339(created.created_at),
        "expires_at": rfc3339(created.expires_at),
    }


class Console:
    """stdout for results, stderr for everything said about them."""

    def __init__(self, out: TextIO, err: TextIO, *, as_json: bool) -> None:
        self.out, self.err, self.as_json = out, err, as_json

    @property
    def out_encoding(self) -> str:
        return getattr(self.out, "encoding", None) or "utf-8"

    @property
    def out_closed(self) -> bool:
        """stdout was closed before the command started (`api-keys create x >&-`)."""
        return isinstance(self.out, ClosedStream)

    def write(self, text: str) -> None:
        """Write to stdout and flush at once: what was written has left, or this raised."""
        try:
            self.out.write(text)
            self.out.flush()
        except OSError as exc:
            raise output_error(exc) from None

    def json(self, value: object) -> None:
        # ASCII-only JSON: exact (\\u escapes) and printable in any output encoding.
        self.write(json.dumps(value, indent=2) + "\n")

    def say(self, text: str) -> None:
        """A line on stderr, prefixed `api-keys: `. If stderr is gone too, there is nowhere left
        to say anything, and nothing is raised."""
        with contextlib.suppress(OSError):
            self.err.write(f"api-keys: {text}\n")
            self.err.flush()

    def _as_shown(self, text: str) -> str:
        """`text` as stdout will show it: characters its encoding lacks become escapes (as the
        stream's backslashreplace would write them), so that widths are measured on what shows."""
        encoding = getattr(self.out, "encoding", None) or "utf-8"
        try:
            return text.encode(encoding, "backslashreplace").decode(encoding)
        except LookupError:
            return text

    def table(self, rows: Sequence[Sequence[str]]) -> None:
        """Rows of cells (already escaped) in columns as wide as a terminal shows them."""
        rows = [[self._as_shown(cell) for cell in row] for row in rows]
        widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        self.write(
            "".join(
                "  ".join(
                    pad(cell, width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
                + "\n"
                for row in rows
            )
        )


def reserve_output_file(path: str) -> int:
    """Create `path` for a secret before the key exists: exclusively (an existing path, even a
    dangling symlink, is refused) and readable by its owner only. Returns the open descriptor."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"--output-file {path} already exists: nothing was created") from None
    except OSError as exc:
        raise UsageError(
            f"--output-file {path} cannot be created ({exc.strerror}): nothing was created"
        ) from None
    os.fchmod(descriptor, 0o600)  # whatever the umask
    return descriptor


def encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


def write_output_file(descriptor: int, raw_key: str) -> None:
    """The secret and a newline into the reserved file, on disk before this returns. A character
    UTF-8 cannot write (a lone surrogate) is written as a backslash escape, not lost."""
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", errors="backslashreplace") as file:
            file.write(raw_key + "\n")
            file.flush()
            os.fsync(file.fileno())
    except OSError as exc:
        raise OutputFailed(exc.strerror or type(exc).__name__) from None


def discard_output_file(descriptor: int, path: str) -> None:
    """Close and remove a reserved file that will not get a secret (the create failed)."""
    with contextlib.suppress(OSError):
        os.close(descriptor)
    with contextlib.suppress(OSError):
        os.unlink(path)
