"""After os.fork() (gunicorn --preload, Celery prefork, multiprocessing's fork start method): a
child never uses a connection its parent opened, so neither reads the other's answers; a
caller's http_client, which the SDK cannot renew, is refused in the child before anything is
sent. Real sockets, against a server on 127.0.0.1 that answers each request for the workspace it
names."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import api_keys_client as sdk

from .conftest import KEY_JSON, TOKEN
from .faultserver import FaultServer, Request, answer, response_bytes, running

CALLS = 20
RUNS = 10

pytestmark = [
    # Python 3.12+ warns that forking a process with threads (the test server's) may deadlock
    # the child; the child here touches nothing the server's threads hold.
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]


def _keys_of_the_workspace(request: Request) -> bytes:
    workspace = request[2]["x-workspace-id"]
    body = json.dumps([{**KEY_JSON, "id": f"key_{workspace}", "workspace_id": workspace}])
    return response_bytes(200, body.encode())


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(answer(_keys_of_the_workspace)) as fault_server:
        yield fault_server


def _wrong_answers(calls: Callable[[], list[sdk.ApiKey]], workspace: str) -> dict[str, int]:
    """Make CALLS calls; count answers meant for another workspace, and failures."""
    tally = {"wrong": 0, "failed": 0}
    for _ in range(CALLS):
        try:
            keys = calls()
        except sdk.ApiKeysError:
            tally["failed"] += 1
            continue
        if [key.workspace_id for key in keys] != [workspace]:
            tally["wrong"] += 1
    return tally


def _in_a_child(work: Callable[[], object]) -> tuple[int, int]:
    """Fork; the child runs `work` and reports its JSON result through a pipe. Returns the
    child's pid and the pipe's reading end. The child never returns into pytest."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.close(reading)
            os.write(writing, json.dumps(work()).encode())
        except BaseException as exc:
            os.write(writing, json.dumps({"error": repr(exc)}).encode())
            code = 1
        finally:
            os._exit(code)
    os.close(writing)
    return pid, reading


def _report(pid: int, reading: int) -> dict[str, Any]:
    chunks = []
    while chunk := os.read(reading, 65536):
        chunks.append(chunk)
    os.close(reading)
    _, status = os.waitpid(pid, 0)
    report: dict[str, Any] = json.loads(b"".join(chunks))
    assert os.waitstatus_to_exitcode(status) == 0, report
    return report


def test_parent_and_child_each_get_their_own_answers(server: FaultServer) -> None:
    totals = {"wrong": 0, "failed": 0}
    for _ in range(RUNS):
        before = server.connections
        client = sdk.ApiKeysClient(
            base_url=server.url, token=TOKEN, workspace_id="ws_parent", max_retries=0
        )
        client.api_keys.list()  # the parent now has a pooled connection
        assert server.connections == before + 1

        def child_work(client: sdk.ApiKeysClient = client) -> dict[str, int]:
            tally = _wrong_answers(client.with_workspace("ws_child").api_keys.list, "ws_child")
            client.close()  # the child's own pool; the parent's connection is left alone
            return tally

        pid, reading = _in_a_child(child_work)
        parent = _wrong_answers(client.api_keys.list, "ws_parent")  # at the same time
        child = _report(pid, reading)
        for tally in (parent, child):
            totals["wrong"] += tally["wrong"]
            totals["failed"] += tally["failed"]

        # The parent's connection survived the child and its close(): one more call reuses it.
        client.api_keys.list()
        assert server.connections == before + 2  # the parent's, and the child's own
        client.close()
    assert totals == {"wrong": 0, "failed": 0}


@pytest.mark.parametrize("child_loop", ["new", "inherited"])
def test_an_async_parent_and_child_each_get_their_own_answers(
    server: FaultServer, child_loop: str
) -> None:
    """The child runs a loop of its own, as it should; or goes on with the copy of the parent's
    loop it inherited (a fork from inside a running program), where only the process id tells
    the parent's pool from its own."""
    totals = {"wrong": 0, "failed": 0}
    for _ in range(RUNS):
        loop = asyncio.new_event_loop()
        client = sdk.AsyncApiKeysClient(
            base_url=server.url, token=TOKEN, workspace_id="ws_parent", max_retries=0
        )
        loop.run_until_complete(client.api_keys.list())  # a pooled connection, in this loop

        def child_work(
            client: sdk.AsyncApiKeysClient = client, loop: asyncio.AbstractEventLoop = loop
        ) -> dict[str, int]:
            async def calls() -> dict[str, int]:
                child = client.with_workspace("ws_child")
                tally = {"wrong": 0, "failed": 0}
                for _ in range(CALLS):
                    try:
                        keys = await child.api_keys.list()
                    except sdk.ApiKeysError:
                        tally["failed"] += 1
                        continue
                    tally["wrong"] += [key.workspace_id for key in keys] != ["ws_child"]
                return tally

            if child_loop == "new":
                return asyncio.run(calls())
            return loop.run_until_complete(calls())

        pid, reading = _in_a_child(child_work)
        parent = _wrong_answers(
            lambda client=client, loop=loop: loop.run_until_complete(client.api_keys.list()),  # type: ignore[misc] # a default bound per run
            "ws_parent",
        )
        child = _report(pid, reading)
        for tally in (parent, child):
            totals["wrong"] += tally["wrong"]
            totals["failed"] += tally["failed"]
        loop.run_until_complete(client.aclose())
        loop.close()
    assert totals == {"wrong": 0, "failed": 0}


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_callers_pool_is_refused_in_a_child_before_anything_is_sent(
    server: FaultServer, flavour: str
) -> None:
    def child_work() -> dict[str, Any]:
        sent_before = len(server.requests)
        try:
            if flavour == "sync":
                client.api_keys.list()
            else:
                asyncio.run(client.api_keys.list())  # type: ignore[arg-type] # the async flavour
        except sdk.InvalidArgumentError as exc:
            return {"error": type(exc).__name__, "message": exc.message, "sent": sent_before}
        return {"error": None}

    client: sdk.ApiKeysClient | sdk.AsyncApiKeysClient
    if flavour == "sync":
        pool = httpx.Client()
        client = sdk.ApiKeysClient(
            base_url=server.url, token=TOKEN, workspace_id="ws_1", http_client=pool
        )
        client.api_keys.list()
    else:
        async_pool = httpx.AsyncClient()
        client = sdk.AsyncApiKeysClient(
            base_url=server.url, token=TOKEN, workspace_id="ws_1", http_client=async_pool
        )
    requests_before = len(server.requests)

    report = _report(*_in_a_child(child_work))

    assert report["error"] == "InvalidArgumentError"
    assert "made in another process, before a fork" in report["message"]
    assert "post_fork" in report["message"]
    assert len(server.requests) == requests_before  # the child sent nothing
    if flavour == "sync":
        client.api_keys.list()  # the parent goes on with its own pool
        pool.close()
    else:
        asyncio.run(async_pool.aclose())
