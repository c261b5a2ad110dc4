"""Content-Encoding, decoded with bounded memory.

httpx decompresses each chunk that arrives in one go: a 1 MB gzip chunk can become a gigabyte
before anything can look at its size. Here every decoder hands out at most `STEP` bytes at a time
and keeps the rest of its input until asked again, so the reader can stop the moment a body grows
past its limit (as urllib3 does since 2.6). Chains are decoded last encoding first, and a chain
longer than `MAX_CHAIN` is refused (urllib3 and httpx2 stop at 5 too).

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


class _Zlib:
    """gzip (wbits 16+15) or deflate: zlib-wrapped first, raw deflate when that fails at once, as
    httpx does for servers that send either under the name deflate."""

    def __init__(self, name: str, wbits: int, *, raw_fallback: bool = False) -> None:
        self._name = name
        self._decompressor = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                output = self._decompressor.decompress(data, STEP)
            except zlib.error as exc:
                if self._raw_fallback and not self._started:
                    self._raw_fallback = False
                    self._decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise UndecodableBody(f"its {self._name} data is corrupt ({exc})") from None
            self._started = True
            data = self._decompressor.unconsumed_tail
            if output:
                yield output
            if not data and len(output) < STEP:
                return

    def finish(self) -> Iterator[bytes]:
        yield from self.feed(b"")


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
    """compression.zstd (Python 3.14) or backports.zstd: bounded like zlib. Frames may follow one
    another, as RFC 8878 allows."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module
        self._decompressor: Any = module.ZstdDecompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            while True:
                output: bytes = self._decompressor.decompress(data, STEP)
                data = b""
                if output:
                    yield output
                if self._decompressor.eof:
                    rest: bytes = self._decompressor.unused_data
                    if not rest:
                        return
                    self._decompressor = self._module.ZstdDecompressor()
                    data = rest
                elif self._decompressor.needs_input:
                    return
        except self._module.ZstdError as exc:
            raise UndecodableBody(f"its zstd data is corrupt ({exc})") from None

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Zstandard:
    """The zstandard package, which cannot bound its output: fed a small slice at a time."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module
        self._decompressor: Any = module.ZstdDecompressor().decompressobj()

    def feed(self, data: bytes) -> Iterator[bytes]:
        view = memoryview(data)
        try:
            for start in range(0, len(view), _ZSTANDARD_SLICE):
                piece = view[start : start + _ZSTANDARD_SLICE].tobytes()
                while piece:
                    output: bytes = self._decompressor.decompress(piece)
                    piece = b""
                    if self._decompressor.eof and self._decompressor.unused_data:
                        piece = self._decompressor.unused_data
                        self._decompressor = self._module.ZstdDecompressor().decompressobj()
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
        "gzip": lambda: _Zlib("gzip", zlib.MAX_WBITS | 16),
        "x-gzip": lambda: _Zlib("gzip", zlib.MAX_WBITS | 16),
        "deflate": lambda: _Zlib("deflate", zlib.MAX_WBITS, raw_fallback=True),
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
