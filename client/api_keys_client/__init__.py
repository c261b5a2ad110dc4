"""Typed Python SDK for the API Keys service: list, create and revoke API keys, sync and async.

```python
from api_keys_client import ApiKeysClient

with ApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
    created = client.api_keys.create(name="ci")   # created.raw_key: shown only once
    client.api_keys.revoke(created.id)
```

The generated low-level functions are in `api_keys_client.lowlevel`.
"""

from typing import TYPE_CHECKING

from ._version import __version__

# Where each public name lives. They are imported on first use (PEP 562), so `import
# api_keys_client` and `api-keys --help` stay cheap; type checkers see the imports below.
_LAZY_NAMES = {
    "DEFAULT_MAX_RETRIES": "._settings",
    "DEFAULT_TIMEOUT": "._settings",
    "ApiKeysClient": "._client",
    "AsyncApiKeysClient": "._client",
    "APIConnectionError": "._exceptions",
    "APIResponseValidationError": "._exceptions",
    "APIStatusError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "ApiKeysError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "ConflictError": "._exceptions",
    "InsecureTransportWarning": "._exceptions",
    "InternalServerError": "._exceptions",
    "InvalidArgumentError": "._exceptions",
    "NotFoundError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "RateLimitError": "._exceptions",
    "UnprocessableEntityError": "._exceptions",
    "ApiKey": "._generated.models",
    "ApiKeyCreated": "._generated.models",
    "CreateApiKeyRequest": "._generated.models",
    "ErrorResponse": "._generated.models",
    "UNSET": "._generated.types",
    "Unset": "._generated.types",
}

if TYPE_CHECKING:
    from ._client import ApiKeysClient, AsyncApiKeysClient
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
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        UnprocessableEntityError,
    )
    from ._generated.models import ApiKey, ApiKeyCreated, CreateApiKeyRequest, ErrorResponse
    from ._generated.types import UNSET, Unset
    from ._settings import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
else:

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
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "ApiKeyCreated",
    "ApiKeysClient",
    "ApiKeysError",
    "AsyncApiKeysClient",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CreateApiKeyRequest",
    "ErrorResponse",
    "InsecureTransportWarning",
    "InternalServerError",
    "InvalidArgumentError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "Unset",
    "__version__",
]
