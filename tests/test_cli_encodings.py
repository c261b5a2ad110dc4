"""The real `api-keys` process never loses a raw key to an encoding: a raw key that its output
cannot carry exactly (a lone surrogate from a \\udcxx escape; a non-ASCII key on an ASCII
terminal) is delivered escaped, as the output shows it, with a word saying so; --json keeps it
exact. No traceback, ever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CREATED_JSON, TOKEN
from .faultserver import FaultServer, respond, running

SURROGATE_KEY = "ak_live_0123\\udcffSECRET"  # as JSON writes it: a lone surrogate
CYRILLIC_KEY = "ak_live_0123\u043a\u043b\u044e\u0447"


def _created(raw_key_json: str) -> bytes:
    body = json.dumps({**CREATED_JSON, "rawKey": "PLACEHOLDER"})
    return body.replace('"PLACEHOLDER"', f'"{raw_key_json}"').encode()


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(201, _created(SURROGATE_KEY))) as fault_server:
        yield fault_server


def _create(server: FaultServer, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "api_keys_client", "create", "deploy", *argv],
        env={
            **os.environ,
            "API_KEYS_BASE_URL": server.url,
            "API_KEYS_TOKEN": TOKEN,
            "API_KEYS_WORKSPACE_ID": "ws_1",
            **env,
        },
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_a_raw_key_utf8_cannot_write_goes_into_the_file_escaped(
    server: FaultServer, tmp_path: Path
) -> None:
    path = tmp_path / "deploy.key"

    result = _create(server, "--output-file", str(path))

    assert result.returncode == 0
    assert path.read_text() == "ak_live_0123\\udcffSECRET\n"
    assert (
        f"the raw key has characters utf-8 cannot write: it is in {path} with those characters"
        " as backslash escapes (\\uXXXX); --json shows it exactly, as JSON escapes"
    ) in result.stderr


def test_a_raw_key_utf8_cannot_write_is_shown_escaped(server: FaultServer) -> None:
    result = _create(server)

    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "ak_live_0123\\udcffSECRET"
    assert "the raw key has characters utf-8 cannot write: it is shown above" in result.stderr


def test_json_keeps_such_a_raw_key_exact(server: FaultServer) -> None:
    result = _create(server, "--json")

    assert result.returncode == 0
    assert '"raw_key": "ak_live_0123\\udcffSECRET"' in result.stdout
    assert json.loads(result.stdout)["raw_key"] == "ak_live_0123\udcffSECRET"
    assert "cannot write" not in result.stderr


def test_a_non_ascii_raw_key_on_an_ascii_terminal_is_shown_escaped(server: FaultServer) -> None:
    server.script(respond(201, _created(CYRILLIC_KEY)))

    result = _create(server, PYTHONIOENCODING="ascii")

    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "ak_live_0123\\u043a\\u043b\\u044e\\u0447"
    assert "the raw key has characters ascii cannot write: it is shown above" in result.stderr
