"""Every failure a call can meet surfaces as one exception of the tree, saying what happened."""

from __future__ import annotations

import re

import httpx
import pytest
import respx

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys

from .conftest import BASE_URL, CREATED_JSON, KEY_JSON, ROUTES, Driver, operation_route

OPERATIONS = ["list", "create", "revoke"]

# Every error status the document lists, per operation.
DOCUMENTED_ERRORS = [
    ("list", 400, sdk.BadRequestError),  # a missing X-Workspace-ID header (see openapi.yaml)
    ("list", 401, sdk.AuthenticationError),
    ("create", 400, sdk.BadRequestError),
    ("create", 401, sdk.AuthenticationError),
    ("revoke", 400, sdk.BadRequestError),
    ("revoke", 401, sdk.AuthenticationError),
]


@pytest.mark.parametrize(("operation", "status", "error_class"), DOCUMENTED_ERRORS)
def test_documented_error_statuses(
    api: Driver,
    mock_api: respx.MockRouter,
    operation: str,
    status: int,
    error_class: type[sdk.APIStatusError],
) -> None:
    operation_route(mock_api, operation).respond(
        status, json={"error": "invalid api key"}, headers={"X-Request-ID": "req_42"}
    )

    with pytest.raises(error_class) as caught:
        api.call(operation)

    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.error == "invalid api key"
    assert error.request_id == "req_42"
    assert error.response.status_code == status
    method, path = ROUTES[operation]
    assert str(error) == (
        f"{method} /v1{path} failed: HTTP {status} {httpx.codes.get_reason_phrase(status)}:"
        " invalid api key (request id req_42)"
    )


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, sdk.BadRequestError),
        (401, sdk.AuthenticationError),
        (403, sdk.PermissionDeniedError),
        (404, sdk.NotFoundError),
        (409, sdk.ConflictError),
        (422, sdk.UnprocessableEntityError),
        (429, sdk.RateLimitError),
        (500, sdk.InternalServerError),
        (502, sdk.InternalServerError),
        (503, sdk.InternalServerError),
        (520, sdk.InternalServerError),  # Cloudflare's, unknown to http.HTTPStatus
        (499, sdk.APIStatusError),  # nginx's, unknown to http.HTTPStatus
        (418, sdk.APIStatusError),
        (302, sdk.APIStatusError),  # redirects are not followed
    ],
)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_status_to_exception_class(
    api: Driver,
    mock_api: respx.MockRouter,
    operation: str,
    status: int,
    error_class: type[sdk.APIStatusError],
) -> None:
    operation_route(mock_api, operation).respond(
        status, json={"error": "nope"}, headers={"Location": "https://elsewhere.test/"}
    )

    with pytest.raises(sdk.APIStatusError) as caught:
        api.call(operation, api.client(max_retries=0))

    assert type(caught.value) is error_class
    assert caught.value.status_code == status
    assert caught.value.error == "nope"
    assert caught.value.request_id is None


@pytest.mark.parametrize("operation", OPERATIONS)
def test_html_502_from_a_proxy(api: Driver, mock_api: respx.MockRouter, operation: str) -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    operation_route(mock_api, operation).respond(
        502, content=html, headers={"Content-Type": "text/html"}
    )

    with pytest.raises(sdk.InternalServerError) as caught:
        api.call(operation, api.client(max_retries=0))

    assert caught.value.error is None
    assert caught.value.response.content == html
    method, path = ROUTES[operation]
    message = f"{method} /v1{path} failed: HTTP 502 Bad Gateway"
    if operation == "create":
        # The server may have created the key before its proxy failed: say how to check.
        assert re.fullmatch(
            re.escape(
                message + "; the key may have been created anyway: look for a key named"
                " 'deploy' created since "
            )
            + r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
            + re.escape(" before creating it again"),
            str(caught.value),
        )
    else:
        assert str(caught.value) == message


@pytest.mark.parametrize("operation", OPERATIONS)
def test_go_router_plain_text_404(api: Driver, mock_api: respx.MockRouter, operation: str) -> None:
    operation_route(mock_api, operation).respond(
        404, text="404 page not found\n", headers={"Content-Type": "text/plain; charset=utf-8"}
    )

    with pytest.raises(sdk.NotFoundError) as caught:
        api.call(operation)

    assert caught.value.error is None
    # A wrong base_url ends here (the service answers no 404 of its own): the message says so.
    assert str(caught.value).endswith(
        "HTTP 404 Not Found: 404 page not found; check base_url (https://api.test/v1): the API"
        " Keys service answers no request with 404, so this path is not one of its"
    )


@pytest.mark.parametrize(
    ("text", "error_class"),
    [
        ("api key not found", sdk.KeyNotFoundError),  # the service's words (the seed's)
        ("API key not found", sdk.KeyNotFoundError),
        (" api key not found\n", sdk.KeyNotFoundError),
        ("api key not found in cache", sdk.BadRequestError),  # not the service's answer
        ("not found", sdk.BadRequestError),
        ("name is required", sdk.BadRequestError),
    ],
)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_services_not_found_answer_is_a_key_not_found_error(
    api: Driver,
    mock_api: respx.MockRouter,
    operation: str,
    text: str,
    error_class: type[sdk.BadRequestError],
) -> None:
    operation_route(mock_api, operation).respond(400, json={"error": text})

    with pytest.raises(sdk.BadRequestError) as caught:  # old code's except still catches it
        api.call(operation)

    assert type(caught.value) is error_class
    assert (caught.value.status_code, caught.value.error) == (400, text)


def test_key_not_found_is_only_a_400(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.delete("/api-keys/key_1").respond(404, json={"error": "api key not found"})

    with pytest.raises(sdk.APIStatusError) as caught:
        api.revoke("key_1")

    assert type(caught.value) is sdk.NotFoundError


def test_revoking_an_unknown_key_over_the_wire_is_a_key_not_found_error() -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    with (
        fake.serve() as base_url,
        sdk.ApiKeysClient(base_url=base_url, token=token, workspace_id="ws_1") as client,
        pytest.raises(sdk.KeyNotFoundError) as caught,
    ):
        client.api_keys.revoke("key_123")

    assert caught.value.error == "api key not found"
    assert str(caught.value) == (
        "DELETE /api-keys/key_123 failed: HTTP 400 Bad Request: api key not found"
        f" (request id {caught.value.request_id})"
    )


def test_a_401_about_the_workspace_names_the_workspace_sent() -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    with (
        fake.serve() as base_url,
        sdk.ApiKeysClient(base_url=base_url, token=token, workspace_id="ws_1") as client,
    ):
        with pytest.raises(sdk.AuthenticationError) as caught:
            client.with_workspace("ws_2").api_keys.list()
        with (
            sdk.ApiKeysClient(base_url=base_url, token="tok_unknown", workspace_id="ws_1") as bad,
            pytest.raises(sdk.AuthenticationError) as other,
        ):
            bad.api_keys.list()

    assert caught.value.error == "not a member of this workspace"
    assert str(caught.value) == (
        "GET /api-keys failed: HTTP 401 Unauthorized: not a member of this workspace (request id"
        f" {caught.value.request_id}); the workspace sent (X-Workspace-ID) was 'ws_2'"
    )
    # A 401 about the token says nothing about the workspace.
    assert "workspace" not in str(other.value)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe\x00", b'{"error": 5}', b"[1, 2]"])
def test_error_status_with_odd_body_is_still_typed(
    api: Driver, mock_api: respx.MockRouter, operation: str, body: bytes
) -> None:
    operation_route(mock_api, operation).respond(
        400, content=body, headers={"Content-Type": "application/json"}
    )

    with pytest.raises(sdk.BadRequestError) as caught:
        api.call(operation)

    assert caught.value.error is None


@pytest.mark.parametrize(
    ("operation", "body", "message"),
    [
        ("list", b"<html>oops</html>", "body is not JSON"),
        ("list", b"", "body is not JSON"),
        ("list", b'{"keys": []}', "expected a JSON array of ApiKey, got object"),
        ("list", b'[{"id": "k"}]', "item 0: ApiKey.name is required but missing"),
        ("list", b"[5]", "item 0: ApiKey: expected a JSON object, got number"),
        ("create", b"[]", "ApiKeyCreated: expected a JSON object, got array"),
        ("create", b"null", "ApiKeyCreated: expected a JSON object, got null"),
        ("create", b"\xff\xfe", "body is not JSON"),
    ],
)
def test_success_status_with_wrong_body(
    api: Driver, mock_api: respx.MockRouter, operation: str, body: bytes, message: str
) -> None:
    status = 201 if operation == "create" else 200
    operation_route(mock_api, operation).respond(
        status, content=body, headers={"X-Request-ID": "req_wrong_body"}
    )

    with pytest.raises(sdk.APIResponseValidationError, match=message) as caught:
        api.call(operation)

    assert caught.value.status_code == status
    assert caught.value.request_id == "req_wrong_body"
    assert caught.value.message == str(caught.value)
    assert caught.value.response.content == body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id", None, "ApiKey.id is null where the spec says string"),
        ("id", 123, "ApiKey.id is a JSON number where the spec says string"),
        ("name", ["x"], "ApiKey.name is a JSON array where the spec says string"),
        ("created_at", "yesterday", "ApiKey.created_at is not a valid RFC 3339 date-time"),
        ("created_at", 1714557600, "ApiKey.created_at is a JSON number where the spec says"),
        ("revoked_at", "not-a-date", "ApiKey.revoked_at is not a valid RFC 3339 date-time"),
        ("expires_at", 17, "ApiKey.expires_at is a JSON number where the spec says"),
        ("updated_at", None, "ApiKey.updated_at is null where the spec says"),
        (
            "scopes",
            "read",
            "ApiKey.scopes is a JSON string where the spec says array of string or null",
        ),
        ("scopes", ["read", 7], "ApiKey.scopes has an item that is not"),
        ("user_id", True, "ApiKey.user_id is a JSON boolean where the spec says string"),
    ],
)
def test_list_field_of_wrong_type_names_the_field(
    api: Driver, mock_api: respx.MockRouter, field: str, value: object, message: str
) -> None:
    mock_api.get("/api-keys").respond(200, json=[{**KEY_JSON, field: value}])

    with pytest.raises(sdk.APIResponseValidationError, match=message):
        api.list()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rawKey", None, "ApiKeyCreated.rawKey is null"),
        ("createdAt", "2024-13-45", "ApiKeyCreated.createdAt is not a valid RFC 3339 date-time"),
        ("expiresAt", "soon", "ApiKeyCreated.expiresAt is not a valid RFC 3339 date-time"),
        ("keyPrefix", 3.5, "ApiKeyCreated.keyPrefix is a JSON number"),
    ],
)
def test_created_field_of_wrong_type_names_the_wire_field(
    api: Driver, mock_api: respx.MockRouter, field: str, value: object, message: str
) -> None:
    mock_api.post("/api-keys").respond(201, json={**CREATED_JSON, field: value})

    with pytest.raises(sdk.APIResponseValidationError, match=message) as caught:
        api.create()

    # The raw key is not lost: it is still in the response the error carries.
    if field != "rawKey":
        assert CREATED_JSON["rawKey"].encode() in caught.value.response.content


@pytest.mark.parametrize("missing", ["id", "name", "keyPrefix", "rawKey", "createdAt"])
def test_created_missing_required_field(
    api: Driver, mock_api: respx.MockRouter, missing: str
) -> None:
    body = {k: v for k, v in CREATED_JSON.items() if k != missing}
    mock_api.post("/api-keys").respond(201, json=body)

    with pytest.raises(
        sdk.APIResponseValidationError, match=f"ApiKeyCreated.{missing} is required"
    ):
        api.create()


@pytest.mark.parametrize("missing", ["id", "name", "key_prefix", "created_at"])
def test_listed_key_missing_required_field(
    api: Driver, mock_api: respx.MockRouter, missing: str
) -> None:
    body = {k: v for k, v in KEY_JSON.items() if k != missing}
    mock_api.get("/api-keys").respond(200, json=[body])

    with pytest.raises(sdk.APIResponseValidationError, match=f"ApiKey.{missing} is required"):
        api.list()


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    ("raised", "error_class"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), sdk.APIConnectionError),
        (httpx.RemoteProtocolError("peer closed connection"), sdk.APIConnectionError),
        (httpx.ReadTimeout("timed out"), sdk.APITimeoutError),
        (httpx.ConnectTimeout("timed out"), sdk.APITimeoutError),
        (httpx.PoolTimeout("timed out"), sdk.APITimeoutError),
    ],
)
def test_transport_failures(
    api: Driver,
    mock_api: respx.MockRouter,
    operation: str,
    raised: Exception,
    error_class: type[sdk.APIConnectionError],
) -> None:
    operation_route(mock_api, operation).mock(side_effect=raised)

    with pytest.raises(error_class) as caught:
        api.call(operation, api.client(max_retries=0))

    assert type(caught.value) is error_class
    assert caught.value.message == str(caught.value)
    assert caught.value.request is not None
    assert caught.value.request.extensions["timeout"] == sdk.DEFAULT_TIMEOUT.as_dict()
    method, path = ROUTES[operation]
    verb = "timed out" if error_class is sdk.APITimeoutError else "failed"
    # The URL, the attempts made, what happened, the host and the timeouts, in one message.
    assert str(caught.value).startswith(
        f"{method} {BASE_URL}{path} {verb} after 1 attempt:"
        f" {type(raised).__name__}: {raised}"
        " (host api.test; timeouts: connect 5 s, read 30 s)"
    )
    never_sent = isinstance(raised, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    assert caught.value.may_have_been_sent is not never_sent
    ambiguous = "the key may have been created anyway" in str(caught.value)
    assert ambiguous == (operation == "create" and not never_sent)
    if not ambiguous:  # nothing else to say: the message ends with the settings
        assert str(caught.value).endswith(" (host api.test; timeouts: connect 5 s, read 30 s)")


def test_revoke_accepts_any_2xx_and_ignores_its_body(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    mock_api.delete("/api-keys/key_1").respond(200, content=b"<html>ok</html>")

    api.revoke("key_1")  # returns None, raises nothing


def test_closed_client_says_so(api: Driver, mock_api: respx.MockRouter) -> None:
    client = api.client()
    api.close(client)

    with pytest.raises(sdk.ApiKeysError, match="closed"):
        api.list(client)


def test_the_exceptions_defaults_for_code_that_builds_them() -> None:
    request = httpx.Request("GET", "https://api.test/api-keys")
    assert str(sdk.APIConnectionError(request=None)) == "Connection error."
    timeout = sdk.APITimeoutError(request=request)
    assert (timeout.message, timeout.may_have_been_sent, timeout.request) == (
        "Request timed out.",
        True,
        request,
    )
    never_left = sdk.APIConnectionError("refused", request=None, may_have_been_sent=False)
    assert (never_left.message, never_left.may_have_been_sent) == ("refused", False)
    assert sdk.APIConnectionError(request=None).may_have_been_sent is True
