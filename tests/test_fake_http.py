"""The fake's HTTP server under load and under requests whose framing cannot be trusted.

A burst of concurrent calls all get answers (a backlog as deep as the system allows, not
socketserver's 5). A request whose body's end cannot be found is answered 400, 501 or 413 and
the connection closed (RFC 9112 section 6): never a dropped connection without an answer, a
wait for the idle timeout, or the body's bytes read as the next request. Raw sockets here, each
read bounded by a timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
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
from api_keys_client.testing._framing import MAX_BODY

from .faultserver import free_port

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
        if process.poll() is None:  # a test may have stopped it already
            os.kill(process.pid, signal.SIGCONT)  # in case a test paused it
            process.terminate()
        try:
            status = process.wait(timeout=10)
        finally:
            assert process.stdout is not None
            process.stdout.close()
        assert status == 0


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


def _signal_thread(pid: int, tid: int, signum: int) -> None:
    """Send `signum` to one thread of another process, as the kernel may choose to deliver a
    signal sent to the whole process (glibc's tgkill)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.tgkill(pid, tid, signum) != 0:
        raise OSError(ctypes.get_errno(), "tgkill")


@pytest.mark.skipif(sys.platform != "linux", reason="tgkill signals one thread of a process")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_fake_stops_whichever_of_its_threads_the_signal_lands_on(
    serve_fake: tuple[subprocess.Popen[str], dict[str, str]], signum: int
) -> None:
    """A process-wide signal goes to any thread not blocking it: right after a SIGCONT, say,
    while the main thread is still being woken. pause() waited only for one delivered to the
    main thread, so serve-fake ignored a SIGTERM that landed on its server thread, forever."""
    process, _ = serve_fake
    others = [
        int(tid) for tid in os.listdir(f"/proc/{process.pid}/task") if int(tid) != process.pid
    ]
    assert others, "serve-fake runs its server in a thread of its own"
    _signal_thread(process.pid, others[0], signum)
    assert process.wait(timeout=SOCKET_TIMEOUT) == 0


def test_serve_fake_stops_on_a_sigterm_that_comes_while_it_writes_its_exports() -> None:
    """Whoever reads the exports may signal at once, while the rest are still being written:
    that is a stop like any other (exit 0), not an interrupted command (130). The pipe is full
    before serve-fake starts, so its write is blocked when the signal comes."""
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    with contextlib.suppress(BlockingIOError):
        while True:
            os.write(writer, b"x" * 65536)
    os.set_blocking(writer, True)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "api_keys_client", "serve-fake", "--port", str(port)],
        stdout=writer,
        stderr=subprocess.PIPE,
    )
    os.close(writer)
    try:
        deadline = time.monotonic() + SOCKET_TIMEOUT
        while True:  # listening: the exports are being written, into the full pipe
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "serve-fake never listened"
            time.sleep(0.02)
        time.sleep(0.2)
        process.terminate()
        with open(reader, "rb") as pipe:  # drained, so that the exit's flush can finish
            pipe.read()
        _, errors = process.communicate(timeout=SOCKET_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert (process.returncode, errors) == (0, b"")  # a stop: no "interrupted", no traceback


# -- framing -----------------------------------------------------------------------------------


class Served:
    def __init__(self, fake: FakeApiKeys, port: int, token: str) -> None:
        self.fake = fake
        self.port = port
        self.token = token

    def request(self, extra_headers: str, body: bytes = b"", method: str = "POST") -> bytes:
        """A create's request line and headers (CRLF line ends), then `extra_headers`."""
        head = (
            f"{method} /api-keys HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {self.token}\r\nX-Workspace-ID: ws_1\r\n"
            f"Content-Type: application/json\r\n{extra_headers}\r\n"
        )
        return head.encode() + body

    def exchange(self, *sent: bytes) -> tuple[list[tuple[int, dict[str, str], bytes]], bool]:
        """Send the bytes, read every answer; and whether the server closed the connection
        (rather than leaving it open: the read then times out, which fails the test)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=SOCKET_TIMEOUT) as conn:
            for part in sent:
                conn.sendall(part)
            received = bytearray()
            closed = False
            try:
                while chunk := conn.recv(65536):
                    received += chunk
                closed = True
            except TimeoutError:
                pass
            except ConnectionResetError:  # an answer may still have arrived before the reset
                closed = True
        return _answers(bytes(received)), closed


def _answers(data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """The HTTP/1.1 answers in `data`, each (status, lower-cased headers, body)."""
    answers = []
    while data:
        head, separator, data = data.partition(b"\r\n\r\n")
        assert separator, f"an incomplete answer: {head!r}"
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers["content-length"])
        answers.append((int(status_line.split()[1]), headers, data[:length]))
        data = data[length:]
    return answers


@pytest.fixture
def served() -> Iterator[Served]:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    with fake.serve() as base_url:
        yield Served(fake, int(base_url.rsplit(":", 1)[1]), token)


BODY = json.dumps({"name": "framed"}).encode()
NEXT = b"GET /api-keys HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"  # what must not be read as a request


@pytest.mark.parametrize(
    ("headers", "status", "reason"),
    [
        ("Content-Length: abc\r\n", 400, "Content-Length is not a number of bytes"),
        ("Content-Length: 1e3\r\n", 400, "Content-Length is not a number of bytes"),
        ("Content-Length: 0x10\r\n", 400, "Content-Length is not a number of bytes"),
        ("Content-Length: -1\r\n", 400, "Content-Length is not a number of bytes"),
        ("Content-Length: +17\r\n", 400, "Content-Length is not a number of bytes"),
        ("Content-Length: 1_7\r\n", 400, "Content-Length is not a number of bytes"),
        ("Content-Length: \r\n", 400, "Content-Length is not a number of bytes"),
        ("Content-Length: 17, 17\r\n", 400, "Content-Length is not a number of bytes"),
        (f"Content-Length: {10**20}\r\n", 413, "larger than the fake accepts (1,048,576 bytes)"),
        ("Content-Length: " + "9" * 5000 + "\r\n", 413, "larger than the fake accepts"),
        (f"Content-Length: {MAX_BODY + 1}\r\n", 413, "larger than the fake accepts"),
        (
            "Content-Length: 17\r\nContent-Length: 18\r\n",
            400,
            "Content-Length headers that disagree",
        ),
        ("Transfer-Encoding: gzip\r\n", 400, "the body's length cannot be determined"),
        ("Transfer-Encoding: chunked, gzip\r\n", 400, "the body's length cannot be determined"),
        ("Transfer-Encoding: chunked, chunked\r\n", 400, "the body's length cannot be determined"),
        ("Transfer-Encoding: \r\n", 400, "the body's length cannot be determined"),
        ("Transfer-Encoding: gzip, chunked\r\n", 501, "the only transfer coding"),
        ("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501, "the only transfer"),
    ],
)
def test_a_body_whose_end_cannot_be_found_is_refused_and_the_connection_closed(
    served: Served, headers: str, status: int, reason: str
) -> None:
    answers, closed = served.exchange(served.request(headers, BODY), NEXT)
    assert closed, "the server left the connection open"
    assert [(answer[0], answer[1]["connection"]) for answer in answers] == [(status, "close")]
    assert answers[0][1]["content-type"] == "text/plain; charset=utf-8"
    assert reason in answers[0][2].decode()
    assert served.fake.requests_handled == 0


def _chunked(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"zz\r\n" + BODY + b"\r\n0\r\n\r\n", 400, "a chunk's size is not a hexadecimal number"),
        (b"-1\r\n" + BODY + b"\r\n0\r\n\r\n", 400, "a chunk's size is not a hexadecimal number"),
        (b"\r\n", 400, "a chunk's size is not a hexadecimal number"),
        (b"%x\r\n%sXY0\r\n\r\n" % (len(BODY), BODY), 400, "not followed by CRLF"),
        (b"%x\n%s\r\n0\r\n\r\n" % (len(BODY), BODY), 400, "does not end in CRLF"),
        (b"1;" + b"x" * 5000 + b"\r\n", 400, "a chunk-size line is longer than 4096 bytes"),
        (b"0\r\n" + b"X-Trailer: 1\r\n" * 101 + b"\r\n", 400, "more than 100 trailer lines"),
        (b"FFFFFFFFFFFF\r\n", 413, "larger than the fake accepts"),
        (b"%x\r\n" % (MAX_BODY + 1), 413, "larger than the fake accepts"),
        (_chunked(b"x" * MAX_BODY, b"x")[: MAX_BODY + 20], 413, "larger than the fake accepts"),
    ],
)
def test_a_chunked_body_that_cannot_be_read_is_refused_and_the_connection_closed(
    served: Served, body: bytes, status: int, reason: str
) -> None:
    request = served.request("Transfer-Encoding: chunked\r\n", body)
    answers, closed = served.exchange(request, NEXT)
    assert closed, "the server left the connection open"
    assert [(answer[0], answer[1]["connection"]) for answer in answers] == [(status, "close")]
    assert reason in answers[0][2].decode()
    assert served.fake.requests_handled == 0


def test_a_chunked_body_is_read_and_the_next_request_after_it_is_answered(
    served: Served,
) -> None:
    body = _chunked(BODY[:5], BODY[5:]).replace(b"\r\n", b";ext=1\r\n", 1)
    body = body.removesuffix(b"\r\n") + b"X-Checksum: ignored\r\n\r\n"  # a trailer line
    following = served.request("Connection: close\r\n", method="GET")
    answers, closed = served.exchange(
        served.request("Transfer-Encoding: chunked\r\n", body), following
    )
    assert closed
    assert [answer[0] for answer in answers] == [201, 200]
    assert json.loads(answers[0][2])["name"] == "framed"
    assert [key["name"] for key in json.loads(answers[1][2])] == ["framed"]


def test_chunked_with_a_content_length_is_read_as_chunked_and_then_the_connection_closed(
    served: Served,
) -> None:
    """RFC 9112 6.3: Transfer-Encoding overrides Content-Length; such a request may be a
    smuggling attempt, so the server closes the connection after answering it."""
    smuggled = b"GET /api-keys/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    request = served.request("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", _chunked(BODY))
    answers, closed = served.exchange(request + smuggled)
    assert closed
    assert [(answer[0], answer[1]["connection"]) for answer in answers] == [(201, "close")]
    assert served.fake.requests_handled == 1


def test_identical_repeated_content_lengths_are_one_as_in_go(served: Served) -> None:
    length = f"Content-Length: {len(BODY)}\r\n"
    request = served.request(length + length + "Connection: close\r\n", BODY)
    answers, _ = served.exchange(request)
    assert [answer[0] for answer in answers] == [201]


def test_a_body_that_ends_before_its_content_length_is_refused(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=SOCKET_TIMEOUT) as conn:
        conn.sendall(served.request(f"Content-Length: {len(BODY) + 10}\r\n", BODY))
        conn.shutdown(socket.SHUT_WR)  # the client is done: the body is 10 bytes short
        received = bytearray()
        while chunk := conn.recv(65536):
            received += chunk
    answers = _answers(bytes(received))
    assert [answer[0] for answer in answers] == [400]
    assert b"the body ended before its Content-Length" in answers[0][2]


def test_a_chunked_body_that_ends_inside_a_chunk_is_refused(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=SOCKET_TIMEOUT) as conn:
        conn.sendall(served.request("Transfer-Encoding: chunked\r\n", b"40\r\n" + BODY))
        conn.shutdown(socket.SHUT_WR)  # the client is done: the chunk is short
        received = bytearray()
        while chunk := conn.recv(65536):
            received += chunk
    answers = _answers(bytes(received))
    assert [answer[0] for answer in answers] == [400]
    assert b"the body ended inside a chunk" in answers[0][2]


def test_a_body_over_the_limit_is_refused_while_the_client_still_sends_it(
    served: Served,
) -> None:
    """The answer arrives though the client is still writing a large body (a lingering
    close: the unread bytes do not reset the connection before the answer is read)."""
    sent = served.request(f"Content-Length: {4 * MAX_BODY}\r\n", b"x" * (2 * MAX_BODY))
    answers, closed = served.exchange(sent)
    assert closed
    assert [answer[0] for answer in answers] == [413]
