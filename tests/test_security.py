"""Transport security: TLS on, no redirects, a warning before a token goes out over plain http."""

from __future__ import annotations

import ssl
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

import api_keys_client as sdk

from .conftest import TOKEN, Driver


def test_tls_verification_is_on_by_default(api: Driver) -> None:
    client = api.client()
    pool = client._pool.template()._transport._pool  # type: ignore[union-attr] # httpx internals: the only place the SSL context lives
    context: ssl.SSLContext = pool._ssl_context
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_redirects_are_not_followed(
    api: Driver, mock_api: respx.MockRouter, operation: str
) -> None:
    route = mock_api.route().respond(307, headers={"Location": "https://evil.test/steal"})

    with pytest.raises(sdk.APIStatusError) as caught:
        api.call(operation)

    assert caught.value.status_code == 307
    assert route.call_count == 1
    assert len(mock_api.calls) == 1  # nothing went to the Location


@pytest.mark.parametrize("base_url", ["http://api.example.com", "http://10.0.0.5:8080/v1"])
def test_plain_http_to_another_host_warns(api: Driver, base_url: str) -> None:
    with pytest.warns(sdk.InsecureTransportWarning, match="plain http") as record:
        api.client(base_url=base_url)
    assert TOKEN not in str(record[0].message)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://localhost:9000",
        "http://[::1]:8080",
        "https://api.example.com",
    ],
)
def test_loopback_or_https_does_not_warn(api: Driver, base_url: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        api.client(base_url=base_url)


def _caller_pool(
    api: Driver, handler: Callable[[httpx.Request], httpx.Response], **options: Any
) -> Any:
    """An httpx pool of the caller's own, of the driver's flavour, answered by `handler`."""
    transport = httpx.MockTransport(handler)
    if api.flavour == "sync":
        return httpx.Client(transport=transport, **options)
    return httpx.AsyncClient(transport=transport, **options)


def _close(api: Driver, pool: httpx.Client | httpx.AsyncClient) -> None:
    if isinstance(pool, httpx.Client):
        pool.close()
    else:
        api.run(pool.aclose())


def test_a_caller_pool_that_follows_redirects_is_not_followed(api: Driver) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "api.test":
            return httpx.Response(302, headers={"Location": "https://evil.test/steal"})
        return httpx.Response(200, json=[])

    pool = _caller_pool(api, handler, follow_redirects=True)
    client = api.client(base_url="https://api.test", workspace_id="ws_1", http_client=pool)
    with pytest.raises(sdk.APIStatusError) as caught:
        api.list(client)
    _close(api, pool)
    assert caught.value.status_code == 302
    assert seen == ["https://api.test/api-keys"]  # the token never went to evil.test


def test_a_child_of_a_client_on_a_caller_pool_keeps_every_header(api: Driver) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    pool = _caller_pool(api, handler)
    parent = api.client(
        base_url="https://api.test",
        workspace_id="ws_1",
        headers={"X-Team": "keys"},
        http_client=pool,
    )
    api.list(parent.with_workspace("ws_2"))
    api.list(parent.with_options(timeout=3.0))
    _close(api, pool)
    for request, workspace in zip(seen, ["ws_2", "ws_1"], strict=True):
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["x-workspace-id"] == workspace
        assert request.headers["user-agent"].startswith("api-keys-client/")
        assert request.headers["accept"] == "application/json"
        assert request.headers["x-team"] == "keys"
