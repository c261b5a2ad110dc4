"""schemathesis hooks for the contract test, loaded in schemathesis's own process by
tests/schemathesis.toml: the two rules of the service that openapi.yaml can state only in words."""

from __future__ import annotations

import json
import re
from typing import Any

import schemathesis

_YEAR = re.compile(r"\A(\d{4})-")


def _in_the_future(match: re.Match[str]) -> str:
    # 2400 + year % 400 keeps whether the year is a leap one, so 02-29 stays a date; and no offset
    # takes a year in 2400..2799 out of RFC 3339's range once in UTC.
    return f"{2400 + int(match[1]) % 400}-"


@schemathesis.hook
def before_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: dict[str, Any]
) -> None:
    """A create's `expires_at` must be in the future (and within RFC 3339's years in UTC), which
    JSON Schema cannot say; the field's description does. schemathesis draws date-times from the
    years 0001 to 9999 (and may reuse the service's own, past, `createdAt`s), so most schema-valid
    creates would be refused for a reason the schema does not give. Each one a positive case
    sends moves to a year in 2400..2799, spelt otherwise as drawn. Negative cases go as drawn."""
    del context, kwargs
    body = case.body
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if case.method == "POST" and positive and isinstance(body, dict):
        expires_at = body.get("expires_at")
        if isinstance(expires_at, str):
            body["expires_at"] = _YEAR.sub(_in_the_future, expires_at, count=1)


@schemathesis.check
def unknown_key_is_the_only_bad_request(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> None:
    """tests/schemathesis.toml lets a schema-valid revoke be answered 400, the service's deliberate
    answer to an id that is not one of the caller's keys in the workspace: that answer only."""
    del ctx
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if case.method != "DELETE" or response.status_code != 400 or not positive:
        return
    body: object = json.loads(response.content)
    if body != {"error": "api key not found"}:
        raise AssertionError(f"a schema-valid revoke was refused with {body!r}, not as unknown")
