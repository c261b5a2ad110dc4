"""The examples do their jobs against the fake (they are type-checked by mypy --strict too)."""

from __future__ import annotations

import asyncio
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import audit_keys  # noqa: E402 - examples are scripts, importable once their folder is on the path
import rotate_key  # noqa: E402


def test_rotate_stores_the_secret_then_revokes(
    fake_api_keys_client: sdk.ApiKeysClient, tmp_path: Path
) -> None:
    old = fake_api_keys_client.api_keys.create(name="old", expires_in=datetime.timedelta(days=30))
    secret_file = tmp_path / "new.key"

    new = rotate_key.rotate(fake_api_keys_client, old.id, str(secret_file), name="new", days=7)

    keys = {k.id: k for k in fake_api_keys_client.api_keys.list()}
    assert sdk.key_status(keys[old.id]) == "revoked"
    assert sdk.key_status(keys[new.id]) == "active"
    assert secret_file.read_text() == new.raw_key + "\n"
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
    assert isinstance(keys[new.id].expires_at, datetime.datetime)


def test_rotate_refuses_an_existing_file_before_creating_anything(
    fake_api_keys_client: sdk.ApiKeysClient, tmp_path: Path
) -> None:
    old = fake_api_keys_client.api_keys.create(name="old")
    taken = tmp_path / "taken.key"
    taken.write_text("someone else's")

    with pytest.raises(FileExistsError):
        rotate_key.rotate(fake_api_keys_client, old.id, str(taken))

    assert [k.id for k in fake_api_keys_client.api_keys.list()] == [old.id]  # nothing created
    assert taken.read_text() == "someone else's"


def test_rotate_that_cannot_store_the_secret_takes_the_new_key_back(
    fake_api_keys_client: sdk.ApiKeysClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = fake_api_keys_client.api_keys.create(name="old")
    secret_file = tmp_path / "new.key"

    def full_disk(descriptor: int, mode: str) -> object:
        os.close(descriptor)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", full_disk)
    with pytest.raises(sdk.RotationError) as caught:
        rotate_key.rotate(fake_api_keys_client, old.id, str(secret_file))

    keys = {k.id: k for k in fake_api_keys_client.api_keys.list()}
    assert sdk.key_status(keys[old.id]) == "active"  # never revoked
    assert sdk.key_status(keys[caught.value.created.id]) == "revoked"  # taken back
    assert not secret_file.exists()


def test_rotate_refuses_an_unknown_key(
    fake_api_keys_client: sdk.ApiKeysClient, tmp_path: Path
) -> None:
    with pytest.raises(sdk.InvalidArgumentError, match="nothing was created"):
        rotate_key.rotate(fake_api_keys_client, "gone", str(tmp_path / "k"))
    assert fake_api_keys_client.api_keys.list() == []
    assert not (tmp_path / "k").exists()


def test_audit_finds_idle_keys_across_workspaces() -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_a", "ws_b", "ws_c"])
    start = datetime.datetime.now(datetime.UTC)

    async def scenario() -> audit_keys.Audit:
        async with fake.async_client(token=token, workspace_id="ws_a") as client:
            await client.api_keys.create(name="stale")
            await client.with_workspace("ws_b").api_keys.create(name="stale too")
            revoked = await client.api_keys.create(name="revoked")
            await client.api_keys.revoke(revoked.id)
            used = await client.with_workspace("ws_c").api_keys.create(name="used")
            async with fake.async_client(token=used.raw_key, workspace_id="ws_c") as as_key:
                await as_key.api_keys.list()
            return await audit_keys.audit(
                client,
                ["ws_a", "ws_b", "ws_c"],
                idle_days=10,
                now=start + datetime.timedelta(days=11),
            )

    found = asyncio.run(scenario())
    assert found.failures == {}
    # Everything was created (or used) just after `start`, 11 days before `now`.
    assert sorted((f.workspace_id, f.key.name, f.reasons[0]) for f in found.findings) == [
        ("ws_a", "stale", "idle for 10 days"),
        ("ws_b", "stale too", "idle for 10 days"),
        ("ws_c", "used", "idle for 10 days"),
    ]


def test_examples_run_as_scripts_over_http(
    fake_api_keys: FakeApiKeys, fake_api_keys_url: str, tmp_path: Path
) -> None:
    token = fake_api_keys.add_user(workspaces=["ws_x", "ws_y"])
    env = {
        **os.environ,
        "API_KEYS_BASE_URL": fake_api_keys_url,
        "API_KEYS_TOKEN": token,
        "API_KEYS_WORKSPACE_ID": "ws_x",
    }
    with fake_api_keys.client(token=token, workspace_id="ws_x") as client:
        old = client.api_keys.create(name="old")

    secret_file = tmp_path / "rotated.key"
    rotated = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "rotate_key.py"),
            old.id,
            str(secret_file),
            "--name",
            "new",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout == ""  # the secret never touches the terminal
    assert secret_file.read_text().startswith("ak_")

    audited = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "audit_keys.py"),
            "--idle-days",
            "0",
            "ws_x",
            "ws_y",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert audited.returncode == 3  # the new key is "idle" at 0 days: found, as `api-keys audit`
    assert "\tnew\tidle for " in audited.stdout
    assert "1 finding(s) in 2 workspace(s)" in audited.stderr


def test_an_audit_goes_on_past_a_workspace_that_fails() -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_a", "ws_c"])

    async def scenario() -> audit_keys.Audit:
        async with fake.async_client(token=token, workspace_id="ws_a") as client:
            await client.api_keys.create(name="in a")
            await client.with_workspace("ws_c").api_keys.create(name="in c")
            return await audit_keys.audit(client, ["ws_a", "ws_b", "ws_c"], idle_days=0)

    result = asyncio.run(scenario())

    assert sorted(f.key.name for f in result.findings) == ["in a", "in c"]
    assert list(result.failures) == ["ws_b"]
    assert isinstance(result.failures["ws_b"], sdk.AuthenticationError)


def _run_with_closed_stdout(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with the read end of stdout closed before the program writes (`| head` gone)."""
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    with process.stderr:
        try:
            stderr = process.stderr.read()
            return process.wait(timeout=60), stderr
        finally:
            process.kill()
            process.wait()


# What `api-keys audit` and the example are each given, per rule: the same audit.
CLI_RULE = {
    "--expiring-days=30": ["--expiring-within", "30d"],
    "--expiring-days=5": ["--expiring-within", "5d"],
}


@pytest.mark.parametrize(
    ("rule", "workspaces", "closed", "code"),
    [
        ("--expiring-days=5", ["ws_x", "ws_y"], False, 0),  # it expires in 10 days
        ("--expiring-days=30", ["ws_x", "ws_y"], False, 3),  # findings
        ("--expiring-days=30", ["ws_x", "ws_nope", "ws_y"], False, 1),  # one workspace failed
        ("--expiring-days=30", ["ws_x"], True, 141),  # the reader went away
    ],
)
def test_the_audit_example_exits_as_the_cli_does(
    fake_api_keys: FakeApiKeys,
    fake_api_keys_url: str,
    rule: str,
    workspaces: list[str],
    closed: bool,
    code: int,
) -> None:
    token = fake_api_keys.add_user(workspaces=["ws_x", "ws_y"])
    with fake_api_keys.client(token=token, workspace_id="ws_x") as client:
        client.api_keys.create(name="\x1b]2;owned\tname", expires_in=datetime.timedelta(days=10))
    env = {
        **os.environ,
        "API_KEYS_BASE_URL": fake_api_keys_url,
        "API_KEYS_TOKEN": token,
        "API_KEYS_WORKSPACE_ID": "ws_x",
    }
    example = [sys.executable, str(ROOT / "examples" / "audit_keys.py"), rule, *workspaces]
    cli = [sys.executable, "-m", "api_keys_client", "audit", *CLI_RULE[rule]]
    cli += [arg for ws in workspaces for arg in ("--workspace", ws)]

    for argv in (cli, example):
        if closed:
            returncode, stderr = _run_with_closed_stdout(argv, env)
            stdout = ""
        else:
            run = subprocess.run(
                argv, env=env, capture_output=True, text=True, timeout=60, check=False
            )
            returncode, stdout, stderr = run.returncode, run.stdout, run.stderr
        assert returncode == code, (argv, stderr)
        assert "Traceback" not in stderr
        assert "Exception ignored" not in stderr
        assert "\x1b" not in stdout  # the name is escaped, never raw on a terminal
        if code in (1, 3):
            assert "\\x1b]2;owned\\tname" in stdout
        if code == 1:
            assert "ws_nope" in stderr
            assert "not a member of this workspace" in stderr


def test_a_short_lived_token_is_fetched_again_before_it_expires() -> None:
    import short_lived_token  # noqa: PLC0415 - an example, on the path above

    instants = iter(
        datetime.datetime(2030, 1, 1, 0, 0, tzinfo=datetime.UTC) + datetime.timedelta(minutes=m)
        for m in (0, 10, 13, 14, 20)
    )
    clock = instants.__next__
    fetched: list[str] = []

    def fetch() -> tuple[str, datetime.datetime]:
        token = f"tok_{len(fetched) + 1}"
        fetched.append(token)
        # Each token lives 15 minutes from the instant it is fetched.
        return token, datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            minutes=15 * len(fetched)
        )

    provider = short_lived_token.ShortLivedToken(fetch, now=clock)

    # The first call fetches the first token (it expires at 15:00); minutes 0, 10 and 13 keep
    # it; 14 is within the 60 s margin and fetches the second (expiring at 30:00), which 20 keeps.
    calls = [provider() for _ in range(6)]
    assert calls == ["tok_1", "tok_1", "tok_1", "tok_1", "tok_2", "tok_2"]
    assert fetched == ["tok_1", "tok_2"]


def test_the_short_lived_token_example_lists_keys_through_the_fake(
    fake_api_keys: FakeApiKeys,
    fake_api_keys_client: sdk.ApiKeysClient,
    fake_api_keys_token: str,
    fake_api_keys_workspace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import short_lived_token  # noqa: PLC0415 - an example, on the path above

    fake_api_keys_client.api_keys.create(name="listed")
    with fake_api_keys.serve() as base_url:
        monkeypatch.setenv("API_KEYS_BASE_URL", base_url)
        monkeypatch.setenv("API_KEYS_WORKSPACE_ID", fake_api_keys_workspace)
        monkeypatch.setenv("API_KEYS_TOKEN", fake_api_keys_token)
        with short_lived_token.client_with_short_lived_token(
            short_lived_token._from_environment
        ) as client:
            assert [key.name for key in client.api_keys.list()] == ["listed"]
