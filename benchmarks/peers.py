"""The SDK's typed decode against the peer's choice, for scripts/bench: pydantic v2 validating the
same JSON into an equivalent model (same fields and types, unknown keys kept)."""

from __future__ import annotations

import datetime

from pydantic import BaseModel, ConfigDict, TypeAdapter


class PydanticApiKey(BaseModel):
    """ApiKey's fields and types; extra="allow" keeps unknown keys, as additional_properties."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    key_prefix: str
    created_at: datetime.datetime
    user_id: str | None = None
    workspace_id: str | None = None
    scopes: list[str] | None = None
    updated_at: datetime.datetime | None = None
    expires_at: datetime.datetime | None = None
    last_used_at: datetime.datetime | None = None
    revoked_at: datetime.datetime | None = None


LISTING = TypeAdapter(list[PydanticApiKey])


def pydantic_decode(body: bytes) -> list[PydanticApiKey]:
    return LISTING.validate_json(body)
