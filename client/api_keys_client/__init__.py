"""Typed Python SDK for the API Keys service: list, create, revoke and rotate API keys, sync
and async.

```python
from api_keys_client import ApiKeysClient

with ApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
    created = client.api_keys.create(name="ci")   # created.raw_key: shown only once
    client.api_keys.revoke(created.id)
```

Every failure a call can meet is one exception of one tree, drawn in `_exceptions.py`; its
classes are re-exported here under the package's name, so that tracebacks, pickles and type
checkers name them `api_keys_client.X`.

The generated low-level functions are in `api_keys_client.lowlevel`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._exceptions import (
    APIConnectionError,
    ApiKeysError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsecureTransportWarning,
    InternalServerError,
    InvalidArgumentError,
    KeyNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RotationError,
    UnprocessableEntityError,
)
from ._version import __version__

if TYPE_CHECKING:
    from ._client import ApiKeysClient, AsyncApiKeysClient
    from ._generated.models import ApiKey, ApiKeyCreated, CreateApiKeyRequest, ErrorResponse
    from ._generated.types import UNSET, Unset
    from ._lifecycle import AuditFinding, KeyStatus, audit_keys, key_status
    from ._response import APIResponse
    from ._retry_budget import RetryBudget
    from ._settings import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, AsyncTokenProvider, TokenProvider

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
    "TokenProvider": "._settings",
    "AsyncTokenProvider": "._settings",
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
    "AsyncTokenProvider",
    "AuditFinding",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CreateApiKeyRequest",
    "ErrorResponse",
    "InsecureTransportWarning",
    "InternalServerError",
    "InvalidArgumentError",
    "KeyNotFoundError",
    "KeyStatus",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryBudget",
    "RotationError",
    "TokenProvider",
    "UnprocessableEntityError",
    "Unset",
    "__version__",
    "audit_keys",
    "key_status",
]

# Tracebacks, reprs and pickles name the tree's classes by the package, as users import them.
for _error_class in (
    ApiKeysError,
    InvalidArgumentError,
    APIConnectionError,
    APITimeoutError,
    APIStatusError,
    BadRequestError,
    KeyNotFoundError,
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    ConflictError,
    UnprocessableEntityError,
    RateLimitError,
    InternalServerError,
    APIResponseValidationError,
    RotationError,
    InsecureTransportWarning,
):
    _error_class.__module__ = __name__
del _error_class
