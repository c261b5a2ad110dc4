"""Errors that guide: each message says what happened and what to do, in words a person can act
on, with server text escaped and nothing secret."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

import api_keys_client as sdk

from .conftest import BASE_URL, ROUTES, TOKEN, Driver, operation_route

OPERATIONS = ["list", "create", "revoke"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("https://elsewhere.test/v2/api-keys", "https://elsewhere.test/v2/api-keys"),
        # Credentials and the query (where signed URLs keep theirs) are left out.
        (
            f"https://admin:{TOKEN}@elsewhere.test/v2/api-keys?sig={TOKEN}#frag",
            "https://elsewhere.test/v2/api-keys",
        ),
        ("/v2/api-keys", "https://api.test/v2/api-keys"),  # relative to the request
        ("//other.test/x", "https://other.test/x"),
        ("https://evil.test/%1b[2Jpath", "https://evil.test/%1b[2Jpath"),
    ],
)
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_says_where_it_pointed_and_why_it_was_not_followed(
    api: Driver,
    mock_api: respx.MockRouter,
    operation: str,
    status: int,
    location: str,
    shown: str,
) -> None:
    operation_route(mock_api, operation).respond(status, headers={"Location": location})

    with pytest.raises(sdk.APIStatusError) as caught:
        api.call(operation)

    message = str(caught.value)
    method, path = ROUTES[operation]
    assert message.startswith(
        f"{method} /v1{path} failed: HTTP {status} {httpx.codes.get_reason_phrase(status)}"
    )
    assert (
        f"; it redirects to {shown}, which is not followed so that the token stays with"
        " base_url: set base_url to the new address if you trust it"
    ) in message
    assert TOKEN not in message
    assert "admin" not in message
    assert "\x1b" not in message


@pytest.mark.parametrize(
    "location", ["https://evil.test/\x1b[2Jpath", "http://[::1", "https://xn--a/"]
)
def test_a_redirect_to_an_invalid_url_is_the_status_it_is(
    api: Driver, mock_api: respx.MockRouter, location: str
) -> None:
    # httpx builds the redirect of every 3xx, followed or not, and calls one whose Location is
    # not a URL a protocol error (httpx2 does not): the SDK's own pool hands the answer over as
    # it is, on both, and says the address is not valid.
    mock_api.get("/api-keys").respond(302, headers={"Location": location})

    with pytest.raises(sdk.APIStatusError) as caught:
        api.list(api.client(max_retries=0))

    assert caught.value.status_code == 302
    assert "it redirects to an address that is not a valid URL" in str(caught.value)
    assert "\x1b" not in str(caught.value)


def test_on_a_callers_pool_httpx_itself_refuses_such_a_redirect(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    """Documented: a caller's pool is not the SDK's to change, so there httpx's own reading
    stands (a protocol error), and httpx2's (the answer)."""
    mock_api.get("/api-keys").respond(302, headers={"Location": "http://[::1"})
    pool: Any = httpx.Client() if api.flavour == "sync" else httpx.AsyncClient()

    with pytest.raises(sdk.ApiKeysError) as caught:
        api.list(api.client(max_retries=0, http_client=pool))

    if httpx.__name__ == "httpx2":
        assert isinstance(caught.value, sdk.APIStatusError)
    else:
        assert isinstance(caught.value, sdk.APIConnectionError)
        assert "RemoteProtocolError: Invalid URL in location header" in str(caught.value)


def test_a_redirect_without_location_says_redirects_are_not_followed(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    mock_api.get("/api-keys").respond(302)

    with pytest.raises(sdk.APIStatusError) as caught:
        api.list()

    assert str(caught.value) == (
        "GET /v1/api-keys failed: HTTP 302 Found; redirects are not followed"
    )


@pytest.mark.parametrize(
    ("operation", "status", "retry_after", "asked"),
    [
        ("list", 503, "120", "120"),
        ("list", 429, "61", "61"),
        ("revoke", 503, "3600", "3600"),
        ("create", 429, "90.5", "90.5"),  # create retries a 429: nothing was done
    ],
)
def test_a_retry_after_too_long_says_why_it_was_not_waited_for(
    api: Driver,
    mock_api: respx.MockRouter,
    operation: str,
    status: int,
    retry_after: str,
    asked: str,
    sleeps: list[float],
) -> None:
    route = operation_route(mock_api, operation).respond(
        status, headers={"Retry-After": retry_after}
    )

    with pytest.raises(sdk.APIStatusError) as caught:
        api.call(operation)

    assert route.call_count == 1
    assert sleeps == []
    assert str(caught.value).endswith(
        f"; the server asked to retry after {asked} s, longer than the 60 s this client waits,"
        " so it was not retried"
    )


@pytest.mark.parametrize("max_retries", [0, 2])
def test_no_retry_after_note_when_it_was_not_the_reason(
    api: Driver, mock_api: respx.MockRouter, max_retries: int
) -> None:
    # create never retries a 503 (the key may exist), and with max_retries=0 nothing retries:
    # the long Retry-After changed nothing, so the message does not blame it.
    mock_api.post("/api-keys").respond(503, headers={"Retry-After": "120"})
    mock_api.get("/api-keys").respond(503, headers={"Retry-After": "120"})

    with pytest.raises(sdk.APIStatusError) as created:
        api.create(api.client(max_retries=max_retries))
    assert "asked to retry" not in str(created.value)

    if max_retries == 0:
        with pytest.raises(sdk.APIStatusError) as listed:
            api.list(api.client(max_retries=0))
        assert "asked to retry" not in str(listed.value)


def test_status_errors_after_retries_say_how_many_attempts(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    mock_api.get("/api-keys").respond(503, json={"error": "down for maintenance"})

    with pytest.raises(sdk.InternalServerError) as caught:
        api.list()

    assert str(caught.value) == (
        "GET /v1/api-keys failed: HTTP 503 Service Unavailable: down for maintenance"
        " (after 3 attempts)"
    )


@pytest.mark.parametrize(
    ("server_text", "shown"),
    [
        ("bad\x1b[2J\x1b]0;owned\x07name", "bad\\x1b[2J\\x1b]0;owned\\x07name"),
        ("line one\r\nline two", "line one\\r\\nline two"),
        ("\u202eevil", "\\u202eevil"),
        ("csi\x9b31m", "csi\\x9b31m"),
    ],
)
def test_server_text_is_escaped_in_messages_and_exact_on_error(
    api: Driver, mock_api: respx.MockRouter, server_text: str, shown: str
) -> None:
    mock_api.get("/api-keys").respond(
        400, json={"error": server_text}, headers={"X-Request-ID": "req_\x1b[1m"}
    )

    with pytest.raises(sdk.BadRequestError) as caught:
        api.list()

    assert str(caught.value) == (
        f"GET /v1/api-keys failed: HTTP 400 Bad Request: {shown} (request id req_\\x1b[1m)"
    )
    assert caught.value.error == server_text  # the attribute keeps the server's exact words


def test_plain_text_bodies_are_escaped_too(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").respond(
        404, content=b"no\x1b[31m route", headers={"Content-Type": "text/plain"}
    )

    with pytest.raises(sdk.NotFoundError) as caught:
        api.list()

    assert str(caught.value) == (
        "GET /v1/api-keys failed: HTTP 404 Not Found: no\\x1b[31m route; check base_url"
        f" ({BASE_URL}): the API Keys service answers no request with 404, so this path is not"
        " one of its"
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (413, "HTTP 413 Content Too Large"),
        (414, "HTTP 414 URI Too Long"),
        (416, "HTTP 416 Range Not Satisfiable"),
        (422, "HTTP 422 Unprocessable Content"),
        (418, "HTTP 418 I'm a teapot"),
    ],
)
def test_statuses_are_named_as_rfc_9110_names_them(
    api: Driver, mock_api: respx.MockRouter, status: int, words: str
) -> None:
    """The same words on httpx (which keeps RFC 7231's older names) and httpx2 (RFC 9110's)."""
    mock_api.get("/api-keys").respond(status)

    with pytest.raises(sdk.APIStatusError) as caught:
        api.list(api.client(max_retries=0))

    assert words.lower() in str(caught.value).lower()
