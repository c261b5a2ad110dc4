"""Transport security: TLS on, no redirects, a warning before a token goes out over plain http."""

from __future__ import annotations

import ssl
import warnings

import pytest
import respx

import api_keys_client as sdk

from .conftest import TOKEN, Driver


def test_tls_verification_is_on_by_default(api: Driver) -> None:
    client = api.client()
    pool = client._http_client._transport._pool  # type: ignore[union-attr] # httpx internals: the only place the SSL context lives
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
