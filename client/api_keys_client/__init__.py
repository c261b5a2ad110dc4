"""Typed Python SDK for the API Keys service: list, create, revoke and rotate API keys, sync
and async.

```python
from api_keys_client import ApiKeysClient

with ApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
    created = client.api_keys.create(name="ci")   # created.raw_key: shown only once
    client.api_keys.revoke(created.id)
```

Every failure a call can meet is one exception of this tree (the classes are defined here, in
the package itself, so that tracebacks and type checkers name them `api_keys_client.X`):

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
├── APIResponseValidationError    a success status whose body is not what the spec says
└── RotationError                 a rotation created the new key, then failed: .created keeps it
```

Nothing secret rides along: no token and no raw key in a message, in `args`, or in a request or
response an exception keeps (their Authorization header is masked). The deliberate exceptions
are the only copies of a key that exists: `APIResponseValidationError.raw_key` after a create,
and `RotationError.created` (whose repr hides the raw key). Control characters from the server
(in its messages, a Location, a request id) are escaped in messages; `APIStatusError.error`
keeps the server's text exactly.

The generated low-level functions are in `api_keys_client.lowlevel`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:
    import httpx

    from ._client import ApiKeysClient, AsyncApiKeysClient
    from ._generated.models import ApiKey, ApiKeyCreated, CreateApiKeyRequest, ErrorResponse
    from ._generated.types import UNSET, Unset
    from ._lifecycle import AuditFinding, KeyStatus, audit_keys, key_status
    from ._response import APIResponse
    from ._retry_budget import RetryBudget
    from ._settings import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT

# Where each public name that is not defined here lives. They are imported on first use (PEP 562),
# so `import api_keys_client` and `api-keys --help` stay cheap; type checkers see the imports above.
_LAZY_NAMES = {
    "DEFAULT_MAX_RETRIES": "._settings",
    "DEFAULT_TIMEOUT": "._settings",
    "ApiKeysClient": "._client",
    "AsyncApiKeysClient": "._client",
    "ApiKey": "._generated.models",
    "ApiKeyCreated": "._generated.models",
    "CreateApiKeyRequest": "._generated.models",
    "ErrorResponse": "._generated.models",
    "UNSET": "._generated.types",
    "Unset": "._generated.types",
    "AuditFinding": "._lifecycle",
    "KeyStatus": "._lifecycle",
    "audit_keys": "._lifecycle",
    "key_status": "._lifecycle",
    "APIResponse": "._response",
    "RetryBudget": "._retry_budget",
}

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        module = _LAZY_NAMES.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib  # noqa: PLC0415

        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})


def _without_credentials(request: httpx.Request) -> httpx.Request:
    from ._failures import without_credentials  # noqa: PLC0415 - it needs httpx; this module does not

    return without_credentials(request)


class ApiKeysError(Exception):
    """Base of every exception this SDK raises."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgumentError(ApiKeysError, ValueError):
    """An argument or setting was refused before any request was sent."""


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
        response.request = _without_credentials(response.request)
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
        response.request = _without_credentials(response.request)
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response)

    @property
    def raw_key(self) -> str | None:
        """After a create whose response did not validate: the raw key it carried, if any, since
        the key was created and this is its only copy. None for any other call."""
        if self.response.request.method != "POST":
            return None
        import json  # noqa: PLC0415 - `import api_keys_client` stays free of what it does not need

        try:
            body = json.loads(self.response.content)
        except ValueError:
            return None
        raw_key = body.get("rawKey") if isinstance(body, dict) else None
        return raw_key if isinstance(raw_key, str) and raw_key else None


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
    """The token is about to travel over plain http to a host that is not this machine."""


__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "UNSET",
    "APIConnectionError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "ApiKeyCreated",
    "ApiKeysClient",
    "ApiKeysError",
    "AsyncApiKeysClient",
    "AuditFinding",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CreateApiKeyRequest",
    "ErrorResponse",
    "InsecureTransportWarning",
    "InternalServerError",
    "InvalidArgumentError",
    "KeyStatus",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryBudget",
    "RotationError",
    "UnprocessableEntityError",
    "Unset",
    "__version__",
    "audit_keys",
    "key_status",
]
