"""Header values HTTP cannot carry are refused before anything is sent, without echoing them; one
header goes out per name, and the SDK's own Authorization and X-Workspace-ID are never replaced."""

from __future__ import annotations

import re

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import api_keys_client as sdk

from .conftest import BASE_URL, TOKEN, WORKSPACE, Driver

# (value, what the message says about it): each is a class of mistake a person makes pasting.
BAD_VALUES = [
    ("tok_\u201cabc\u201d", "U+201C (LEFT DOUBLE QUOTATION MARK) at position 4"),  # curly quotes
    ("caf\u00e9", "U+00E9 (LATIN SMALL LETTER E WITH ACUTE) at position 3"),
    ("key\U0001f511", "U+1F511 (KEY) at position 3"),
    ("a\u00a0b", "U+00A0 (NO-BREAK SPACE) at position 1"),
    ("a\u200bb", "U+200B (ZERO WIDTH SPACE) at position 1"),
    ("a\ue000b", "U+E000 at position 1"),  # a private-use character has no name to show
    ("a\tb", "U+0009 (a control character) at position 1"),
    ("a\x1b[31mb", "U+001B (a control character) at position 1"),
    ("a\x7fb", "U+007F (a control character) at position 1"),
    ("abc\r\nX-Evil: 1", "U+000D (a control character) at position 3"),
    ("abc\n", "U+000A (a control character) at position 3"),
    ("a\0b", "U+0000 (a control character) at position 1"),
    (" abc", "starts or ends with a space"),
    ("abc ", "starts or ends with a space"),
]


def _assert_refused_without_echo(
    caught: pytest.ExceptionInfo[sdk.InvalidArgumentError], value: str, what: str, says: str
) -> None:
    message = str(caught.value)
    assert message.startswith(what)
    assert says in message
    assert value not in message
    # Only the offending character may be named, never the text around it.
    assert value.strip() not in message
    assert "ab" not in message
    assert "tok_" not in message


@pytest.mark.parametrize(("value", "says"), BAD_VALUES)
@pytest.mark.parametrize("argument", ["token", "workspace_id"])
def test_settings_that_a_header_cannot_carry(
    api: Driver, mock_api: respx.MockRouter, argument: str, value: str, says: str
) -> None:
    route = mock_api.route()

    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.client(**{argument: value})

    if argument == "token" and value.strip(" ") != value:
        says = "a space at position"  # a token has no spaces anywhere
    _assert_refused_without_echo(caught, value, argument, says)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert not route.called


@pytest.mark.parametrize(("value", "says"), BAD_VALUES)
def test_extra_header_values_that_a_header_cannot_carry(api: Driver, value: str, says: str) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.client(headers={"X-Trace": value})

    _assert_refused_without_echo(caught, value, "header 'X-Trace'", says)


@pytest.mark.parametrize(("value", "says"), BAD_VALUES)
def test_with_workspace_refuses_what_a_header_cannot_carry(
    api: Driver, value: str, says: str
) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.client().with_workspace(value)

    _assert_refused_without_echo(caught, value, "workspace_id", says)


@pytest.mark.parametrize("token", ["tok en", "tok\u3000en"])
def test_a_token_has_no_spaces_at_all(api: Driver, token: str) -> None:
    with pytest.raises(sdk.InvalidArgumentError, match="token contains") as caught:
        api.client(token=token)
    assert "tok" not in str(caught.value).removeprefix("token contains")


def test_spaces_inside_other_values_are_fine(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.get("/api-keys").respond(200, json=[])

    api.list(api.client(workspace_id="team one", headers={"X-Note": "a b  c"}))

    assert route.calls.last.request.headers["x-workspace-id"] == "team one"
    assert route.calls.last.request.headers["x-note"] == "a b  c"


@pytest.mark.parametrize("name", ["X Evil", "", "X:Y", "X-\u00fc", "X\r\nEvil", "(x)"])
def test_invalid_header_names_are_refused(api: Driver, name: str) -> None:
    with pytest.raises(sdk.InvalidArgumentError, match="is not a valid HTTP header name"):
        api.client(headers={name: "v"})


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Authorization", "pass token= instead"),
        ("authorization", "pass token= instead"),
        ("AUTHORIZATION", "pass token= instead"),
        ("x-workspace-id", "pass workspace_id= or use with_workspace() instead"),
        ("X-Workspace-Id", "pass workspace_id= or use with_workspace() instead"),
        ("Content-Type", "the SDK sends JSON"),
        ("content-length", "httpx computes it"),
        ("Transfer-Encoding", "httpx frames the body"),
        ("host", "it comes from base_url"),
    ],
)
def test_the_sdks_own_headers_are_never_replaced(api: Driver, name: str, reason: str) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.client(headers={name: "Bearer other"})

    assert str(caught.value).startswith(f"header {name!r} is set by the SDK itself: {reason}")


def test_two_spellings_of_one_name_are_refused(api: Driver) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.client(headers={"X-Trace": "1", "x-trace": "2"})

    assert str(caught.value) == (
        "headers has 'X-Trace' and 'x-trace': header names are case-insensitive"
    )


def _names(request: httpx.Request) -> list[str]:
    return [name.decode().lower() for name, _ in request.headers.raw]


@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_one_header_per_name_and_the_callers_default_wins(
    api: Driver, mock_api: respx.MockRouter, operation: str
) -> None:
    route = mock_api.route().respond(200, json=[])
    if operation == "create":
        route.respond(
            201,
            json={
                "id": "k",
                "name": "n",
                "keyPrefix": "p",
                "rawKey": "r",
                "createdAt": "2024-05-01T10:00:00Z",
            },
        )
    client = api.client(headers={"user-agent": "mine/1.0", "ACCEPT": "application/json; v=2"})

    api.call(operation, client)

    request = route.calls.last.request
    names = _names(request)
    assert len(names) == len(set(names)), names
    assert request.headers["user-agent"] == "mine/1.0"
    assert request.headers["accept"] == "application/json; v=2"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-workspace-id"] == WORKSPACE


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_caller_built_pool_cannot_replace_the_token(flavour: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    pool_headers = {"authorization": "Bearer someone-else", "x-workspace-id": "ws_other"}
    if flavour == "sync":
        with httpx.Client(transport=httpx.MockTransport(handler), headers=pool_headers) as pool:
            sdk.ApiKeysClient(
                base_url=BASE_URL, token=TOKEN, workspace_id=WORKSPACE, http_client=pool
            ).api_keys.list()
    else:
        import asyncio  # noqa: PLC0415

        async def run() -> None:
            async with httpx.AsyncClient(
                transport=httpx.MockTransport(handler), headers=pool_headers
            ) as pool:
                await sdk.AsyncApiKeysClient(
                    base_url=BASE_URL, token=TOKEN, workspace_id=WORKSPACE, http_client=pool
                ).api_keys.list()

        asyncio.run(run())

    (request,) = seen
    names = _names(request)
    assert len(names) == len(set(names)), names
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-workspace-id"] == WORKSPACE


header_text = st.text(max_size=12)
# Every way a construction can be refused; none of them has room for a value.
# A header's name is shown as its repr: in single quotes, or in double quotes when it holds one.
_NAME = r"""('.*'|".*")"""
REFUSALS = re.compile(
    rf"(token|workspace_id|header {_NAME}) contains (a space|U\+[0-9A-F]{{4,6}}( \(.*\))?)"
    r" at position \d+, which an HTTP header cannot carry"
    r"(; a pasted value may have picked up a curly quote)?"
    rf"|(token|workspace_id|header {_NAME}) starts or ends with a space, which HTTP would drop"
    r"|.* (is|are) required: pass .*"
    rf"|header name {_NAME} is not a valid HTTP header name"
    rf"|header {_NAME} is set by the SDK itself: .*",
    re.DOTALL,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=header_text, workspace=header_text, name=header_text, value=header_text)
def test_any_text_is_sent_or_refused_never_a_stray_exception(
    mock_api: respx.MockRouter, token: str, workspace: str, name: str, value: str
) -> None:
    mock_api.get("/api-keys").respond(200, json=[])
    refused: sdk.InvalidArgumentError | None = None
    try:
        client = sdk.ApiKeysClient(
            base_url=BASE_URL, token=token, workspace_id=workspace, headers={name: value}
        )
    except sdk.InvalidArgumentError as caught:
        refused = caught
    if refused is not None:
        assert REFUSALS.fullmatch(str(refused)), str(refused)
        return
    with client:
        assert client.api_keys.list() == []
