"""Every block of the README runs as written, the way a newcomer runs it: against a real
`api-keys serve-fake` process on 127.0.0.1, started as the Quickstart says, with the export lines
it prints in the environment. Each Python block is a script of its own (a block that defines
tests runs under pytest, with the plugin's fixtures); each command line of the shell blocks runs
in bash. Nothing is edited: a placeholder (`key_123`, `leaked.txt`) gets what a newcomer gets.

The documentation site's pages include README sections; their own few blocks, which name
api.example.com, run in process against the fake (see `fake_network`)."""

from __future__ import annotations

import inspect
import os
import re
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from api_keys_client import ApiKeysClient
from api_keys_client.testing import FakeApiKeys

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
SNIPPET_TOKEN = "..."  # the placeholder token the site's own snippets use
WORKSPACES = ["ws_1", "ws_2"]  # the workspaces the snippets name: serve-fake's by default
PLACEHOLDER_ID = "key_123"  # "an id from `api-keys list`"
UNKNOWN_ID_ANSWER = (
    f"api-keys: error: api key not found: {PLACEHOLDER_ID} is not one of your keys in workspace"
    " ws_1; nothing was changed\n"
)


def blocks(path: Path, language: str) -> list[tuple[int, str]]:
    """(line number, code) of each fenced block in that language."""
    text = path.read_text()
    return [
        (text[: match.start()].count("\n") + 1, match[1])
        for match in re.finditer(rf"^```{language}\n(.*?)^```", text, re.S | re.M)
    ]


def python_snippets(path: Path) -> list[Any]:
    return [pytest.param(code, id=f"{path.name}:{line}") for line, code in blocks(path, "python")]


# -- the fake service, as the Quickstart starts it ---------------------------------------------


def _exports(process: subprocess.Popen[bytes], seconds: float) -> dict[str, str]:
    """The variables of serve-fake's `export` lines, read within `seconds`."""
    assert process.stdout is not None
    deadline = time.monotonic() + seconds
    received = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while received.count(b"\nexport ") < 3 or not received.endswith(b"\n"):
            left = deadline - time.monotonic()
            assert left > 0, f"serve-fake printed no exports in {seconds} s: {received!r}"
            if selector.select(left):
                chunk = os.read(process.stdout.fileno(), 4096)
                assert chunk, f"serve-fake ended early: {received!r}"
                received += chunk
    exports = {}
    for line in received.decode().splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            exports[name] = value
    return exports


@pytest.fixture(scope="module")
def fake_service() -> Iterator[dict[str, str]]:
    """`api-keys serve-fake` in a process of its own, and the environment a shell has once its
    export lines are pasted. It listens on a free port (`--port 0`): the README's 8765 cannot be
    promised free on a shared machine. It stops on SIGTERM within 10 s."""
    process = subprocess.Popen(
        [str(BIN / "api-keys"), "serve-fake", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        exports = _exports(process, seconds=30)
        assert exports["API_KEYS_BASE_URL"].startswith("http://127.0.0.1:")
        assert exports["API_KEYS_WORKSPACE_ID"] == WORKSPACES[0]
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("API_KEYS_")},
            **exports,
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",  # api-keys, python: this venv's
        }
        yield environment
    finally:
        process.terminate()
        try:
            returncode = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            assert process.stdout is not None
            process.stdout.close()
    assert returncode == 0


def _client(environment: dict[str, str]) -> ApiKeysClient:
    return ApiKeysClient(
        base_url=environment["API_KEYS_BASE_URL"],
        token=environment["API_KEYS_TOKEN"],
        workspace_id=environment["API_KEYS_WORKSPACE_ID"],
    )


# -- the README's Python blocks ----------------------------------------------------------------


@pytest.mark.parametrize("code", python_snippets(README))
def test_readme_python_block_runs_as_written(
    code: str, fake_service: dict[str, str], tmp_path: Path
) -> None:
    defines_tests = re.search(r"^def test_", code, re.M) is not None
    script = tmp_path / ("test_snippet.py" if defines_tests else "snippet.py")
    script.write_text(code)
    if defines_tests:  # as its reader runs it: under pytest, with the plugin's fixtures
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", script.name]
    else:
        argv = [sys.executable, "-W", "error", script.name]
    result = subprocess.run(
        argv,
        cwd=tmp_path,
        env=fake_service,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    if defines_tests:
        assert re.search(r"^\d+ passed", result.stdout, re.M), result.stdout


def test_the_snippets_are_found() -> None:
    assert len(python_snippets(README)) >= 12
    assert {"lifecycle.md", "testing.md"} <= {
        page.name for page in DOCS_PAGES if python_snippets(page)
    }
    # The Quickstart says how to run them here.
    quickstart = README.read_text().split("## Quickstart", 1)[1].split("```python", 1)[0]
    assert "`api-keys serve-fake`" in quickstart
    assert "`ApiKeysClient()`" in quickstart


# -- the README's shell blocks -----------------------------------------------------------------

# Lines of the shell blocks that are not run here, and why.
NOT_RUN = {
    "pip install": "the index line fails until the package is published; the checkout and wheel"
    " lines are what scripts/package and tests/test_packaging.py build and check",
    "scripts/": "the contributors' scripts: the test suite itself, among them",
    "export ": "the reader's own settings: serve-fake's export lines stand for them here, as the"
    " README says",
    "api-keys serve-fake": "serve-fake is the fixture every line runs against (on a free port)",
}


def shell_lines(path: Path) -> list[tuple[str, str]]:
    """(id, command) of each line of the shell blocks, without its comment."""
    found = []
    for number, code in blocks(path, "bash"):
        for offset, line in enumerate(code.splitlines()):
            command = re.sub(r"(^|\s+)#.*$", "", line).strip()
            if command:
                found.append((f"{path.name}:{number + offset + 1}", command))
    return found


COMMANDS = [
    pytest.param(command, id=where)
    for where, command in shell_lines(README)
    if not command.startswith(tuple(NOT_RUN))
]


def test_every_shell_line_is_run_or_said_why_not() -> None:
    for where, command in shell_lines(README):
        assert command.startswith(("api-keys ", "python -m api_keys_client ", *NOT_RUN)), (
            f"{where}: {command!r} is neither run nor said why not"
        )
    commands = [str(param.values[0]) for param in COMMANDS]
    assert any(command.startswith("api-keys rotate") for command in commands)
    assert any("--expires-at" in command for command in commands)
    assert any(PLACEHOLDER_ID in command for command in commands)
    assert len(commands) >= 12


def _run_line(
    command: str, environment: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """`command` in bash, in a folder holding `leaked.txt`: a secret that leaked (a real key's)."""
    cwd.mkdir()
    with _client(environment) as client:
        (cwd / "leaked.txt").write_text(client.api_keys.create(name="leaked").raw_key + "\n")
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_shell_line_runs_as_written(
    command: str, fake_service: dict[str, str], tmp_path: Path
) -> None:
    result = _run_line(command, fake_service, tmp_path / "as-written")

    assert "Traceback" not in result.stderr
    if PLACEHOLDER_ID in command:
        # What a newcomer who pastes the placeholder gets: the one answer revoke and rotate
        # give an id that is not theirs, and nothing changed.
        assert (result.returncode, result.stdout, result.stderr) == (2, "", UNKNOWN_ID_ANSWER)
        with _client(fake_service) as client:
            real_id = client.api_keys.create(name="placeholder").id
        # ... and what they get once they put one of their ids in its place.
        result = _run_line(
            command.replace(PLACEHOLDER_ID, real_id), fake_service, tmp_path / "with-an-id"
        )
    assert result.returncode in (0, 3), result.stderr  # 3: `audit` found something
    assert "Traceback" not in result.stderr


# -- the documentation site's own blocks -------------------------------------------------------


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


@pytest.mark.parametrize(
    "code", [snippet for page in DOCS_PAGES for snippet in python_snippets(page)]
)
def test_docs_python_block_runs_as_written(
    code: str, fake_network: FakeApiKeys, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, Any] = {"__name__": "docs_snippet"}
    try:
        exec(compile(code, "docs", "exec"), namespace)  # noqa: S102 - the documentation's own code
        for name, value in list(namespace.items()):
            if name.startswith("test_") and callable(value):
                value(**_fixtures_for(value, fake_network))
    finally:
        instrumentor = HTTPXClientInstrumentor()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    assert "Traceback" not in capsys.readouterr().err


def test_the_fake_network_answers_like_the_service(fake_network: FakeApiKeys) -> None:
    response = httpx.get(
        "https://api.example.com/api-keys",
        headers={"Authorization": f"Bearer {SNIPPET_TOKEN}", "X-Workspace-ID": "ws_1"},
    )
    assert (response.status_code, response.json()) == (200, None)
