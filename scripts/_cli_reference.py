"""Print docs/cli-reference.md: every `api-keys` command's --help, exactly as a terminal 88
columns wide shows it. Run through scripts/cli-reference; tests/test_cli.py fails when the
committed page differs from what this prints, so the page cannot drift from the CLI."""

from __future__ import annotations

import argparse
import io
import os

from api_keys_client._cli import main
from api_keys_client._cli._parser import build_parser

WIDTH = "88"  # argparse wraps help text to $COLUMNS


def _help(*argv: str) -> str:
    out = io.StringIO()
    code = main([*argv, "--help"], out=out, err=io.StringIO())
    if code != 0:
        raise SystemExit(f"api-keys {' '.join(argv)} --help exited {code}")
    return out.getvalue()


def _commands() -> list[str]:
    parser = build_parser(io.StringIO(), io.StringIO())
    for action in parser._actions:  # argparse keeps its sub-commands nowhere public
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    raise SystemExit("api-keys has no sub-commands")


def render() -> str:
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        sections = [("api-keys", _help())]
        sections += [(f"api-keys {name}", _help(name)) for name in _commands()]
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    page = [
        "# CLI reference",
        "",
        "Every command's `--help`, as `api-keys` prints it. This page is generated from the CLI",
        "itself (`scripts/cli-reference`), and a test fails when it is out of date.",
    ]
    for title, text in sections:
        page += ["", f"## {title}", "", "```text", text.rstrip("\n"), "```"]
    return "\n".join(page) + "\n"


if __name__ == "__main__":
    print(render(), end="")
