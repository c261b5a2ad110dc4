"""A response body is read within max_response_size, decoded: a decompression bomb in any
Content-Encoding, alone or stacked, stops at the limit with memory to match, and a success past
the limit is an APIResponseValidationError (after a create, one that says the key was created).
Real sockets, sync and async (tests/faultserver.py)."""

from __future__ import annotations

import gzip
import json
import socket
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import brotli  # type: ignore[import-untyped] # brotli ships no type information
import httpx
import pytest
import zstandard

import api_keys_client as sdk
from api_keys_client import _decoders

from .conftest import CREATED_JSON, KEY_JSON, RAW_KEY, Driver
from .faultserver import Behaviour, FaultServer, respond, response_bytes, running
from .secret_oracle import large_objects

LIMIT = 1024 * 1024  # 1 MiB, for these tests
BOMB_SIZE = 64 * 1024 * 1024  # what each bomb would decode to: 64 times the limit
LIST_BODY = json.dumps([KEY_JSON]).encode()


def _zlib(data: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def _zlib_stream(size: int, wbits: int) -> bytes:
    """`size` zero bytes, compressed a megabyte at a time (never held whole)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.flush()


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "deflate": lambda data: _zlib(data, zlib.MAX_WBITS),  # zlib-wrapped, as RFC 9110 says
    "br": brotli.compress,
    "zstd": _zstd,
}


@cache
def bomb(encoding: str) -> bytes:
    """BOMB_SIZE zero bytes in `encoding`: tiny on the wire."""
    if encoding == "gzip":
        return _zlib_stream(BOMB_SIZE, zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return _zlib_stream(BOMB_SIZE, zlib.MAX_WBITS)
    if encoding == "raw deflate":
        return _zlib_stream(BOMB_SIZE, -zlib.MAX_WBITS)
    if encoding == "br":
        compressed: bytes = brotli.compress(bytes(BOMB_SIZE), quality=5)
        return compressed
    chunked = zstandard.ZstdCompressor(level=3)
    return chunked.compress(bytes(BOMB_SIZE))


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(200, LIST_BODY)) as fault_server:
        yield fault_server


def _client(api: Driver, server: FaultServer, **options: Any) -> Any:
    options.setdefault("max_response_size", LIMIT)
    return api.client(base_url=server.url, max_retries=0, **options)


def _encoded(status: int, body: bytes, encoding: str) -> Behaviour:
    return respond(status, body, {"Content-Type": "application/json", "Content-Encoding": encoding})


def test_accept_encoding_names_what_the_sdk_decodes(api: Driver, server: FaultServer) -> None:
    api.list(_client(api, server))

    sent = server.requests[0][2]["accept-encoding"]
    assert sent == _decoders.ACCEPT_ENCODING
    assert set(sent.split(", ")) == {"gzip", "deflate", "br", "zstd"}  # all four are installed


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_each_encoding_decodes_a_listing(api: Driver, server: FaultServer, encoding: str) -> None:
    server.script(_encoded(200, ENCODERS[encoding](LIST_BODY), encoding))

    keys = api.list(_client(api, server))

    assert [key.id for key in keys] == ["key_1"]


def test_raw_deflate_is_decoded_too(api: Driver, server: FaultServer) -> None:
    """Some servers send a raw deflate stream under the name deflate; httpx reads it, so must
    the SDK."""
    server.script(_encoded(200, _zlib(LIST_BODY, -zlib.MAX_WBITS), "deflate"))

    assert [key.id for key in api.list(_client(api, server))] == ["key_1"]


@pytest.mark.parametrize(
    "chain", ["gzip, br", "deflate, gzip, zstd", "br,zstd", "identity, gzip", "GZIP"]
)
def test_stacked_encodings_are_decoded_last_first(
    api: Driver, server: FaultServer, chain: str
) -> None:
    body = LIST_BODY
    for given in chain.split(","):
        name = given.strip().lower()
        if name != "identity":
            body = ENCODERS[name](body)
    server.script(_encoded(200, body, chain))

    assert [key.id for key in api.list(_client(api, server))] == ["key_1"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw deflate", "br", "zstd"])
def test_a_bomb_stops_at_the_limit_with_memory_to_match(
    api: Driver, server: FaultServer, encoding: str
) -> None:
    server.script(_encoded(200, bomb(encoding), encoding.rsplit(maxsplit=1)[-1]))
    client = _client(api, server)

    tracemalloc.start()
    try:
        with pytest.raises(sdk.APIResponseValidationError) as caught:
            api.list(client)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    message = caught.value.message
    assert "answer could not be read: its body is larger than max_response_size" in message
    assert "(1,048,576 bytes)" in message
    assert len(caught.value.response.content) == LIMIT  # what was read, up to the limit
    # A small multiple of the limit, whatever the body would have decoded to (64 times it).
    assert peak < 6 * LIMIT, f"peak {peak:,} bytes"


def test_a_bomb_in_a_chain_stops_at_the_limit(api: Driver, server: FaultServer) -> None:
    server.script(_encoded(200, brotli.compress(bomb("gzip")), "gzip, br"))

    with pytest.raises(sdk.APIResponseValidationError, match="larger than max_response_size"):
        api.list(_client(api, server))


def test_an_absurd_chain_is_refused(api: Driver, server: FaultServer) -> None:
    body = LIST_BODY
    for _ in range(6):
        body = gzip.compress(body)
    server.script(_encoded(200, body, ", ".join(["gzip"] * 6)))

    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.list(_client(api, server))

    assert "its Content-Encoding chains 6 encodings, more than the 5" in caught.value.message


@pytest.mark.parametrize(
    ("encoding", "body", "why"),
    [
        ("compress", b"\x1f\x9d...", "its Content-Encoding 'compress' is not one this client"),
        ("gzip", b"not gzip at all", "its gzip data is corrupt"),
        ("br", b"\xff\xff\xff\xff", "its br data is corrupt"),
        ("zstd", b"\x28\xb5\x2f\xfd garbage", "its zstd data is corrupt"),
    ],
)
def test_a_body_that_cannot_be_decoded_is_a_validation_error(
    api: Driver, server: FaultServer, encoding: str, body: bytes, why: str
) -> None:
    server.script(_encoded(200, body, encoding))

    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.list(_client(api, server))

    assert f"HTTP 200 answer could not be read: its body cannot be decoded: {why}" in str(
        caught.value
    )


def test_zstandard_alone_is_bounded_too(
    api: Driver, server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where only the zstandard package is installed (httpx's zstd extra), it decodes zstd,
    bounded by feeding it a slice at a time."""
    monkeypatch.setitem(_decoders._FACTORIES, "zstd", lambda: _decoders._Zstandard(zstandard))
    server.script(_encoded(200, _zstd(LIST_BODY), "zstd"), _encoded(200, bomb("zstd"), "zstd"))
    client = _client(api, server)

    assert [key.id for key in api.list(client)] == ["key_1"]
    with pytest.raises(sdk.APIResponseValidationError, match="larger than max_response_size"):
        api.list(client)


def test_a_plain_body_past_the_limit_stops_there(api: Driver, server: FaultServer) -> None:
    server.script(respond(200, b"[" + b" " * (2 * LIMIT) + b"]"))

    with pytest.raises(sdk.APIResponseValidationError, match="larger than max_response_size"):
        api.list(_client(api, server))


def test_a_body_within_the_limit_is_read_whole(api: Driver, server: FaultServer) -> None:
    body = json.dumps([{**KEY_JSON, "id": f"key_{n}"} for n in range(2000)]).encode()
    assert len(body) < LIMIT
    server.script(_encoded(200, gzip.compress(body), "gzip"))

    assert len(api.list(_client(api, server))) == 2000


def test_a_create_past_the_limit_says_the_key_was_created_and_keeps_its_raw_key(
    api: Driver, server: FaultServer
) -> None:
    created = {**CREATED_JSON, "padding": "x" * (2 * LIMIT)}  # rawKey comes first
    server.script(_encoded(201, gzip.compress(json.dumps(created).encode()), "gzip"))

    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.create(_client(api, server))

    error = caught.value
    assert error.raw_key == RAW_KEY
    assert "larger than max_response_size" in error.message
    assert "the key was created, and its raw key, read from the answer, is on this error's" in (
        error.message
    )
    assert RAW_KEY not in error.message


def test_a_create_whose_raw_key_is_past_the_limit_says_how_to_find_the_key(
    api: Driver, server: FaultServer
) -> None:
    created = {"padding": "x" * (2 * LIMIT), **CREATED_JSON}  # rawKey comes after the limit
    server.script(respond(201, json.dumps(created).encode()))

    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.create(_client(api, server))

    assert caught.value.raw_key is None
    assert (
        "the key was created, but its raw key could not be read from the answer: look for a key"
        " named 'deploy' created since"
    ) in caught.value.message


def test_an_error_status_past_the_limit_is_still_that_error(
    api: Driver, server: FaultServer
) -> None:
    server.script(_encoded(500, bomb("gzip"), "gzip"))

    with pytest.raises(sdk.InternalServerError) as caught:
        api.list(_client(api, server))

    assert "its body is larger than max_response_size" in caught.value.message
    assert len(caught.value.response.content) == LIMIT


def test_the_default_limit_fits_a_listing_of_100000_keys() -> None:
    """128 MiB: three times a listing of 100,000 keys as the Go service writes them."""
    key = {
        **KEY_JSON,
        "id": "key_" + "0" * 32,
        "name": "n" * 100,  # the service's longest name
        "created_at": "2024-05-01T10:00:00.123456789Z",
        "updated_at": "2024-05-01T10:00:00.123456789Z",
        "expires_at": "2025-05-01T10:00:00.123456789Z",
        "last_used_at": "2024-06-01T10:00:00.123456789Z",
    }
    listing = len(json.dumps(key)) * 100_000
    client = sdk.ApiKeysClient(base_url="https://api.test", token="t" * 20, workspace_id="w")
    assert client.max_response_size == 128 * 1024 * 1024
    assert 2.5 * listing < client.max_response_size


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "1MB", None])
def test_max_response_size_must_be_a_positive_int(value: object) -> None:
    with pytest.raises(sdk.InvalidArgumentError, match=r"max_response_size must be an int >= 1"):
        sdk.ApiKeysClient(
            base_url="https://api.test",
            token="t" * 20,
            workspace_id="w",
            max_response_size=value,  # type: ignore[arg-type] # the wrong types are the test
        )


# -- what an error pins in memory --------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"x" * 1_000_000, b'"' + b"\\u0041" * 200_000, b"\xff" * 10**6],
    ids=["not JSON", "a long string", "not UTF-8"],
)
def test_a_large_body_that_does_not_decode_is_kept_once(api: Driver, body: bytes) -> None:
    with running(respond(200, body)) as server:
        client = api.client(base_url=server.url, max_retries=0)
        with pytest.raises(sdk.APIResponseValidationError) as caught:
            api.list(client)
        api.close(client)

    error = caught.value
    # One large object through everything the error keeps, its chain and the SDK's frames in its
    # traceback included: the body on its response, not a decoded copy beside it.
    assert [kept is error.response.content for kept in large_objects(error, 100_000)] == [True]


def test_a_body_cut_off_by_a_timeout_is_not_pinned_by_the_error(api: Driver) -> None:
    def half_then_stall(sock: socket.socket) -> bool:
        sock.sendall(response_bytes(200, b"[" + b" " * 1_000_000, length=2_000_002))
        time.sleep(1.0)
        return False

    with running(half_then_stall) as server:
        client = api.client(base_url=server.url, max_retries=0, timeout=0.3)
        with pytest.raises(sdk.APITimeoutError) as caught:
            api.list(client)
        api.close(client)

    assert isinstance(caught.value.__cause__, httpx.TimeoutException)  # the cause is kept
    assert large_objects(caught.value, 100_000) == []  # the half-read megabyte is not
