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

Messages never carry a secret: no token, no raw key, no header value the caller passed.
"""

from __future__ import annotations

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


class APIConnectionError(ApiKeysError):
    """The request did not reach the server, or its response did not come back whole."""

    request: httpx.Request | None

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request | None
    ) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """A connect, write, read or pool timeout ran out."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None
    ) -> None:
        super().__init__(message, request=request)


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
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response)


class InsecureTransportWarning(UserWarning):
    """The token is about to travel over plain http to a host that is not this machine."""
