"""The one exception tree. Every failure an SDK call can meet is one of these:

```
ApiKeysError
├── InvalidArgumentError          (also a ValueError) refused before anything was sent
├── APIConnectionError            the request or its response did not make it across
│   └── APITimeoutError           ... because a timeout ran out
├── APIStatusError                the server answered with a status that is not success
│   ├── BadRequestError           400
│   │   └── KeyNotFoundError      400 "api key not found": not one of your keys here
│   ├── AuthenticationError       401
│   ├── PermissionDeniedError     403
│   ├── NotFoundError             404
│   ├── ConflictError             409
│   ├── UnprocessableEntityError  422
│   ├── RateLimitError            429
│   └── InternalServerError       >= 500
├── APIResponseValidationError    a success status whose body is not what the spec says
└── RotationError                 a rotation created the new key, then failed: .created keeps it
```

Nothing secret rides along: no token in a message, in `args`, in an attribute, in a chained
exception, in the request or response an exception keeps, or in its pickle. The deliberate
exceptions are the only copies of a key that exists: `APIResponseValidationError.raw_key` after a
create (and that response's body), and `RotationError.created` (whose repr hides the raw key).
Control characters from the server (in its messages, a Location, a request id) are escaped in
messages; `APIStatusError.error` keeps the server's text exactly.

Every error survives `pickle`, `copy.copy` and `copy.deepcopy` with its class, message and
attributes (a chained cause is not pickled, as with any exception).

This module imports neither httpx nor the package root: `import api_keys_client` stays cheap,
and the package re-exports these classes under its own name (`api_keys_client.X`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import httpx

    from ._generated.models import ApiKeyCreated

E = TypeVar("E", bound="ApiKeysError")


def _rebuild(cls: type[E], message: str) -> E:
    """Unpickle an error without its constructor, whose keyword-only arguments pickle cannot
    pass; its attributes come back from its __dict__."""
    error = cls.__new__(cls)
    ApiKeysError.__init__(error, message)
    return error


class ApiKeysError(Exception):
    """Base of every exception this SDK raises."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls cls(*args), which keyword-only arguments refuse.
        return (_rebuild, (type(self), self.message), dict(vars(self)))


class InvalidArgumentError(ApiKeysError, ValueError):
    """An argument or setting was refused before any request was sent."""


class APIConnectionError(ApiKeysError):
    """The request did not reach the server, or its response did not come back whole.

    `may_have_been_sent` is False when the request certainly never left (connection refused, a
    DNS failure, a connect or pool timeout, a failure before its first byte was written), True
    when the server may have received, and acted on, it: after a create, a key may then exist.
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
        self.request = None if request is None else _without_credentials(request)
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
        self.response = _detached(response)
        self.status_code = response.status_code
        self.error = error
        self.request_id = _request_id(response)


class BadRequestError(APIStatusError):
    """400: the server refused the request (bad input, unknown key id, missing header)."""


class KeyNotFoundError(BadRequestError):
    """400 `api key not found`: the key id is unknown, someone else's, or another workspace's.

    The service gives those three one answer, so that ids cannot be probed, and says it with a
    400, not a 404 (which means a wrong base_url). This class is raised for exactly that answer:
    a 400 whose ErrorResponse.error is `api key not found` (letter case and surrounding spaces
    aside); any other 400 stays a plain BadRequestError. Being one, `except BadRequestError`
    still catches it.
    """


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
    """A success status whose body is not what the spec says, or cannot be read at all (not
    JSON, not UTF-8, nested too deep, larger than the client's max_response_size).

    After a create, `raw_key` is the raw key the body carried, when it could be read there: the
    key was created and this is its only copy. The whole response stays on `response`.
    """

    response: httpx.Response
    status_code: int
    request_id: str | None
    raw_key: str | None

    def __init__(
        self, message: str, *, response: httpx.Response, raw_key: str | None = None
    ) -> None:
        super().__init__(message)
        self.response = _detached(response)
        self.status_code = response.status_code
        self.request_id = _request_id(response)
        self.raw_key = raw_key


class RotationError(ApiKeysError):
    """A rotation created the replacement but did not finish: the old key was not revoked.

    `created` is the new key, raw key included (it is never lost); `old_key_id` is the key that
    is still active; `step` says what failed ("on_created" or "revoke"). The cause is chained
    (`__cause__`).
    """

    created: ApiKeyCreated
    old_key_id: str
    step: str

    def __init__(self, message: str, *, created: ApiKeyCreated, old_key_id: str, step: str) -> None:
        super().__init__(message)
        self.created = created
        self.old_key_id = old_key_id
        self.step = step  # what failed after the create: "on_created" or "revoke"


class InsecureTransportWarning(UserWarning):
    """The token is about to travel in clear text: over plain http to a host that is not this
    machine, or through a plain-http proxy."""


def _request_id(response: httpx.Response) -> str | None:
    request_id: str | None = response.headers.get("x-request-id")
    return request_id


def _without_credentials(request: httpx.Request) -> httpx.Request:
    from ._failures import without_credentials  # noqa: PLC0415 - it needs httpx; this module does not

    return without_credentials(request)


def _detached(response: httpx.Response) -> httpx.Response:
    from ._failures import detached  # noqa: PLC0415 - see _without_credentials

    return detached(response)
