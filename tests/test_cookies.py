"""An API client has no session: the SDK's own pool never stores a cookie nor sends one, to any
workspace, and no log line shows Cookie or Set-Cookie. Real sockets, sync and async."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from .conftest import Driver
from .faultserver import FaultServer, Request, answer, response_bytes, running

CALLS = 30


def _sets_a_new_cookie_each_time(request: Request) -> bytes:
    number = len(request[3]) + sum(len(value) for value in request[2].values())
    return response_bytes(
        200,
        json.dumps([]).encode(),
        {
            "Content-Type": "application/json",
            "Set-Cookie": f"session{number}={'x' * 4000}; Path=/; HttpOnly",
            "Set-Cookie2": "legacy=1",
        },
    )


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(answer(_sets_a_new_cookie_each_time)) as fault_server:
        yield fault_server


def test_cookies_are_never_kept_nor_sent(
    api: Driver, server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = api.client(base_url=server.url)
    other = client.with_workspace("ws_2")

    with caplog.at_level(logging.DEBUG, logger="api_keys_client"):
        for _ in range(CALLS):
            api.list(client)
            api.list(other)

    sent = [headers for _, _, headers, _ in server.requests]
    assert len(sent) == 2 * CALLS
    assert [headers for headers in sent if "cookie" in headers] == []
    assert max(sum(len(name) + len(value) for name, value in h.items()) for h in sent) < 1000
    logged = "\n".join(record.getMessage() for record in caplog.records).lower()
    assert "response headers:" in logged  # headers were logged, minus the cookies
    assert "cookie" not in logged
    assert "session" not in logged
