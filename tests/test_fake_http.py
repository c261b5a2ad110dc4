"""The fake's HTTP server under load: a burst of concurrent calls all get answers (a backlog as
deep as the system allows, not socketserver's 5)."""

from __future__ import annotations

import errno
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys

SOCKET_TIMEOUT = 5.0  # seconds: well under the fake's 10 s idle timeout, so a hang shows
CONCURRENT_CALLS = 200


# -- a burst of concurrent calls -----------------------------------------------------------------


def _concurrent_creates(base_url: str, token: str, workspace: str) -> list[BaseException]:
    """CONCURRENT_CALLS creates at once, each from a client of its own (its own connection),
    released together; the exceptions they raised."""
    failures: list[BaseException] = []
    start = threading.Barrier(CONCURRENT_CALLS)

    def call(number: int) -> None:
        with sdk.ApiKeysClient(
            base_url=base_url, token=token, workspace_id=workspace, max_retries=0, timeout=60
        ) as client:
            start.wait(timeout=60)
            try:
                client.api_keys.create(name=f"burst-{number}")
            except sdk.ApiKeysError as exc:
                failures.append(exc)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(CONCURRENT_CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return failures


def test_fake_serve_answers_a_burst_of_200_concurrent_calls() -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_load"])
    with fake.serve() as base_url:
        failures = _concurrent_creates(base_url, token, "ws_load")
        with fake.client(token=token, workspace_id="ws_load") as client:
            created = len(client.api_keys.list())
    assert [str(failure) for failure in failures] == []
    assert created == CONCURRENT_CALLS


@pytest.fixture
def serve_fake() -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """`api-keys serve-fake --port 0`, and the environment it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "api_keys_client", "serve-fake", "--port", "0"],
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
        yield process, exports
    finally:
        os.kill(process.pid, signal.SIGCONT)  # in case a test paused it
        process.terminate()
        assert process.wait(timeout=10) == 0
        assert process.stdout is not None
        process.stdout.close()


def test_serve_fake_answers_a_burst_of_200_concurrent_calls(
    serve_fake: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    _, exports = serve_fake
    failures = _concurrent_creates(
        exports["API_KEYS_BASE_URL"], exports["API_KEYS_TOKEN"], exports["API_KEYS_WORKSPACE_ID"]
    )
    assert [str(failure) for failure in failures] == []


def test_serve_fake_lets_200_connections_wait_while_it_is_busy(
    serve_fake: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    """With the server paused (as when busy), the kernel still completes every handshake into
    the listen backlog; with a backlog of 5 only 6 connect, the others' SYNs are dropped."""
    process, exports = serve_fake
    port = int(exports["API_KEYS_BASE_URL"].rsplit(":", 1)[1])
    os.kill(process.pid, signal.SIGSTOP)
    connections: list[socket.socket] = []
    connected = 0
    with selectors.DefaultSelector() as selector:
        try:
            for _ in range(CONCURRENT_CALLS):
                connection = socket.socket()
                connections.append(connection)
                connection.setblocking(False)
                assert connection.connect_ex(("127.0.0.1", port)) in (0, errno.EINPROGRESS)
                selector.register(connection, selectors.EVENT_WRITE, data=connection)
            deadline = time.monotonic() + 2.0  # before the first SYN retransmission (1 s) + 1 s
            while connected < CONCURRENT_CALLS and (left := deadline - time.monotonic()) > 0:
                for key, _ in selector.select(left):
                    selector.unregister(key.fileobj)
                    connection = key.data
                    connected += connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
        finally:
            os.kill(process.pid, signal.SIGCONT)
            for connection in connections:
                connection.close()
    assert connected == CONCURRENT_CALLS
