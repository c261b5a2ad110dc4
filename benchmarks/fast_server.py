"""A small, fast HTTP/1.1 keep-alive server for the benchmark, run in its own process on 127.0.0.1.

`/k<N>/...` answers a JSON array of N keys; `/down/...` answers 503 to everything, as a service in
an outage; `/bomb/...` answers a gzip bomb (1 MiB on the wire that decodes to 1 GiB of spaces);
`/stats` answers how many connections were accepted and how many `/down` requests came.
It prints its port on the first line of stdout and stops when stdin closes or after --lifetime
seconds, whichever comes first, so it never outlives the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import threading
import zlib

KEY = {
    "id": "key_0",
    "name": "benchmark",
    "key_prefix": "ak_live_0123",
    "user_id": "user_1",
    "workspace_id": "ws_bench",
    "scopes": None,
    "created_at": "2024-05-01T10:00:00.123456789Z",
    "updated_at": "2024-05-01T10:00:00.123456789Z",
    "expires_at": None,
    "last_used_at": "2024-05-02T08:30:00Z",
    "revoked_at": None,
}


BOMB_SIZE = 1024**3  # what the bomb decodes to


def gzip_bomb(size: int = BOMB_SIZE) -> bytes:
    """`size` spaces, gzip-compressed a mebibyte at a time (never held whole)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * (1024 * 1024)
    return b"".join(compressor.compress(block) for _ in range(size // len(block))) + (
        compressor.flush()
    )


def keys_body(count: int) -> bytes:
    return json.dumps(
        [{**KEY, "id": f"key_{i}", "name": f"key number {i}"} for i in range(count)]
    ).encode()


class Server:
    def __init__(self) -> None:
        self.connections = 0
        self.down_requests = 0
        self.bodies: dict[str, bytes] = {}

    def response(self, path: str) -> bytes:
        if path.startswith("/down/"):
            self.down_requests += 1
            body = b'{"error": "service unavailable"}'
            head = f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            return head.encode() + body
        if path.startswith("/bomb/"):
            if "bomb" not in self.bodies:
                self.bodies["bomb"] = gzip_bomb()
            body = self.bodies["bomb"]
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            return head.encode() + body
        if path == "/stats":
            stats = {"connections": self.connections, "down_requests": self.down_requests}
            body = json.dumps(stats).encode()
        else:
            prefix = path.split("/", 2)[1]
            if prefix not in self.bodies:
                self.bodies[prefix] = keys_body(int(prefix.removeprefix("k") or 1))
            body = self.bodies[prefix]
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                path = head.split(b" ", 2)[1].decode()
                writer.write(self.response(path))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def main(lifetime: float) -> None:
    server = Server()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, backlog=1024)
    port = listener.sockets[0].getsockname()[1]
    print(port, flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def wait_for_stdin_to_close() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    # A daemon thread: it must not keep the process alive once the lifetime is over.
    threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
    async with listener:
        await asyncio.wait_for(stop.wait(), timeout=lifetime)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--lifetime", type=float, default=600.0)
    args = parser.parse_args()
    with contextlib.suppress(TimeoutError):  # the lifetime ran out: stop quietly
        asyncio.run(main(args.lifetime))
