"""The head of an answer, as it came off a caller's connection.

httpx builds the redirect of every 3xx, followed or not, and can fail doing so after the answer
arrived: a Location host that is not IDNA, a non-ASCII Set-Cookie copied into the redirect's
Cookie header. The response is lost with that failure; the SDK's own pool catches such answers in
an event hook, but a caller's http_client is never changed. httpcore's `trace` request extension
(public, and per request) shows the status line and headers as they arrive, so the answer is
still the status it was, not a connection error.
"""

from __future__ import annotations

from typing import Any

import httpx

_HEADERS_RECEIVED = (
    "http11.receive_response_headers.complete",
    "http2.receive_response_headers.complete",
)


class ResponseHead:
    """Records the last response head of one attempt; `response()` rebuilds it, body unread."""

    __slots__ = ("_head",)

    def __init__(self) -> None:
        self._head: tuple[bytes, int, bytes, list[tuple[bytes, bytes]]] | None = None

    def record(self, event: str, info: dict[str, Any]) -> None:
        if event not in _HEADERS_RECEIVED:
            return
        value = info.get("return_value")
        if event.startswith("http11.") and isinstance(value, tuple) and len(value) >= 4:
            self._head = (value[0], value[1], value[2], list(value[3]))
        elif isinstance(value, tuple) and len(value) >= 2:  # http2: (status, headers)
            self._head = (b"HTTP/2", value[0], b"", list(value[1]))

    async def arecord(self, event: str, info: dict[str, Any]) -> None:
        self.record(event, info)

    def response(self, request: httpx.Request) -> httpx.Response | None:
        """The answer whose head arrived (its body empty: httpx closed it), or None."""
        if self._head is None:
            return None
        http_version, status, reason, headers = self._head
        return httpx.Response(
            status,
            headers=headers,
            content=b"",
            request=request,
            extensions={"http_version": http_version, "reason_phrase": reason},
        )
