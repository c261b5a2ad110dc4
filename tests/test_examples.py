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


def test_rotate_creates_then_revokes(fake_api_keys_client: sdk.ApiKeysClient) -> None:
    old = fake_api_keys_client.api_keys.create(name="old")

    new = rotate_key.rotate(fake_api_keys_client, old.id, "new", days=7)

    keys = {k.id: k for k in fake_api_keys_client.api_keys.list()}
    assert keys[old.id].revoked_at is not None
    assert keys[new.id].revoked_at is None
    assert isinstance(keys[new.id].expires_at, datetime.datetime)


def test_rotate_survives_an_already_revoked_key(
    fake_api_keys_client: sdk.ApiKeysClient, capsys: pytest.CaptureFixture[str]
) -> None:
    new = rotate_key.rotate(fake_api_keys_client, "gone", "new")
    assert new.name == "new"
    assert "was not revoked: api key not found" in capsys.readouterr().err


def test_audit_finds_stale_keys_across_workspaces() -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_a", "ws_b", "ws_c"])
    start = datetime.datetime.now(datetime.UTC)

    async def scenario() -> list[audit_keys.StaleKey]:
        async with fake.async_client(token=token, workspace_id="ws_a") as client:
            stale = await client.api_keys.create(name="stale")
            await client.with_workspace("ws_b").api_keys.create(name="stale too")
            revoked = await client.api_keys.create(name="revoked")
            await client.api_keys.revoke(revoked.id)
            used = await client.with_workspace("ws_c").api_keys.create(name="used")
            async with fake.async_client(token=used.raw_key, workspace_id="ws_c") as as_key:
                await as_key.api_keys.list()
            assert stale.id
            return await audit_keys.audit(
                client, ["ws_a", "ws_b", "ws_c"], days=10, now=start + datetime.timedelta(days=11)
            )

    found = asyncio.run(scenario())
    # Everything was created just after `start`, 11 days before `now`: 10 whole idle days each.
    assert sorted((s.workspace_id, s.key.name, s.idle_days) for s in found) == [
        ("ws_a", "stale", 10),
        ("ws_b", "stale too", 10),
        ("ws_c", "used", 10),
    ]


def test_audit_counts_from_last_use() -> None:
    now = datetime.datetime(2030, 1, 31, tzinfo=datetime.UTC)
    created = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    recent = sdk.ApiKey(
        id="k",
        name="n",
        key_prefix="p",
        created_at=created,
        last_used_at=now - datetime.timedelta(days=2),
    )
    never = sdk.ApiKey(id="k2", name="n2", key_prefix="p", created_at=created, last_used_at=None)
    found = audit_keys.stale_keys("ws", [recent, never], days=10, now=now)
    assert [(s.key.id, s.idle_days) for s in found] == [("k2", 30)]


def test_examples_run_as_scripts_over_http(
    fake_api_keys: FakeApiKeys, fake_api_keys_url: str
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

    rotated = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "rotate_key.py"), old.id, "new"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip().startswith("ak_")

    audited = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "audit_keys.py"), "--days", "0", "ws_x", "ws_y"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert audited.returncode == 1  # the new key is "stale" at 0 days
    assert "\tnew\t" in audited.stdout
    assert "1 stale key(s) in 2 workspace(s)" in audited.stderr
