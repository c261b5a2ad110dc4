"""Which failures of a send are the SDK's to turn into its exception tree, and which are the
caller's, to pass through unchanged.

The SDK converts what httpx and the SDK itself raise: httpx's errors (transport failures,
timeouts, protocol errors, a URL httpx cannot read) and the encoding errors httpx meets while
reading an answer. Anything else was raised by the caller's code while a call was under way: a
signal handler's exception (Celery's SoftTimeLimitExceeded, a watchdog's TimeoutError), an
event hook's or a transport's of a caller's http_client. It reaches the caller as it was raised,
is never retried, and is never reported as a connection error.

One disguise needs seeing through: httpcore turns any TimeoutError raised inside a socket wait
into its own timeout, so a watchdog's TimeoutError comes out as httpx.ReadTimeout. A socket's
own timeout cannot come before its time; one that comes sooner was the caller's.
"""

from __future__ import annotations

import httpx

# httpx's own failures that are not httpx.HTTPError: a URL it cannot read, a stream misused, and
# the encoding errors it meets on an answer (a Location host that is not IDNA, a non-ASCII
# Set-Cookie it copies into a redirect's Cookie header).
_HTTPX_FAILURES = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, UnicodeError)

# A socket's wait may end a hair before its timeout by the clock's reading: a millisecond of slack.
_CLOCK_SLACK = 0.001


def _root_cause(exc: BaseException) -> BaseException:
    seen = {id(exc)}
    while exc.__cause__ is not None and id(exc.__cause__) not in seen:
        exc = exc.__cause__
        seen.add(id(exc))
    return exc


def disguised_timeout(
    exc: BaseException, waited: float, limit: float | None
) -> TimeoutError | None:
    """The caller's TimeoutError inside httpx's or httpcore's timeout `exc`, when the wait that
    raised it (`waited` seconds, bounded by `limit`; None: unbounded) ended before its limit
    could have run out; else None."""
    root = _root_cause(exc)
    if root is exc or not isinstance(root, TimeoutError):
        return None
    if limit is not None and waited >= limit - _CLOCK_SLACK:
        return None
    return root


def _part(exc: httpx.TimeoutException, timeout: httpx.Timeout) -> float | None:
    if isinstance(exc, httpx.ConnectTimeout):
        return timeout.connect
    if isinstance(exc, httpx.WriteTimeout):
        return timeout.write
    if isinstance(exc, httpx.PoolTimeout):
        return timeout.pool
    return timeout.read


def foreign(
    exc: Exception, *, waited: float, timeout: httpx.Timeout, length: float
) -> BaseException | None:
    """The exception to pass to the caller unchanged, or None when the SDK converts `exc`.
    The attempt had run `waited` seconds, under `timeout` (cut to the call's deadline), and
    could last `length` seconds at most (its waits are cut to its end)."""
    if isinstance(exc, httpx.TimeoutException):
        part = _part(exc, timeout)
        return disguised_timeout(exc, waited, length if part is None else min(part, length))
    if isinstance(exc, _HTTPX_FAILURES):
        return None
    return exc
