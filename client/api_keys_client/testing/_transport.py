"""httpx transports that hand each request to a FakeApiKeys in process: no sockets, no threads."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from ._fake import FakeApiKeys, FakeResponse


def _to_httpx(answer: FakeResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        answer.status, headers=answer.headers, content=answer.body, request=request
    )


def _path(request: httpx.Request) -> str:
    return request.url.raw_path.decode("ascii")


class FakeTransport(httpx.BaseTransport):
    def __init__(self, fake: FakeApiKeys) -> None:
        self._fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        stall, failure = self._fake.take_fault()
        if stall:
            time.sleep(stall)
        answer = failure or self._fake.handle(request.method, _path(request), request.headers, body)
        return _to_httpx(answer, request)


class AsyncFakeTransport(httpx.AsyncBaseTransport):
    def __init__(self, fake: FakeApiKeys) -> None:
        self._fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        stall, failure = self._fake.take_fault()
        if stall:
            await asyncio.sleep(stall)
        answer = failure or self._fake.handle(request.method, _path(request), request.headers, body)
        return _to_httpx(answer, request)
