"""Every failure a call can meet, as one exception tree.

```
ApiKeysError
├── InvalidArgumentError          (also a ValueError) refused before anything was sent
├── APIConnectionError            the request or its response did not make it across
│   └── APITimeoutError           ... because a timeout ran out
├── APIStatusError                the server answered with a status that is not success
│   ├── BadRequestError           400
│   ├── AuthenticationError       401
│   ├── PermissionDeniedError     403
│   ├── NotFoundError             404
│   ├── ConflictError             409
│   ├── UnprocessableEntityError  422
│   ├── RateLimitError            429
│   └── InternalServerError       >= 500
└── APIResponseValidationError    a success status whose body is not what the spec says
```

Nothing secret rides along: no token and no raw key in a message, in `args`, or in a request or
response an exception keeps (their Authorization header is masked). The one deliberate exception
is `APIResponseValidationError.raw_key` after a create: the only copy of a key that exists.
Control characters from the server (in its messages, a Location, a request id) are escaped in
messages; `APIStatusError.error` keeps the server's text exactly.
"""

from __future__ import annotations

import json

import httpx

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKeysError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InsecureTransportWarning",
    "InternalServerError",
    "InvalidArgumentError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
]


class ApiKeysError(Exception):
    """Base of every exception this SDK raises."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgumentError(ApiKeysError, ValueError):
    """An argument or setting was refused before any request was sent."""


def without_credentials(request: httpx.Request) -> httpx.Request:
    """A copy of `request` to keep on an exception: the same method, URL, body and headers, but
    the Authorization header masked."""
    if "authorization" not in request.headers:
        return request
    headers = [
        (name, b"Bearer [redacted]" if name.lower() == b"authorization" else value)
        for name, value in request.headers.raw
    ]
    try:
        content: bytes | None = request.content
    except httpx.RequestNotRead:
        content = None
    return httpx.Request(
        request.method, request.url, headers=headers, content=content, extensions=request.extensions
    )


class APIConnectionError(ApiKeysError):
    """The request did not reach the server, or its response did not come back whole.

    `may_have_been_sent` is False when the request certainly never left (connection refused, a
    DNS failure, a connect or pool timeout), True when the server may have received, and acted
    on, it: after a create, a key may then exist.
    """

    request: httpx.Request | None
    may_have_been_sent: bool

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        request: httpx.Request | None,
        may_have_been_sent: bool = True,
    ) -> None:
        super().__init__(message)
        self.request = None if request is None else without_credentials(request)
        self.may_have_been_sent = may_have_been_sent


class APITimeoutError(APIConnectionError):
    """A connect, write, read or pool timeout ran out, or the call's deadline."""

    def __init__(
        self,
        message: str = "Request timed out.",
        *,
        request: httpx.Request | None,
        may_have_been_sent: bool = True,
    ) -> None:
        super().__init__(message, request=request, may_have_been_sent=may_have_been_sent)


def _request_id(response: httpx.Response) -> str | None:
    request_id: str | None = response.headers.get("x-request-id")
    return request_id


class APIStatusError(ApiKeysError):
    """The server answered with a status that is not the operation's success.

    `error` is the server's own message (ErrorResponse.error) when the body carries one.
    """

    response: httpx.Response
    status_code: int
    error: str | None
    request_id: str | None

    def __init__(self, message: str, *, response: httpx.Response, error: str | None) -> None:
        super().__init__(message)
        response.request = without_credentials(response.request)
        self.response = response
        self.status_code = response.status_code
        self.error = error
        self.request_id = _request_id(response)


class BadRequestError(APIStatusError):
    """400: the server refused the request (bad input, unknown key id, missing header)."""


class AuthenticationError(APIStatusError):
    """401: the token is missing, unknown, expired or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the token may not act in this workspace."""


class NotFoundError(APIStatusError):
    """404: nothing at that path (a wrong base URL often ends here)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state, for example a name already in use."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well formed but could not be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests; `response.headers["Retry-After"]` may say when to try again."""


class InternalServerError(APIStatusError):
    """>= 500: the server, or a proxy in front of it, failed."""


class APIResponseValidationError(ApiKeysError):
    """A success status whose body is not what the spec says.

    The whole response stays on `response`: after a create, `response.content` still holds the
    raw key even when another field was malformed.
    """

    response: httpx.Response
    status_code: int
    request_id: str | None

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(message)
        response.request = without_credentials(response.request)
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response)

    @property
    def raw_key(self) -> str | None:
        """After a create whose response did not validate: the raw key it carried, if any, since
        the key was created and this is its only copy. None for any other call."""
        if self.response.request.method != "POST":
            return None
        try:
            body = json.loads(self.response.content)
        except ValueError:
            return None
        raw_key = body.get("rawKey") if isinstance(body, dict) else None
        return raw_key if isinstance(raw_key, str) and raw_key else None


class InsecureTransportWarning(UserWarning):
    """The token is about to travel over plain http to a host that is not this machine."""
