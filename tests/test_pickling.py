"""Errors survive pickle (process pools, Celery results), copy.copy and copy.deepcopy: their
class, message, status, request id, error text and the rest; a pickled error carries no token.
The errors come from real failures over real sockets."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import api_keys_client as sdk

from .conftest import CREATED_JSON, KEY_JSON, TOKEN, Driver
from .faultserver import FaultServer, refused_url, respond, running, slow_headers

COPIERS: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda error: pickle.loads(pickle.dumps(error)),  # noqa: S301 - our own bytes
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}
STATUSES = [400, 401, 403, 404, 409, 418, 422, 429, 500, 503]


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running(respond(200, b"[]")) as fault_server:
        yield fault_server


def _status_error(api: Driver, server: FaultServer, status: int) -> sdk.APIStatusError:
    server.script(
        respond(
            status,
            json.dumps({"error": f"no: token {TOKEN} refused"}).encode(),
            {"Content-Type": "application/json", "X-Request-ID": "req_42"},
        )
    )
    with pytest.raises(sdk.APIStatusError) as caught:
        api.list(api.client(base_url=server.url, max_retries=0))
    return caught.value


def _same(original: sdk.ApiKeysError, copied: sdk.ApiKeysError) -> None:
    assert type(copied) is type(original)
    assert copied is not original
    assert copied.message == original.message == str(copied)
    assert copied.args == original.args
    assert getattr(copied, "__notes__", None) == getattr(original, "__notes__", None)


@pytest.mark.parametrize("how", list(COPIERS))
@pytest.mark.parametrize("status", STATUSES)
def test_status_errors_survive(api: Driver, server: FaultServer, status: int, how: str) -> None:
    original = _status_error(api, server, status)

    copied = COPIERS[how](original)

    _same(original, copied)
    assert (copied.status_code, copied.request_id) == (status, "req_42")
    assert copied.error == original.error == "no: token [redacted] refused"
    assert copied.response.status_code == status
    assert copied.response.json() == {"error": "no: token [redacted] refused"}
    assert copied.response.request.url == original.response.request.url
    assert copied.response.request.headers["authorization"] == "Bearer [redacted]"


@pytest.mark.parametrize("how", list(COPIERS))
def test_key_not_found_errors_survive(api: Driver, server: FaultServer, how: str) -> None:
    server.script(
        respond(400, b'{"error": "api key not found"}', {"Content-Type": "application/json"})
    )
    with pytest.raises(sdk.KeyNotFoundError) as caught:
        api.revoke("key_123", api.client(base_url=server.url, max_retries=0))
    original = caught.value

    copied = COPIERS[how](original)

    _same(original, copied)
    assert isinstance(copied, sdk.BadRequestError)
    assert (copied.status_code, copied.error) == (400, "api key not found")


def test_a_pickled_error_carries_no_token(api: Driver, server: FaultServer) -> None:
    for status in STATUSES:
        assert TOKEN.encode() not in pickle.dumps(_status_error(api, server, status))


@pytest.mark.parametrize("how", list(COPIERS))
def test_connection_errors_survive(api: Driver, how: str) -> None:
    with pytest.raises(sdk.APIConnectionError) as caught:
        api.create(api.client(base_url=refused_url(), max_retries=0))
    original = caught.value

    copied = COPIERS[how](original)

    _same(original, copied)
    assert copied.may_have_been_sent is False
    assert copied.request is not None
    assert copied.request.method == "POST"
    assert TOKEN.encode() not in pickle.dumps(original)


@pytest.mark.parametrize("how", list(COPIERS))
def test_timeouts_survive(api: Driver, server: FaultServer, how: str) -> None:
    server.script(slow_headers(2.0))
    with pytest.raises(sdk.APITimeoutError) as caught:
        api.create(api.client(base_url=server.url, timeout=0.3, max_retries=0))
    original = caught.value

    copied = COPIERS[how](original)

    _same(original, copied)
    assert copied.may_have_been_sent is True
    assert "the key may have been created anyway" in copied.message


@pytest.mark.parametrize("how", list(COPIERS))
def test_validation_errors_survive_with_their_raw_key(
    api: Driver, server: FaultServer, how: str
) -> None:
    server.script(respond(201, json.dumps({**CREATED_JSON, "createdAt": "soon"}).encode()))
    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.create(api.client(base_url=server.url, max_retries=0))
    original = caught.value

    copied = COPIERS[how](original)

    _same(original, copied)
    assert copied.raw_key == original.raw_key == CREATED_JSON["rawKey"]  # the key's only copy
    assert copied.status_code == 201
    assert TOKEN.encode() not in pickle.dumps(original)


@pytest.mark.parametrize("how", list(COPIERS))
def test_argument_and_rotation_errors_survive(how: str) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        sdk.ApiKeysClient(base_url="ftp://x", token=TOKEN, workspace_id="ws")
    invalid = caught.value
    created = sdk.ApiKeyCreated.from_dict(CREATED_JSON)
    rotation = sdk.RotationError("half done", created=created, old_key_id="key_1", step="revoke")
    rotation.add_note("a note survives too")

    for original in (invalid, rotation):
        _same(original, COPIERS[how](original))
    copied = COPIERS[how](rotation)
    assert (copied.old_key_id, copied.step) == ("key_1", "revoke")
    assert copied.created.raw_key == created.raw_key
    assert isinstance(COPIERS[how](invalid), ValueError)


def test_an_error_from_a_listing_pickles_with_its_key_list_request(
    api: Driver, server: FaultServer
) -> None:
    server.script(respond(200, json.dumps([{**KEY_JSON, "id": 7}]).encode()))
    with pytest.raises(sdk.APIResponseValidationError) as caught:
        api.list(api.client(base_url=server.url))

    copied = COPIERS["pickle"](caught.value)

    assert copied.raw_key is None
    assert copied.response.request.method == "GET"
    assert "ApiKey.id is a JSON number" in copied.message
