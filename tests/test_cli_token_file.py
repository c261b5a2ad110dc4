"""The CLI takes its token from a file (a Docker or Kubernetes secret, the *_FILE convention):
`--token-file PATH` or API_KEYS_TOKEN_FILE, read on each run, one trailing newline allowed. An
empty, unreadable or malformed file, or a token and a token file both given, is exit 2."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from api_keys_client.testing import FakeApiKeys

from .test_cli import cli


@pytest.fixture
def token_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The fake served, its user's token in a file, and no API_KEYS_TOKEN."""
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_cli"])
    with fake.serve() as base_url:
        monkeypatch.setenv("API_KEYS_BASE_URL", base_url)
        monkeypatch.setenv("API_KEYS_WORKSPACE_ID", "ws_cli")
        monkeypatch.delenv("API_KEYS_TOKEN", raising=False)
        monkeypatch.delenv("API_KEYS_TOKEN_FILE", raising=False)
        path = tmp_path / "token"
        path.write_text(token + "\n")
        yield path


def test_the_token_comes_from_the_file_given(token_file: Path) -> None:
    run = cli("list", "--token-file", str(token_file))

    assert (run.code, run.err) == (0, "")
    assert run.out == "No API keys in this workspace.\n"


def test_the_token_comes_from_the_file_in_the_environment(
    token_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEYS_TOKEN_FILE", str(token_file))

    assert cli("list").code == 0


def test_the_file_is_read_on_each_run(token_file: Path) -> None:
    """A rotated secret (kubelet rewrites the file) is picked up by the next run."""
    assert cli("list", "--token-file", str(token_file)).code == 0
    token_file.write_text("tok_rotated_away_unknown\n")

    run = cli("list", "--token-file", str(token_file))

    assert run.code == 1
    assert "HTTP 401" in run.err


@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
def test_one_trailing_newline_is_allowed(token_file: Path, ending: str) -> None:
    token_file.write_text(token_file.read_text().strip() + ending)

    assert cli("list", "--token-file", str(token_file)).code == 0


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (b"", "is empty: it should hold the bearer token"),
        (b"\n", "is empty: it should hold the bearer token"),
        (b"tok_abcdefghijklmnopqrst\n\n", "contains U+000A (a control character) at position 24"),
        (b"tok abc", "contains a space at position 3"),
        (b"tok_\xff\xfe", "holds bytes that are not ASCII, which no token has"),
        (b"x" * 70_000, "is larger than a token (65,536 bytes)"),
    ],
)
def test_a_file_that_holds_no_usable_token_is_a_usage_error(
    token_file: Path, content: bytes, complaint: str
) -> None:
    token_file.write_bytes(content)

    run = cli("list", "--token-file", str(token_file))

    assert run.code == 2
    assert complaint in run.err
    assert str(token_file) in run.err
    assert "tok_abc" not in run.err  # never echoed


def test_an_unreadable_file_is_a_usage_error(token_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing"

    run = cli("list", "--token-file", str(missing))

    assert run.code == 2
    assert run.err == (
        f"api-keys: error: --token-file {missing} cannot be read (No such file or directory)\n"
    )
    if os.geteuid() != 0:  # root reads any file
        token_file.chmod(0)
        assert cli("list", "--token-file", str(token_file)).code == 2


def test_a_token_and_a_token_file_together_are_a_usage_error(
    token_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    both_flags = cli("list", "--token", "tok_x", "--token-file", str(token_file))
    assert both_flags.code == 2
    assert "pass --token or --token-file, not both" in both_flags.err

    monkeypatch.setenv("API_KEYS_TOKEN", "tok_from_env")
    monkeypatch.setenv("API_KEYS_TOKEN_FILE", str(token_file))
    both_variables = cli("list")
    assert both_variables.code == 2
    assert "API_KEYS_TOKEN and API_KEYS_TOKEN_FILE are both set: unset one of them" in (
        both_variables.err
    )
    # A flag wins over the environment, as every other setting does.
    assert cli("list", "--token-file", str(token_file)).code == 0


def test_no_token_at_all_names_both_ways(token_file: Path) -> None:
    run = cli("list")

    assert run.code == 2
    assert "--token or --token-file (or API_KEYS_TOKEN or API_KEYS_TOKEN_FILE)" in run.err
