"""The command line's grammar: commands, flags and the values they take. Every value that cannot
work (a duration past the year 9999, a timeout of nan, a port of 70000) is a usage error here,
before anything is sent."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO, TypeVar

from .._version import __version__
from ._echo import HIDDEN, looks_like_a_secret, redact

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILURE = 1  # the API said no, could not be reached, or output could not be written
EXIT_USAGE = 2  # bad usage or configuration, or a request refused: nothing was changed
EXIT_FINDINGS = 3  # `audit` found keys that match a rule
# Interrupted: 128 plus the signal's number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP): see _signals.
EXIT_PIPE_CLOSED = 141  # the reader of stdout went away (`| head`), as a SIGPIPE would

# The workspaces `serve-fake`'s user belongs to unless told otherwise: those the README's examples
# name, so that every one of them runs as written against it (the first is exported).
DEMO_WORKSPACES = ("ws_1", "ws_2")

MAX_TIMEOUT = 86_400.0

DURATION_HELP = (
    "a duration: a number and a unit, or several (1d12h): s, min, h, d, w (or second(s),"
    " minute(s), hour(s), day(s), week(s)); 'm' is refused as ambiguous: use 'min' for minutes,"
    " and days for months (90d)"
)
_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "seconds": 1,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_AMBIGUOUS = {"m", "mo", "mon", "month", "months", "y", "yr", "year", "years"}
_PART = re.compile(r"\s*(\d+)\s*([a-zA-Z]+)")

EPILOG = """\
Settings come from the flags or from API_KEYS_BASE_URL, API_KEYS_TOKEN (or API_KEYS_TOKEN_FILE)
and API_KEYS_WORKSPACE_ID (flags win). Global flags go before or after the command.

Exit codes: 0 success; 1 the API said no, could not be reached, or the output could not be
written; 2 bad usage, bad configuration, or a request the CLI refuses (nothing was changed);
3 `audit` found matching keys; 128 plus the signal's number when interrupted (130 Ctrl-C,
143 SIGTERM, 129 SIGHUP); 141 the reader of the output went away.
"""


class UsageError(Exception):
    """A value, setting or request the CLI refuses: exit code 2, nothing was changed."""


class ExitRequested(Exception):
    """argparse finished early (--help, --version) or refused the command line."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse that writes where the CLI writes, raises instead of exiting, and repeats no
    secret-shaped word of the command line in an error (see _echo)."""

    out: TextIO
    err: TextIO
    # The words being parsed, one list shared by the parser and its commands' parsers.
    command_line: list[str]

    def parse_command_line(self, argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
        self.command_line[:] = argv
        return self.parse_known_args(argv)

    def _print_message(self, message: str, file: object = None) -> None:
        # argparse prints help and --version to sys.stdout, and usage errors to sys.stderr.
        if message:
            stream = self.err if file is sys.stderr or file is self.err else self.out
            try:
                stream.write(message)
                stream.flush()
            except OSError as exc:
                from ._console import output_error  # noqa: PLC0415 - it imports this module

                raise output_error(exc) from None

    def _say(self, message: str) -> None:
        """A line on stderr; if stderr is gone, there is nowhere left to say it."""
        with contextlib.suppress(OSError):
            self.err.write(message)
            self.err.flush()

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._say(message)
        raise ExitRequested(status)

    def error(self, message: str) -> NoReturn:
        self._say(self.format_usage())
        self._say(f"{self.prog}: error: {redact(message, self.command_line)}\n")
        raise ExitRequested(EXIT_USAGE)


def _quiet_about_secrets(what: str) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    """A flag's type whose refusals quote the value, unless it looks like a secret: then only
    what was expected is said (a token pasted after the wrong flag stays off the screen)."""

    def decorate(parse: Callable[[str], T]) -> Callable[[str], T]:
        @functools.wraps(parse)
        def parse_quietly(text: str) -> T:
            try:
                return parse(text)
            except argparse.ArgumentTypeError:
                if not looks_like_a_secret(text):
                    raise
            # Raised here, not in the handler: it keeps no chain to the message that quoted it.
            raise argparse.ArgumentTypeError(f"{HIDDEN} is not {what}")

        return parse_quietly

    return decorate


@_quiet_about_secrets(DURATION_HELP)
def parse_duration(text: str) -> datetime.timedelta:
    """`30d`, `12h`, `90min`, `1d12h`, `2 weeks`: a positive duration, or ArgumentTypeError."""
    seconds = 0
    position = 0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        unit = match[2].lower()
        if unit in _AMBIGUOUS:
            raise argparse.ArgumentTypeError(
                f"{text!r}: '{match[2]}' is ambiguous (minutes or months?): use 'min' for"
                " minutes, and days for months (90d)"
            )
        if unit not in _UNITS:
            raise argparse.ArgumentTypeError(
                f"{text!r}: unknown unit '{match[2]}' ({DURATION_HELP})"
            )
        seconds += int(match[1]) * _UNITS[unit]
        position = match.end()
    if position == 0 or text[position:].strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not {DURATION_HELP}")
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive duration")
    try:
        duration = datetime.timedelta(seconds=seconds)
        now = datetime.datetime.now(datetime.UTC)
        _ = (now + duration, now - duration)  # both must be dates: an expiry, an idle-since
    except OverflowError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is too long: it reaches past the years a date can have (1-9999)"
        ) from None
    return duration


@_quiet_about_secrets(
    "an ISO 8601 date or date-time (such as 2027-01-31 or 2027-01-31T09:00:00+01:00)"
)
def parse_instant(text: str) -> datetime.datetime:
    """An ISO 8601 date or date-time in the future; one without an offset means UTC."""
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date or date-time (such as 2027-01-31 or"
            " 2027-01-31T09:00:00+01:00)"
        ) from None
    # A shell has no better guess than UTC for a time without an offset.
    value = value if value.utcoffset() is not None else value.replace(tzinfo=datetime.UTC)
    try:
        value.astimezone(datetime.UTC)
    except OverflowError:
        raise argparse.ArgumentTypeError(f"{text!r} is past the year 9999 in UTC") from None
    if value <= datetime.datetime.now(datetime.UTC):
        raise argparse.ArgumentTypeError(f"{text!r} is in the past: a key would be born expired")
    return value


@_quiet_about_secrets(f"a number of seconds above 0 and at most {MAX_TIMEOUT:.0f} (a day)")
def parse_timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds above 0 and at most {MAX_TIMEOUT:.0f} (a day)"
        )
    return value


@_quiet_about_secrets("a port number (0-65535; 0 picks a free one)")
def parse_port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535; 0 picks a free one)")
    return value


def _add_connection_flags(
    parser: argparse.ArgumentParser, *, top: bool, workspace: bool = True
) -> None:
    """The flags every API command takes. They are accepted before the command (`api-keys --json
    list`) and after it; after it, they are only set when given, so they never hide the first."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--base-url", default=default, metavar="URL", help="service URL ($API_KEYS_BASE_URL)"
    )
    parser.add_argument(
        "--token",
        default=default,
        help="bearer token ($API_KEYS_TOKEN; prefer the variable or a file: flags show in ps)",
    )
    parser.add_argument(
        "--token-file",
        default=default,
        metavar="PATH",
        help="read the bearer token from this file, one trailing newline allowed, on each run"
        " ($API_KEYS_TOKEN_FILE; for mounted secrets); not with a token",
    )
    if workspace:
        parser.add_argument(
            "--workspace",
            default=default,
            metavar="ID",
            help="workspace id ($API_KEYS_WORKSPACE_ID)",
        )
    parser.add_argument(
        "--timeout",
        type=parse_timeout,
        default=default,
        metavar="SECONDS",
        help="seconds per attempt, at most a day (default: 30)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="print JSON (snake_case names, RFC 3339 UTC times) instead of text",
    )


def _add_expiry_flags(parser: argparse.ArgumentParser) -> None:
    expiry = parser.add_mutually_exclusive_group()
    expiry.add_argument(
        "--expires-at",
        type=parse_instant,
        metavar="WHEN",
        help="when it stops working: ISO 8601, UTC unless an offset is given, in the future",
    )
    expiry.add_argument(
        "--expires-in",
        type=parse_duration,
        metavar="DURATION",
        help=f"how long it works: {DURATION_HELP}",
    )


def _add_output_file_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output-file",
        metavar="PATH",
        help="write the raw key to this new file (mode 0600; an existing path is refused)"
        " instead of to the terminal",
    )


def build_parser(out: TextIO, err: TextIO) -> Parser:
    command_line: list[str] = []
    common = Parser(add_help=False)
    common.out, common.err, common.command_line = out, err, command_line
    _add_connection_flags(common, top=False)

    parser = Parser(
        prog="api-keys",
        description="Manage your API keys in a workspace: list, create, revoke, rotate, audit,"
        " identify a leaked one.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.out, parser.err, parser.command_line = out, err, command_line
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__} (api-keys-client)"
    )
    _add_connection_flags(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, *, parents: bool = True) -> Parser:
        sub: Parser = commands.add_parser(
            name,
            parents=[common] if parents else [],
            help=help_text,
            description=help_text,
        )
        sub.out, sub.err, sub.command_line = out, err, command_line
        return sub

    command("list", "list your keys in the workspace, with their status")

    create = command("create", "create a key; its raw value is shown once")
    create.add_argument(
        "name", metavar="NAME", help="a name to recognise the key by (at most 100 characters)"
    )
    _add_expiry_flags(create)
    _add_output_file_flag(create)

    revoke = command("revoke", "revoke a key (it stays listed, revoked)")
    revoke.add_argument("key_id", metavar="ID", help="the key's id, as `api-keys list` shows it")
    revoke.add_argument(
        "--force",
        action="store_true",
        help="revoke it even if it is the key this command authenticates with",
    )

    rotate = command(
        "rotate",
        "replace a key: create its successor (same name, same lifetime from now), then revoke it",
    )
    rotate.add_argument("key_id", metavar="ID", help="the id of the key to replace")
    rotate.add_argument("--name", help="the successor's name (default: the old key's)")
    _add_expiry_flags(rotate)
    _add_output_file_flag(rotate)

    audit = command(
        "audit",
        "report active keys that expire soon, sit unused or never expire (exit 3 if any)",
        parents=False,
    )
    _add_connection_flags(audit, top=False, workspace=False)
    audit.add_argument(
        "--workspace",
        action="append",
        dest="workspaces",
        metavar="ID",
        help="a workspace to audit (repeatable, audited concurrently; default: --workspace or"
        " $API_KEYS_WORKSPACE_ID)",
    )
    audit.add_argument(
        "--expiring-within",
        type=parse_duration,
        metavar="DURATION",
        help="keys that expire within this long",
    )
    audit.add_argument(
        "--idle-for",
        type=parse_duration,
        metavar="DURATION",
        help="keys unused for this long (never used: counted from creation)",
    )
    audit.add_argument("--no-expiry", action="store_true", help="keys that never expire")

    identify = command(
        "identify",
        "read a secret from stdin (never from the command line) and tell which key it is",
    )
    identify.add_argument("--revoke", action="store_true", help="revoke the key it belongs to")

    serve = command("serve-fake", "serve the in-memory fake service on 127.0.0.1", parents=False)
    serve.add_argument(
        "--port",
        type=parse_port,
        default=8765,
        help="port to listen on, 0 for any free one (default: 8765)",
    )
    serve.add_argument(
        "--workspace",
        action="append",
        dest="workspaces",
        metavar="ID",
        help=(
            "a workspace the demo user belongs to (repeatable; default: "
            + " and ".join(DEMO_WORKSPACES)
            + ", the README's)"
        ),
    )
    return parser
