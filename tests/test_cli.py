"""The `api-keys` command line, in process against the fake served on 127.0.0.1, plus the real
console script and `python -m` once each."""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from api_keys_client._cli import main
from api_keys_client.testing import FakeApiKeys

from .faultserver import refused_url


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApiKeys]:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_cli"])
    with fake.serve() as base_url:
        monkeypatch.setenv("API_KEYS_BASE_URL", base_url)
        monkeypatch.setenv("API_KEYS_TOKEN", token)
        monkeypatch.setenv("API_KEYS_WORKSPACE_ID", "ws_cli")
        yield fake


def cli(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


def test_create_prints_the_raw_key_once_with_a_warning(served: FakeApiKeys) -> None:
    run = cli("create", "deploy")
    assert run.code == 0
    raw = next(line.strip() for line in run.out.splitlines() if line.strip().startswith("ak_"))
    assert run.out.count(raw) == 1
    assert "store it now" in run.out
    assert "expires never" in run.out


def test_create_json_for_scripts(served: FakeApiKeys) -> None:
    run = cli("create", "deploy", "--expires-in", "30d", "--json")
    assert run.code == 0
    created = json.loads(run.out)
    assert created["rawKey"].startswith("ak_")
    expires = datetime.datetime.fromisoformat(created["expiresAt"])
    expected = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
    assert abs((expires - expected).total_seconds()) < 60
    assert "store it now" in run.err  # the reminder stays off stdout


def test_list_table_and_json(served: FakeApiKeys) -> None:
    assert cli("list").out == "No API keys in this workspace.\n"
    cli("create", "alpha", "--expires-at", "2099-01-02")
    cli("create", "beta")

    table = cli("list").out.splitlines()
    assert table[0].split() == [
        "ID",
        "NAME",
        "PREFIX",
        "STATUS",
        "CREATED",
        "EXPIRES",
        "LAST",
        "USED",
    ]
    assert [line.split()[1] for line in table[1:]] == ["beta", "alpha"]
    assert "2099-01-02 00:00 UTC" in table[2]

    listed = json.loads(cli("list", "--json").out)
    assert [k["name"] for k in listed] == ["beta", "alpha"]
    assert "rawKey" not in listed[0]


def test_revoke_then_list_shows_revoked(served: FakeApiKeys) -> None:
    key_id = json.loads(cli("create", "old", "--json").out)["id"]
    assert cli("revoke", key_id).out == f"Revoked API key {key_id}.\n"
    assert json.loads(cli("revoke", key_id, "--json").out) == {"revoked": key_id}
    assert " revoked " in cli("list").out


def test_api_error_prints_server_message_and_exits_1(served: FakeApiKeys) -> None:
    run = cli("revoke", "no-such-key")
    assert (run.code, run.out) == (1, "")
    assert run.err == "api-keys: api key not found (HTTP 400)\n"
    assert "Traceback" not in run.err


def test_flags_override_the_environment(served: FakeApiKeys) -> None:
    run = cli("list", "--token", "wrong")
    assert run.code == 1
    assert "invalid token (HTTP 401)" in run.err


def test_missing_configuration_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    run = cli("list")
    assert run.code == 2
    assert "base_url, token and workspace_id are required" in run.err
    assert "API_KEYS_BASE_URL" in run.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create", "x", "--expires-in", "soon"], "--expires-in takes a positive duration"),
        (["create", "x", "--expires-in", "0d"], "--expires-in takes a positive duration"),
        (["create", "x", "--expires-at", "someday"], "--expires-at takes an ISO 8601"),
    ],
)
def test_bad_flag_values_exit_2(served: FakeApiKeys, argv: list[str], message: str) -> None:
    run = cli(*argv)
    assert run.code == 2
    assert message in run.err


def test_connection_failure_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    run = cli(
        "list", "--base-url", refused_url(), "--token", "t", "--workspace", "w", "--timeout", "1"
    )
    assert run.code == 1
    assert "ConnectError" in run.err


def test_console_script_and_module_entry(served: FakeApiKeys) -> None:
    script = Path(sys.executable).parent / "api-keys"
    env = dict(os.environ)
    for command in (
        [str(script), "create", "via-script"],
        [sys.executable, "-m", "api_keys_client", "list", "--json"],
    ):
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["name"] == "via-script"


def test_serve_fake_prints_a_usable_environment_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api_keys_client",
            "serve-fake",
            "--port",
            "0",
            "--workspace",
            "ws_a",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        exports: dict[str, str] = {}
        while len(exports) < 3:
            line = process.stdout.readline()
            assert line, "serve-fake ended early"
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                exports[name] = value
        assert exports["API_KEYS_BASE_URL"].startswith("http://127.0.0.1:")
        assert exports["API_KEYS_WORKSPACE_ID"] == "ws_a"
        env = {**os.environ, **exports}
        result = subprocess.run(
            [sys.executable, "-m", "api_keys_client", "list"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (result.returncode, result.stdout) == (0, "No API keys in this workspace.\n")
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        assert process.stdout is not None
        process.stdout.close()
