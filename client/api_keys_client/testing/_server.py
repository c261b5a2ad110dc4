"""FakeApiKeys over real HTTP/1.1 on 127.0.0.1, in a background thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from ._framing import BadFraming, read_body

if TYPE_CHECKING:
    from ._fake import FakeApiKeys

IDLE_TIMEOUT = 10.0  # seconds an idle keep-alive connection is kept before the server drops it
LINGER_SECONDS = 1.0  # after refusing a request: how long what the client still sends is read
LINGER_BYTES = 4 * 1024 * 1024  # ...and how much of it, at most


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real service
    timeout = IDLE_TIMEOUT
    # An answer leaves in one write, flushed once it is whole, with Nagle's algorithm off: the
    # status line and headers written apart from the body would wait for the client's delayed
    # ACK, some 40 ms on every request.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def _answer(self) -> None:
        try:
            body, close_after = read_body(self.rfile, self.headers)
        except BadFraming as refusal:
            self._refuse(refusal)
            return
        fake = self.server.fake
        injected = fake.take_fault()
        if injected.stall:
            time.sleep(injected.stall)
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = injected.failure or fake.handle(self.command, self.path, headers, body)
        if injected.lose:
            # Handled, effects committed; then hang up without a word, as a crashed proxy does.
            self.close_connection = True
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        if close_after:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def _refuse(self, refusal: BadFraming) -> None:
        """What Go's server answers a request it cannot frame: plain text, then it hangs up."""
        text = f"{refusal.status} {HTTPStatus(refusal.status).phrase}: {refusal.reason}\n"
        body = text.encode()
        self.send_response(refusal.status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        self._discard_the_rest()

    def _discard_the_rest(self) -> None:
        """A lingering close: closing with unread bytes makes the kernel reset the connection,
        which can destroy the answer before the client reads it. So the fake stops writing, and
        reads and drops what the client still sends, for a moment and a bounded amount."""
        deadline = time.monotonic() + LINGER_SECONDS
        dropped = 0
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
            while dropped < LINGER_BYTES and (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                dropped += len(chunk)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server looks up do_<METHOD>; every method goes to the fake, which answers 405 (as
        # Go's router does) where the path has no such operation.
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests and demos print what matters themselves."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog is 5: a burst of concurrent calls (a load test, a pool of
    # workers starting at once) overflowed it, and the kernel reset the connections it could
    # not queue, which a real service behind a real listener would not do.
    request_queue_size = socket.SOMAXCONN

    def __init__(self, fake: FakeApiKeys, port: int) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-request is not the server's problem: stay quiet."""


class FakeServer:
    def __init__(self, fake: FakeApiKeys, *, port: int = 0) -> None:
        self._server = _Server(fake, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        port: int = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5.0)
