"""Timestamps read the way the Go service reads them: `time.Parse(time.RFC3339, s)`, which is
also what `encoding/json` does with a JSON string for a `time.Time` (Go 1.20 and later).

Python's `datetime.fromisoformat` takes ISO 8601's other forms too (`29990101T000000Z`, week
dates, a space for the `T`, `+0100`, no seconds) that the service refuses; Go in turn takes a
few things RFC 3339 does not (a one-digit hour, a comma before the fraction, offsets up to
24:60), and refuses some it does (a lower-case `t` or `z`, a leap second). The fake answers as
the service does, so these rules are Go's, step by step: `tests/test_fake_dates.py` checks them
against Go's own parser.
"""

from __future__ import annotations

import datetime

ACCEPTED = (
    "YYYY-MM-DDTHH:MM:SS, an optional fraction of a second (.5, down to nanoseconds), then Z or"
    " an offset +hh:mm or -hh:mm, with an upper-case T and Z (such as 2030-01-31T09:00:00Z or"
    " 2030-01-31T10:00:00.250+01:00)"
)

_SECONDS_PER_DAY = 86_400
_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_UNIX_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_UNIX_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class NotGoTime(ValueError):
    """Go's time.Parse refuses it; the message says where, and why."""


class _Reader:
    """The text as Go sees it (its UTF-8 bytes), read from left to right."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8", "surrogatepass")
        self.at = 0

    def is_digit(self, offset: int = 0) -> bool:
        index = self.at + offset
        return index < len(self.data) and 0x30 <= self.data[index] <= 0x39  # ASCII only, as Go

    def literal(self, expected: bytes, what: str) -> None:
        if self.data[self.at : self.at + len(expected)] != expected:
            raise NotGoTime(f"expected {what} at character {self.at + 1}")
        self.at += len(expected)

    def number(self, width: int, what: str) -> int:
        if not all(self.is_digit(offset) for offset in range(width)):
            raise NotGoTime(f"expected the {width}-digit {what} at character {self.at + 1}")
        value = int(self.data[self.at : self.at + width])
        self.at += width
        return value

    def one_or_two_digits(self, what: str) -> int:
        """Go's hour in this layout (`15`) takes one digit as well as two."""
        return self.number(2 if self.is_digit(1) else 1, what)


def _in_range(value: int, low: int, high: int, what: str, *, note: str = "") -> int:
    if not low <= value <= high:
        raise NotGoTime(f"the {what} {value} is out of range ({low}-{high}{note})")
    return value


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _ordinal(year: int, month: int, day: int) -> int:
    """date.toordinal(), for Go's years 0-9999 (datetime has no year 0, a leap year in Go)."""
    before = year - 1  # floor division makes year 0 come out right: 366 days before year 1
    days = before * 365 + before // 4 - before // 100 + before // 400
    return days + _DAYS_BEFORE_MONTH[month - 1] + (month > 2 and _is_leap(year)) + day


def _fraction(reader: _Reader) -> int:
    """Nanoseconds. Go reads a fraction after the seconds though the layout has none: a point
    or a comma, then every digit that follows (beyond nine, ignored)."""
    if not (reader.data[reader.at : reader.at + 1] in (b".", b",") and reader.is_digit(1)):
        return 0
    reader.at += 1
    start = reader.at
    while reader.is_digit():
        reader.at += 1
    return int(reader.data[start : reader.at][:9].ljust(9, b"0"))


def _offset(reader: _Reader) -> int:
    """Seconds east of UTC: `Z`, or a sign and hh:mm (Go allows up to 24 hours, 60 minutes)."""
    if reader.data[reader.at : reader.at + 1] == b"Z":
        reader.at += 1
        return 0
    sign = reader.data[reader.at : reader.at + 1]
    if sign not in (b"+", b"-"):
        where = reader.at + 1
        raise NotGoTime(f"expected Z or an offset +hh:mm or -hh:mm at character {where}")
    reader.at += 1
    hours = _in_range(reader.number(2, "offset hour"), 0, 24, "offset hour")
    reader.literal(b":", "the ':' of the offset")
    minutes = _in_range(reader.number(2, "offset minute"), 0, 60, "offset minute")
    seconds = (hours * 60 + minutes) * 60
    return -seconds if sign == b"-" else seconds


def parse_rfc3339(text: str) -> tuple[int, int]:
    """The instant as (seconds since the Unix epoch, nanoseconds), or NotGoTime."""
    reader = _Reader(text)
    year = reader.number(4, "year")
    reader.literal(b"-", "'-'")
    month = _in_range(reader.number(2, "month"), 1, 12, "month")
    reader.literal(b"-", "'-'")
    day = reader.number(2, "day")
    reader.literal(b"T", "an upper-case 'T'")
    hour = _in_range(reader.one_or_two_digits("hour"), 0, 23, "hour")
    reader.literal(b":", "':'")
    minute = _in_range(reader.number(2, "minute"), 0, 59, "minute")
    reader.literal(b":", "':'")
    second = _in_range(reader.number(2, "second"), 0, 59, "second", note=": no leap seconds")
    nanoseconds = _fraction(reader)
    offset = _offset(reader)
    if reader.at != len(reader.data):
        raise NotGoTime(f"unexpected text after the offset, at character {reader.at + 1}")
    _in_range(day, 1, _days_in(month, year), "day")
    days = _ordinal(year, month, day) - _UNIX_EPOCH_ORDINAL
    seconds = days * _SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset
    return seconds, nanoseconds


def as_datetime(seconds: int, nanoseconds: int) -> datetime.datetime:
    """The instant in UTC, to the microsecond; OverflowError outside the years 1-9999."""
    return _UNIX_EPOCH + datetime.timedelta(seconds=seconds, microseconds=nanoseconds // 1000)
