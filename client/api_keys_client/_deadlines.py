"""Deadlines: when one attempt must be over, and when the whole call must be. httpx's timeouts
bound each read and each connect; these bound what they cannot: a body trickled byte by byte, and
a call's attempts and waits added together (`total_timeout`)."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import ssl

    import httpcore  # httpx's own transport library: only its types are named here

# httpcore's SOCKET_OPTION, spelled out (it is not exported).
SocketOptions = (
    Iterable[tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]]
    | None
)

TOO_SLOW = "the response took longer than the timeout to come whole"


def attempt_deadline(timeout: httpx.Timeout) -> float:
    """When one attempt must be over. httpx's read timeout bounds each read, so a server that
    trickles its body would never trip it: the whole response must come within `read` seconds
    (after `connect` for the connection)."""
    budget = (timeout.connect or 0.0) + (timeout.read if timeout.read is not None else float("inf"))
    return time.monotonic() + budget


class DeadlineStream(httpx.SyncByteStream):
    """A sync response body that raises ReadTimeout once the attempt's deadline has passed."""

    def __init__(
        self, stream: httpx.SyncByteStream, deadline: float, request: httpx.Request
    ) -> None:
        self._stream, self._deadline, self._request = stream, deadline, request

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._stream)
        try:
            for chunk in chunks:
                if time.monotonic() > self._deadline:
                    raise httpx.ReadTimeout(TOO_SLOW, request=self._request)
                yield chunk
        finally:
            # Close the inner generator now, not whenever it is collected.
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def close(self) -> None:
        self._stream.close()


def within(timeout: httpx.Timeout, remaining: float) -> httpx.Timeout:
    """`timeout` with every part cut to `remaining` seconds: the last attempt of a call with a
    deadline gets only the time that is left."""
    parts = {
        name: remaining if seconds is None else min(seconds, remaining)
        for name, seconds in timeout.as_dict().items()
    }
    return httpx.Timeout(**parts)


# When the current sync attempt must be over (monotonic seconds), for the SDK's own pool's
# sockets: every read and write waits at most until then. Set around each sync attempt.
ATTEMPT_ENDS: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "api_keys_client_attempt_ends", default=None
)


def _bounded(timeout: float | None) -> float | None:
    """`timeout` cut to the time the current attempt has left (a hair above zero at the end, so
    that a wait times out rather than turning the socket non-blocking)."""
    ends = ATTEMPT_ENDS.get()
    if ends is None:
        return timeout
    left = max(ends - time.monotonic(), 1e-6)
    return left if timeout is None else min(timeout, left)


class _BoundedStream:
    """An httpcore network stream whose reads and writes never wait past the attempt's end: a
    server that trickles its status line and headers, byte by byte within the read timeout,
    times out at the deadline instead of when h11's header size limit runs out."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._stream.read(max_bytes, _bounded(timeout))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _BoundedStream:
        return _BoundedStream(
            self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout))
        )

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _BoundedBackend:
    """httpcore's network backend, with every stream it opens bounded (see _BoundedStream)."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> _BoundedStream:
        stream = self._backend.connect_tcp(
            host,
            port,
            timeout=_bounded(timeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _BoundedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions = None
    ) -> _BoundedStream:
        stream = self._backend.connect_unix_socket(
            path, timeout=_bounded(timeout), socket_options=socket_options
        )
        return _BoundedStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bound_the_sockets(http_client: httpx.Client) -> bool:
    """Make the SDK's own sync pool honour ATTEMPT_ENDS on every socket read and write. httpx
    has no public door to its connection pool's network backend, so this reaches it where
    httpx 0.2x keeps it, and leaves a pool of another shape alone (False): the body's deadline
    (DeadlineStream) still holds there."""
    pool = getattr(getattr(http_client, "_transport", None), "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None or isinstance(backend, _BoundedBackend):
        return False
    pool._network_backend = _BoundedBackend(backend)  # type: ignore[union-attr] # found just above
    return True
