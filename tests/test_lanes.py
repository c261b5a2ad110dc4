"""Each lane of scripts/test runs on the httpx it says it runs on (API_KEYS_TEST_HTTPX): the
locked release, the oldest one pyproject admits, or httpx2 standing in for httpx. Without this,
a lane whose install went wrong would pass on the wrong library and say nothing."""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

import httpcore
import httpx

import api_keys_client

ROOT = Path(__file__).resolve().parent.parent


def _pinned(name: str) -> str:
    """A version pinned in scripts/_common.sh."""
    match = re.search(rf"^{name}=(\S+)$", (ROOT / "scripts/_common.sh").read_text(), re.M)
    assert match, name
    return match[1]


def _locked(package: str) -> str:
    """The newest version of `package` in uv.lock: the dev environments' (the generator's own
    environment, resolved apart, may lock an older one)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    versions = {str(entry["version"]) for entry in lock["package"] if entry["name"] == package}
    return max(versions, key=lambda version: tuple(int(part) for part in version.split(".")))


def test_the_lane_runs_on_the_httpx_it_names() -> None:
    lane = os.environ.get("API_KEYS_TEST_HTTPX", "")
    if lane == "httpx2":
        assert httpx.__name__ == "httpx2"
        assert httpcore.__name__ == "httpcore2"
        assert httpx.__version__ == _pinned("HTTPX2_VERSION")
    elif lane == "lowest":
        assert httpx.__name__ == "httpx"
        assert httpx.__version__ == _pinned("HTTPX_LOWEST")
    elif lane == "locked":
        assert httpx.__name__ == "httpx"
        assert httpx.__version__ == _locked("httpx")
    else:  # a run by hand: whatever this environment has, but one of the two
        assert lane == "", f"unknown lane {lane!r}"
        assert httpx.__name__ in ("httpx", "httpx2")


def test_the_sdk_and_the_tests_share_one_httpx() -> None:
    """In the httpx2 lane the alias is in place before anything imports httpx: the SDK's own
    module globals hold the same classes the tests raise and mock."""
    from api_keys_client import _client  # noqa: PLC0415 - the SDK's own view of httpx

    assert vars(_client)["httpx"] is httpx
    assert sys.modules["httpx"] is httpx
    assert api_keys_client.__name__ == "api_keys_client"
