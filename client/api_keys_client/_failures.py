"""Turn what went wrong on the wire (a status that is not success, a transport failure) into the
exception tree, with nothing secret carried along."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx

from ._exceptions import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)

if TYPE_CHECKING:
    from ._settings import Settings

_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _server_error_message(response: httpx.Response) -> str | None:
    """ErrorResponse.error when the body is the documented JSON, else None."""
    try:
        data: Any = json.loads(response.content)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        error: str = data["error"]
        return error
    return None


def _plain_text(response: httpx.Response, limit: int = 200) -> str | None:
    """A short text/plain body (Go's router answers "404 page not found"), else None."""
    if not response.headers.get("content-type", "").startswith("text/plain"):
        return None
    try:
        text = response.content[:limit].decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    return text or None


def status_error(response: httpx.Response, settings: Settings) -> APIStatusError:
    """The exception for a response whose status is not a success."""
    status = response.status_code
    error = _server_error_message(response)
    error_class = _STATUS_ERRORS.get(status) or (
        InternalServerError if status >= 500 else APIStatusError
    )
    reason = httpx.codes.get_reason_phrase(status)
    request = response.request
    message = f"{request.method} {request.url.raw_path.decode('ascii')} failed: HTTP {status}"
    if reason:
        message += f" {reason}"
    detail = error if error is not None else _plain_text(response)
    if detail:
        message += f": {detail}"
    request_id = response.headers.get("x-request-id")
    if request_id:
        message += f" (request id {request_id})"
    return error_class(
        settings.redact(message),
        response=response,
        error=None if error is None else settings.redact(error),
    )
