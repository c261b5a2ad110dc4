"""What a body decodes to never depends on where the network split it: every encoding the SDK
decodes, alone, stacked, in several gzip members or zstd frames (skippable ones too), with
trailing bytes, is read split at every byte boundary, a byte at a time and with empty reads in
between, on the sync and the async path and with each zstd backend; a bounded decoder still
stops at max_response_size. A real socket delivers a create's multi-frame zstd answer in two
writes (tests/faultserver.py)."""

from __future__ import annotations

import asyncio
import gzip
import json
import math
import socket
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any, NamedTuple

import brotli  # type: ignore[import-untyped] # brotli ships no type information
import httpx
import pytest
import zstandard

from api_keys_client import _decoders
from api_keys_client._body import BodyProblem, aread_body, read_body

from .conftest import CREATED_JSON, RAW_KEY, Driver
from .faultserver import Behaviour, response_bytes, running

BODY = json.dumps(CREATED_JSON).encode()
LIMIT = 1024 * 1024
REQUEST = httpx.Request("POST", "https://api.test/v1/api-keys")


# -- encoders -----------------------------------------------------------------------------------


def _thirds(data: bytes) -> list[bytes]:
    third = len(data) // 3
    return [data[:third], data[third : 2 * third], data[2 * third :]]


def _deflate(data: bytes, wbits: int = zlib.MAX_WBITS) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def _gzip_members(data: bytes) -> bytes:
    """`data` in three gzip members, one after another (what `cat a.gz b.gz c.gz` makes)."""
    return b"".join(gzip.compress(part) for part in _thirds(data))


def _zstd(data: bytes, **options: Any) -> bytes:
    return zstandard.ZstdCompressor(**options).compress(data)


def _skippable(payload: bytes, kind: int = 0) -> bytes:
    """A skippable zstd frame (RFC 8878, 3.1.2): magic 0x184D2A5?, its size, its payload."""
    return (0x184D2A50 + kind).to_bytes(4, "little") + len(payload).to_bytes(4, "little") + payload


def _zstd_frames(data: bytes) -> bytes:
    """`data` in three zstd frames: one with a checksum, one without its content size."""
    first, second, third = _thirds(data)
    return (
        _zstd(first, write_checksum=True) + _zstd(second, write_content_size=False) + _zstd(third)
    )


def _zstd_with_skippable_frames(data: bytes) -> bytes:
    first, second, third = _thirds(data)
    return (
        _skippable(b"metadata")
        + _zstd(first)
        + _skippable(b"", 7)
        + _zstd(second)
        + _zstd(third)
        + _skippable(b"x" * 20, 15)
    )


def _br(data: bytes) -> bytes:
    compressed: bytes = brotli.compress(data)
    return compressed


class Case(NamedTuple):
    encoding: str  # the Content-Encoding header
    wire: bytes  # the body as sent
    decoded: bytes | None  # what it decodes to, or None: it cannot be decoded
    why: str = ""  # when it cannot: how the problem's reason starts


CASES: dict[str, Case] = {
    "identity": Case("identity", BODY, BODY),
    "gzip": Case("gzip", gzip.compress(BODY), BODY),
    "x-gzip": Case("x-gzip", gzip.compress(BODY), BODY),
    "gzip members": Case("gzip", _gzip_members(BODY), BODY),
    "gzip, an empty member between": Case(
        "gzip", gzip.compress(BODY[:50]) + gzip.compress(b"") + gzip.compress(BODY[50:]), BODY
    ),
    # Bytes after the last member that do not begin another are ignored, as httpx and urllib3 do.
    "gzip, NUL padding after": Case("gzip", _gzip_members(BODY) + bytes(7), BODY),
    "gzip, garbage after": Case("gzip", gzip.compress(BODY) + b"<html>oops</html>", BODY),
    "gzip, a lone 0x1f after": Case("gzip", gzip.compress(BODY) + b"\x1f", BODY),
    "deflate": Case("deflate", _deflate(BODY), BODY),
    "raw deflate": Case("deflate", _deflate(BODY, -zlib.MAX_WBITS), BODY),
    "deflate, garbage after": Case("deflate", _deflate(BODY) + b"garbage", BODY),
    "br": Case("br", _br(BODY), BODY),
    "zstd": Case("zstd", _zstd(BODY), BODY),
    "zstd frames": Case("zstd", _zstd_frames(BODY), BODY),
    "zstd with skippable frames": Case("zstd", _zstd_with_skippable_frames(BODY), BODY),
    "gzip, br": Case("gzip, br", _br(gzip.compress(BODY)), BODY),
    "deflate, gzip, zstd": Case(
        "deflate, gzip, zstd", _zstd_frames(_gzip_members(_deflate(BODY))), BODY
    ),
    "br, zstd": Case("br, zstd", _zstd_with_skippable_frames(_br(BODY)), BODY),
    "zstd, raw deflate": Case("zstd, deflate", _deflate(_zstd_frames(BODY), -zlib.MAX_WBITS), BODY),
    # Undecodable, however split: the same problem every time, and nothing of the body kept.
    "gzip, then a broken member": Case(
        "gzip",
        gzip.compress(BODY) + b"\x1f\x8b" + bytes(range(200, 255)),
        None,
        "its body cannot be decoded: its gzip data is corrupt",
    ),
    "deflate, a wrong checksum": Case(
        "deflate",
        _deflate(BODY)[:-1] + bytes([_deflate(BODY)[-1] ^ 1]),
        None,
        "its body cannot be decoded: its deflate data is corrupt",
    ),
    "br, garbage after": Case(
        "br", _br(BODY) + b"garbage", None, "its body cannot be decoded: its br data is corrupt"
    ),
    "zstd, garbage after": Case(
        "zstd",
        _zstd_frames(BODY) + b"garbage",
        None,
        "its body cannot be decoded: its zstd data is corrupt",
    ),
}


def _zstd_backends() -> dict[str, Callable[[], _decoders.Decoder]]:
    """Every zstd decoder this machine has: compression.zstd (3.14+) or backports.zstd, and
    zstandard."""
    backends: dict[str, Callable[[], _decoders.Decoder]] = {
        "zstandard": lambda: _decoders._Zstandard(zstandard)
    }
    module = _decoders._first_module("compression.zstd", "backports.zstd")
    if module is not None:
        backends[module.__name__] = lambda: _decoders._Zstd(module)
    return backends


ZSTD_BACKENDS = _zstd_backends()
CASE_PARAMS = [
    pytest.param(name, backend, id=f"{name}-{backend}" if backend else name)
    for name, case in CASES.items()
    for backend in (ZSTD_BACKENDS if "zstd" in case.encoding else [""])
]


@pytest.fixture
def zstd_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    backend: str = request.node.callspec.params["backend"]
    if backend:
        monkeypatch.setitem(_decoders._FACTORIES, "zstd", ZSTD_BACKENDS[backend])


# -- reads in chosen pieces -----------------------------------------------------------------------


class Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that arrives in exactly these reads."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.pieces)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


def _splits(wire: bytes) -> Iterator[list[bytes]]:
    """The body in two reads, split at every byte boundary (either may be empty), then a byte
    a read."""
    for at in range(len(wire) + 1):
        yield [wire[:at], wire[at:]]
    yield [wire[at : at + 1] for at in range(len(wire))]


def _response(encoding: str, pieces: list[bytes]) -> httpx.Response:
    return httpx.Response(
        200, headers={"Content-Encoding": encoding}, stream=Pieces(pieces), request=REQUEST
    )


def _read(encoding: str, pieces: list[bytes]) -> tuple[bytes, BodyProblem | None]:
    response = _response(encoding, pieces)
    problem = read_body(response, limit=LIMIT, ends=math.inf, request=REQUEST)
    return response.content, problem


def _aread(encoding: str, pieces: list[bytes]) -> tuple[bytes, BodyProblem | None]:
    async def read() -> tuple[bytes, BodyProblem | None]:
        response = _response(encoding, pieces)
        problem = await aread_body(response, limit=LIMIT)
        return response.content, problem

    return asyncio.run(read())


def _expect(case: Case, content: bytes, problem: BodyProblem | None, pieces: list[bytes]) -> None:
    where = f"read as {[len(piece) for piece in pieces]}"
    if case.decoded is not None:
        assert problem is None, where
        assert content == case.decoded, where
    else:
        assert problem is not None, where
        assert problem.reason.startswith(case.why), where
        assert content == b"", where


@pytest.mark.usefixtures("zstd_backend")
@pytest.mark.parametrize(("name", "backend"), CASE_PARAMS)
def test_a_body_decodes_the_same_however_the_reads_split_it(name: str, backend: str) -> None:
    case = CASES[name]
    for pieces in _splits(case.wire):
        _expect(case, *_read(case.encoding, pieces), pieces)


@pytest.mark.usefixtures("zstd_backend")
@pytest.mark.parametrize(("name", "backend"), CASE_PARAMS)
def test_the_async_path_decodes_the_same_however_the_reads_split_it(
    name: str, backend: str
) -> None:
    case = CASES[name]

    async def read_every_split() -> None:
        for pieces in _splits(case.wire):
            response = _response(case.encoding, pieces)
            problem = await aread_body(response, limit=LIMIT)
            _expect(case, response.content, problem, pieces)

    asyncio.run(read_every_split())


@pytest.mark.usefixtures("zstd_backend")
@pytest.mark.parametrize(("name", "backend"), CASE_PARAMS)
def test_empty_reads_anywhere_change_nothing(name: str, backend: str) -> None:
    """httpx drops empty reads before they reach the SDK, but a decoder must not care: an empty
    chunk before the body, after it (past a frame's end), between any two bytes."""
    case = CASES[name]
    pieces = [b""]
    for at in range(len(case.wire)):
        pieces += [case.wire[at : at + 1], b""]
    chain = _decoders.chain_for(case.encoding)

    def decode() -> bytes:
        outputs = [output for piece in pieces for output in chain.feed(piece)]
        return b"".join([*outputs, *chain.finish()])

    if case.decoded is not None:
        assert decode() == case.decoded
    else:
        with pytest.raises(_decoders.UndecodableBody) as caught:
            decode()
        assert f"its body cannot be decoded: {caught.value}".startswith(case.why)


def test_the_cases_cover_every_encoding_the_sdk_offers() -> None:
    offered = set(_decoders.ACCEPT_ENCODING.split(", "))
    used = {name.strip() for case in CASES.values() for name in case.encoding.split(",")}
    assert offered <= used
    assert len(ZSTD_BACKENDS) == 2  # both zstd backends are checked on this machine


def test_raw_deflate_is_told_by_its_first_two_bytes_not_by_the_first_read() -> None:
    """Split after its first byte, a raw deflate stream used to be taken for a zlib one: one
    byte cannot fail zlib's header check, so the fallback to raw was never tried."""
    wire = _deflate(BODY, -zlib.MAX_WBITS)

    assert _read("deflate", [wire[:1], wire[1:]]) == (BODY, None)
    assert _aread("deflate", [wire[:1], wire[1:]]) == (BODY, None)


# -- bounded, however split -----------------------------------------------------------------------


def _bomb_members() -> bytes:
    """64 gzip members of a MiB of zeros each: 64 MiB from 64 KiB."""
    return gzip.compress(bytes(1024 * 1024)) * 64


def _bomb_frames() -> bytes:
    frame = _zstd(bytes(1024 * 1024))
    return (_skippable(b"") + frame) * 64


@pytest.mark.parametrize(
    ("encoding", "backend"),
    [("gzip", ""), *[("zstd", backend) for backend in ZSTD_BACKENDS]],
)
@pytest.mark.usefixtures("zstd_backend")
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_bomb_of_many_members_or_frames_stops_at_the_limit(
    encoding: str, backend: str, flavour: str
) -> None:
    wire = _bomb_members() if encoding == "gzip" else _bomb_frames()
    pieces = [wire[at : at + 997] for at in range(0, len(wire), 997)]  # members end anywhere
    read = _read if flavour == "sync" else _aread

    tracemalloc.start()
    try:
        content, problem = read(encoding, pieces)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert problem is not None
    assert problem.too_large
    assert len(content) == LIMIT
    assert peak < 6 * LIMIT, f"peak {peak:,} bytes"


class _Counting:
    """A decompressor that notes the size of every input it is handed."""

    def __init__(self, inner: Any, sizes: list[int]) -> None:
        self._inner = inner
        self._sizes = sizes

    def decompress(self, data: bytes, *args: Any) -> Any:
        self._sizes.append(len(data))
        return self._inner.decompress(data, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_large_read_of_tiny_frames_is_decoded_a_slice_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where a member or a frame ends, its decompressor copies out the rest of its input: handed
    a large read of tiny frames whole, each frame would copy the rest of the read, time
    quadratic in its size (a caller's in-process transport may yield a body in one piece)."""
    sizes: list[int] = []
    zstd_module = _decoders._first_module("compression.zstd", "backports.zstd")
    assert zstd_module is not None
    counting = ModuleType("counting_zstd")
    counting.ZstdDecompressor = lambda: _Counting(zstd_module.ZstdDecompressor(), sizes)  # type: ignore[attr-defined] # a stand-in module
    counting.ZstdError = zstd_module.ZstdError  # type: ignore[attr-defined] # a stand-in module
    make_zlib = zlib.decompressobj
    monkeypatch.setattr(zlib, "decompressobj", lambda *a: _Counting(make_zlib(*a), sizes))
    frames = _skippable(b"") * 65536  # 512 KiB in one read
    members = gzip.compress(b"") * 26000

    assert list(_decoders._Zstd(counting).feed(frames)) == []
    assert list(_decoders._Gzip().feed(members)) == []

    assert len(sizes) >= 65536 + 26000  # every frame and member was decoded
    assert max(sizes) <= _decoders._SLICE


# -- through the client ---------------------------------------------------------------------------


def _split_pool(api: Driver, encoding: str, pieces: list[bytes]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201,
            headers={"Content-Type": "application/json", "Content-Encoding": encoding},
            stream=Pieces(pieces),
        )

    transport = httpx.MockTransport(handler)
    if api.flavour == "sync":
        return httpx.Client(transport=transport)
    return httpx.AsyncClient(transport=transport)


@pytest.mark.parametrize("name", ["zstd frames", "gzip members"])
def test_a_create_split_anywhere_returns_its_raw_key(api: Driver, name: str) -> None:
    case = CASES[name]
    for pieces in _splits(case.wire):
        pool = _split_pool(api, case.encoding, pieces)
        client = api.client(base_url="https://api.test/v1", http_client=pool, max_retries=0)

        created = api.create(client)

        assert created.raw_key == RAW_KEY, [len(piece) for piece in pieces]
        if api.flavour == "sync":
            pool.close()
        else:
            api.run(pool.aclose())


# -- over a real socket ---------------------------------------------------------------------------


def _in_two_writes(status: int, headers: dict[str, str], body: bytes, at: int) -> Behaviour:
    """The head and `body[:at]` in one write, the rest in another a moment later: the client
    reads them apart."""

    def behaviour(sock: socket.socket) -> bool:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        whole = response_bytes(status, body, headers)
        head = len(whole) - len(body)
        sock.sendall(whole[: head + at])
        time.sleep(0.1)
        sock.sendall(whole[head + at :])
        return True

    return behaviour


@pytest.mark.parametrize("backend", list(ZSTD_BACKENDS))
@pytest.mark.usefixtures("zstd_backend")
def test_a_create_whose_zstd_frames_arrive_in_two_reads_returns_its_raw_key(
    api: Driver, backend: str
) -> None:
    """The reproduction: two frames, the second in a read of its own. Before, the finished
    frame's decompressor was handed the second and raised EOFError, reported as a connection
    error after which the key "may have been created", its raw key lost."""
    first = _zstd(BODY[:60])
    body = first + _zstd(BODY[60:])
    headers = {"Content-Type": "application/json", "Content-Encoding": "zstd"}
    with running(_in_two_writes(201, headers, body, len(first))) as server:
        client = api.client(base_url=server.url, max_retries=0)

        created = api.create(client)

    assert created.raw_key == RAW_KEY
    assert server.requests[0][:2] == ("POST", "/api-keys")


def test_the_fault_server_really_splits_the_reads() -> None:
    """The two writes reach the client as two reads (else the test above proves nothing)."""
    body = b"0123456789"
    with (
        running(_in_two_writes(200, {}, body, 4)) as server,
        httpx.Client() as client,
        client.stream("GET", server.url) as response,
    ):
        reads = list(response.iter_raw())

    assert reads == [b"0123", b"456789"]
