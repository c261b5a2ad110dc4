"""total_timeout: one deadline for a whole call, across every attempt, backoff and Retry-After.
The last attempt gets only the time that is left; a wait that would pass the deadline is not
waited for: the call raises APITimeoutError at once and says why. These run in real time."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

import api_keys_client as sdk

from .conftest import Driver, Harness


def test_a_retry_after_that_would_pass_the_deadline_is_not_waited_for(
    api: Driver, mock_api: respx.MockRouter, real_sleeps: list[float]
) -> None:
    route = mock_api.get("/api-keys").respond(503, headers={"Retry-After": "5"})
    started = time.monotonic()

    with pytest.raises(sdk.APITimeoutError) as caught:
        api.run(api.default.api_keys.list(total_timeout=3.0))

    assert time.monotonic() - started < 1.0  # raised at once, not after 3 s
    assert real_sleeps == []
    assert route.call_count == 1
    message = str(caught.value)
    assert message.startswith("GET /v1/api-keys failed: HTTP 503 Service Unavailable")
    assert (
        "; not retried: waiting 5.00 s for the next attempt would pass the call's deadline"
        " (total_timeout 3 s, " in message
    )
    assert "(timeouts: connect 5 s, read 30 s, total 3 s)" in message
    assert isinstance(caught.value.__cause__, sdk.InternalServerError)  # what went wrong
    assert caught.value.__cause__.status_code == 503


def test_retries_fit_in_the_deadline_until_they_do_not(
    api: Driver, mock_api: respx.MockRouter, real_sleeps: list[float]
) -> None:
    route = mock_api.get("/api-keys").respond(503, headers={"Retry-After": "0.5"})
    started = time.monotonic()

    with pytest.raises(sdk.APITimeoutError, match="would pass the call's deadline"):
        api.run(api.default.api_keys.list(total_timeout=1.25, max_retries=10))

    elapsed = time.monotonic() - started
    # At 0, 0.5 and 1.0 s; a wait to 1.5 s would pass 1.25 s. Each decision has 0.25 s to spare
    # for a busy shared machine (a CI run once took more than 0.1 s between two attempts).
    assert route.call_count == 3
    assert real_sleeps == [0.5, 0.5]  # the third wait, past the deadline, was not waited for
    # Raised at about 1.0 s; a busy machine may add to that, not a third wait of 0.5 s.
    assert 0.95 < elapsed < 1.45


def test_the_last_attempt_gets_only_the_time_left(
    api: Driver, mock_api: respx.MockRouter, real_sleeps: list[float]
) -> None:
    route = mock_api.get("/api-keys")
    route.side_effect = [
        httpx.Response(503, headers={"Retry-After": "0.3"}),
        httpx.Response(200, json=[]),
    ]

    api.run(api.default.api_keys.list(total_timeout=1.0))

    first, second = (call.request.extensions["timeout"] for call in route.calls)
    assert 0.9 < first["read"] <= 1.0
    assert first["connect"] <= 1.0
    assert 0.5 < second["read"] <= 0.7  # 1.0 - 0.3 s waited - the first attempt
    assert all(value <= 0.7 for value in second.values())


def test_a_per_attempt_timeout_shorter_than_the_time_left_is_kept(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    route = mock_api.get("/api-keys").respond(200, json=[])

    api.run(api.client(timeout=2.0).api_keys.list(total_timeout=60.0))

    assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(2.0).as_dict()


def test_total_timeout_from_the_client_and_with_options(
    api: Driver, mock_api: respx.MockRouter, real_sleeps: list[float]
) -> None:
    mock_api.get("/api-keys").respond(503, headers={"Retry-After": "2"})
    client = api.client(total_timeout=1.0)

    with pytest.raises(sdk.APITimeoutError, match=r"total_timeout 1 s"):
        api.run(client.api_keys.list())
    with pytest.raises(sdk.APITimeoutError, match=r"total_timeout 1.5 s"):
        api.run(client.with_options(total_timeout=1.5).api_keys.list())
    # A call's own option wins over the client's.
    with pytest.raises(sdk.APITimeoutError, match=r"total_timeout 0.5 s"):
        api.run(client.api_keys.list(total_timeout=0.5))
    assert real_sleeps == []


def test_a_stalled_server_is_cut_off_at_the_deadline(harness: Harness) -> None:
    harness.fake.stall_next(5.0)
    started = time.monotonic()

    with pytest.raises(sdk.APITimeoutError) as caught:
        harness.call("list", timeout=30.0, total_timeout=0.6, max_retries=3)

    assert 0.5 < time.monotonic() - started < 1.5  # the deadline, not the 30 s timeout
    assert "total 0.6 s" in str(caught.value)


def test_a_create_cut_off_by_the_deadline_says_the_key_may_exist(harness: Harness) -> None:
    harness.fake.stall_next(3.0)

    with pytest.raises(sdk.APITimeoutError) as caught:
        harness.call("create", name="slow", total_timeout=0.4)

    assert "the key may have been created anyway" in str(caught.value)
    assert caught.value.may_have_been_sent


def test_a_connection_error_with_no_time_left_to_retry_is_a_timeout(
    api: Driver, mock_api: respx.MockRouter, real_sleeps: list[float]
) -> None:
    route = mock_api.get("/api-keys").mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(sdk.APITimeoutError) as caught:
        api.run(api.default.api_keys.list(total_timeout=0.01, max_retries=3))

    assert route.call_count == 1
    assert real_sleeps == []
    assert type(caught.value) is sdk.APITimeoutError  # the deadline ended it, not the refusal
    assert "ConnectError: refused" in str(caught.value)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.may_have_been_sent is False


class _RecordingStream:
    """An httpcore network stream that records the timeout of every wait it is asked for."""

    def __init__(self, calls: list[tuple[object, ...]]) -> None:
        self.calls = calls

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.calls.append(("read", timeout))
        return b""

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.calls.append(("write", timeout))

    def close(self) -> None:
        self.calls.append(("close",))

    def start_tls(
        self, ssl_context: object, server_hostname: str | None = None, timeout: float | None = None
    ) -> _RecordingStream:
        self.calls.append(("start_tls", server_hostname, timeout))
        return self

    def get_extra_info(self, info: str) -> object:
        return f"info:{info}"


class _RecordingBackend:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: object = None
    ) -> _RecordingStream:
        self.calls.append(("connect_unix_socket", path, timeout, socket_options))
        return _RecordingStream(self.calls)

    def sleep(self, seconds: float) -> None:
        self.calls.append(("sleep", seconds))


def test_every_wait_on_a_bounded_socket_ends_with_the_attempt() -> None:
    from api_keys_client import _deadlines  # noqa: PLC0415 - the private layer under test

    inner = _RecordingBackend()
    backend = _deadlines._WatchedBackend(inner)  # type: ignore[arg-type] # a duck-typed stand-in
    options = [(1, 2, 3)]

    # Outside an attempt, every timeout passes through untouched.
    stream = backend.connect_unix_socket("/run/api.sock", timeout=5.0, socket_options=options)
    stream.read(10, timeout=None)
    assert inner.calls == [
        ("connect_unix_socket", "/run/api.sock", 5.0, options),
        ("read", None),
    ]

    # An attempt with no end (a read timeout of None) leaves them untouched too: a socket
    # timeout of infinity would be an OverflowError.
    endless = _deadlines.Attempt(math.inf)
    ends = _deadlines.ATTEMPT.set(endless)
    try:
        stream.read(10, timeout=None)
        stream.write(b"x", timeout=None)
    finally:
        _deadlines.ATTEMPT.reset(ends)
    assert inner.calls[-2:] == [("read", None), ("write", None)]
    assert endless.wrote

    inner.calls.clear()
    attempt = _deadlines.Attempt(time.monotonic() + 0.5)
    ends = _deadlines.ATTEMPT.set(attempt)
    try:
        stream = backend.connect_unix_socket("/run/api.sock", timeout=5.0, socket_options=options)
        stream.read(10, timeout=None)
        # A socket reached, nothing written yet: a failure now never reached the server.
        assert attempt.sent() is False
        stream.write(b"x", timeout=0.1)
        tls = stream.start_tls(object(), "api.test", timeout=30.0)  # type: ignore[arg-type]
        tls.read(10, timeout=30.0)
        backend.sleep(2.0)
    finally:
        _deadlines.ATTEMPT.reset(ends)
    assert attempt.sent() is True
    assert _deadlines.Attempt(1.0).sent() is None  # no socket reached (a mock): cannot tell
    assert tls.get_extra_info("socket") == "info:socket"
    stream.close()

    connect, read, write, start_tls, tls_read, sleep, close = inner.calls

    def cut(seconds: object) -> bool:
        """Cut to what the attempt had left (0.5 s at most)."""
        return isinstance(seconds, float) and 0 < seconds <= 0.5

    assert connect[:2] == ("connect_unix_socket", "/run/api.sock")
    assert connect[3] == options
    assert cut(connect[2])
    assert read[0] == "read"
    assert cut(read[1])
    assert write == ("write", 0.1)  # already shorter than what is left: kept
    assert start_tls[:2] == ("start_tls", "api.test")
    assert cut(start_tls[2])
    assert tls_read[0] == "read"
    assert cut(tls_read[1])
    assert (sleep, close) == (("sleep", 2.0), ("close",))


class _NoChunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An empty body that yields no chunk at all."""

    def __iter__(self) -> Iterator[bytes]:
        return iter(())

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks: tuple[bytes, ...] = ()
        for chunk in chunks:
            yield chunk


def test_a_failure_that_comes_back_after_the_deadline_is_a_timeout(
    api: Driver, mock_api: respx.MockRouter, real_sleeps: list[float]
) -> None:
    def slow_503(request: httpx.Request) -> httpx.Response:
        time.sleep(0.1)  # the mock does not enforce timeouts: the answer comes, but too late
        return httpx.Response(503, stream=_NoChunks())  # whole at once: no body read to time

    route = mock_api.get("/api-keys").mock(side_effect=slow_503)

    with pytest.raises(sdk.APITimeoutError) as caught:
        api.run(api.default.api_keys.list(total_timeout=0.05, max_retries=3))

    assert route.call_count == 1
    assert real_sleeps == []
    assert caught.value.may_have_been_sent is True  # the server answered: it had the request
    if api.flavour == "sync":  # async: asyncio's own timeout may end the attempt first
        assert "; the call's deadline (total_timeout 0.05 s) passed" in str(caught.value)
        assert isinstance(caught.value.__cause__, sdk.InternalServerError)
