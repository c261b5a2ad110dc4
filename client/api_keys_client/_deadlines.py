"""Deadlines, and what the SDK's own sockets tell it about an attempt.

httpx's timeouts bound each read and each connect; these bound what they cannot: a body or a
header block trickled byte by byte, and a call's attempts and waits added together
(`total_timeout`). The SDK's own pools open their sockets through `_WatchedBackend`, which cuts
every wait to the attempt's end and notes whether a byte of the request was written, so that a
failure before that is known never to have reached the server.
"""

from __future__ import annotations

import contextvars
import math
import socket
import time
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import httpx

from ._foreign import disguised_timeout

if TYPE_CHECKING:
    import ssl

    import httpcore  # httpx's own transport library: only its types are named here

# httpcore's SOCKET_OPTION, spelled out (it is not exported).
SocketOptions = (
    Iterable[tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]]
    | None
)

TOO_SLOW = "the response took longer than the timeout to come whole"


class Attempt:
    """One attempt as its sockets see it: when it must be over, whether it reached a socket at
    all (`touched`: a mock that answers above the sockets never does), and whether it wrote."""

    __slots__ = ("ends", "touched", "wrote")

    def __init__(self, ends: float) -> None:
        self.ends = ends
        self.touched = False
        self.wrote = False

    def sent(self) -> bool | None:
        """False when the attempt's sockets wrote nothing; None when they cannot tell."""
        return self.wrote if self.touched else None


# The attempt being sent in this thread or task, for the SDK's own pools' sockets.
ATTEMPT: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar(
    "api_keys_client_attempt", default=None
)


def attempt_deadline(timeout: httpx.Timeout) -> float:
    """When one attempt must be over. httpx's read timeout bounds each read, so a server that
    trickles its answer would never trip it: the whole response must come within `read` seconds
    (after `connect` for the connection). A read timeout of None sets no end (infinity)."""
    if timeout.read is None:
        return math.inf
    return time.monotonic() + (timeout.connect or 0.0) + timeout.read


def within(timeout: httpx.Timeout, remaining: float) -> httpx.Timeout:
    """`timeout` with every part cut to `remaining` seconds: the last attempt of a call with a
    deadline gets only the time that is left. A part of None (no limit) gets `remaining`."""
    parts = {
        name: remaining if seconds is None else min(seconds, remaining)
        for name, seconds in timeout.as_dict().items()
    }
    return httpx.Timeout(**parts)


def _bounded(timeout: float | None) -> float | None:
    """`timeout` cut to the time the current attempt has left (a hair above zero at the end, so
    that a wait times out rather than turning the socket non-blocking). No attempt, or one with
    no end, leaves it as it is."""
    attempt = ATTEMPT.get()
    if attempt is None:
        return timeout
    attempt.touched = True
    if attempt.ends == math.inf:
        return timeout
    left = max(attempt.ends - time.monotonic(), 1e-6)
    return left if timeout is None else min(timeout, left)


def _note_write() -> None:
    attempt = ATTEMPT.get()
    if attempt is not None:
        attempt.touched = attempt.wrote = True


def _note_use() -> None:
    attempt = ATTEMPT.get()
    if attempt is not None:
        attempt.touched = True


class _WatchedStream:
    """An httpcore network stream whose reads and writes never wait past the attempt's end: a
    server that trickles its status line and headers, byte by byte within the read timeout,
    times out at the deadline instead of when h11's header size limit runs out. A TimeoutError
    that a signal handler raised during a wait is passed on as it is (httpcore would make it a
    read timeout, which the SDK would retry)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        bounded = _bounded(timeout)
        started = time.monotonic()
        try:
            data: bytes = self._stream.read(max_bytes, bounded)
        except Exception as exc:
            caller = disguised_timeout(exc, time.monotonic() - started, bounded)
            if caller is None:
                raise
        else:
            return data
        raise caller  # out of the except clause: nothing of the attempt is chained to it

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _note_write()
        bounded = _bounded(timeout)
        started = time.monotonic()
        try:
            self._stream.write(buffer, bounded)
        except Exception as exc:
            caller = disguised_timeout(exc, time.monotonic() - started, bounded)
            if caller is None:
                raise
        else:
            return
        raise caller

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _WatchedStream:
        return _WatchedStream(
            self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout))
        )

    def get_extra_info(self, info: str) -> object:
        _note_use()  # httpcore asks a pooled connection whether it is still usable
        return self._stream.get_extra_info(info)


class _WatchedBackend:
    """httpcore's network backend, with every stream it opens watched (see _WatchedStream)."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> _WatchedStream:
        stream = self._backend.connect_tcp(
            host,
            port,
            timeout=_bounded(timeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _WatchedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions = None
    ) -> _WatchedStream:
        stream = self._backend.connect_unix_socket(
            path, timeout=_bounded(timeout), socket_options=socket_options
        )
        return _WatchedStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _WatchedAsyncStream:
    """An async httpcore stream that notes writes (asyncio.timeout bounds the async attempt)."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, opened: weakref.WeakSet[Any]) -> None:
        self._stream = stream
        self._opened = opened
        opened.add(self)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        _note_use()
        data: bytes = await self._stream.read(max_bytes, timeout)
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _note_write()
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _WatchedAsyncStream:
        return _WatchedAsyncStream(
            await self._stream.start_tls(ssl_context, server_hostname, timeout), self._opened
        )

    def get_extra_info(self, info: str) -> object:
        _note_use()
        return self._stream.get_extra_info(info)

    def abandon(self) -> None:
        """Close the socket under this stream when its event loop was closed without shutting
        down (`loop.close()` by hand, no `shutdown_asyncgens`): aclose() cannot run on a closed
        loop, and an asyncio transport left open keeps its socket until collected, then warns.
        This does the part of the transport's closing that needs no loop; a stream of another
        shape (uvloop's, trio's) is left to its own finalizer."""
        stream: Any = getattr(self._stream, "_stream", None)  # httpcore's AnyIOStream
        while hasattr(stream, "transport_stream"):  # anyio's TLS stream, over its socket stream
            stream = stream.transport_stream
        transport = getattr(stream, "_transport", None)  # anyio's asyncio socket stream
        sock = getattr(transport, "_sock", None)  # asyncio's selector transport
        if isinstance(sock, socket.socket):
            sock.close()
            transport._sock = None  # type: ignore[union-attr] # found just above: closed, quiet


class _WatchedAsyncBackend:
    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend
        self.opened: weakref.WeakSet[_WatchedAsyncStream] = weakref.WeakSet()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> _WatchedAsyncStream:
        _note_use()
        stream = await self._backend.connect_tcp(
            host,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )
        return _WatchedAsyncStream(stream, self.opened)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions = None
    ) -> _WatchedAsyncStream:
        _note_use()
        stream = await self._backend.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return _WatchedAsyncStream(stream, self.opened)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _transports(http_client: httpx.Client | httpx.AsyncClient) -> list[Any]:
    """Every transport of a pool: the default one and each proxy mount from the environment."""
    mounts: dict[Any, Any] = getattr(http_client, "_mounts", {})
    found = [getattr(http_client, "_transport", None), *mounts.values()]
    return [transport for transport in found if transport is not None]


def abandon_the_sockets(http_client: httpx.AsyncClient) -> None:
    """Close every socket an async pool of the SDK's own opened, for a pool whose event loop
    was closed without shutting down (see _WatchedAsyncStream.abandon)."""
    for transport in _transports(http_client):
        backend = getattr(getattr(transport, "_pool", None), "_network_backend", None)
        if isinstance(backend, _WatchedAsyncBackend):
            for stream in list(backend.opened):
                stream.abandon()


def watch_the_sockets(http_client: httpx.Client | httpx.AsyncClient) -> bool:
    """Watch every socket the SDK's own pool opens, through a proxy from the environment too.
    httpx has no public door to its connection pools' network backends, so this reaches them
    where httpx keeps them (httpx 0.27-0.29, and httpx2 under the httpx name). True when every
    transport is watched; a transport of another shape (the in-process fake's) is left alone,
    and the pool's deadlines then rest on the body's reading loop."""
    watched = True
    for transport in _transports(http_client):
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            watched = False
            continue
        if isinstance(backend, _WatchedBackend | _WatchedAsyncBackend):
            continue
        wrapper = (
            _WatchedBackend(backend)
            if isinstance(http_client, httpx.Client)
            else _WatchedAsyncBackend(backend)
        )
        pool._network_backend = wrapper  # type: ignore[union-attr] # found just above
    return watched
