"""Construction: arguments, the environment, and what is refused before anything is sent."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

import api_keys_client as sdk

from .conftest import BASE_URL, TOKEN, WORKSPACE, Driver


def test_settings_come_from_the_environment(
    api: Driver, mock_api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEYS_BASE_URL", BASE_URL)
    monkeypatch.setenv("API_KEYS_TOKEN", "env-token")
    monkeypatch.setenv("API_KEYS_WORKSPACE_ID", "ws_env")
    route = mock_api.get("/api-keys").respond(200, json=[])

    api.list(api.client(base_url=None, token=None, workspace_id=None))

    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer env-token"
    assert request.headers["x-workspace-id"] == "ws_env"


def test_arguments_win_over_the_environment(api: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_KEYS_WORKSPACE_ID", "ws_env")
    assert api.client(workspace_id="ws_arg").workspace_id == "ws_arg"


@pytest.mark.parametrize(
    ("argument", "variable"),
    [
        ("base_url", "API_KEYS_BASE_URL"),
        ("token", "API_KEYS_TOKEN"),
        ("workspace_id", "API_KEYS_WORKSPACE_ID"),
    ],
)
@pytest.mark.parametrize("client_class", [sdk.ApiKeysClient, sdk.AsyncApiKeysClient])
def test_missing_setting_names_argument_and_variable(
    client_class: type[sdk.ApiKeysClient | sdk.AsyncApiKeysClient], argument: str, variable: str
) -> None:
    kwargs = {"base_url": BASE_URL, "token": TOKEN, "workspace_id": WORKSPACE, argument: None}

    with pytest.raises(sdk.InvalidArgumentError) as caught:
        client_class(**kwargs)  # type: ignore[arg-type]

    assert str(caught.value) == f"{argument} is required: pass {argument}=... or set {variable}"


@pytest.mark.parametrize(
    "base_url", ["api.test", "ftp://api.test", "https://", "http://a.test/?q=1", "http://[::1"]
)
def test_bad_base_url_is_refused(api: Driver, base_url: str) -> None:
    with pytest.raises(sdk.InvalidArgumentError, match="base_url"):
        api.client(base_url=base_url)


@pytest.mark.parametrize("argument", ["token", "workspace_id"])
@pytest.mark.parametrize("value", ["abc\r\nX-Evil: 1", "abc\n", "a\0b"])
def test_header_injection_is_refused_without_echoing(
    api: Driver, argument: str, value: str
) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.client(**{argument: value})

    assert value not in str(caught.value)
    assert argument in str(caught.value)


def test_with_workspace_refuses_bad_values(api: Driver) -> None:
    client = api.client()
    with pytest.raises(sdk.InvalidArgumentError):
        client.with_workspace("ws\r\n")
    with pytest.raises(sdk.InvalidArgumentError):
        client.with_workspace("")


@pytest.mark.parametrize(
    "timeout",
    [
        0,
        -1,
        True,
        "5",
        float("inf"),
        float("-inf"),
        float("nan"),
        1e300,
        86_400.001,
        10**400,
        httpx.Timeout(5.0, read=float("inf")),
        httpx.Timeout(5.0, connect=float("nan")),
        httpx.Timeout(5.0, pool=1e300),
        httpx.Timeout(5.0, write=0),
    ],
)
def test_timeouts_that_cannot_work_are_refused_at_construction(
    api: Driver, mock_api: respx.MockRouter, timeout: object
) -> None:
    route = mock_api.route()
    with pytest.raises(sdk.InvalidArgumentError, match="timeout"):
        api.client(timeout=timeout)
    with pytest.raises(sdk.InvalidArgumentError, match="timeout"):
        api.client().with_options(timeout=timeout)  # type: ignore[arg-type]
    assert not route.called


@pytest.mark.parametrize(
    "timeout", [0.001, 86_400, httpx.Timeout(None), httpx.Timeout(3.0, read=None)]
)
def test_long_short_and_explicitly_unbounded_timeouts_work(
    api: Driver, mock_api: respx.MockRouter, timeout: float | httpx.Timeout
) -> None:
    route = mock_api.get("/api-keys").respond(200, json=[])
    assert api.list(api.client(timeout=timeout)) == []
    assert route.called


@pytest.mark.parametrize("max_retries", [-1, 1.5, True])
def test_bad_max_retries_is_refused(api: Driver, max_retries: object) -> None:
    with pytest.raises(sdk.InvalidArgumentError, match="max_retries"):
        api.client(max_retries=max_retries)


def test_default_timeout_is_finite(api: Driver) -> None:
    client = api.client()
    assert client.timeout == sdk.DEFAULT_TIMEOUT
    assert client.timeout.read is not None
    assert client.timeout.connect is not None
    assert client._pool.template().timeout == sdk.DEFAULT_TIMEOUT


def test_timeout_as_float(api: Driver) -> None:
    assert api.client(timeout=2.5).timeout == httpx.Timeout(2.5)


def test_with_options_copies_and_keeps_the_pool(api: Driver) -> None:
    client = api.client(max_retries=5)
    child = client.with_options(timeout=1.0, max_retries=0)
    assert (child.timeout, child.max_retries) == (httpx.Timeout(1.0), 0)
    assert (client.timeout, client.max_retries) == (sdk.DEFAULT_TIMEOUT, 5)
    assert child._pool is client._pool
    assert child.with_options().max_retries == 0


def test_per_call_timeout_reaches_the_request(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.get("/api-keys").respond(200, json=[])

    api.list(api.client().with_options(timeout=1.5))

    assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(1.5).as_dict()


def test_caller_built_http_client_is_used_and_not_closed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    http_client = httpx.Client(transport=httpx.MockTransport(handler))
    with sdk.ApiKeysClient(
        base_url=BASE_URL, token=TOKEN, workspace_id=WORKSPACE, http_client=http_client
    ) as client:
        assert client.api_keys.list() == []
    assert not http_client.is_closed
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    http_client.close()


async def _async_context_manager_closes() -> bool:
    async with sdk.AsyncApiKeysClient(
        base_url=BASE_URL, token=TOKEN, workspace_id=WORKSPACE
    ) as client:
        pool = client._pool.template()
    return pool.is_closed


def test_context_managers_close_their_pool() -> None:
    with sdk.ApiKeysClient(base_url=BASE_URL, token=TOKEN, workspace_id=WORKSPACE) as client:
        pool = client._pool.template()
    assert pool.is_closed
    assert asyncio.run(_async_context_manager_closes())


def test_every_missing_setting_is_named_at_once() -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        sdk.ApiKeysClient(token=TOKEN)
    assert str(caught.value) == (
        "base_url and workspace_id are required: pass base_url=... or set API_KEYS_BASE_URL;"
        " pass workspace_id=... or set API_KEYS_WORKSPACE_ID"
    )
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        sdk.AsyncApiKeysClient(workspace_id="")
    assert str(caught.value).startswith("base_url, token and workspace_id are required: ")


def test_credentials_in_base_url_are_refused(api: Driver) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.client(base_url=f"https://user:{TOKEN}@api.test/v1")
    assert str(caught.value) == "base_url must not carry credentials (user:password@)"


@pytest.mark.parametrize(
    ("base_url", "host"),
    [
        ("https://stra\u00dfe.de", "xn--strae-oqa.de"),
        ("https://xn--fa-hia.de", "xn--fa-hia.de"),  # fa\u00df.de: IDNA 2008 only
        ("https://\u03c2.gr", "xn--3xa.gr"),
        ("https://xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_international_hosts_are_taken_on_every_httpx(
    api: Driver, base_url: str, host: str
) -> None:
    """Python's own idna codec (IDNA 2003) refuses \u00df and \u03c2; httpx and httpx2 take them."""
    client = api.client(base_url=base_url)
    assert client.base_url.raw_host.decode() == host


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://xn--a.com", "base_url is not a valid URL: its host's label 'xn--a' is not a"),
        ("https://api.xn--zz.test", "base_url is not a valid URL: its host's label 'xn--zz' is"),
        # A snowman: valid punycode, but no IDNA 2008 name (httpx refuses it, httpx2 kept it).
        ("https://xn--n3h.com", "base_url is not a valid URL: its host's label 'xn--n3h' is"),
        ("https://api.test:99999", "base_url's port 99999 is not a TCP port"),
        ("https://api.test:0", "base_url's port 0 is not a TCP port"),
    ],
)
def test_hosts_and_ports_that_cannot_work_are_refused(
    api: Driver, base_url: str, message: str
) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.client(base_url=base_url)
    assert str(caught.value).startswith(message)
    assert "\x80" not in str(caught.value)  # the offending text is escaped, not echoed raw
