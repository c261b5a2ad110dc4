"""The paths a fuzzer found where the token still escaped, and a fuzzer of our own over them.

Whatever an error keeps (every copy of a request or response: `next_request`, `history`), the
header names as well as values, the INFO log's request id, text that was case-folded on the
way, and the chain of exceptions (hidden contexts too): no spelling of the token, in any case.
Messages built from server text carry no raw control character, C1 included."""

from __future__ import annotations

import json
import logging
import pickle
import re
import socket
import time
import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import api_keys_client as sdk

from .conftest import Driver
from .faultserver import Behaviour, FaultServer, Request, answer, respond, response_bytes, running
from .secret_oracle import reachable, token_places

# Upper and lower case both: what carries the token may fold it.
TOKEN = "tok_Live_ABCdefGHIjklMNOPqr"


def spellings(token: str) -> list[str]:
    """The ways a server may echo the token (this test's own list), and each lower-cased."""
    escaped = "".join(f"\\u{ord(char):04x}" for char in token)
    forms = [token, escaped, quote(token, safe=""), json.dumps(token)[1:-1]]
    return sorted({form for spelled in forms for form in (spelled, spelled.lower())})


def _leaks(data: bytes | str) -> list[str]:
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    return [form for form in spellings(TOKEN) if form.lower() in text.lower()]


def _chain(error: BaseException) -> Iterator[BaseException]:
    """Every exception reachable from `error`, hidden contexts included."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]


def _kept_text(error: BaseException) -> str:
    """All an error keeps, as its pickle and each chained exception's repr and args show it."""
    parts = [pickle.dumps(error).decode("latin-1")]
    for link in _chain(error):
        parts += [repr(link), str(link), *map(repr, link.args), *map(repr, vars(link).values())]
    return "\n".join(parts)


def _fails(api: Driver, url: str, operation: str = "list", **options: object) -> sdk.ApiKeysError:
    client = api.client(base_url=url, token=TOKEN, max_retries=0, **options)
    with pytest.raises(sdk.ApiKeysError) as caught:
        api.call(operation, client)
    return caught.value


def _fails_over_a_socket(
    api: Driver,
    behaviour: Behaviour,
    *,
    pool: str = "own",
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    **options: object,
) -> sdk.ApiKeysError:
    """_fails against a server that answers with `behaviour`, on the SDK's own pool or on a
    caller's http_client (made with `headers` and `cookies`, closed after)."""
    http_client: httpx.Client | httpx.AsyncClient | None = None
    if pool == "caller":
        http_client = (
            httpx.Client(headers=headers, cookies=cookies)
            if api.flavour == "sync"
            else httpx.AsyncClient(headers=headers, cookies=cookies)
        )
    with running(behaviour) as server:
        error = _fails(api, server.url, "list", http_client=http_client, **options)
    if isinstance(http_client, httpx.Client):
        http_client.close()
    elif http_client is not None:
        api.run(http_client.aclose())
    return error


# -- 1. every copy of the request an error keeps --------------------------------------------------


@pytest.mark.parametrize(
    "location",
    ["/login", f"http://user:{TOKEN}@127.0.0.1:9/login", f"/login?token={TOKEN}"],
    ids=["same-origin", "userinfo", "query"],
)
@pytest.mark.parametrize("pool", ["own", "caller"])
def test_a_redirect_keeps_no_request_with_the_token(api: Driver, location: str, pool: str) -> None:
    error = _fails_over_a_socket(api, respond(308, b"", {"Location": location}), pool=pool)

    assert isinstance(error, sdk.APIStatusError)
    assert error.response.next_request is None  # httpx's unfollowed redirect, token and all
    assert all(
        earlier.request.headers.get("authorization") != f"Bearer {TOKEN}"
        for earlier in error.response.history
    )
    assert _leaks(_kept_text(error)) == []


# Answers over a real socket: httpcore's stream keeps the request as sent, token and all.
_SOCKET_ANSWERS = {
    "401": (401, b'{"error": "invalid token"}', {}),
    "302": (302, b"", {"Location": "/login"}),
    "200 not JSON": (200, b"[{", {}),
    "429 echoing": (429, json.dumps({"error": TOKEN}).encode(), {"Retry-After": "9999"}),
}


@pytest.mark.parametrize("answer", list(_SOCKET_ANSWERS))
@pytest.mark.parametrize("pool", ["own", "caller"])
def test_nothing_reachable_from_an_error_holds_the_token_or_a_connection(
    api: Driver, answer: str, pool: str
) -> None:
    status, body, headers = _SOCKET_ANSWERS[answer]
    error = _fails_over_a_socket(api, respond(status, body, headers), pool=pool)

    assert isinstance(error, sdk.APIStatusError | sdk.APIResponseValidationError)
    assert token_places(error, TOKEN) == []  # every object the error keeps alive, walked by gc
    # ... and none of httpcore's: an error kept in a log or a result backend pins no pool.
    assert not [kept for kept in reachable(error) if type(kept).__module__.startswith("httpcore")]
    kept = body.replace(TOKEN.encode(), b"[redacted]")
    assert error.response.content == kept  # the body is still there to read, once or again
    assert b"".join(error.response.iter_bytes()) == kept


def _stall(sock: socket.socket) -> bool:
    time.sleep(1.0)
    return False


@pytest.mark.parametrize("answer", ["401", "timeout"])
def test_a_callers_cookies_and_proxy_credentials_are_masked_on_what_an_error_keeps(
    api: Driver, answer: str
) -> None:
    # The caller's own secrets, which their http_client adds to every request it sends.
    secrets = {"proxy": "c2VjcmV0cHJveHljcmVkZW50aWFs", "cookie": "s3ssion0f0the0caller"}
    behaviour = _stall if answer == "timeout" else respond(401, b'{"error": "invalid token"}')
    error = _fails_over_a_socket(
        api,
        behaviour,
        pool="caller",
        headers={"Proxy-Authorization": f"Basic {secrets['proxy']}"},
        cookies={"session": secrets["cookie"]},
        timeout=0.3,
    )

    for secret in secrets.values():
        assert token_places(error, secret) == []
    if isinstance(error, sdk.APIStatusError):
        kept = error.response.request
    else:
        assert isinstance(error, sdk.APITimeoutError)
        assert error.request is not None
        kept = error.request
    assert (kept.headers["cookie"], kept.headers["proxy-authorization"]) == ("[redacted]",) * 2


# -- 2 and 4. header names, and case-folded text -------------------------------------------------


def _echo_everywhere(request: Request) -> bytes:
    token = request[2]["authorization"].removeprefix("Bearer ")
    return response_bytes(
        401,
        b'{"error": "no"}',
        {
            "Content-Type": "application/json",
            token: "an echoed header name",  # httpx lower-cases names
            "X-Lowered": token.lower(),
            "X-Request-ID": f"req {token} {quote(token, safe='')} {json.dumps(token)[1:-1]}",
            "Location": f"https://{token.lower()}.example/",
        },
    )


@pytest.fixture
def echo() -> Iterator[FaultServer]:
    with running(answer(_echo_everywhere)) as server:
        yield server


def test_echoed_names_and_folded_values_are_redacted_everywhere(
    api: Driver, echo: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="api_keys_client")
    error = _fails(api, echo.url)

    assert isinstance(error, sdk.AuthenticationError)
    assert _leaks(_kept_text(error)) == []
    assert _leaks(" ".join(f"{k}: {v}" for k, v in error.response.headers.multi_items())) == []
    assert _leaks(caplog.text) == []  # INFO's request id, DEBUG's header names
    assert "[redacted]" in caplog.text


def test_an_unknown_encoding_quoted_lower_case_is_redacted(api: Driver) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": TOKEN.lower()}
    with running(respond(200, b"[]", headers)) as server:
        error = _fails(api, server.url)

    assert isinstance(error, sdk.APIResponseValidationError)
    assert _leaks(_kept_text(error)) == []


# -- 5. the hidden chain ------------------------------------------------------------------------

LARGE = 1_000_000


@pytest.mark.parametrize(
    "body",
    [
        b"not json " + TOKEN.encode() + b" " + b"x" * LARGE,  # the JSON error keeps it whole
        b"\xff\xfe" + TOKEN.encode() + b"\xff" * LARGE,  # the UTF-8 error keeps the bytes
        json.dumps([{"id": "k", "created_at": f"{TOKEN}T00:00:00Z"}]).encode(),  # fromisoformat
    ],
    ids=["not-json", "not-utf-8", "bad-timestamp"],
)
def test_a_kept_chain_is_as_clean_as_the_error(api: Driver, body: bytes) -> None:
    with running(respond(200, body)) as server:
        error = _fails(api, server.url)

    assert isinstance(error, sdk.APIResponseValidationError)
    chain = list(_chain(error))
    assert chain == [error]  # nothing chained, not even a context hidden by `from None`
    assert _leaks(_kept_text(error)) == []


# -- 7. control characters in messages from server text ------------------------------------------

CONTROLS = "\x1b[31m\x9b2J\x85\x07"


def _raw_controls(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c == "\u202e"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": f"text/html{CONTROLS}"},
        {"Content-Type": f"application/json; charset=latin{CONTROLS}"},
        {"Content-Type": "application/json", "Content-Encoding": f"x{CONTROLS}"},
    ],
    ids=["content-type", "charset", "content-encoding"],
)
def test_server_text_in_a_message_is_escaped(api: Driver, headers: dict[str, str]) -> None:
    body = b"\xff not json" if "charset" in headers["Content-Type"] else b"<html>"
    with running(respond(200, body, headers)) as server:
        error = _fails(api, server.url)

    assert _raw_controls(str(error)) == []
    if "Content-Encoding" not in headers:  # the decoders name an unknown one without its text
        assert "\\x9b" in str(error)


# -- a fuzzer over answers, with the promises as its oracle ---------------------------------------

_TOKEN_FORMS = st.sampled_from(spellings(TOKEN))
_TEXT = st.one_of(
    _TOKEN_FORMS,
    st.text(alphabet=st.characters(codec="latin-1"), max_size=12),
    st.builds(lambda a, t, b: a + t + b, st.text(max_size=3), _TOKEN_FORMS, st.text(max_size=3)),
)
_NAME = st.one_of(
    st.just(TOKEN), st.just(TOKEN.lower()), st.from_regex(r"X-[A-Za-z]{1,8}", fullmatch=True)
)


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1").replace("\r", "").replace("\n", "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    status=st.sampled_from([200, 201, 204, 301, 308, 400, 401, 404, 429, 500, 503]),
    headers=st.lists(st.tuples(_NAME, _TEXT), max_size=4),
    content_type=st.one_of(st.none(), _TEXT.map(lambda t: f"application/json; charset={t}")),
    body=st.one_of(
        _TEXT.map(str.encode),
        st.binary(max_size=40),
        _TOKEN_FORMS.map(lambda t: json.dumps({"error": t, "rawKey": 1}).encode()),
    ),
    operation=st.sampled_from(["list", "create", "revoke"]),
)
def test_no_answer_puts_the_token_anywhere(
    status: int,
    headers: list[tuple[str, str]],
    content_type: str | None,
    body: bytes,
    operation: str,
) -> None:
    raw_headers = [(name.encode(), _latin1(value).encode("latin-1")) for name, value in headers]
    if content_type is not None:
        raw_headers.append((b"content-type", _latin1(content_type).encode("latin-1")))
    if status in (301, 308):
        raw_headers.append((b"location", f"/next?t={TOKEN}".encode()))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=raw_headers, content=body)

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("api_keys_client")
    keep, level = Keep(), logger.level
    logger.addHandler(keep)
    logger.setLevel(logging.DEBUG)
    try:
        with httpx.Client(transport=httpx.MockTransport(handler)) as pool:
            client = sdk.ApiKeysClient(
                base_url="http://127.0.0.1:9",
                token=TOKEN,
                workspace_id="ws_1",
                http_client=pool,
                max_retries=0,
            )
            try:
                if operation == "list":
                    client.api_keys.list()
                elif operation == "create":
                    client.api_keys.create(name="fuzzed")
                else:
                    client.api_keys.revoke("key_1")
            except sdk.ApiKeysError as error:  # some answers are a success: no error to check
                failed: sdk.ApiKeysError | None = error
            else:
                failed = None
            if failed is not None:
                assert _leaks(_kept_text(failed)) == []
                assert token_places(failed, TOKEN) == []
                assert _raw_controls(failed.message) == []
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
    assert _leaks("\n".join(records)) == []
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "\n".join(records))
