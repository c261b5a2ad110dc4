"""`api-keys`: manage API keys from a shell, cron or CI, and serve the fake service.

A readable table by default, `--json` for scripts. No traceback, ever: every failure is one line
on stderr and an exit code (see `_parser.EPILOG`). The modules: `_parser` (the grammar and the
values flags take), `_echo` (what a usage error may repeat of the command line: no secret),
`_console` (writing safely), `_commands` (what each command does).
"""

from __future__ import annotations

import io
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO

from ._console import ClosedStream, Console, OutputClosed, OutputFailed, esc
from ._echo import unrecognized
from ._parser import (
    EXIT_FAILURE,
    EXIT_PIPE_CLOSED,
    EXIT_USAGE,
    ExitRequested,
    UsageError,
    build_parser,
)
from ._signals import exit_code, signals_as_interrupts, words

__all__ = ["main"]


def _terminal_stream(stream: TextIO | None) -> TextIO:
    """sys.stdout or sys.stderr, made unable to fail on a character its encoding lacks (a key
    name in cp1252, a redirected Windows console): such characters print as escapes instead."""
    if stream is None:  # a closed descriptor (`api-keys list >&-`), or pythonw
        return ClosedStream()
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="backslashreplace")
    return stream


def _silence_stdout() -> None:
    """After the reader of stdout went away: point stdout at /dev/null, so that the interpreter's
    own flush at exit does not print `Exception ignored ... BrokenPipeError`."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _warning_printer(console: Console) -> Callable[..., None]:
    def show(
        message: Warning | str, category: type[Warning], *args: object, **kwargs: object
    ) -> None:
        console.say(f"warning: {message}")

    return show


def _dispatch(argv: Sequence[str] | None, console: Console, stdin: TextIO) -> int:
    parser = build_parser(console.out, console.err)
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args, extras = parser.parse_command_line(words)
        if extras and args.command == "identify":
            # Never echo them: what lands here is usually the secret, pasted on the command line.
            raise UsageError(
                "identify takes no secret on the command line (ps and shell history show it):"
                " pipe it in instead, `api-keys identify < file`"
            )
        if extras:
            parser.error(unrecognized(extras, after_double_dash="--" in words))
    except ExitRequested as exc:
        console.write("")  # flushes: a closed pipe surfaces here, as OutputClosed
        return exc.code
    from . import _commands  # noqa: PLC0415 - `--help` and `--version` need neither httpx nor attrs

    console.as_json = args.json
    command = args.command
    if command == "list":
        return _commands.run_list(args, console)
    if command == "create":
        return _commands.run_create(args, console)
    if command == "revoke":
        return _commands.run_revoke(args, console)
    if command == "rotate":
        return _commands.run_rotate(args, console)
    if command == "audit":
        return _commands.run_audit(args, console)
    if command == "identify":
        return _commands.run_identify(args, console, stdin)
    return _commands.run_serve_fake(args, console)


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    real_stdout = out is None
    console = Console(
        out if out is not None else _terminal_stream(sys.stdout),
        err if err is not None else _terminal_stream(sys.stderr),
        as_json=False,
    )
    with warnings.catch_warnings(), signals_as_interrupts():
        # A warning is one readable line on stderr, shown once, whatever filters were set.
        warnings.simplefilter("default")
        warnings.showwarning = _warning_printer(console)
        code = _run_safely(argv, console, stdin if stdin is not None else sys.stdin)
    if code == EXIT_PIPE_CLOSED and real_stdout:
        _silence_stdout()
    return code


def _run_safely(argv: Sequence[str] | None, console: Console, stdin: TextIO) -> int:
    """_dispatch, with every failure turned into a line on stderr and an exit code."""
    from .. import ApiKeysError, APIStatusError, InvalidArgumentError  # noqa: PLC0415

    try:
        return _dispatch(argv, console, stdin)
    except UsageError as exc:
        console.say(f"error: {exc}")
        return EXIT_USAGE
    except InvalidArgumentError as exc:
        from ._connection import in_cli_words  # noqa: PLC0415

        console.say(f"error: {esc(in_cli_words(exc.message))}")
        return EXIT_USAGE
    except APIStatusError as exc:
        from .._failures import workspace_refused  # noqa: PLC0415
        from ._connection import FLAGS  # noqa: PLC0415

        # The server's own message first: it says what to fix.
        line = f"{esc(exc.error) if exc.error else esc(exc.message)} (HTTP {exc.status_code})"
        sent = workspace_refused(exc.response, exc.error)
        if sent is not None:  # "this workspace" names none: say which one was sent, and from where
            line += f"; the workspace sent was {esc(repr(sent))}, from {FLAGS['workspace_id']}"
        console.say(line)
        return EXIT_FAILURE
    except ApiKeysError as exc:
        console.say(esc(exc.message))
        return EXIT_FAILURE
    except OutputClosed:
        return EXIT_PIPE_CLOSED
    except OutputFailed as exc:
        console.say(f"cannot write the output: {exc.reason}")
        return EXIT_FAILURE
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP (see _signals)
        console.say(words(exc))
        return exit_code(exc)
