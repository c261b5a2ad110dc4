"""The fake reads a request's expires_at as the Go service does (`time.Parse(time.RFC3339, s)`,
which `encoding/json` uses for a `time.Time`), not as Python's `fromisoformat` does.

One table of cases from Go's rules: the fake is checked against it here, everywhere, and the
table itself against Go's own parser in test_fake_dates_go.py (the host's lanes, with Debian's
golang-go, which scripts/test installs), so the table is Go's word, not ours.
"""

from __future__ import annotations

import datetime
import json
from typing import NamedTuple

import pytest

from api_keys_client.testing import FakeApiKeys
from api_keys_client.testing._go_time import NotGoTime, parse_rfc3339

UTC = datetime.UTC
NOT_READ = "expires_at is not a date-time the service reads ("
EARLIEST = datetime.datetime.min.replace(tzinfo=UTC)  # the fake's clock: any date is to come


class Case(NamedTuple):
    text: str
    # The instant Go reads, in UTC (an int: seconds since the epoch, outside datetime's years),
    # or None where Go refuses it.
    utc: str | int | None
    # Go 1.19 (Debian bookworm's golang-go) read offsets with atoi and no range check; Go 1.20
    # made them two digits each, at most 24:60. Where 1.19 differs, what it said (True: read).
    go_1_19: bool | None = None


CASES = [
    # -- what the SDK and most clients send --
    Case("2999-01-01T00:00:00Z", "2999-01-01T00:00:00Z"),
    Case("2999-01-01T00:00:00+00:00", "2999-01-01T00:00:00Z"),
    Case("2999-01-01T00:00:00-00:00", "2999-01-01T00:00:00Z"),
    Case("2999-01-01T01:30:00+01:30", "2999-01-01T00:00:00Z"),
    Case("2998-12-31T19:00:00-05:00", "2999-01-01T00:00:00Z"),
    Case("2999-06-15T12:34:56.789012+00:00", "2999-06-15T12:34:56.789012000Z"),
    # -- the fraction: a point or a comma, any number of digits, read to the nanosecond --
    Case("2999-01-01T00:00:00.5Z", "2999-01-01T00:00:00.500000000Z"),
    Case("2999-01-01T00:00:00.123456789Z", "2999-01-01T00:00:00.123456789Z"),
    Case("2999-01-01T00:00:00.1234567891Z", "2999-01-01T00:00:00.123456789Z"),
    Case("2999-01-01T00:00:00." + "9" * 40 + "Z", "2999-01-01T00:00:00.999999999Z"),
    Case("2999-01-01T00:00:00.000000000Z", "2999-01-01T00:00:00Z"),
    Case("2999-01-01T00:00:00,5Z", "2999-01-01T00:00:00.500000000Z"),
    Case("2999-01-01T00:00:00.Z", None),  # a point without a digit is not a fraction
    Case("2999-01-01T00:00:00.5", None),  # a fraction is no offset
    Case("2999-01-01T00:00:00.\u0661Z", None),  # ARABIC-INDIC DIGIT ONE: Go's digits are ASCII
    # -- the hour: one digit or two, at most 23 --
    Case("2999-01-01T1:02:03Z", "2999-01-01T01:02:03Z"),
    Case("2999-01-01T23:59:59Z", "2999-01-01T23:59:59Z"),
    Case("2999-01-01T24:00:00Z", None),
    Case("2999-01-01T123:00:00Z", None),
    Case("2999-01-01T:00:00Z", None),
    # -- minutes and seconds: two digits, at most 59; no leap second --
    Case("2999-01-01T00:60:00Z", None),
    Case("2999-01-01T00:0:00Z", None),
    Case("2999-12-31T23:59:60Z", None),
    Case("2999-01-01T00:00:0Z", None),
    Case("2999-01-01T00:00Z", None),  # no seconds
    Case("2999-01-01T00Z", None),
    # -- the date: four-digit year 0000-9999, month 01-12, a day the month has --
    Case("0000-01-01T00:00:00Z", -62167219200),  # year 0 exists in Go (and is a leap year)
    Case("0000-02-29T00:00:00Z", -62162121600),
    Case("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"),
    Case("9999-12-31T23:00:00-05:00", 253402315200),  # year 10000 in UTC: Go reads it
    Case("12999-01-01T00:00:00Z", None),
    Case("999-01-01T00:00:00Z", None),
    Case("+2999-01-01T00:00:00Z", None),
    Case("-2999-01-01T00:00:00Z", None),
    Case("2999-00-01T00:00:00Z", None),
    Case("2999-13-01T00:00:00Z", None),
    Case("2999-1-01T00:00:00Z", None),
    Case("2999-01-1T00:00:00Z", None),
    Case("2999-01-00T00:00:00Z", None),
    Case("2999-01-31T00:00:00Z", "2999-01-31T00:00:00Z"),
    Case("2999-01-32T00:00:00Z", None),
    Case("2999-04-30T00:00:00Z", "2999-04-30T00:00:00Z"),
    Case("2999-04-31T00:00:00Z", None),
    Case("2996-02-29T00:00:00Z", "2996-02-29T00:00:00Z"),  # a leap year
    Case("2999-02-29T00:00:00Z", None),
    Case("2100-02-29T00:00:00Z", None),  # a century is not a leap year...
    Case("2400-02-29T00:00:00Z", "2400-02-29T00:00:00Z"),  # ...unless it is a fourth one
    Case("\uff12999-01-01T00:00:00Z", None),  # FULLWIDTH DIGIT TWO
    # -- the offset: Z, or a sign and hh:mm, up to 24 hours and 60 minutes --
    Case("2999-01-01T00:00:00+23:59", "2998-12-31T00:01:00Z"),
    Case("2999-01-01T00:00:00+24:00", "2998-12-31T00:00:00Z"),
    Case("2999-01-01T00:00:00-24:00", "2999-01-02T00:00:00Z"),
    Case("2999-01-01T00:00:00+00:60", "2998-12-31T23:00:00Z"),
    Case("2999-01-01T00:00:00+24:60", "2998-12-30T23:00:00Z"),
    Case("2999-01-01T00:00:00+25:00", None, go_1_19=True),
    Case("2999-01-01T00:00:00+00:61", None, go_1_19=True),
    Case("2999-01-01T00:00:00+99:99", None, go_1_19=True),
    Case("2999-01-01T00:00:00+-1:00", None, go_1_19=True),
    Case("2999-01-01T00:00:00++1:00", None, go_1_19=True),
    Case("2999-01-01T00:00:00+01:0a", None),
    Case("2999-01-01T00:00:00+0100", None),
    Case("2999-01-01T00:00:00+01", None),
    Case("2999-01-01T00:00:00+01:00:00", None),
    Case("2999-01-01T00:00:00\u221201:00", None),  # MINUS SIGN
    Case("2999-01-01T00:00:00", None),  # no offset at all
    Case("2999-01-01T00:00:00UTC", None),
    Case("2999-01-01T00:00:00 +01:00", None),
    Case("2999-01-01T00:00:00ZZ", None),
    # -- what fromisoformat took and the service does not (issue 20, item 14) --
    Case("29990101T000000Z", None),
    Case("2999-W01-1T00:00:00Z", None),
    Case("2999-001T00:00:00Z", None),  # an ordinal date
    Case("2999-01-01 00:00:00Z", None),
    Case("2999-01-01", None),
    # -- what RFC 3339 allows and Go refuses --
    Case("2999-01-01t00:00:00Z", None),
    Case("2999-01-01T00:00:00z", None),
    Case("2999-01-01T00:00:00.5z", None),
    # -- nothing around it --
    Case("", None),
    Case(" 2999-01-01T00:00:00Z", None),
    Case("2999-01-01T00:00:00Z ", None),
    Case("2999-01-01T00:00:00Z\n", None),
    Case("2999-01-01T00:00:00Z\x00", None),
]


def instant_of(case: Case) -> tuple[int, int] | None:
    """The (seconds, nanoseconds) a case says Go reads, or None."""
    if case.utc is None or isinstance(case.utc, int):
        return None if case.utc is None else (case.utc, 0)
    whole, _, fraction = case.utc.removesuffix("Z").partition(".")
    seconds = datetime.datetime.fromisoformat(whole).replace(tzinfo=UTC).timestamp()
    return int(seconds), int(fraction.ljust(9, "0")) if fraction else 0


def _create(fake: FakeApiKeys, expires_at: object) -> tuple[int, dict[str, str]]:
    token = fake.add_user(workspaces=["ws_1"])
    headers = {"authorization": f"Bearer {token}", "x-workspace-id": "ws_1"}
    body = json.dumps({"name": "dated", "expires_at": expires_at}).encode()
    answer = fake.handle("POST", "/api-keys", headers, body)
    return answer.status, json.loads(answer.body)


def fakes_reading(text: str) -> tuple[int, int] | None:
    """The instant the fake reads, or None where a create with it gets the fake's "not a
    date-time" refusal (the fake's answer decides; parse_rfc3339 gives the exact instant)."""
    status, body = _create(FakeApiKeys(clock=lambda: EARLIEST), text)
    refused = status == 400 and body["error"].startswith(NOT_READ)
    try:
        instant = parse_rfc3339(text)
    except NotGoTime:
        instant = None
    assert refused is (instant is None), (text, body)
    return instant


@pytest.mark.parametrize("case", CASES, ids=[repr(case.text)[:60] for case in CASES])
def test_the_fake_reads_each_case_as_go_does(case: Case) -> None:
    assert fakes_reading(case.text) == instant_of(case)


@pytest.mark.parametrize(
    "text",
    [
        "29990101T000000Z",
        "2999-W01-1T00:00:00Z",
        "2999-01-01 00:00:00Z",
        "2999-01-01T00:00Z",
        "2999-01-01T00:00:00+0100",
        "2999-01-01t00:00:00Z",
        "2999-01-01T00:00:00z",
        "2999-12-31T23:59:60Z",
        "2999-01-01T00:00:00",
    ],
)
def test_a_create_with_a_date_go_refuses_is_a_400_that_says_what_is_accepted(text: str) -> None:
    status, body = _create(FakeApiKeys(), text)
    assert status == 400
    message = body["error"]
    assert message.startswith(NOT_READ)
    assert "YYYY-MM-DDTHH:MM:SS" in message
    assert "Z or an offset +hh:mm or -hh:mm, with an upper-case T and Z" in message
    assert "RFC 3339" not in message  # RFC 3339 itself allows some of these


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2999-01-01t00:00:00Z", "expected an upper-case 'T' at character 11"),
        ("2999-12-31T23:59:60Z", "the second 60 is out of range (0-59: no leap seconds)"),
        ("2999-02-29T00:00:00Z", "the day 29 is out of range (1-28)"),
        ("2999-01-01T24:00:00Z", "the hour 24 is out of range (0-23)"),
        ("2999-01-01T00:00:00+25:00", "the offset hour 25 is out of range (0-24)"),
        ("2999-01-01T00:00:00", "expected Z or an offset +hh:mm or -hh:mm at character 20"),
        ("2999-01-01T00:00:00ZZ", "unexpected text after the offset, at character 21"),
    ],
)
def test_the_refusal_says_where_and_why(text: str, reason: str) -> None:
    assert f"({reason})" in _create(FakeApiKeys(), text)[1]["error"]


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2999-01-01T00:00:00+24:00", "2998-12-31T00:00:00Z"),  # past datetime's offsets
        ("2999-01-01T1:02:03Z", "2999-01-01T01:02:03Z"),
        ("2999-01-01T00:00:00,25-01:00", "2999-01-01T01:00:00.250000Z"),
    ],
)
def test_a_create_with_a_date_go_reads_stores_that_instant(text: str, stored: str) -> None:
    status, body = _create(FakeApiKeys(), text)
    assert (status, body["expiresAt"]) == (201, stored)


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        ("0000-01-01T00:00:00Z", "expires_at must be in the future"),  # Go reads year 0
        ("0001-01-01T00:00:00+01:00", "expires_at must be in the future"),  # year 0 in UTC
        ("9999-12-31T23:00:00-05:00", "expires_at is out of range"),  # year 10000 in UTC
        (5, "expires_at must be a string: YYYY-MM-DDTHH:MM:SS"),
    ],
)
def test_dates_go_reads_but_the_fake_cannot_keep_are_refused_plainly(
    expires_at: object, message: str
) -> None:
    status, body = _create(FakeApiKeys(), expires_at)
    assert status == 400
    assert body["error"].startswith(message)
