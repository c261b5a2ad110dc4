"""When a failed attempt is tried again, and after how long. Pure functions, shared by both clients.
Whether the call can afford it (its deadline, the retry budget) is _attempts' question.

| failure                                   | list, revoke | create |
| ----------------------------------------- | ------------ | ------ |
| connection refused, DNS failure, pool full | retried | retried (the request never left) |
| any failure before a byte was written [1]  | retried      | retried (nothing was sent) |
| connect timeout                           | retried      | retried (no connection, nothing sent) |
| read/write timeout, reset, broken response | retried      | raised (the key may exist) |
| 408, 500, 502, 503, 504                   | retried      | raised (the key may exist) |
| 429                                       | retried      | retried (refused: nothing done) |
| any other status                          | raised       | raised |

[1] Known on the SDK's own pool, whose sockets note every write (see _deadlines).
"""

from __future__ import annotations

import email.utils
import math
import random
import time

import httpx

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
INITIAL_DELAY = 0.5  # seconds before the first retry, doubled for each further one
MAX_DELAY = 8.0  # ceiling of the exponential backoff
MAX_RETRY_AFTER = 60.0  # a server asking for a longer wait gets its error raised instead

# Raised before a single byte of the request could have reached the server.
_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


def backoff(retry_number: int) -> float:
    """Exponential backoff with jitter: about 0.5 s, 1 s, 2 s ... capped at MAX_DELAY, each less up
    to a quarter at random so that many clients do not retry in step."""
    # The exponent stops growing long before 2.0 ** n could overflow a float.
    delay = min(INITIAL_DELAY * 2.0 ** min(retry_number - 1, 16), MAX_DELAY)
    return delay * (1 - 0.25 * random.random())  # noqa: S311 - jitter, not cryptography


def _milliseconds(value: str) -> float | None:
    try:
        seconds = float(value) / 1000
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds the server asks to wait, or None: `retry-after-ms` (milliseconds) first, then
    `Retry-After` (delta-seconds or an HTTP date). An unreadable one counts as absent."""
    asked_ms = headers.get("retry-after-ms")
    if asked_ms is not None:
        seconds = _milliseconds(asked_ms.strip())
        if seconds is not None:
            return seconds
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(seconds, 0.0)


def never_sent(exc: httpx.RequestError) -> bool:
    """True when not a byte of the request can have reached the server."""
    return isinstance(exc, _NEVER_SENT)


def delay_after_exception(*, idempotent: bool, sent: bool, retry_number: int) -> float | None:
    """The wait before trying again after a transport failure, or None to raise: a create is
    tried again only when its request cannot have reached the server (`sent` False)."""
    if idempotent or not sent:
        return backoff(retry_number)
    return None


def delay_after_response(
    response: httpx.Response, *, idempotent: bool, retry_number: int
) -> float | None:
    """The wait before trying again after an error status, or None to raise."""
    status = response.status_code
    if status not in RETRYABLE_STATUSES or (not idempotent and status != 429):
        return None
    asked = retry_after(response.headers)
    if asked is None:
        return backoff(retry_number)
    if asked > MAX_RETRY_AFTER:
        return None
    return asked


def retry_after_too_long(response: httpx.Response, *, idempotent: bool) -> float | None:
    """The wait a Retry-After asked for when it is the reason a retryable failure was raised
    instead of retried; None otherwise."""
    status = response.status_code
    if status not in RETRYABLE_STATUSES or (not idempotent and status != 429):
        return None
    asked = retry_after(response.headers)
    return asked if asked is not None and asked > MAX_RETRY_AFTER else None
