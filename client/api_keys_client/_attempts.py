"""One call's way through its attempts, shared by the sync and async clients: the deadline of
each attempt, the log line after it, and what follows a failure (a wait, then another attempt, or
the exception that ends the call). Sending itself is the clients' job."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

import httpx

from ._failures import ambiguous_create_note, status_error, transport_error, without_credentials
from ._logs import logger
from ._retry import delay_after_exception, delay_after_response, never_sent, retry_after_too_long
from ._text import escape_controls

if TYPE_CHECKING:
    from ._operations import Call
    from ._settings import Settings

T = TypeVar("T")

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


class RetryIn(NamedTuple):
    """The next attempt goes out after this many seconds."""

    seconds: float


def _headers_for_log(message: httpx.Request | httpx.Response) -> str:
    return escape_controls(", ".join(f"{name}: {value}" for name, value in message.headers.items()))


class CallState(Generic[T]):
    """One call: its request, the settings it runs with, and how far it has got."""

    __slots__ = ("attempt", "began", "call", "request", "settings", "started")

    def __init__(self, call: Call[T], settings: Settings, request: httpx.Request) -> None:
        self.call = call
        self.settings = settings
        self.request = request
        self.attempt = 0
        self.began = time.time()  # wall clock: "created since" for an ambiguous create
        self.started = 0.0  # monotonic: when the current attempt started

    def next_attempt(self) -> None:
        self.attempt += 1
        self.started = time.monotonic()

    def _log(self, outcome: str, response: httpx.Response | None) -> None:
        if logger.isEnabledFor(logging.INFO):
            request_id = None if response is None else response.headers.get("x-request-id")
            logger.info(
                "%s %s -> %s in %.1f ms (attempt %d of %d, request id %s)",
                self.request.method,
                self.request.url.raw_path.decode("ascii"),
                outcome,
                (time.monotonic() - self.started) * 1000,
                self.attempt,
                self.settings.max_retries + 1,
                escape_controls(request_id or "-"),
            )
        if logger.isEnabledFor(logging.DEBUG):
            # Headers only, never a body: a create's response body holds the raw key.
            request_headers = _headers_for_log(without_credentials(self.request))
            logger.debug("request headers: %s", request_headers)
            if response is not None:
                logger.debug("response headers: %s", _headers_for_log(response))

    def _ambiguous_note(self) -> str:
        """For a create that may have reached the server: how to check whether it did."""
        if self.call.key_name is None:
            return ""
        since = datetime.datetime.fromtimestamp(self.began, datetime.UTC)
        return ambiguous_create_note(self.call.key_name, since)

    def after_exception(self, exc: Exception) -> float:
        """The wait before the next attempt after `exc`, or raise the exception for it."""
        self._log(type(exc).__name__, None)
        delay = None
        if self.attempt <= self.settings.max_retries and isinstance(exc, httpx.RequestError):
            delay = delay_after_exception(
                exc, idempotent=self.call.idempotent, retry_number=self.attempt
            )
        if delay is None:
            sent = not (isinstance(exc, httpx.RequestError) and never_sent(exc))
            error = transport_error(
                exc,
                self.settings,
                request=self.request,
                attempts=self.attempt,
                sent=sent,
                ambiguous_note=self._ambiguous_note() if sent else "",
            )
            raise error from exc
        logger.info("retrying %s in %.2f s after %s", self.call.name, delay, type(exc).__name__)
        return delay

    def after_response(self, response: httpx.Response) -> T | RetryIn:
        """The parsed result, or the wait before the next attempt; raises a final error."""
        self._log(str(response.status_code), response)
        if response.is_success:
            return self.call.parse(response)
        delay = None
        may_retry = self.attempt <= self.settings.max_retries
        if may_retry:
            delay = delay_after_response(
                response, idempotent=self.call.idempotent, retry_number=self.attempt
            )
        if delay is None:
            status = response.status_code
            refused = (
                retry_after_too_long(response, idempotent=self.call.idempotent)
                if may_retry
                else None
            )
            raise status_error(
                response,
                self.settings,
                attempts=self.attempt,
                retry_after_refused=refused,
                ambiguous_note=self._ambiguous_note() if status >= 500 or status == 408 else "",
            )
        logger.info(
            "retrying %s in %.2f s after HTTP %d", self.call.name, delay, response.status_code
        )
        return RetryIn(delay)
