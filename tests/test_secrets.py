"""The token and raw keys never show in a repr, a str or an exception message."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import httpx
import pytest
import respx

import api_keys_client as sdk
from api_keys_client.lowlevel import AuthenticatedClient, list_api_keys

from .conftest import BASE_URL, CREATED_JSON, RAW_KEY, TOKEN, Driver, operation_route


def _printed(*objects: object) -> str:
    return " ".join(f"{o!r} {o!s}" for o in objects)


def test_created_key_hides_raw_key(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.post("/api-keys").respond(201, json=CREATED_JSON)

    created = api.create()

    assert created.raw_key == RAW_KEY
    assert RAW_KEY not in _printed(created, [created], {"k": created})
    assert "key_2" in repr(created)  # the rest still prints


def test_secret_fields_follow_the_spec() -> None:
    secret = {f.name for f in attrs.fields(sdk.ApiKeyCreated) if f.metadata.get("secret")}
    hidden = {f.name for f in attrs.fields(sdk.ApiKeyCreated) if not f.repr}
    assert secret == hidden == {"raw_key"}


def test_clients_hide_the_token(api: Driver) -> None:
    client = api.client()
    child = client.with_workspace("ws_2").with_options(timeout=3)
    printed = _printed(client, child, client.api_keys, client._settings)
    assert TOKEN not in printed
    assert "ws_2" in printed


@pytest.mark.parametrize("status", [400, 401, 500])
def test_server_echoing_the_token_is_redacted(
    api: Driver, mock_api: respx.MockRouter, status: int
) -> None:
    mock_api.get("/api-keys").respond(status, json={"error": f"bad token {TOKEN}"})

    with pytest.raises(sdk.APIStatusError) as caught:
        api.list(api.client(max_retries=0))

    assert TOKEN not in _printed(caught.value, caught.value.error, caught.value.args)
    assert "[redacted]" in str(caught.value)


def test_connection_error_message_is_redacted(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").mock(side_effect=httpx.ConnectError(f"refused for {TOKEN}"))

    with pytest.raises(sdk.APIConnectionError) as caught:
        api.list(api.client(max_retries=0))

    assert TOKEN not in _printed(caught.value, caught.value.args)
    assert TOKEN not in repr(caught.value.request)


def test_validation_error_on_create_does_not_print_raw_key(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    mock_api.post("/api-keys").respond(
        201, json={**CREATED_JSON, "rawKey": 12345, "createdAt": RAW_KEY}
    )

    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.create()

    assert RAW_KEY not in _printed(caught.value, caught.value.args)


def test_generated_authenticated_client_hides_token_after_use() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[])

    client = AuthenticatedClient(base_url=BASE_URL, token=TOKEN)
    client.set_httpx_client(httpx.Client(base_url=BASE_URL, transport=httpx.MockTransport(handler)))
    with client:
        list_api_keys.sync_detailed(client=client, x_workspace_id="ws_1")
        assert TOKEN not in repr(client)
    fresh = AuthenticatedClient(base_url=BASE_URL, token=TOKEN)
    fresh.get_httpx_client().close()  # builds the headers that carry the token
    assert TOKEN not in repr(fresh)


def _texts(value: object, seen: set[int] | None = None) -> Iterator[str]:  # noqa: PLR0912 - one branch per kind of value, as a walker has
    """Every piece of text reachable from `value` the way a logger, a debugger or an error
    tracker could reach it: str() and repr(), args, attributes, the requests and responses kept
    (headers, URL, body) and every chained exception."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        yield value.decode("latin-1")
    elif isinstance(value, httpx.Request):
        yield f"{value.method} {value.url}"
        yield from (f"{k}: {v}" for k, v in value.headers.multi_items())
        yield from _texts(getattr(value, "_content", b""), seen)
    elif isinstance(value, httpx.Response):
        yield from (f"{k}: {v}" for k, v in value.headers.multi_items())
        yield from _texts(value.content, seen)
        yield from _texts(value.request, seen)
    elif isinstance(value, BaseException):
        yield str(value)
        yield repr(value)
        yield from _texts(value.args, seen)
        for name in dir(value):
            if name.startswith("__") or name in ("args", "with_traceback", "add_note"):
                continue
            try:
                attribute = getattr(value, name)
            except Exception:  # noqa: S112 - httpx raises for a request it does not have
                continue
            yield from _texts(attribute, seen)
        yield from _texts(value.__cause__, seen)
        yield from _texts(value.__context__, seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _texts(item, seen)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key, seen)
            yield from _texts(item, seen)
    elif value is not None and not callable(value):
        yield repr(value)


def _carries(error: BaseException, secret: str) -> list[str]:
    return [text for text in _texts(error) if secret in text]


class _Raising(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport that fails with a given exception, as a custom transport or proxy might."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise self.exc

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise self.exc


def _wrapping_a_request_less_httpx_error() -> Exception:
    """A custom transport's own exception whose cause is an httpx error that never had a request
    attached (httpx raises RuntimeError on `.request` then): scrubbing must cope with it."""
    outer = RuntimeError("a proxy library gave up")
    outer.__cause__ = httpx.ConnectError(f"refused for Bearer {TOKEN}")
    return outer


TRANSPORT_FAILURES = [
    httpx.ConnectError(f"refused for Bearer {TOKEN}"),
    httpx.ReadTimeout(f"timed out: {TOKEN}"),
    httpx.RemoteProtocolError("peer closed connection"),
    httpx.LocalProtocolError(f"Illegal header value b'Bearer {TOKEN}'"),
    UnicodeEncodeError("ascii", f"Bearer {TOKEN}\u00e9", 7, 8, "ordinal not in range(128)"),
]
# A custom transport's own exceptions are not httpx's: they reach the caller unchanged
# (tests/test_foreign_exceptions.py), with nothing of the SDK's chained to them.
FOREIGN_FAILURES = [
    RuntimeError("a broken custom transport gave up"),
    _wrapping_a_request_less_httpx_error(),
]


def _client_raising(api: Driver, exc: Exception) -> sdk.ApiKeysClient | sdk.AsyncApiKeysClient:
    """A client whose http_client's transport fails with `exc`, retries off."""
    transport = _Raising(exc)
    pool: httpx.Client | httpx.AsyncClient = (
        httpx.Client(transport=transport)
        if api.flavour == "sync"
        else httpx.AsyncClient(transport=transport)
    )
    return api.client(max_retries=0, http_client=pool)


@pytest.mark.parametrize("exc", TRANSPORT_FAILURES, ids=lambda exc: type(exc).__name__)
@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_no_transport_failure_carries_the_token(
    api: Driver, operation: str, exc: Exception
) -> None:
    client = _client_raising(api, exc)

    with pytest.raises(sdk.APIConnectionError) as caught:
        api.call(operation, client)

    assert _carries(caught.value, TOKEN) == []
    assert isinstance(caught.value.__cause__, type(exc))  # the cause is kept, scrubbed
    assert caught.value.request is not None
    assert caught.value.request.headers["authorization"] == "Bearer [redacted]"


@pytest.mark.parametrize("exc", FOREIGN_FAILURES, ids=lambda exc: type(exc).__name__)
@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_a_custom_transports_own_exception_gains_no_token(
    api: Driver, operation: str, exc: Exception
) -> None:
    client = _client_raising(api, exc)

    with pytest.raises(type(exc)) as caught:
        api.call(operation, client)

    assert caught.value is exc
    assert exc.__context__ is None  # nothing of the call (its request, the token) chained on
    assert not any(TOKEN in note for note in getattr(exc, "__notes__", []))


@pytest.mark.parametrize("status", [301, 400, 401, 403, 429, 500, 503])
@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_no_status_error_carries_the_token(
    api: Driver, mock_api: respx.MockRouter, operation: str, status: int
) -> None:
    operation_route(mock_api, operation).respond(
        status,
        json={"error": f"bad token {TOKEN}"},
        headers={
            "X-Debug": f"Authorization=Bearer {TOKEN}",
            "Location": f"https://user:{TOKEN}@elsewhere.test/?token={TOKEN}",
        },
    )

    with pytest.raises(sdk.APIStatusError) as caught:
        api.call(operation, api.client(max_retries=0))

    assert _carries(caught.value, TOKEN) == []
    assert caught.value.response.request.headers["authorization"] == "Bearer [redacted]"


def test_a_validation_error_keeps_the_raw_key_in_one_deliberate_place(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    mock_api.post("/api-keys").respond(201, json={**CREATED_JSON, "createdAt": "yesterday"})

    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.create()

    error = caught.value
    assert _carries(error, TOKEN) == []
    # The key exists and this is its only copy: it stays reachable, on purpose, through the
    # response's body and `raw_key`; never through the message, args or a repr.
    assert error.raw_key == RAW_KEY
    assert RAW_KEY not in _printed(error, error.args, error.response, error.response.request)
    places = _carries(error, RAW_KEY)
    assert places
    assert all(place == RAW_KEY or place == error.response.content.decode() for place in places)


@pytest.mark.parametrize("operation", ["list", "revoke"])
def test_validation_errors_of_other_operations_have_no_raw_key(
    api: Driver, mock_api: respx.MockRouter, operation: str
) -> None:
    operation_route(mock_api, operation).respond(200, json={"rawKey": RAW_KEY})

    if operation == "revoke":
        api.call(operation)  # revoke ignores its body
        return
    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.call(operation)
    assert caught.value.raw_key is None
    assert _carries(caught.value, TOKEN) == []
