"""_decode's generic re-check, for fields the model template did not build strictly (none in
today's spec, so these models stand in for what a future schema might bring)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Any, Self

import attrs
import pytest

from api_keys_client import _client
from api_keys_client._decode import ResponseShapeError, decode_list, decode_model
from api_keys_client._generated.types import UNSET, Unset


@attrs.define
class Lax:
    """Like a generated model whose from_dict passes values through unchecked."""

    count: int = attrs.field(metadata={"wire_name": "count"})
    tags: list[str] | Unset = attrs.field(default=UNSET, metadata={"wire_name": "tags"})
    label: str = attrs.field(default="", metadata={"wire_name": "label", "strict": True})

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        return cls(count=src_dict["count"], tags=src_dict.get("tags", UNSET))


@attrs.define
class OneLaxField:
    name: str = attrs.field(metadata={"wire_name": "name"})

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        return cls(name=src_dict["name"])


def test_lax_fields_are_rechecked() -> None:
    assert decode_model(Lax, {"count": 3, "tags": ["a"]}) == Lax(count=3, tags=["a"])
    assert decode_list(Lax, [{"count": 1}, {"count": 2}]) == [Lax(count=1), Lax(count=2)]
    with pytest.raises(
        ResponseShapeError, match=r"Lax\.count is a JSON string where the spec says int"
    ):
        decode_model(Lax, {"count": "3"})
    with pytest.raises(ResponseShapeError, match=r"item 1: Lax\.tags has an item that is not"):
        decode_list(Lax, [{"count": 1}, {"count": 2, "tags": ["a", 5]}])


def test_a_single_lax_field_is_rechecked() -> None:
    assert decode_model(OneLaxField, {"name": "x"}) == OneLaxField(name="x")
    with pytest.raises(ResponseShapeError, match=r"OneLaxField\.name is a JSON array"):
        decode_list(OneLaxField, [{"name": ["x"]}])


def test_the_real_async_sleep_sleeps() -> None:
    # The suite records waits instead of sleeping; this checks the real function once.
    asyncio.run(_client._async_sleep(0.0))


def test_a_json_array_of_pairs_is_not_an_object() -> None:
    # dict() would happily turn [["id", "k"], ...] into an object: the decoder does not.
    from api_keys_client import ApiKey  # noqa: PLC0415

    pairs = [
        ["id", "k"],
        ["name", "n"],
        ["key_prefix", "p"],
        ["created_at", "2026-11-27T01:04:00Z"],
    ]
    with pytest.raises(ResponseShapeError) as caught:
        decode_list(ApiKey, [pairs])
    assert str(caught.value) == "item 0: ApiKey: expected a JSON object, got array"
    with pytest.raises(ResponseShapeError, match=r"^ApiKey: expected a JSON object, got array$"):
        decode_model(ApiKey, pairs)


def test_the_sync_deadline_closes_the_inner_stream_at_once() -> None:
    import httpx  # noqa: PLC0415

    from api_keys_client._body import read_body  # noqa: PLC0415

    closed: list[str] = []

    def chunks() -> Iterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            closed.append("inner generator")

    class Inner(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            return chunks()

    request = httpx.Request("GET", "https://api.test/api-keys")
    response = httpx.Response(200, stream=Inner(), request=request)
    with pytest.raises(httpx.ReadTimeout) as caught:
        read_body(response, limit=1000, ends=0.0, request=request)  # already past
    assert closed == ["inner generator"]  # closed before the exception leaves, not at collection
    assert caught.value.request is request
    assert response.is_closed
