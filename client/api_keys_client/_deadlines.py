"""Deadlines: when one attempt must be over, and when the whole call must be. httpx's timeouts
bound each read and each connect; these bound what they cannot: a body trickled byte by byte, and
a call's attempts and waits added together (`total_timeout`)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

TOO_SLOW = "the response body took longer than the timeout"


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
