"""APIResponse: a successful call's HTTP response, for `client.api_keys.with_raw_response`."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Generic, TypeVar

import httpx

from ._failures import without_credentials

T = TypeVar("T")

_UNPARSED = object()


class APIResponse(Generic[T]):
    """The HTTP response of a call that succeeded (after the same retries, and with the same
    errors, as the plain call), and its typed value on demand.

    `parse()` gives what the plain call returns: `list[ApiKey]` for `list`, `ApiKeyCreated` for
    `create`, `None` for `revoke`. A body that does not validate raises
    APIResponseValidationError there, so the headers of a malformed answer can still be read.
    The kept request has its Authorization header masked, as on an exception.
    """

    __slots__ = ("_parse", "_parsed", "elapsed", "http_response", "retries_taken")

    http_response: httpx.Response
    """The httpx response of the attempt that succeeded, its request's credentials masked."""
    retries_taken: int
    """How many attempts failed and were retried before this one."""
    elapsed: datetime.timedelta
    """The whole call's time: every attempt and every wait between them."""

    def __init__(
        self,
        http_response: httpx.Response,
        parse: Callable[[httpx.Response], T],
        *,
        retries_taken: int,
        elapsed: datetime.timedelta,
    ) -> None:
        http_response.request = without_credentials(http_response.request)
        self.http_response = http_response
        self.retries_taken = retries_taken
        self.elapsed = elapsed  # the whole call: every attempt and every wait between them
        self._parse = parse
        self._parsed: object = _UNPARSED

    @property
    def status_code(self) -> int:
        """The HTTP status code."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers."""
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The server's X-Request-ID, to quote when asking about this call."""
        request_id: str | None = self.http_response.headers.get("x-request-id")
        return request_id

    def parse(self) -> T:
        """The typed value of the body (decoded once, then remembered)."""
        if self._parsed is _UNPARSED:
            self._parsed = self._parse(self.http_response)
        parsed: T = self._parsed  # type: ignore[assignment] # set from _parse just above
        return parsed

    def __repr__(self) -> str:
        return (
            f"<APIResponse [{self.status_code} {self.http_response.reason_phrase}]"
            f" request_id={self.request_id!r} retries_taken={self.retries_taken}>"
        )
