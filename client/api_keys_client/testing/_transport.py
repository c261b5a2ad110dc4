"""httpx transports that hand each request to a FakeApiKeys in process: no sockets. Faults behave
as they do over real HTTP: a stall longer than the request's read timeout is a ReadTimeout (the
request is still handled when the stall ends, as a slow server would), and a lost response is the
disconnect httpx reports when a server hangs up without answering."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import anyio
import httpx

if TYPE_CHECKING:
    from ._fake import FakeApiKeys, FakeResponse, Injected

LOST = "Server disconnected without sending a response."  # what httpx says over a real socket


def _to_httpx(answer: FakeResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        answer.status, headers=answer.headers, content=answer.body, request=request
    )


def _path(request: httpx.Request) -> str:
    return request.url.raw_path.decode("ascii")


def _read_timeout(request: httpx.Request) -> float | None:
    timeout: dict[str, float | None] = request.extensions.get("timeout", {})
    return timeout.get("read")


def _handle(fake: FakeApiKeys, request: httpx.Request, body: bytes) -> FakeResponse:
    return fake.handle(request.method, _path(request), request.headers, body)


def _handle_later(fake: FakeApiKeys, request: httpx.Request, body: bytes, delay: float) -> None:
    """The rest of a stall the client gave up on: the request is handled when it ends."""
    timer = threading.Timer(delay, _handle, args=(fake, request, body))
    timer.daemon = True
    timer.start()


def _answer(
    fake: FakeApiKeys, request: httpx.Request, body: bytes, injected: Injected
) -> httpx.Response:
    if injected.failure is not None:
        return _to_httpx(injected.failure, request)
    answer = _handle(fake, request, body)
    if injected.lose:
        raise httpx.RemoteProtocolError(LOST, request=request)
    return _to_httpx(answer, request)


def _stall_beyond(injected: Injected, request: httpx.Request) -> float | None:
    """The read timeout a stall outlasts, or None when the stall ends first."""
    read = _read_timeout(request)
    return read if read is not None and injected.stall > read else None


class FakeTransport(httpx.BaseTransport):
    def __init__(self, fake: FakeApiKeys) -> None:
        self._fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        injected = self._fake.take_fault()
        if injected.stall:
            read = _stall_beyond(injected, request)
            if read is not None:
                time.sleep(read)
                _handle_later(self._fake, request, body, injected.stall - read)
                raise httpx.ReadTimeout("timed out", request=request)
            time.sleep(injected.stall)
        return _answer(self._fake, request, body, injected)


class AsyncFakeTransport(httpx.AsyncBaseTransport):
    def __init__(self, fake: FakeApiKeys) -> None:
        self._fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        injected = self._fake.take_fault()
        if injected.stall:
            read = _stall_beyond(injected, request)
            if read is not None:
                await anyio.sleep(read)
                _handle_later(self._fake, request, body, injected.stall - read)
                raise httpx.ReadTimeout("timed out", request=request)
            await anyio.sleep(injected.stall)
        return _answer(self._fake, request, body, injected)
