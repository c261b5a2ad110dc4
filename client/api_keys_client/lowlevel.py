"""The generated low-level layer, for callers who want the raw `Response` of each operation.

```python
from api_keys_client.lowlevel import AuthenticatedClient, list_api_keys

with AuthenticatedClient(base_url="https://api.example.com", token="...") as client:
    response = list_api_keys.sync_detailed(client=client, x_workspace_id="ws_1")
    response.status_code, response.parsed
```

Each operation module has `sync`, `sync_detailed`, `asyncio` and `asyncio_detailed`. This layer
does not raise the SDK's exceptions nor retry; ApiKeysClient does.
"""

from ._generated.api.api_keys import create_api_key, list_api_keys, revoke_api_key
from ._generated.client import AuthenticatedClient, Client
from ._generated.errors import UnexpectedStatus
from ._generated.types import Response

__all__ = [
    "AuthenticatedClient",
    "Client",
    "Response",
    "UnexpectedStatus",
    "create_api_key",
    "list_api_keys",
    "revoke_api_key",
]
