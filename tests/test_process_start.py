"""A client handed to a process started with spawn or forkserver (Python 3.14's default on
Linux) cannot go: pickling it fails with a TypeError that says what to do instead, and doing that
(making the client in the worker) works."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
from collections.abc import Callable
from multiprocessing.process import BaseProcess

import pytest

import api_keys_client as sdk

from .conftest import TOKEN
from .faultserver import respond, running

START_METHODS = ["spawn", "forkserver"]


def _process(method: str, target: Callable[..., None], *args: object) -> BaseProcess:
    """A process of that start method (typeshed's get_context only narrows a literal name)."""
    context = multiprocessing.get_context(method)
    process: BaseProcess = context.Process(target=target, args=args)  # type: ignore[attr-defined] # every concrete context has Process
    return process


def _list_with(client: sdk.ApiKeysClient) -> None:
    client.api_keys.list()


def _list_at(base_url: str) -> None:
    """The way the error points to: the worker makes its own client from plain settings."""
    with sdk.ApiKeysClient(base_url=base_url, token=TOKEN, workspace_id="ws_1") as client:
        client.api_keys.list()


@pytest.mark.parametrize("method", START_METHODS)
def test_a_client_passed_to_a_worker_says_what_to_do(method: str) -> None:
    with sdk.ApiKeysClient(base_url="http://127.0.0.1:9", token=TOKEN, workspace_id="w") as client:
        process = _process(method, _list_with, client)
        with pytest.raises(TypeError) as caught:
            process.start()

    message = str(caught.value)
    assert "an ApiKeysClient cannot be pickled" in message
    assert "spawn or forkserver" in message
    assert "Make the ApiKeysClient in the worker" in message
    assert TOKEN not in message


@pytest.mark.parametrize("method", START_METHODS)
def test_a_client_made_in_the_worker_works(method: str) -> None:
    with running(respond(200, b"[]")) as server:
        process = _process(method, _list_at, server.url)
        process.start()
        process.join(60)
        assert process.exitcode == 0
        assert len(server.requests) == 1


@pytest.mark.parametrize("client_class", [sdk.ApiKeysClient, sdk.AsyncApiKeysClient])
def test_pickling_and_deep_copies_refuse_clearly_shallow_copies_share(
    client_class: type[sdk.ApiKeysClient] | type[sdk.AsyncApiKeysClient],
) -> None:
    client = client_class(base_url="http://127.0.0.1:9", token=TOKEN, workspace_id="w")
    for attempt in (pickle.dumps, copy.deepcopy):
        with pytest.raises(TypeError, match=f"an {client_class.__name__} cannot be pickled"):
            attempt(client)

    copied = copy.copy(client)
    assert type(copied) is client_class
    assert copied._pool is client._pool
    assert copied.workspace_id == "w"
