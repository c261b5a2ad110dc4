"""Bodies Python's json refuses (nested past the recursion limit, not UTF-8, a wrong charset) are
APIResponseValidationErrors, never a RecursionError or a UnicodeDecodeError; after a create, a
raw key the body plainly carries is recovered even when the whole body cannot be decoded. Real
sockets, sync and async; and the real CLI, which must deliver that key without a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

import api_keys_client as sdk
from api_keys_client._json import MAX_DEPTH, nested_deeper_than, raw_key_in

from .conftest import CREATED_JSON, KEY_JSON, RAW_KEY, TOKEN, Driver
from .faultserver import FaultServer, respond, running

CREATED_PREFIX = json.dumps(CREATED_JSON)[:-1]  # the created key's JSON, its object still open


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(200, b"[]")) as fault_server:
        yield fault_server


def _fails(api: Driver, server: FaultServer, operation: str) -> sdk.APIResponseValidationError:
    client = api.client(base_url=server.url, max_retries=0)
    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.call(operation, client)
    return caught.value


@pytest.mark.parametrize("depth", [2_000, 10_000])
def test_a_listing_nested_too_deep(api: Driver, server: FaultServer, depth: int) -> None:
    server.script(respond(200, nested(depth)))

    error = _fails(api, server, "list")

    assert "HTTP 200 body is not JSON (application/json): it is nested deeper than" in error.message
    chained = [error.__cause__, error.__context__, getattr(error.__context__, "__context__", None)]
    assert not any(isinstance(link, RecursionError) for link in chained)  # none rides along
    assert error.__cause__ is None
    assert error.__context__ is None  # not even hidden (raised from None keeps it)


# 128 and 300 levels: past the SDK's limit, below any Python's; 2,000 and 10,000: past 3.11's.
@pytest.mark.parametrize("depth", [MAX_DEPTH, 300, 2_000, 10_000])
def test_a_create_nested_too_deep_still_gives_its_raw_key(
    api: Driver, server: FaultServer, depth: int
) -> None:
    body = (CREATED_PREFIX + ', "debug": ').encode() + nested(depth) + b"}"
    server.script(respond(201, body))

    error = _fails(api, server, "create")

    assert error.raw_key == RAW_KEY
    assert "it is nested deeper than this client decodes (more than 128 levels)" in error.message
    assert "the key was created, and its raw key, read from the answer, is on this error's" in (
        error.message
    )


def test_the_depth_limit_is_the_sdks_own_on_every_python(api: Driver, server: FaultServer) -> None:
    """Python 3.11's json stops near 1,000 levels, 3.13's goes far past 2,000: the SDK draws the
    line itself, at MAX_DEPTH, so the same body gets the same answer everywhere, and no value
    deep enough to break a later copy or pickle of a key ever reaches one."""
    assert MAX_DEPTH == 128
    # The listing is level 1 and the key level 2, so its unknown field may nest 126 more.
    fits = json.dumps([{**KEY_JSON, "debug": json.loads(nested(MAX_DEPTH - 2))}]).encode()
    too_deep = json.dumps([{**KEY_JSON, "debug": json.loads(nested(MAX_DEPTH - 1))}]).encode()
    server.script(respond(200, fits), respond(200, too_deep))
    client = api.client(base_url=server.url, max_retries=0)

    (key,) = api.list(client)
    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.list(client)

    assert key.additional_properties["debug"] == json.loads(nested(MAX_DEPTH - 2))
    assert caught.value.message == (
        "HTTP 200 body is not JSON (application/json): it is nested deeper than this client"
        " decodes (more than 128 levels)"
    )


@pytest.mark.parametrize(
    ("value", "levels", "deeper"),
    [
        (1, 0, False),
        ([], 0, True),
        ([], 1, False),
        ({"a": [{"b": []}]}, 4, False),
        ({"a": [{"b": []}]}, 3, True),
        ([1, "x", [2, [3]], {}], 2, True),
        ([1, "x", [2, [3]], {}], 3, False),
    ],
)
def test_how_nesting_is_counted(value: object, levels: int, deeper: bool) -> None:
    assert nested_deeper_than(value, levels) is deeper


@pytest.mark.parametrize(
    "extra",
    [
        # A forged key nested in another field, and the real one not a string: no key at all.
        '"rawKey": 5, "debug": %s{"rawKey": "ak_FORGED"}%s',
        # The real key, and another nested in another field: nobody can tell which is the key.
        '"debug": %s{"rawKey": "ak_FORGED"}%s',
    ],
)
def test_a_create_too_deep_never_gives_a_key_it_cannot_be_sure_of(
    api: Driver, server: FaultServer, extra: str
) -> None:
    """300 levels: every Python decodes it, and the SDK refuses it as too deep; the decoded
    top-level rawKey counts, and only when no other "rawKey" rides in the bytes."""
    created = {
        key: value for key, value in CREATED_JSON.items() if key != "rawKey" or "5" not in extra
    }
    body = json.dumps(created)[:-1] + ", " + extra % ("[" * 300, "]" * 300) + "}"
    server.script(respond(201, body.encode()))

    error = _fails(api, server, "create")

    assert error.raw_key is None
    assert "nested deeper than this client decodes" in error.message
    assert "its raw key could not be read from the answer: look for a key named 'deploy'" in (
        error.message
    )


@pytest.mark.parametrize(
    ("body", "decoded", "found"),
    [
        (b'{"rawKey": "ak_1"}', {"rawKey": "ak_1"}, "ak_1"),
        (b'{"rawKey": "ak_1", "x": {"rawKey": "ak_2"}}', {"rawKey": "ak_1"}, None),
        (b'{"rawKey": 5, "x": {"rawKey": "ak_2"}}', {"rawKey": 5}, None),
        (b'{"rawKey": "ak_1", "rawKey": "ak_1"}', {"rawKey": "ak_1"}, "ak_1"),
        (b'{"rawKey": ""}', {"rawKey": ""}, None),
    ],
)
def test_a_decoded_create_gives_its_top_level_key_only_when_unambiguous(
    body: bytes, decoded: dict[str, object], found: str | None
) -> None:
    assert raw_key_in(body, decoded) == found


def test_nesting_is_found_in_wide_bodies_too() -> None:
    wide: list[object] = [[1, {"a": [2]}] for _ in range(50_000)]
    assert not nested_deeper_than(wide, 4)
    wide.append(json.loads(nested(4)))
    assert nested_deeper_than(wide, 4)
    assert not nested_deeper_than(wide, 5)


def test_a_huge_integer_where_the_spec_wants_a_string(api: Driver, server: FaultServer) -> None:
    body = json.dumps([KEY_JSON]).replace('"key_1"', "1" * 5000).encode()
    server.script(respond(200, body))

    error = _fails(api, server, "list")

    assert "item 0: ApiKey.id is a JSON number where the spec says string" in error.message


def test_a_huge_integer_in_a_field_nobody_reads_is_ignored(
    api: Driver, server: FaultServer
) -> None:
    """Longer than Python's int conversion allows (4,300 digits): in a field the spec does not
    type, it is ignored like any other unknown field."""
    created = (CREATED_PREFIX + ', "quota": ' + "9" * 5000 + "}").encode()
    server.script(respond(201, created))

    key = api.create(api.client(base_url=server.url, max_retries=0))

    assert key.raw_key == RAW_KEY


@pytest.mark.parametrize(
    ("content_type", "said"),
    [
        ("application/json", "it is not UTF-8 text"),
        ("application/json; charset=latin-1", "it says charset=latin-1, but JSON is UTF-8 only"),
        ('application/json; charset="ISO-8859-1"', "it says charset=ISO-8859-1"),
    ],
)
def test_a_create_that_is_not_utf8_still_gives_its_raw_key(
    api: Driver, server: FaultServer, content_type: str, said: str
) -> None:
    body = json.dumps({**CREATED_JSON, "name": "caf\u00e9"}).replace("\\u00e9", "\u00e9")
    server.script(respond(201, body.encode("latin-1"), {"Content-Type": content_type}))

    error = _fails(api, server, "create")

    assert said in error.message
    assert error.raw_key == RAW_KEY


def test_an_unknown_charset_on_utf8_json_is_read_as_json(api: Driver, server: FaultServer) -> None:
    """RFC 8259: JSON is UTF-8 and its media type has no charset; a strange one changes
    nothing."""
    body = json.dumps([{**KEY_JSON, "name": "caf\u00e9"}], ensure_ascii=False).encode()
    server.script(respond(200, body, {"Content-Type": "application/json; charset=klingon"}))

    keys = api.list(api.client(base_url=server.url, max_retries=0))

    assert keys[0].name == "caf\u00e9"


def test_a_broken_create_with_two_raw_keys_gives_neither(api: Driver, server: FaultServer) -> None:
    body = (CREATED_PREFIX + ', "rawKey": "ak_other", "x": ').encode() + nested(5000) + b"}"
    server.script(respond(201, body))

    error = _fails(api, server, "create")

    assert error.raw_key is None
    assert "its raw key could not be read from the answer: look for a key named 'deploy'" in (
        error.message
    )


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b'{"rawKey":"ak_1", [[[', "ak_1"),
        (b'{"rawKey" :  "ak_\\u0031\\/x"} \xff', "ak_1/x"),
        (b'{"rawKey": "ak_\xff"}', None),  # the key itself is not UTF-8: nothing to recover
        (b'{"rawKey": ""}', None),
        (b'{"rawKey": 5}', None),
        (b'{"rawKey": "ak_1", "rawKey": "ak_1"', "ak_1"),  # the same twice is one key
        (b'{"rawKey": "ak_1\n"}', None),  # a raw control character: not a JSON string
    ],
)
def test_what_counts_as_plainly_carrying_a_raw_key(body: bytes, found: str | None) -> None:
    assert raw_key_in(body) == found


def test_the_cli_delivers_a_raw_key_from_a_body_nested_too_deep(server: FaultServer) -> None:
    body = (CREATED_PREFIX + ', "debug": ').encode() + nested(10_000) + b"}"
    server.script(respond(201, body))
    env = {
        **os.environ,
        "API_KEYS_BASE_URL": server.url,
        "API_KEYS_TOKEN": TOKEN,
        "API_KEYS_WORKSPACE_ID": "ws_1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "api_keys_client", "create", "deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert result.stdout == RAW_KEY + "\n"
    assert "key key_2 was created and its raw key is above, shown this once" in result.stderr
    assert "nested deeper than this client decodes" in result.stderr
