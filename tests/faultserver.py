"""A scripted HTTP/1.1 server on 127.0.0.1 for fault-injection tests.

Each request takes the next behaviour from the script (or the default one) and the behaviour
writes whatever bytes it likes to the socket: a clean response, a reset in the middle of the body,
headers that never come, a body that trickles. Every socket has a timeout, every sleep is short,
and `stop()` ends the server, so nothing outlives the test that started it.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Behaviour = Callable[[socket.socket], bool]  # writes a response; True keeps the connection open

SOCKET_TIMEOUT = 5.0

Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers (lower-case), body
_handling = threading.local()


def current_request() -> Request:
    """The request a behaviour is answering (for behaviours that echo it)."""
    request: Request = _handling.request
    return request


def answer(make: Callable[[Request], bytes]) -> Behaviour:
    """A response made from the request: `make` returns the whole response's bytes."""

    def behaviour(sock: socket.socket) -> bool:
        sock.sendall(make(current_request()))
        return True

    return behaviour


def response_bytes(
    status: int, body: bytes, headers: dict[str, str] | None = None, *, length: int | None = None
) -> bytes:
    head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body) if length is None else length}"]
    head += [f"{k}: {v}" for k, v in (headers or {"Content-Type": "application/json"}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def respond(status: int, body: bytes = b"[]", headers: dict[str, str] | None = None) -> Behaviour:
    def behaviour(sock: socket.socket) -> bool:
        sock.sendall(response_bytes(status, body, headers))
        return True

    return behaviour


def slow_headers(delay: float) -> Behaviour:
    def behaviour(sock: socket.socket) -> bool:
        time.sleep(delay)
        return False

    return behaviour


def stall_mid_body(delay: float) -> Behaviour:
    """Headers and part of the body, then nothing for `delay` seconds."""

    def behaviour(sock: socket.socket) -> bool:
        sock.sendall(response_bytes(200, b'[{"id": ', length=100))
        time.sleep(delay)
        return False

    return behaviour


def trickle(seconds: float, interval: float = 0.05) -> Behaviour:
    """A body of spaces sent one byte at a time, each byte well within any read timeout."""
    count = int(seconds / interval)

    def behaviour(sock: socket.socket) -> bool:
        sock.sendall(response_bytes(200, b"", length=count + 2))
        for _ in range(count):
            sock.sendall(b" ")
            time.sleep(interval)
        sock.sendall(b"[]")
        return False

    return behaviour


def trickle_headers(seconds: float, interval: float = 0.2) -> Behaviour:
    """A status line, then one header line every `interval` seconds for `seconds`: each read
    is well within any read timeout, and the header block never ends while it lasts."""
    count = int(seconds / interval)

    def behaviour(sock: socket.socket) -> bool:
        sock.sendall(b"HTTP/1.1 200 OK\r\n")
        for number in range(count):
            sock.sendall(f"X-Trickle-{number}: {'x' * 20}\r\n".encode())
            time.sleep(interval)
        sock.sendall(b"Content-Length: 2\r\n\r\n[]")
        return False

    return behaviour


def reset_mid_body() -> Behaviour:
    """Headers and part of the body, then a TCP reset."""

    def behaviour(sock: socket.socket) -> bool:
        sock.sendall(response_bytes(200, b'[{"id": "key_1", "na', length=500))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False

    return behaviour


def close_early(body: bytes, length: int) -> Behaviour:
    """Promises `length` bytes, sends `body`, closes."""

    def behaviour(sock: socket.socket) -> bool:
        sock.sendall(response_bytes(200, body, length=length))
        return False

    return behaviour


class _Handler(socketserver.BaseRequestHandler):
    server: FaultServer._Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(SOCKET_TIMEOUT)
        owner = self.server.owner
        owner._count_connection()
        reader = sock.makefile("rb")
        try:
            while True:
                request_line = reader.readline()
                if not request_line:
                    return
                headers: dict[str, str] = {}
                while (line := reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers.get("content-length", "0")))
                method, path, _ = request_line.decode("latin-1").split(" ", 2)
                owner.requests.append((method, path, headers, body))
                _handling.request = (method, path, headers, body)
                if not owner._next_behaviour()(sock):
                    return
        finally:
            reader.close()
            owner._count_disconnection()


class FaultServer:
    """The server and its script. `url` is its base URL; `connections` counts accepted sockets,
    `disconnections` those that have ended."""

    class _Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        block_on_close = False
        owner: FaultServer

        def handle_error(self, request: Any, client_address: Any) -> None:
            """A client that hung up on a behaviour is what these tests provoke: stay quiet."""

    def __init__(self, default: Behaviour | None = None) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.connections = 0
        self.disconnections = 0  # connections that ended (the client closed it, or a behaviour)
        self._default = default or respond(200, b"[]")
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._server = self._Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        port: int = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def script(self, *behaviours: Behaviour) -> None:
        """The next requests get these behaviours, in order; later ones get the default."""
        with self._lock:
            self._script.extend(behaviours)

    def wait_for_requests(self, count: int, *, within: float = 10.0) -> int:
        """How many requests have arrived, once `count` have or `within` seconds have passed.
        A client that gave up on a stalled answer can be quicker than the handler thread that
        reads its last request: counting at once would race that thread."""
        ends = time.monotonic() + within
        while len(self.requests) < count and time.monotonic() < ends:
            time.sleep(0.01)
        return len(self.requests)

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else self._default

    def _count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    def _count_disconnection(self) -> None:
        with self._lock:
            self.disconnections += 1

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=SOCKET_TIMEOUT)


@contextmanager
def running(default: Behaviour | None = None) -> Iterator[FaultServer]:
    server = FaultServer(default)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def free_port() -> int:
    """A loopback port nothing listens on (the kernel's pick, released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    return f"http://127.0.0.1:{free_port()}"
