"""Reading a response body within the client's limits: its decoded size (`max_response_size`),
the attempt's deadline, and the encodings `_decoders` can bound. A body past a limit is cut
there, the connection dropped, and what was read kept; the caller decides what the cut means
(for a success, an APIResponseValidationError)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import NamedTuple

import httpx

from ._deadlines import TOO_SLOW
from ._decoders import Chain, UndecodableBody, chain_for

# 128 MiB: a listing of 100,000 keys is about 40 MB as the Go service writes it (some 400 bytes
# a key); this leaves room for three times that (long names, names written as \u escapes) and
# still stops a bomb long before it hurts.
DEFAULT_MAX_RESPONSE_SIZE = 128 * 1024 * 1024


class BodyProblem(NamedTuple):
    """Why a body was not read whole: `reason` for messages (no body text in it)."""

    reason: str
    too_large: bool = False


class _Collector:
    """The decoded body, piece by piece, until it passes the limit."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self._chain: Chain = chain_for(response.headers.get("content-encoding"))
        self._limit = limit
        self._pieces: list[bytes] = []
        self._size = 0
        self._raw = 0
        self.problem: BodyProblem | None = None

    def _take(self, pieces: Iterator[bytes]) -> bool:
        for piece in pieces:
            room = self._limit - self._size
            if len(piece) > room:
                self._pieces.append(piece[:room])
                self._size = self._limit
                self.problem = BodyProblem(
                    f"its body is larger than max_response_size ({self._limit:,} bytes), so"
                    " reading stopped there",
                    too_large=True,
                )
                return True
            self._pieces.append(piece)
            self._size += len(piece)
        return False

    def raw(self, chunk: bytes) -> bool:
        """Take a raw chunk; True once the body has passed the limit."""
        self._raw += len(chunk)
        if self._raw > self._limit:  # a stream of empty compressed blocks grows nothing else
            self.problem = BodyProblem(
                f"its body is larger than max_response_size ({self._limit:,} bytes) on the"
                " wire, so reading stopped there",
                too_large=True,
            )
            return True
        return self._take(self._chain.feed(chunk))

    def end(self) -> None:
        self._take(self._chain.finish())

    def content(self) -> bytes:
        return b"".join(self._pieces)


def _already_read(response: httpx.Response, limit: int) -> BodyProblem | None:
    """An in-memory response (a mock, a test transport) came read and decoded already."""
    if len(response.content) <= limit:
        return None
    response._content = response.content[:limit]  # httpx keeps a read body there
    return BodyProblem(
        f"its body is larger than max_response_size ({limit:,} bytes)", too_large=True
    )


def _undecodable(response: httpx.Response, exc: UndecodableBody) -> BodyProblem:
    response._content = b""
    return BodyProblem(f"its body cannot be decoded: {exc}")


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)  # a generator: end it now, not when collected
    if close is not None:
        close()


def read_body(
    response: httpx.Response, *, limit: int, ends: float, request: httpx.Request
) -> BodyProblem | None:
    """Read a streamed response's body into `response.content`, bounded; None when it came
    whole, else why not. Closes the response."""
    try:
        if response.is_stream_consumed:
            return _already_read(response, limit)
        try:
            collector = _Collector(response, limit)
        except UndecodableBody as exc:
            return _undecodable(response, exc)
        chunks = response.iter_raw()
        try:
            for chunk in chunks:
                if time.monotonic() > ends:
                    raise httpx.ReadTimeout(TOO_SLOW, request=request)
                if collector.raw(chunk):
                    break
            else:
                collector.end()
        except UndecodableBody as exc:
            return _undecodable(response, exc)
        finally:
            _close(chunks)
        response._content = collector.content()  # as httpx's own read() keeps it
        return collector.problem
    finally:
        response.close()


async def aread_body(response: httpx.Response, *, limit: int) -> BodyProblem | None:
    """read_body for the async client, whose deadline asyncio.timeout keeps."""
    try:
        if response.is_stream_consumed:
            return _already_read(response, limit)
        try:
            collector = _Collector(response, limit)
        except UndecodableBody as exc:
            return _undecodable(response, exc)
        chunks = response.aiter_raw()
        whole = False
        try:
            async for chunk in chunks:
                if collector.raw(chunk):
                    break
            else:
                whole = True
                collector.end()
        except UndecodableBody as exc:
            return _undecodable(response, exc)
        finally:
            if not whole:
                await _unwind(response, chunks)
        response._content = collector.content()
        return collector.problem
    finally:
        await response.aclose()


async def _unwind(response: httpx.Response, chunks: AsyncIterator[bytes]) -> None:
    """Stop reading a body part way without leaving httpx's and httpcore's async generators
    suspended (trio warns of each one collected unfinished; asyncio leaves them to its
    shutdown_asyncgens): once the response is closed, the rest of its stream ends in an error,
    which unwinds every one of them."""
    await response.aclose()
    with contextlib.suppress(Exception):  # the closed stream's error: the point of this
        async for _ in chunks:
            pass
