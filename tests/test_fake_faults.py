"""The fake's faults behave alike in process and over real HTTP, sync and async: a stall trips the
client's timeout (and the request is still handled when it ends), a lost response is a disconnect
after the effect was committed, an injected failure is answered without handling."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys

from .conftest import Harness


def test_a_stall_longer_than_the_timeout_times_out(harness: Harness) -> None:
    harness.fake.stall_next(3.0)
    started = time.monotonic()

    with pytest.raises(sdk.APITimeoutError) as caught:
        harness.call("list", timeout=0.3)

    elapsed = time.monotonic() - started
    assert 0.25 < elapsed < 1.5, elapsed  # the timeout, not the stall
    assert caught.value.may_have_been_sent
    if harness.mode != "http" or harness.flavour == "sync":  # anyio's timeout says nothing
        assert "ReadTimeout: timed out (host " in str(caught.value)  # as a socket would say it


def test_a_stall_shorter_than_the_timeout_only_delays(harness: Harness) -> None:
    harness.fake.stall_next(0.3)
    started = time.monotonic()

    assert harness.call("list", timeout=5.0) == []

    assert time.monotonic() - started >= 0.3


def test_a_stalled_create_is_still_handled_when_the_stall_ends(harness: Harness) -> None:
    harness.fake.stall_next(0.8)

    with pytest.raises(sdk.APITimeoutError, match="the key may have been created anyway"):
        harness.call("create", name="slow", timeout=0.2)

    assert harness.names() == []  # the server has not got to it yet
    deadline = time.monotonic() + 5
    while harness.names() != ["slow"]:
        assert time.monotonic() < deadline, "the stalled create was never handled"
        time.sleep(0.05)


def test_a_lost_create_response_leaves_the_key_created(harness: Harness) -> None:
    harness.fake.lose_next_response()

    with pytest.raises(sdk.APIConnectionError) as caught:
        harness.call("create", name="ambiguous", max_retries=2)

    assert type(caught.value) is sdk.APIConnectionError
    assert caught.value.may_have_been_sent
    assert "RemoteProtocolError: Server disconnected without sending a response" in str(
        caught.value
    )
    assert "look for a key named 'ambiguous' created since" in str(caught.value)
    assert harness.fake.requests_handled == 1  # create is not sent twice
    assert harness.names() == ["ambiguous"]  # the effect was committed


def test_a_lost_list_response_is_retried(harness: Harness) -> None:
    harness.call("create", name="k")
    handled = harness.fake.requests_handled
    harness.fake.lose_next_response()

    assert [key.name for key in harness.call("list", max_retries=1)] == ["k"]

    assert harness.fake.requests_handled == handled + 2


def test_a_lost_revoke_response_is_retried_and_the_key_stays_revoked(harness: Harness) -> None:
    created = harness.call("create", name="k")
    harness.fake.lose_next_response()

    harness.call("revoke", created.id, max_retries=1)

    (key,) = harness.call("list")
    assert key.revoked_at is not None


def test_injected_failures_are_answered_without_handling(harness: Harness) -> None:
    harness.fake.fail_next(1, status=503, retry_after=0)

    with pytest.raises(sdk.InternalServerError, match="injected failure"):
        harness.call("create", name="never")

    assert harness.names() == []


@pytest.mark.parametrize(
    ("method", "arguments"),
    [
        ("fail_next", {"count": 0}),
        ("fail_next", {"status": 42}),
        ("stall_next", {"seconds": -1}),
        ("stall_next", {"seconds": float("inf")}),
        ("stall_next", {"seconds": float("nan")}),
        ("lose_next_response", {"count": -1}),
        ("lose_next_response", {"count": True}),
    ],
)
def test_fault_arguments_that_cannot_work_are_refused(
    method: str, arguments: dict[str, Any]
) -> None:
    fake = FakeApiKeys()
    if method == "stall_next":
        with pytest.raises(ValueError, match="seconds"):
            fake.stall_next(**arguments)
        return
    with pytest.raises(ValueError, match=r"count|status"):
        getattr(fake, method)(**arguments)


def test_the_lost_response_is_what_httpx_reports_over_a_socket() -> None:
    # The in-process transport says what httpx says when a real server hangs up.
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    fake.lose_next_response()
    headers = {"Authorization": f"Bearer {token}", "X-Workspace-ID": "ws_1"}
    with fake.serve() as base_url, pytest.raises(httpx.RemoteProtocolError) as over_http:
        httpx.get(base_url + "/api-keys", headers=headers)
    fake.lose_next_response()
    with (
        httpx.Client(transport=fake.transport(), base_url="http://fake.localhost") as client,
        pytest.raises(httpx.RemoteProtocolError) as in_process,
    ):
        client.get("/api-keys", headers=headers)
    assert str(in_process.value) == str(over_http.value)
