"""The three operations, shared by the sync and async clients: how each request is built (by the
generated `_get_kwargs`) and how its success response becomes typed values."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

import httpx

from ._decode import NestedTooDeep, ResponseShapeError, decode_list, decode_model
from ._exceptions import InvalidArgumentError
from ._generated.api.api_keys import create_api_key, list_api_keys, revoke_api_key
from ._generated.models import ApiKey, ApiKeyCreated, CreateApiKeyRequest
from ._generated.types import UNSET
from ._json import TOO_DEEP, NotJSON, loads, raw_key_in
from ._lifecycle import expiry_from

T = TypeVar("T")


class Call(NamedTuple, Generic[T]):
    """One operation's request, ready to send, and how to read its success response."""

    name: str
    kwargs: dict[str, Any]  # method, url (relative), headers, json: from the generated layer
    parse: Callable[[httpx.Response], T]
    # Safe to send twice: a retry after an unclear failure cannot do anything twice.
    idempotent: bool
    # For a create: the name of the key it makes, so that a failure that may have reached the
    # server can say what to look for.
    key_name: str | None = None


class BodyInvalid(Exception):
    """A success response whose body is not what the spec says. Internal: the client turns it
    into an APIResponseValidationError, with what the call was and, after a create, what became
    of the key. `raw_key` is the raw key a create's body carried, when it could be read."""

    def __init__(self, reason: str, raw_key: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw_key = raw_key


def _not_json(response: httpx.Response, why: object) -> str:
    content_type = response.headers.get("content-type")
    return (
        f"HTTP {response.status_code} body is not JSON ({content_type or 'no content-type'}): {why}"
    )


def _json_body(response: httpx.Response) -> object:
    try:
        return loads(response.content, response.headers.get("content-type"))
    except NotJSON as exc:
        raise BodyInvalid(_not_json(response, exc)) from None


def _parse_list(response: httpx.Response) -> list[ApiKey]:
    try:
        return decode_list(ApiKey, _json_body(response))
    except NestedTooDeep:
        raise BodyInvalid(_not_json(response, TOO_DEEP)) from None
    except ResponseShapeError as exc:
        raise BodyInvalid(str(exc)) from None


def _parse_created(response: httpx.Response) -> ApiKeyCreated:
    try:
        body = _json_body(response)
    except BodyInvalid as exc:
        raise BodyInvalid(exc.reason, raw_key_in(response.content)) from None
    try:
        return decode_model(ApiKeyCreated, body)
    except NestedTooDeep:  # too deep: the top-level raw key, unless something makes it doubtful
        raw_key = raw_key_in(response.content, body)
        raise BodyInvalid(_not_json(response, TOO_DEEP), raw_key) from None
    except ResponseShapeError as exc:
        raise BodyInvalid(str(exc), raw_key_in(response.content, body)) from None


def _parse_nothing(response: httpx.Response) -> None:
    return None


def list_call(*, workspace_id: str) -> Call[list[ApiKey]]:
    kwargs = list_api_keys._get_kwargs(x_workspace_id=workspace_id)
    return Call(name="list", kwargs=kwargs, parse=_parse_list, idempotent=True)


def checked_text(value: object, what: str) -> str:
    """A str that UTF-8 can carry (a lone surrogate, as from undecodable bytes, cannot)."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a str, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(
            f"{what} has a character UTF-8 cannot encode (U+{ord(value[exc.start]):04X}) at"
            f" position {exc.start}"
        ) from None
    return value


def _rfc3339_instant(expires_at: datetime.datetime) -> datetime.datetime:
    """An expiry RFC 3339 can write: within years 1-9999 in UTC, and with an offset of whole
    minutes (RFC 3339 has no seconds in an offset: one that has them is sent in UTC instead)."""
    try:
        in_utc = expires_at.astimezone(datetime.UTC)
    except OverflowError:
        bound = "before the year 1" if expires_at.year == 1 else "past the year 9999"
        raise InvalidArgumentError(
            f"expires_at is {bound} once in UTC: RFC 3339 cannot write it, nor a server store it"
        ) from None
    offset = expires_at.utcoffset()
    if offset is not None and (offset.seconds % 60 or offset.microseconds):
        return in_utc
    return expires_at


def create_call(
    *,
    workspace_id: str,
    name: str,
    expires_at: datetime.datetime | None,
    expires_in: datetime.timedelta | None = None,
) -> Call[ApiKeyCreated]:
    name = checked_text(name, "name")
    expires_at = expiry_from(expires_at=expires_at, expires_in=expires_in)
    if expires_at is not None:
        if not isinstance(expires_at, datetime.datetime):
            raise InvalidArgumentError(
                f"expires_at must be a datetime or None, not {type(expires_at).__name__}"
            )
        if expires_at.utcoffset() is None:
            raise InvalidArgumentError(
                "expires_at must be timezone-aware (for example datetime.now(UTC)"
                " + timedelta(days=30)); a naive datetime has no defined instant"
            )
        expires_at = _rfc3339_instant(expires_at)
    body = CreateApiKeyRequest(name=name, expires_at=UNSET if expires_at is None else expires_at)
    kwargs = create_api_key._get_kwargs(body=body, x_workspace_id=workspace_id)
    return Call(name="create", kwargs=kwargs, parse=_parse_created, idempotent=False, key_name=name)


def revoke_call(*, workspace_id: str, key_id: str) -> Call[None]:
    key_id = checked_text(key_id, "key_id")
    # The generated layer percent-encodes the id (so "a/../b" stays one segment), but "." and ".."
    # survive encoding and URL normalisation would turn them into another path.
    if key_id in ("", ".", ".."):
        raise InvalidArgumentError(f"key_id {key_id!r} is not a valid API key id")
    kwargs = revoke_api_key._get_kwargs(key_id, x_workspace_id=workspace_id)
    return Call(name="revoke", kwargs=kwargs, parse=_parse_nothing, idempotent=True)
