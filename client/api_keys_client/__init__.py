"""Typed Python SDK for the API Keys service: list, create and revoke API keys, sync and async.

```python
from api_keys_client import ApiKeysClient

with ApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
    created = client.api_keys.create(name="ci")   # created.raw_key: shown only once
    client.api_keys.revoke(created.id)
```

The generated low-level functions are in `api_keys_client.lowlevel`.
"""

from ._base_client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
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
from ._version import __version__

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
