"""Timestamps: every date-time of ApiKey and ApiKeyCreated names one instant, or the response is
an APIResponseValidationError naming the field by its wire name. Never a naive datetime."""

from __future__ import annotations

import datetime

import pytest
import respx

import api_keys_client as sdk
from api_keys_client._generated.types import parse_datetime

from .conftest import CREATED_JSON, KEY_JSON, Driver

UTC = datetime.UTC

LISTED_TIMES = ["created_at", "updated_at", "expires_at", "last_used_at", "revoked_at"]
CREATED_TIMES = ["createdAt", "expiresAt"]

# Not one instant: each is refused, in every date-time field, with this reason.
REFUSED = [
    ("2026-11-27T01:04:00", "no UTC offset"),
    ("2026-11-27T01:04:00.123456789", "no UTC offset"),
    ("2026-11-27 01:04:00", "no UTC offset"),
    ("20261127T010400", "no UTC offset"),
    ("20261127T01", "no UTC offset"),  # 11 characters, and still a time of day
    ("2026-11-27T01:04:60.5", "no UTC offset"),  # a leap second, still without an offset
    (
        "2026-11-27T01:04:60",
        "not in RFC 3339 form",
    ),  # without an offset, :60 is not read as a leap second
    ("2026-11-27", "a date without a time of day"),
    ("2026-W48-5", "a date without a time of day"),
    ("0000-01-01T00:00:00Z", "year 0000 is before the first year"),
    ("9999-12-31T23:59:59-01:00", "outside the years 0001-9999 in UTC"),
    ("0001-01-01T00:00:00+01:00", "outside the years 0001-9999 in UTC"),
    ("2026-02-30T00:00:00Z", "not in RFC 3339 form"),
    ("2026-11-27T24:00:01Z", "not in RFC 3339 form"),
    ("2026-11-27T01:04:61Z", "not in RFC 3339 form"),
    ("2026-11-27T01:04:00+24:00", "not in RFC 3339 form"),
    ("yesterday", "not in RFC 3339 form"),
    ("", "not in RFC 3339 form"),
]

# Accepted on purpose, and what each becomes.
ACCEPTED = [
    ("2026-11-27T01:04:00Z", datetime.datetime(2026, 11, 27, 1, 4, tzinfo=UTC)),
    # RFC 3339 section 5.6: "T" and "Z" may be lower case.
    ("2026-11-27t01:04:00z", datetime.datetime(2026, 11, 27, 1, 4, tzinfo=UTC)),
    ("2026-11-27T01:04:00z", datetime.datetime(2026, 11, 27, 1, 4, tzinfo=UTC)),
    # Go sends nanoseconds; datetime keeps microseconds.
    (
        "2026-11-27T01:04:00.123456789Z",
        datetime.datetime(2026, 11, 27, 1, 4, 0, 123456, tzinfo=UTC),
    ),
    (
        "2026-11-27T03:04:00+02:00",
        datetime.datetime(
            2026, 11, 27, 3, 4, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
    ),
    # RFC 3339 section 4.3: -00:00 is UTC with the local offset unknown.
    ("2026-11-27T01:04:00-00:00", datetime.datetime(2026, 11, 27, 1, 4, tzinfo=UTC)),
    # A leap second: datetime has none, so it is the last microsecond of its minute.
    ("2016-12-31T23:59:60Z", datetime.datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ("2016-12-31T23:59:60.5z", datetime.datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ("0001-01-01T00:00:00Z", datetime.datetime(1, 1, 1, tzinfo=UTC)),
    ("9999-12-31T23:59:59Z", datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_parse_datetime_refuses_what_is_not_one_instant(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_datetime(text)


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_parse_datetime_corners(text: str, expected: datetime.datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("field", LISTED_TIMES)
@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_listed_key_with_a_timestamp_that_is_not_an_instant(
    api: Driver, mock_api: respx.MockRouter, field: str, text: str, reason: str
) -> None:
    mock_api.get("/api-keys").respond(200, json=[KEY_JSON, {**KEY_JSON, field: text}])

    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.list()

    with pytest.raises(ValueError, match=reason) as parse_failure:
        parse_datetime(text)
    assert caught.value.message == (
        f"item 1: ApiKey.{field} is not a valid RFC 3339 date-time: {parse_failure.value}"
    )


@pytest.mark.parametrize("field", CREATED_TIMES)
@pytest.mark.parametrize(("text", "reason"), REFUSED[:6])
def test_created_key_with_a_timestamp_that_is_not_an_instant(
    api: Driver, mock_api: respx.MockRouter, field: str, text: str, reason: str
) -> None:
    mock_api.post("/api-keys").respond(201, json={**CREATED_JSON, field: text})

    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.create()

    assert f"ApiKeyCreated.{field} is not a valid RFC 3339 date-time: {reason}" in str(caught.value)


@pytest.mark.parametrize("field", LISTED_TIMES)
@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_every_listed_timestamp_is_aware(
    api: Driver, mock_api: respx.MockRouter, field: str, text: str, expected: datetime.datetime
) -> None:
    mock_api.get("/api-keys").respond(200, json=[{**KEY_JSON, field: text}])

    (key,) = api.list()

    value = getattr(key, field)
    assert value == expected
    assert isinstance(value, datetime.datetime)
    assert value.utcoffset() is not None
    # What used to crash `api-keys list` and the audit example: comparing with an aware instant.
    assert (value <= datetime.datetime.now(UTC)) == (expected <= datetime.datetime.now(UTC))
