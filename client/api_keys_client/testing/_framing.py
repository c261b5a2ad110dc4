"""Where a request's body ends, as RFC 9112 section 6 says, decided before a byte of it is read.

A Content-Length is trusted only when it is one decimal number (repeated identically at most,
as Go's server allows); a chunked body is read chunk by chunk. Anything else is a framing the
fake cannot follow: it answers 400 (the length cannot be determined, RFC 9112 6.3), 501 (a
transfer coding it does not implement, 6.1) or 413 (a body larger than it accepts, RFC 9110
15.5.14), and closes the connection, so what follows is never read as the next request.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import Protocol

MAX_BODY = 1024 * 1024  # bytes: a create's body is some 100; the fake reads no more than this
MAX_LINE = 4096  # bytes of a chunk-size line (with its extensions) or of a trailer line
MAX_TRAILER_LINES = 100

_DIGITS = re.compile(rb"[0-9]+")  # ASCII only: int() takes other scripts' digits, '+1', '1_0'
_HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]+")
_WHITESPACE = " \t"


class Reader(Protocol):
    """The connection's buffered reading side (the handler's rfile)."""

    def read(self, size: int, /) -> bytes: ...
    def readline(self, size: int, /) -> bytes: ...


class BadFraming(Exception):
    """The body's end cannot be found, or lies past what the fake reads: answer and close."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(status, reason)
        self.status = status
        self.reason = reason


def _too_large() -> BadFraming:
    return BadFraming(413, f"the body is larger than the fake accepts ({MAX_BODY:,} bytes)")


def read_body(rfile: Reader, headers: Message) -> tuple[bytes, bool]:
    """The request's body, and whether the connection must close after the answer (RFC 9112
    6.3: a request with both Transfer-Encoding and Content-Length may be a smuggling attempt)."""
    lengths = headers.get_all("Content-Length") or []
    encodings = headers.get_all("Transfer-Encoding")
    if encodings is not None:
        _check_codings(encodings)
        return _read_chunked(rfile), bool(lengths)
    if not lengths:
        return b"", False
    length = _content_length(lengths)
    body = rfile.read(length)
    if len(body) < length:
        raise BadFraming(400, "the body ended before its Content-Length")
    return body, False


def _check_codings(encodings: list[str]) -> None:
    codings = [
        coding.strip(_WHITESPACE).lower()
        for field in encodings
        for coding in field.split(",")
        if coding.strip(_WHITESPACE)
    ]
    if not codings or codings[-1] != "chunked" or "chunked" in codings[:-1]:
        raise BadFraming(
            400, "the body's length cannot be determined: chunked must be the last and only once"
        )
    if len(codings) > 1:
        raise BadFraming(501, "the only transfer coding the fake implements is chunked")


def _content_length(lengths: list[str]) -> int:
    values = {value.strip(_WHITESPACE) for value in lengths}
    if len(values) > 1:
        raise BadFraming(400, "the request has Content-Length headers that disagree")
    text = values.pop().encode("latin-1", "replace")
    if not _DIGITS.fullmatch(text):
        raise BadFraming(400, "Content-Length is not a number of bytes (digits only)")
    digits = text.lstrip(b"0") or b"0"
    if len(digits) > len(str(MAX_BODY)) or int(digits) > MAX_BODY:  # no 4,300-digit int()
        raise _too_large()
    return int(digits)


def _line(rfile: Reader, what: str) -> bytes:
    raw = rfile.readline(MAX_LINE + 2)
    if not raw.endswith(b"\r\n"):
        raise BadFraming(400, f"{what} is longer than {MAX_LINE} bytes or does not end in CRLF")
    return raw[:-2]


def _read_chunked(rfile: Reader) -> bytes:
    """RFC 9112 7.1: sizes in hexadecimal (extensions ignored), each chunk's data followed by
    CRLF, a last chunk of size 0, then trailer lines (ignored) up to an empty line."""
    body = bytearray()
    while True:
        size_text = _line(rfile, "a chunk-size line").split(b";", 1)[0].strip(b" \t")
        if not _HEX_DIGITS.fullmatch(size_text):
            raise BadFraming(400, "a chunk's size is not a hexadecimal number")
        digits = size_text.lstrip(b"0") or b"0"
        if len(digits) > 8 or len(body) + int(digits, 16) > MAX_BODY:
            raise _too_large()
        size = int(digits, 16)
        if size == 0:
            break
        chunk = rfile.read(size)
        if len(chunk) < size:
            raise BadFraming(400, "the body ended inside a chunk")
        body += chunk
        if rfile.read(2) != b"\r\n":
            raise BadFraming(400, "a chunk's data is not followed by CRLF")
    for _ in range(MAX_TRAILER_LINES + 1):
        if not _line(rfile, "a trailer line"):
            return bytes(body)
    raise BadFraming(400, f"more than {MAX_TRAILER_LINES} trailer lines")
