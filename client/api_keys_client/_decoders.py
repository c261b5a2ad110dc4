"""Content-Encoding, decoded with bounded memory.

httpx decompresses each chunk that arrives in one go: a 1 MB gzip chunk can become a gigabyte
before anything can look at its size. Here every decoder hands out at most `STEP` bytes at a time
and keeps the rest of its input until asked again, so the reader can stop the moment a body grows
past its limit (as urllib3 does since 2.6). Chains are decoded last encoding first, and a chain
longer than `MAX_CHAIN` is refused (urllib3 and httpx2 stop at 5 too). What a body decodes to
never depends on where the network split it into reads: every decision a decoder makes (raw
deflate or not, another gzip member or not, a new zstd frame) waits for the bytes it needs.

Supported: gzip, deflate (zlib-wrapped or raw), br (brotli or brotlicffi 1.2+, which can bound
their output), zstd (compression.zstd, backports.zstd, or zstandard). `ACCEPT_ENCODING` names
exactly what this machine can decode, so a server is never invited to send anything else.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, Protocol

STEP = 64 * 1024  # the most output one decoding step hands out
MAX_CHAIN = 5
# zstandard cannot bound its output: it gets its input a slice at a time instead. A zstd block
# header of 3 bytes can stand for 128 KiB, so one slice yields at most about 11 MiB.
_ZSTANDARD_SLICE = 256
# Where a gzip member or a zstd frame ends, its decompressor copies out the rest of its input
# (unused_data): fed whole, a large read packed with tiny members would be copied once for each.
# Fed this much at a time, the copying stays linear in the body.
_SLICE = 4096
_GZIP_WBITS = zlib.MAX_WBITS | 16
_GZIP_MAGIC = b"\x1f\x8b"


class UndecodableBody(Exception):
    """The body's Content-Encoding cannot be decoded; the message says why (no secret in it)."""


class Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decode `data`, STEP bytes of output at a time."""

    def finish(self) -> Iterator[bytes]:
        """Whatever output is left once the input has ended."""


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def finish(self) -> Iterator[bytes]:
        return iter(())


def _slices(data: bytes, size: int) -> Iterator[bytes]:
    if len(data) <= size:
        yield data
        return
    view = memoryview(data)
    for start in range(0, len(view), size):
        yield view[start : start + size].tobytes()


class _Inflater(Protocol):
    """What zlib.decompressobj makes (typeshed names its class privately)."""

    @property
    def eof(self) -> bool: ...
    @property
    def unconsumed_tail(self) -> bytes: ...
    @property
    def unused_data(self) -> bytes: ...
    def decompress(self, data: bytes, max_length: int = ..., /) -> bytes: ...


def _inflate(name: str, stream: _Inflater, data: bytes) -> Iterator[bytes]:
    """`data` through a zlib decompressor, STEP bytes of output at a time, until it wants more
    input or its stream has ended."""
    while True:
        try:
            output = stream.decompress(data, STEP)
        except zlib.error as exc:
            raise UndecodableBody(f"its {name} data is corrupt ({exc})") from None
        data = stream.unconsumed_tail
        if output:
            yield output
        if stream.eof or (not data and len(output) < STEP):
            return


class _Gzip:
    """gzip: members one after another, as RFC 1952 allows. Whether another member follows is
    told by the two bytes after one ends, however the reads split them; bytes that do not begin
    a member (padding, a proxy's leftovers) are ignored, as httpx, urllib3 and gzip(1) do."""

    def __init__(self) -> None:
        self._member: _Inflater | None = zlib.decompressobj(_GZIP_WBITS)
        self._after = b""  # the first byte after a member, until the second comes
        self._ignoring = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        for piece in _slices(data, _SLICE):
            yield from self._members(piece)

    def _members(self, data: bytes) -> Iterator[bytes]:
        while not self._ignoring:
            if self._member is None:
                data = self._after + data
                if len(data) < len(_GZIP_MAGIC):
                    self._after = data
                    return
                self._after = b""
                if not data.startswith(_GZIP_MAGIC):
                    self._ignoring = True  # and drop the rest unread, never kept
                    return
                self._member = zlib.decompressobj(_GZIP_WBITS)
            yield from _inflate("gzip", self._member, data)
            if not self._member.eof:
                return
            data = self._member.unused_data
            self._member = None

    def finish(self) -> Iterator[bytes]:
        return iter(())


def _opens_zlib_stream(head: bytes) -> bool:
    """Whether two bytes are a zlib header (RFC 1950), as zlib itself checks them."""
    try:
        zlib.decompressobj(zlib.MAX_WBITS).decompress(head)
    except zlib.error:
        return False
    return True


class _Deflate:
    """deflate: zlib-wrapped, as RFC 9110 says, or raw, as some servers send it (httpx reads
    both). The first two bytes decide, a zlib header or not, wherever the reads split; a raw
    stream never opens with one (its first block would have to be stored, with padding bits
    set). Bytes after the stream's end are ignored, as zlib does."""

    def __init__(self) -> None:
        self._stream: _Inflater | None = None
        self._head = b""  # the body's first byte, until the second comes

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._stream is None:
            data = self._head + data
            if len(data) < 2:
                self._head = data
                return
            self._head = b""
            wbits = zlib.MAX_WBITS if _opens_zlib_stream(data[:2]) else -zlib.MAX_WBITS
            self._stream = zlib.decompressobj(wbits)
        if not self._stream.eof:
            yield from _inflate("deflate", self._stream, data)

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Brotli:
    def __init__(self, module: ModuleType) -> None:
        self._decompressor = module.Decompressor()
        self._error = getattr(module, "error", Exception)

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            output: bytes = self._decompressor.process(data, output_buffer_limit=STEP)
            if output:
                yield output
            while not self._decompressor.can_accept_more_data():
                output = self._decompressor.process(b"", output_buffer_limit=STEP)
                if not output:
                    return
                yield output
        except self._error as exc:
            raise UndecodableBody(f"its br data is corrupt ({exc})") from None

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Zstd:
    """compression.zstd (Python 3.14+) or backports.zstd (the same code before), bounded like
    zlib. Frames may follow one another, as RFC 8878 allows (skippable ones too); a
    decompressor reads one frame, so the next gets a new one when its first byte arrives, and a
    frame may end anywhere in a read, at its very end included."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module
        self._frame: Any = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        for piece in _slices(data, _SLICE):
            yield from self._frames(piece)

    def _frames(self, data: bytes) -> Iterator[bytes]:
        try:
            while True:
                if self._frame is None:
                    if not data:
                        return
                    self._frame = self._module.ZstdDecompressor()
                output: bytes = self._frame.decompress(data, STEP)
                if output:
                    yield output
                if self._frame.eof:  # a decompressor at its frame's end takes nothing more
                    data = self._frame.unused_data
                    self._frame = None
                elif self._frame.needs_input:
                    return
                else:
                    data = b""  # STEP reached: the rest of this input is held inside
        except self._module.ZstdError as exc:
            raise UndecodableBody(f"its zstd data is corrupt ({exc})") from None

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Zstandard:
    """The zstandard package, which cannot bound its output: fed a small slice at a time, one
    decompressobj a frame, as _Zstd does."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module
        self._decompressor: Any = module.ZstdDecompressor()
        self._frame: Any = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            for piece_of_data in _slices(data, _ZSTANDARD_SLICE):
                piece = piece_of_data
                while piece:
                    if self._frame is None:
                        self._frame = self._decompressor.decompressobj()
                    output: bytes = self._frame.decompress(piece)
                    piece = b""
                    if self._frame.eof:
                        piece = self._frame.unused_data
                        self._frame = None
                    for offset in range(0, len(output), STEP):
                        yield output[offset : offset + STEP]
        except self._module.ZstdError as exc:
            raise UndecodableBody(f"its zstd data is corrupt ({exc})") from None

    def finish(self) -> Iterator[bytes]:
        return iter(())


def _first_module(*names: str, needs: str | None = None) -> ModuleType | None:
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if needs is None or hasattr(module.Decompressor(), needs):
            return module
    return None


def _factories() -> dict[str, Callable[[], Decoder]]:
    factories: dict[str, Callable[[], Decoder]] = {
        "gzip": _Gzip,
        "x-gzip": _Gzip,
        "deflate": _Deflate,
    }
    # brotli before 1.2 cannot bound its output (no can_accept_more_data): not offered at all.
    brotli = _first_module("brotli", "brotlicffi", needs="can_accept_more_data")
    if brotli is not None:
        factories["br"] = lambda: _Brotli(brotli)
    zstd = _first_module("compression.zstd", "backports.zstd")
    if zstd is not None:
        factories["zstd"] = lambda: _Zstd(zstd)
    else:
        zstandard = _first_module("zstandard")
        if zstandard is not None:
            factories["zstd"] = lambda: _Zstandard(zstandard)
    return factories


_FACTORIES = _factories()
ACCEPT_ENCODING = ", ".join(name for name in _FACTORIES if name != "x-gzip")


class Chain:
    """The decoders of one body, applied last encoding first."""

    def __init__(self, decoders: list[Decoder]) -> None:
        self._decoders = decoders

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._decoders:
            if data:
                yield data
            return
        yield from self._after(1, self._decoders[0].feed(data))

    def finish(self) -> Iterator[bytes]:
        """The output still held once the body has ended, each stage flushed in turn."""
        for index, decoder in enumerate(self._decoders):
            yield from self._after(index + 1, decoder.finish())

    def _after(self, index: int, pieces: Iterator[bytes]) -> Iterator[bytes]:
        """`pieces` through the decoders from `index` on, one piece at a time: no stage holds
        more than a step of output."""
        if index == len(self._decoders):
            yield from pieces
            return
        decoder = self._decoders[index]
        for piece in pieces:
            yield from self._after(index + 1, decoder.feed(piece))


def chain_for(content_encoding: str | None) -> Chain:
    """The decoders for a Content-Encoding header, or UndecodableBody."""
    names = [name.strip().lower() for name in (content_encoding or "").split(",") if name.strip()]
    names = [name for name in names if name != "identity"]
    if len(names) > MAX_CHAIN:
        raise UndecodableBody(
            f"its Content-Encoding chains {len(names)} encodings, more than the {MAX_CHAIN}"
            " this client decodes"
        )
    decoders: list[Decoder] = []
    for name in reversed(names):
        factory = _FACTORIES.get(name)
        if factory is None:
            shown = name if name.isascii() and name.isprintable() and len(name) < 40 else "?"
            raise UndecodableBody(
                f"its Content-Encoding {shown!r} is not one this client decodes ({ACCEPT_ENCODING})"
            )
        decoders.append(factory())
    return Chain(decoders)
