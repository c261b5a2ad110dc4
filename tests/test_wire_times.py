"""Times on the wire are RFC 3339: an offset with seconds (which RFC 3339 cannot write) goes in
UTC; an instant outside years 1-9999 in UTC is refused, naming the bound it crosses. Real
sockets, sync and async."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator

import pytest

import api_keys_client as sdk

from .conftest import CREATED_JSON, Driver
from .faultserver import FaultServer, respond, running

RFC3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(201, json.dumps(CREATED_JSON).encode())) as fault_server:
        yield fault_server


def _sent_expiry(api: Driver, server: FaultServer, expires_at: datetime.datetime) -> str:
    api.create(api.client(base_url=server.url), expires_at=expires_at)
    sent: str = json.loads(server.requests[-1][3])["expires_at"]
    return sent


@pytest.mark.parametrize(
    ("offset", "sent"),
    [
        (datetime.timedelta(seconds=1, microseconds=5), "2030-01-01T11:59:58.999995+00:00"),
        (datetime.timedelta(hours=5, minutes=30, seconds=7), "2030-01-01T06:29:53+00:00"),
        (-datetime.timedelta(seconds=30), "2030-01-01T12:00:30+00:00"),
    ],
)
def test_an_offset_with_seconds_is_sent_in_utc(
    api: Driver, server: FaultServer, offset: datetime.timedelta, sent: str
) -> None:
    zone = datetime.timezone(offset)
    expires_at = datetime.datetime(2030, 1, 1, 12, 0, 0, 0, tzinfo=zone)

    wire = _sent_expiry(api, server, expires_at)

    assert wire == sent
    assert re.match(RFC3339, wire)
    assert datetime.datetime.fromisoformat(wire) == expires_at  # the same instant


def test_an_offset_of_whole_minutes_is_kept(api: Driver, server: FaultServer) -> None:
    zone = datetime.timezone(datetime.timedelta(hours=-5))

    wire = _sent_expiry(api, server, datetime.datetime(2030, 1, 1, 12, tzinfo=zone))

    assert wire == "2030-01-01T12:00:00-05:00"


@pytest.mark.parametrize(
    ("expires_at", "bound"),
    [
        (
            datetime.datetime(1, 1, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=5))),
            "before the year 1",
        ),
        (
            datetime.datetime(
                9999, 12, 31, 22, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
            ),
            "past the year 9999",
        ),
    ],
)
def test_an_instant_outside_the_years_rfc3339_writes_names_its_bound(
    api: Driver, server: FaultServer, expires_at: datetime.datetime, bound: str
) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        api.create(api.client(base_url=server.url), expires_at=expires_at)

    assert caught.value.message == (
        f"expires_at is {bound} once in UTC: RFC 3339 cannot write it, nor a server store it"
    )
    assert server.requests == []
