"""What a Go backend really sends (encoding/json and time.Time), decoded without surprises."""

from __future__ import annotations

import datetime

import pytest
import respx

from .conftest import KEY_JSON, Driver

UTC = datetime.UTC


def test_nil_slice_list_body_is_an_empty_list(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").respond(
        200, content=b"null", headers={"Content-Type": "application/json"}
    )

    assert api.list() == []


def test_empty_array_is_an_empty_list(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").respond(200, json=[])

    assert api.list() == []


def test_null_pointer_times_and_nil_scopes(api: Driver, mock_api: respx.MockRouter) -> None:
    body = {
        **KEY_JSON,
        "scopes": None,
        "expires_at": None,
        "last_used_at": None,
        "revoked_at": None,
    }
    mock_api.get("/api-keys").respond(200, json=[body])

    (key,) = api.list()

    assert key.scopes is None
    assert key.expires_at is None
    assert key.last_used_at is None
    assert key.revoked_at is None


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        # time.Time's MarshalJSON: RFC 3339 with nanoseconds (truncated to microseconds here).
        (
            "2024-05-01T10:00:00.123456789Z",
            datetime.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC),
        ),
        ("2024-05-01T10:00:00.1Z", datetime.datetime(2024, 5, 1, 10, 0, 0, 100000, tzinfo=UTC)),
        (
            "2024-05-01T12:30:00+02:30",
            datetime.datetime(
                2024,
                5,
                1,
                12,
                30,
                tzinfo=datetime.timezone(datetime.timedelta(hours=2, minutes=30)),
            ),
        ),
        (
            "2024-05-01T05:00:00.987654321-05:00",
            datetime.datetime(
                2024, 5, 1, 5, 0, 0, 987654, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
            ),
        ),
        # Go's zero time, what a non-pointer time.Time that was never set marshals to.
        ("0001-01-01T00:00:00Z", datetime.datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_go_timestamps(
    api: Driver, mock_api: respx.MockRouter, wire: str, expected: datetime.datetime
) -> None:
    body = {
        **KEY_JSON,
        "created_at": wire,
        "updated_at": wire,
        "revoked_at": wire,
        "last_used_at": wire,
    }
    mock_api.get("/api-keys").respond(200, json=[body])

    (key,) = api.list()

    assert key.created_at == expected
    assert key.updated_at == expected
    assert key.revoked_at == expected
    assert key.last_used_at == expected
    assert key.created_at.utcoffset() == expected.utcoffset()


def test_unknown_extra_fields_everywhere(api: Driver, mock_api: respx.MockRouter) -> None:
    mock_api.get("/api-keys").respond(
        200, json=[{**KEY_JSON, "owner": None, "tags": [1, {"a": 2}]}]
    )

    (key,) = api.list()

    assert key.id == "key_1"
    assert key.additional_properties == {"owner": None, "tags": [1, {"a": 2}]}
