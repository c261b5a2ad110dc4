"""FakeApiKeys over real HTTP/1.1 on 127.0.0.1, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._fake import FakeApiKeys

IDLE_TIMEOUT = 10.0  # seconds an idle keep-alive connection is kept before the server drops it


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
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
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
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

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
