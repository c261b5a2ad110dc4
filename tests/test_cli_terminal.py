"""The real `api-keys` process in real conditions: pipes that close, a full disk, encodings that
cannot show a name, a busy port, Ctrl-C mid-call, a real terminal (tmux). No traceback, ever, and
no raw key lost without saying so."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api_keys_client.testing import FakeApiKeys

CLI = [sys.executable, "-m", "api_keys_client"]


class Service:
    def __init__(self, fake: FakeApiKeys, base_url: str, token: str) -> None:
        self.fake, self.base_url, self.token = fake, base_url, token
        self.env = {
            **os.environ,
            "API_KEYS_BASE_URL": base_url,
            "API_KEYS_TOKEN": token,
            "API_KEYS_WORKSPACE_ID": "ws_term",
        }
        for name in ("API_KEYS_LOG", "PYTHONIOENCODING"):
            self.env.pop(name, None)

    def create(self, name: str) -> None:
        with self.fake.client(token=self.token, workspace_id="ws_term") as client:
            client.api_keys.create(name=name)

    def names(self) -> list[str]:
        with self.fake.client(token=self.token, workspace_id="ws_term") as client:
            return [key.name for key in client.api_keys.list()]


@pytest.fixture
def service() -> Iterator[Service]:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_term"])
    with fake.serve() as base_url:
        yield Service(fake, base_url, token)


def run(
    service: Service, *argv: str, stdout: Any = subprocess.PIPE, **env: str
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, *argv],
        env={**service.env, **env},
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "Exception ignored" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize(
    "argv", [["list"], ["list", "--json"], ["--json", "list"], ["--help"], ["create", "piped"]]
)
def test_a_closed_pipe_ends_quietly_with_141(service: Service, argv: list[str]) -> None:
    service.create("one")
    service.fake.stall_next(0.5)  # the reader is gone before the answer comes
    process = subprocess.Popen(
        [*CLI, *argv],
        env=service.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()  # as `| head -0` would
    _, err = process.communicate(timeout=60)

    assert process.returncode == 141
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    if argv[0] == "create":
        # The key exists but its secret went nowhere: say so, and how to clean up.
        assert "could not be written (the output was closed) and cannot be shown again" in err
        assert "revoke it (api-keys revoke key_" in err


def test_head_takes_the_first_line_of_a_long_listing(service: Service) -> None:
    for number in range(400):
        service.create(f"key number {number}")
    shell = f"{' '.join(CLI)} list | head -1; echo status=${{PIPESTATUS[0]}}"
    result = subprocess.run(
        ["bash", "-c", shell],
        env=service.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.splitlines()[0].split()[:2] == ["ID", "NAME"]
    assert result.stdout.splitlines()[1] in ("status=0", "status=141")
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr


def test_a_full_disk(service: Service) -> None:
    service.create("one")
    with open("/dev/full", "w") as full:
        listed = run(service, "list", stdout=full)
        created = run(service, "create", "lost", stdout=full)

    assert listed.returncode == 1
    assert listed.stderr == "api-keys: cannot write the output: No space left on device\n"
    assert created.returncode == 1
    assert (
        "could not be written (No space left on device) and cannot be shown again" in created.stderr
    )
    assert "lost" in service.names()  # it was created: the message says so, and how to revoke
    with service.fake.client(token=service.token, workspace_id="ws_term") as client:
        (lost,) = [key for key in client.api_keys.list() if key.name == "lost"]
    assert (
        f"the raw key of the new key {lost.id} (prefix {lost.key_prefix}) could not be written"
        in created.stderr
    )
    assert f"(api-keys revoke {lost.id})" in created.stderr


@pytest.mark.parametrize("encoding", ["cp1252", "ascii", "latin-1"])
def test_an_encoding_that_cannot_show_a_name(service: Service, encoding: str) -> None:
    created = run(service, "create", "日本語🔑 κλειδί", PYTHONIOENCODING=encoding)

    assert created.returncode == 0, created.stderr
    first = created.stdout.splitlines()[0]
    assert first.startswith("ak_")  # the raw key got out whole
    assert "\\u65e5\\u672c\\u8a9e" in created.stdout
    listed = run(service, "list", PYTHONIOENCODING=encoding)
    assert listed.returncode == 0
    header, row = listed.stdout.splitlines()
    assert header.index("PREFIX") == row.index("ak_")  # columns still line up
    as_json = run(service, "list", "--json", PYTHONIOENCODING=encoding)
    assert json.loads(as_json.stdout)[0]["name"] == "日本語🔑 κλειδί"  # exact


def test_serve_fake_on_a_busy_port(service: Service) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(service, "serve-fake", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr == f"api-keys: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def _stall_next_request(fake: FakeApiKeys, seconds: float) -> threading.Event:
    """Stall the next request; the event is set once it has reached the fake, so that a test
    interrupts the CLI mid-call however slowly a busy machine starts the process."""
    arrived = threading.Event()
    take_fault = fake.take_fault

    def spy() -> Any:
        arrived.set()
        return take_fault()

    fake.take_fault = spy  # type: ignore[method-assign] # a spy on when a request arrives
    fake.stall_next(seconds)
    return arrived


def _interrupt_mid_call(
    process: subprocess.Popen[str], arrived: threading.Event
) -> tuple[str, str]:
    assert arrived.wait(timeout=30), "the request never reached the fake"
    time.sleep(0.3)  # the CLI is now waiting for the answer
    process.send_signal(signal.SIGINT)
    return process.communicate(timeout=30)


@pytest.mark.parametrize("argv", [["list"], ["audit", "--no-expiry"]])
def test_ctrl_c_during_a_stalled_call(service: Service, argv: list[str]) -> None:
    arrived = _stall_next_request(service.fake, 20.0)
    process = subprocess.Popen(
        [*CLI, *argv, "--timeout", "60"],
        env=service.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    started = time.monotonic()
    out, err = _interrupt_mid_call(process, arrived)

    assert process.returncode == 130
    assert time.monotonic() - started < 10
    assert err.endswith("api-keys: interrupted\n")
    assert "Traceback" not in err
    assert out == ""


def test_ctrl_c_during_a_stalled_create_says_the_key_may_exist(service: Service) -> None:
    arrived = _stall_next_request(service.fake, 20.0)
    process = subprocess.Popen(
        [*CLI, "create", "ctrl-c", "--timeout", "60"],
        env=service.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    _, err = _interrupt_mid_call(process, arrived)

    assert process.returncode == 130
    assert "looking for the key it may have made (created since" in err
    assert "none found, so it was most likely not created" in err
    assert err.endswith("api-keys: interrupted\n")
    assert "Traceback" not in err


def test_an_invalid_api_keys_log_is_one_warning_line(service: Service) -> None:
    result = run(service, "list", API_KEYS_LOG="verbose")
    assert result.returncode == 0
    assert result.stderr == (
        "api-keys: warning: API_KEYS_LOG='verbose' is not one of debug, info, warning:"
        " logging stays off\n"
    )


def test_debug_logging_shows_headers_without_the_token(service: Service) -> None:
    result = run(service, "list", API_KEYS_LOG="debug")
    assert result.returncode == 0
    assert "request headers: " in result.stderr
    assert "authorization: [redacted]" in result.stderr
    assert service.token not in result.stderr


def test_the_console_script(service: Service) -> None:
    script = shutil.which("api-keys", path=os.path.dirname(sys.executable))
    assert script is not None
    result = subprocess.run(
        [script, "create", "via-script", "--json"],
        env=service.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "via-script"


def test_serve_fake_prints_a_usable_environment_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [*CLI, "serve-fake", "--port", "0", "--workspace", "ws_a"],
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
        result = subprocess.run(
            [*CLI, "list"],
            env={**os.environ, **exports},
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


# -- a real terminal ---------------------------------------------------------------------------


class Tmux:
    """A tmux server of this test's own (its own socket), one 160-column window."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"api-keys-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self("new-session", "-d", "-x", "160", "-y", "40", "-s", "t", "bash --norc --noprofile")

    def __call__(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout

    def type_and_wait(self, command: str, marker: str) -> str:
        self("send-keys", "-t", "t", f"{command}; echo {marker}", "Enter")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            screen = self("capture-pane", "-p", "-t", "t")
            if f"\n{marker}" in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{command!r} did not finish:\n{screen}")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


def test_a_real_terminal_is_not_taken_over_by_a_key_name(service: Service) -> None:
    assert shutil.which("tmux"), "tmux is installed by scripts/bootstrap"
    # Each name tries something on the terminal that shows it.
    service.create("\x1b]2;owned\x07title")  # OSC 2: set the pane's title
    service.create("\x1b[2J\x1b[Hcleared")  # clear the screen, cursor home
    service.create("real\rfake-name")  # overwrite the start of the line
    service.create("漢字の名前")
    env = {
        **service.env,
        "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    tmux = Tmux(env)
    try:
        tmux("select-pane", "-t", "t", "-T", "untouched")
        screen = tmux.type_and_wait("api-keys list", "LIST-DONE")
        title = tmux("display-message", "-p", "-t", "t", "#{pane_title}").strip()
    finally:
        tmux.kill()

    assert title == "untouched"
    assert "\\x1b]2;owned\\x07title" in screen
    assert "\\x1b[2J\\x1b[Hcleared" in screen
    assert "real\\rfake-name" in screen
    assert "api-keys list; echo LIST-DONE" in screen  # the screen was not cleared
    rows = [line for line in screen.splitlines() if "ak_" in line]
    assert len(rows) == 4
    header = next(line for line in screen.splitlines() if line.startswith("ID "))
    # Terminal columns: a wide name does not push its row's PREFIX cell out of line.
    wide = next(line for line in rows if "漢字" in line)
    from api_keys_client._text import display_width  # noqa: PLC0415

    assert display_width(wide[: wide.index("ak_")]) == header.index("PREFIX")


def _shell(
    service: Service, command: str, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """`command` in bash, with `api-keys` on the PATH: for closed descriptors and raw bytes."""
    env = {
        **service.env,
        "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}",
    }
    result = subprocess.run(
        ["bash", "-c", command], env=env, input=stdin, capture_output=True, timeout=60, check=False
    )
    assert b"Traceback" not in result.stderr, result.stderr
    return result


def test_create_with_stdout_closed_refuses_before_creating(
    service: Service, tmp_path: Path
) -> None:
    result = _shell(service, "api-keys create nowhere >&-")
    assert result.returncode == 2
    assert b"stdout is closed, so a new raw key would have nowhere to go" in result.stderr
    assert service.names() == []
    # With a file for the secret, a closed stdout does not matter.
    secret_file = tmp_path / "new.key"
    with_file = _shell(service, f"api-keys create somewhere --output-file {secret_file} >&-")
    # The secret is safe in the file; only what follows it on stdout could not be written, and
    # the message says which key exists and where its secret is.
    assert with_file.returncode == 1, with_file.stderr
    assert secret_file.read_text().startswith("ak_")
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert service.names() == ["somewhere"]
    message = with_file.stderr.decode()
    assert f"was created and its raw key is in {secret_file} (mode 0600)" in message
    assert "could not be written (it is closed)" in message
    as_json = _shell(service, f"api-keys create json --json --output-file {secret_file}.json >&-")
    assert as_json.returncode == 1
    assert f"its raw key is in {secret_file}.json (mode 0600)" in as_json.stderr.decode()
    assert "cannot be shown again" not in as_json.stderr.decode()  # it was not lost
    assert Path(f"{secret_file}.json").read_text().startswith("ak_")


def test_identify_with_stdin_closed_or_undecodable(service: Service) -> None:
    service.create("mine")
    closed = _shell(service, "api-keys identify <&-")
    assert closed.returncode == 2
    assert b"no secret on stdin" in closed.stderr
    undecodable = _shell(service, "api-keys identify", stdin=b"ak_\xff\xfe secret\n")
    assert undecodable.returncode == 2
    assert b"stdin is not UTF-8 text" in undecodable.stderr
    assert b"\xff" not in undecodable.stderr


def test_identify_reads_utf8_whatever_the_locale(service: Service) -> None:
    with service.fake.client(token=service.token, workspace_id="ws_term") as client:
        leaked = client.api_keys.create(name="caf\u00e9 key")
    result = subprocess.run(
        [*CLI, "identify"],
        env={**service.env, "PYTHONIOENCODING": "ascii"},
        input=("\ufeff" + leaked.raw_key + "\r\n").encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert leaked.id.encode() in result.stdout
    assert b"caf\\xe9 key" in result.stdout  # the name, escaped for an ascii terminal


@pytest.mark.parametrize(
    "command", ["api-keys revoke $'\\xff'", "api-keys create $'bad\\xed\\xa0\\x80'"]
)
def test_arguments_that_are_not_utf8(service: Service, command: str) -> None:
    result = _shell(service, command)
    assert result.returncode == 2
    assert b"cannot encode" in result.stderr
    assert service.fake.requests_handled == 0


def test_a_usage_error_with_stderr_unwritable_still_exits_2(service: Service) -> None:
    result = _shell(service, "api-keys bogus 2>/dev/full; echo status=$?")
    assert result.stdout.strip().endswith(b"status=2")
