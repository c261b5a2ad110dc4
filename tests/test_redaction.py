"""The token is redacted in every spelling a server could echo it in: as it is, JSON-escaped as Go
writes it (`\\u0026`, `\\u003c`, `\\u003e`) or as any encoder may (`\\uXXXX` in either case,
`\\/`), and percent-encoded; in messages and in the response an exception keeps (`.content`,
`.text`, `.json()`, headers, the status line's reason). A short token is redacted only where it
stands alone, so that ordinary words survive."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from urllib.parse import quote

import pytest

import api_keys_client as sdk
from api_keys_client._redaction import SUBSTRING_MIN, Redactor

from .conftest import Driver
from .faultserver import FaultServer, Request, answer, response_bytes, running
from .test_secrets import _texts

# A token with the characters Go's JSON escapes and a slash.
TOKEN = "tok_live&<abc>/0123456789_xyz"


def go_json(text: str) -> str:
    """A JSON string as Go's encoding/json writes it."""
    return json.dumps(text).replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def spellings(token: str) -> list[str]:
    """The ways a server may echo `token`, as this test knows them (not as the SDK does)."""
    escaped = "".join(f"\\u{ord(char):04x}" for char in token)
    return [
        token,
        go_json(token)[1:-1],
        json.dumps(token)[1:-1].replace("/", "\\/"),
        escaped,
        escaped.upper().replace("\\U", "\\u"),
        quote(token, safe=""),
        quote(token, safe="").lower(),
    ]


@pytest.mark.parametrize("spelling", spellings(TOKEN))
def test_each_spelling_is_redacted_in_text_and_bytes(spelling: str) -> None:
    redactor = Redactor(TOKEN)
    text = f"before {spelling} after"

    assert redactor.text(text) == "before [redacted] after"
    assert redactor.bytes(text.encode()) == b"before [redacted] after"


def test_spellings_may_mix_within_one_echo() -> None:
    mixed = "tok_live\\u0026%3Cabc\\u003E\\/0123456789_xyz"

    assert Redactor(TOKEN).text(f"[{mixed}]") == "[[redacted]]"


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("the last request failed", "the last request failed"),
        ("la", "[redacted]"),
        ("token=la&next=1", "token=[redacted]&next=1"),
        ('{"token": "la"}', '{"token": "[redacted]"}'),
        ("Bearer la.", "Bearer [redacted]."),
        ("lab and glass and la_x", "lab and glass and la_x"),
        ("la-la land", "la-la land"),
        ("d\u00e9j\u00e0 la\u00efque", "d\u00e9j\u00e0 la\u00efque"),
        ("token%3Dla", "token%3D[redacted]"),  # a percent escape before it is a boundary
        ("x\\u003dla", "x\\u003d[redacted]"),
        ("%6C%61 echoed", "[redacted] echoed"),
    ],
)
def test_a_short_token_is_redacted_only_where_it_stands_alone(text: str, redacted: str) -> None:
    assert Redactor("la").text(text) == redacted


def test_a_long_token_is_redacted_even_inside_a_word() -> None:
    token = "a" * SUBSTRING_MIN
    assert Redactor(token).text(f"x{token}y") == "x[redacted]y"


# -- through a server that echoes the token ------------------------------------------------------


def _echoing(request: Request) -> bytes:
    token = request[2]["authorization"].removeprefix("Bearer ")
    body = '{"error": "bad token ' + go_json(token)[1:-1] + '", "seen": ' + go_json(token) + "}"
    head = (
        f"HTTP/1.1 401 token {token}\r\n"
        f"Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Location: https://elsewhere.test/?t={quote(token, safe='')}\r\n"
        f"X-Echo: {json.dumps(token)[1:-1].replace('/', chr(92) + '/')}\r\n\r\n"
    )
    return head.encode() + body.encode()


@pytest.fixture
def echo() -> Iterator[FaultServer]:
    with running(answer(_echoing)) as server:
        yield server


def _leaks(error: BaseException, token: str) -> list[str]:
    found = []
    for text in _texts(error):
        found += [spelling for spelling in spellings(token) if spelling in text]
    return found


@pytest.mark.parametrize("operation", ["list", "create", "revoke"])
def test_an_echoed_token_leaves_no_trace_on_the_error(
    api: Driver, echo: FaultServer, operation: str
) -> None:
    client = api.client(base_url=echo.url, token=TOKEN, max_retries=0)

    with pytest.raises(sdk.AuthenticationError) as caught:
        api.call(operation, client)

    error = caught.value
    response = error.response
    assert _leaks(error, TOKEN) == []
    assert error.error == "bad token [redacted]"
    assert response.json() == {"error": "bad token [redacted]", "seen": "[redacted]"}
    assert "[redacted]" in response.text
    assert response.reason_phrase == "token [redacted]"
    assert response.headers["x-echo"] == "[redacted]"
    assert response.headers["location"] == "https://elsewhere.test/?t=[redacted]"
    pickled = pickle.dumps(error).decode("latin-1")
    assert [spelling for spelling in spellings(TOKEN) if spelling in pickled] == []


def test_a_success_that_does_not_validate_is_scrubbed_too(api: Driver) -> None:
    def echo_in_a_listing(request: Request) -> bytes:
        body = '{"keys": "' + go_json(TOKEN)[1:-1] + '"}'
        return response_bytes(200, body.encode())

    with running(answer(echo_in_a_listing)) as server:
        client = api.client(base_url=server.url, token=TOKEN, max_retries=0)
        with pytest.raises(sdk.APIResponseValidationError) as caught:
            api.list(client)

    assert _leaks(caught.value, TOKEN) == []
    assert caught.value.response.json() == {"keys": "[redacted]"}


def test_a_short_token_leaves_the_servers_words_alone(api: Driver) -> None:
    def answer_in_words(request: Request) -> bytes:
        body = json.dumps({"error": "the last request for la was refused"}).encode()
        return response_bytes(403, body)

    with running(answer(answer_in_words)) as server:
        client = api.client(base_url=server.url, token="la", max_retries=0)
        with pytest.raises(sdk.PermissionDeniedError) as caught:
            api.list(client)

    assert caught.value.error == "the last request for [redacted] was refused"
    assert "the last request for [redacted] was refused" in caught.value.message
