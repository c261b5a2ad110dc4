"""Every snippet of the README and of the documentation site runs as written: the Python blocks
against the fake (the network to api.example.com is answered by it in process), and every
`api-keys` line of the shell blocks against the fake served on 127.0.0.1. (The site's pages
include README sections; their own blocks are run here too.)"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from api_keys_client.testing import FakeApiKeys

ROOT = Path(__file__).resolve().parent.parent
SNIPPET_TOKEN = "..."  # the placeholder token the snippets use
WORKSPACES = ["ws_1", "ws_2"]


def blocks(path: Path, language: str) -> list[tuple[int, str]]:
    """(line number, code) of each fenced block in that language."""
    found = []
    for match in re.finditer(rf"^```{language}\n(.*?)^```", path.read_text(), re.S | re.M):
        found.append((path.read_text()[: match.start()].count("\n") + 1, match[1]))
    return found


def python_snippets(path: Path) -> list[Any]:
    return [pytest.param(code, id=f"{path.name}:{line}") for line, code in blocks(path, "python")]


@pytest.fixture
def fake_network() -> Iterator[FakeApiKeys]:
    """api.example.com answered by a fake in process; 127.0.0.1 (the fake served) passes through."""
    fake = FakeApiKeys()
    fake.add_user(workspaces=WORKSPACES, token=SNIPPET_TOKEN)
    transport = fake.transport()
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="127.0.0.1").pass_through()
        mock.route(host="api.example.com").mock(side_effect=transport.handle_request)
        yield fake


def _fixtures_for(function: Any, fake: FakeApiKeys) -> dict[str, Any]:
    """What a snippet's own test function asks for, as the pytest plugin would give it."""
    token = fake.add_user(workspaces=["ws_test"])
    available = {
        "fake_api_keys": fake,
        "fake_api_keys_token": token,
        "fake_api_keys_workspace": "ws_test",
    }
    wanted = inspect.signature(function).parameters
    if "fake_api_keys_client" in wanted:
        available["fake_api_keys_client"] = fake.client(token=token, workspace_id="ws_test")
    return {name: available[name] for name in wanted}


DOCS_PAGES = sorted((ROOT / "docs").glob("*.md"))
ALL_SNIPPETS = [
    snippet for page in [ROOT / "README.md", *DOCS_PAGES] for snippet in python_snippets(page)
]


@pytest.mark.parametrize("code", ALL_SNIPPETS)
def test_python_snippet_runs_as_written(
    code: str, fake_network: FakeApiKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, Any] = {"__name__": "readme_snippet"}
    try:
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
        for name, value in list(namespace.items()):
            if name.startswith("test_") and callable(value):
                value(**_fixtures_for(value, fake_network))
    finally:
        # The observability snippet instruments httpx for the whole process: undo it here.
        instrumentor = HTTPXClientInstrumentor()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    assert "Traceback" not in capsys.readouterr().err


def test_the_snippets_are_found() -> None:
    assert len(python_snippets(ROOT / "README.md")) >= 7
    assert {"lifecycle.md", "testing.md"} <= {
        page.name for page in DOCS_PAGES if python_snippets(page)
    }


def shell_lines(path: Path) -> list[Any]:
    """Each `api-keys ...` or `python -m api_keys_client ...` line of the shell blocks, without
    its comment. serve-fake runs until stopped, so its own tests cover it."""
    lines = []
    for number, code in blocks(path, "bash"):
        for offset, line in enumerate(code.splitlines()):
            command = re.sub(r"\s+#.*$", "", line).strip()
            if (
                command.startswith(("api-keys ", "python -m api_keys_client"))
                and "serve-fake" not in command
            ):
                lines.append(pytest.param(command, id=f"{path.name}:{number + offset + 1}"))
    return lines


@pytest.mark.parametrize("command", shell_lines(ROOT / "README.md"))
def test_shell_line_runs_as_written(command: str, tmp_path: Path) -> None:
    fake = FakeApiKeys()
    fake.add_user(workspaces=WORKSPACES, token=SNIPPET_TOKEN)
    with fake.serve() as base_url:
        with fake.client(token=SNIPPET_TOKEN, workspace_id="ws_1") as client:
            existing = client.api_keys.create(name="existing")
        # The snippets name a key `key_123` and a file of a leaked secret: make both real.
        (tmp_path / "leaked.txt").write_text(existing.raw_key + "\n")
        env = {
            **os.environ,
            "API_KEYS_BASE_URL": base_url,
            "API_KEYS_TOKEN": SNIPPET_TOKEN,
            "API_KEYS_WORKSPACE_ID": "ws_1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        result = subprocess.run(
            ["bash", "-c", command.replace("key_123", existing.id)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode in (0, 3), result.stderr  # 3: `audit` found something
    assert "Traceback" not in result.stderr


def test_the_shell_lines_are_found() -> None:
    commands = [param.values[0] for param in shell_lines(ROOT / "README.md")]
    assert any(command.startswith("api-keys rotate") for command in commands)
    assert any("--expires-at" in command for command in commands)
    assert len(commands) >= 10


def test_the_fake_network_answers_like_the_service(fake_network: FakeApiKeys) -> None:
    response = httpx.get(
        "https://api.example.com/api-keys",
        headers={"Authorization": f"Bearer {SNIPPET_TOKEN}", "X-Workspace-ID": "ws_1"},
    )
    assert (response.status_code, response.json()) == (200, None)
