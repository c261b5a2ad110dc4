"""Turn what went wrong on the wire (a status that is not success, a transport failure) into the
exception tree, with nothing secret carried along."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import httpx

from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    KeyNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from ._hosts import undecodable_label
from ._json import NotJSON, loads
from ._redaction import Redactor
from ._retry import MAX_RETRY_AFTER
from ._text import escape_controls

if TYPE_CHECKING:
    from ._settings import Settings

# RFC 9110's names where httpx still has RFC 7231's (httpx2 and Python 3.13 have these): one text
# for a status whatever httpx is underneath.
_RFC9110_REASONS = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}

_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


# The credentials a kept request shows masked: the SDK's own, and those a caller's http_client
# adds (its cookie jar's, a Proxy-Authorization among its default headers).
_MASKED = {
    b"authorization": b"Bearer [redacted]",
    b"proxy-authorization": b"[redacted]",
    b"cookie": b"[redacted]",
}


def without_credentials(request: httpx.Request) -> httpx.Request:
    """A copy of `request` to keep on an exception: the same method, URL, body and headers, but
    the credential headers masked."""
    if not any(name.lower() in _MASKED for name, _ in request.headers.raw):
        return request
    headers = [(name, _MASKED.get(name.lower(), value)) for name, value in request.headers.raw]
    try:
        content: bytes | None = request.content
    except httpx.RequestNotRead:
        content = None
    return httpx.Request(
        request.method, request.url, headers=headers, content=content, extensions=request.extensions
    )


# Never logged, not even by name: an API client keeps no session, and a cookie can be one.
_UNLOGGED_HEADERS = frozenset({"cookie", "set-cookie", "set-cookie2"})


def headers_for_log(message: httpx.Request | httpx.Response) -> str:
    """A message's headers on one line, for a DEBUG log: control characters escaped, cookies
    left out (the caller redacts the token)."""
    return escape_controls(
        ", ".join(
            f"{name}: {value}"
            for name, value in message.headers.items()
            if name.lower() not in _UNLOGGED_HEADERS
        )
    )


def detached(response: httpx.Response) -> httpx.Response:
    """`response` as an exception keeps it: its request without credentials, and nothing of the
    connection it came on (httpcore's network stream), which an error kept in a log or a result
    backend must not hold on to. The redirect httpx built for a 3xx (`next_request`, a copy of
    the request with its token) is dropped: the SDK never follows it, and Location says where it
    pointed. Every earlier response (`history`) is detached alike."""
    response.request = without_credentials(response.request)
    response.next_request = None
    if response.is_closed:
        # httpcore's stream keeps the request as it was sent (the token in its Authorization)
        # and the connection pool; a closed response reads from neither again.
        response.stream = httpx.ByteStream(getattr(response, "_content", b""))
    response.history = [detached(earlier) for earlier in response.history]
    response.extensions = {
        name: value
        for name, value in response.extensions.items()
        if name in ("http_version", "reason_phrase")
    }
    return response


def _server_error_message(response: httpx.Response) -> str | None:
    """ErrorResponse.error when the body is the documented JSON, else None."""
    try:
        data: Any = loads(response.content)
    except NotJSON:
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


def _where(request: httpx.Request) -> str:
    """The method and URL of a request, for a message (base_url never carries credentials)."""
    return f"{request.method} {request.url.copy_with(query=None)}"


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:g} s"


def ambiguous_create_note(key_name: str, since: datetime.datetime) -> str:
    """What to do after a create that may have reached the server but gave no answer."""
    return (
        f"; the key may have been created anyway: look for a key named"
        f" {escape_controls(repr(key_name))} created since"
        f" {since.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC before creating it again"
    )


CREATED_NOTE = "; the key was created"


def created_note(key_name: str, since: datetime.datetime, *, raw_key_kept: bool) -> str:
    """After a create whose success answer did not validate: the key exists; where its raw key
    is, or how to find the key whose raw key is lost."""
    if raw_key_kept:
        return (
            f"{CREATED_NOTE}, and its raw key, read from the answer, is on this error's raw_key:"
            " its only copy"
        )
    return (
        f"{CREATED_NOTE}, but its raw key could not be read from the answer: look for a"
        f" key named {escape_controls(repr(key_name))} created since"
        f" {since.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC and revoke it"
    )


def _redirect_note(response: httpx.Response) -> str:
    """Where a 3xx pointed, without credentials or query, and why it was not followed."""
    location = response.headers.get("location")
    if not location:
        return "; redirects are not followed"
    try:
        target = response.request.url.join(location)
        shown = str(target.copy_with(username=None, password=None, query=None, fragment=None))
    except (httpx.InvalidURL, TypeError, ValueError):
        target, shown = None, ""
    if target is None or undecodable_label(target) is not None:
        shown = "an address that is not a valid URL"
    return (
        f"; it redirects to {escape_controls(shown)}, which is not followed so that the token"
        " stays with base_url: set base_url to the new address if you trust it"
    )


def scrub_response(response: httpx.Response, redactor: Redactor) -> None:
    """Take the token, in any spelling a server could echo it in, out of a response kept on an
    exception: its body (so `.content`, `.text` and `.json()`) and its headers."""
    content = response.content
    scrubbed = redactor.bytes(content)
    if scrubbed != content:
        # httpx keeps a read body in _content (and its text in _text); no public way to replace it.
        response._content = scrubbed
        vars(response).pop("_text", None)
    raw = response.headers.raw
    headers = [(redactor.bytes(name), redactor.bytes(value)) for name, value in raw]
    if headers != raw:  # names too: a server may echo the token as a header's name
        response.headers = httpx.Headers(headers)
    for earlier in response.history:
        scrub_response(earlier, redactor)
    reason = response.extensions.get("reason_phrase")
    if isinstance(reason, bytes):  # the status line's own words: "401 bad token tok_..."
        response.extensions["reason_phrase"] = redactor.bytes(reason)


# The service's one answer for a key id that is not the caller's in this workspace (a 400).
KEY_NOT_FOUND = "api key not found"


def _status_class(status: int, error: str | None) -> type[APIStatusError]:
    if status == 400 and error is not None and error.strip().lower() == KEY_NOT_FOUND:
        return KeyNotFoundError
    return _STATUS_ERRORS.get(status) or (InternalServerError if status >= 500 else APIStatusError)


def workspace_refused(response: httpx.Response, error: str | None) -> str | None:
    """The X-Workspace-ID a 401 about "this workspace" answered, or None for any other answer:
    "this workspace" names none, and the id the caller meant may not be the one that was sent."""
    if response.status_code == 401 and error is not None and "this workspace" in error:
        return str(response.request.headers.get("x-workspace-id", ""))
    return None


def _what_to_check(response: httpx.Response, error: str | None, settings: Settings) -> str:
    """What to fix for the two answers a first try meets: the workspace id that was sent (a 401
    about "this workspace"), or base_url (a 404: the service answers none of its own)."""
    sent = workspace_refused(response, error)
    if sent is not None:
        return f"; the workspace sent (X-Workspace-ID) was {escape_controls(repr(sent))}"
    if response.status_code == 404:
        url = settings.base_url.copy_with(username=None, password=None, query=None, fragment=None)
        return (
            f"; check base_url ({escape_controls(str(url))}): the API Keys service answers no"
            " request with 404, so this path is not one of its"
        )
    return ""


def status_error(
    response: httpx.Response,
    settings: Settings,
    redactor: Redactor,
    *,
    attempts: int = 1,
    retry_after_refused: float | None = None,
    notes: str = "",
) -> APIStatusError:
    """The exception for a response whose status is not a success."""
    status = response.status_code
    error = _server_error_message(response)
    error_class = _status_class(status, error)
    reason = _RFC9110_REASONS.get(status) or httpx.codes.get_reason_phrase(status)
    request = response.request
    message = f"{request.method} {request.url.raw_path.decode('ascii')} failed: HTTP {status}"
    if reason:
        message += f" {reason}"
    detail = error if error is not None else _plain_text(response)
    if detail:
        message += f": {escape_controls(detail)}"
    if attempts > 1:
        message += f" (after {_attempts(attempts)})"
    request_id = response.headers.get("x-request-id")
    if request_id:
        message += f" (request id {escape_controls(request_id)})"
    if 300 <= status < 400:
        message += _redirect_note(response)
    message += _what_to_check(response, error, settings)
    if retry_after_refused is not None:
        message += (
            f"; the server asked to retry after {retry_after_refused:g} s, longer than the"
            f" {MAX_RETRY_AFTER:g} s this client waits, so it was not retried"
        )
    message += notes
    scrub_response(response, redactor)
    return error_class(
        escape_controls(redactor.text(message)),
        response=response,
        error=None if error is None else redactor.text(error),
    )


def _has_request(exc: httpx.RequestError) -> bool:
    try:
        exc.request  # noqa: B018 - httpx raises RuntimeError when no request is attached
    except RuntimeError:
        return False
    return True


def _timeouts(settings: Settings) -> str:
    timeout = settings.timeout
    text = f"connect {_seconds(timeout.connect)}, read {_seconds(timeout.read)}"
    if settings.total_timeout is not None:
        text += f", total {_seconds(settings.total_timeout)}"
    return text


def transport_error(
    exc: Exception,
    settings: Settings,
    redactor: Redactor,
    *,
    request: httpx.Request,
    attempts: int,
    sent: bool,
    notes: str = "",
    out_of_time: bool = False,
) -> APIConnectionError:
    """The exception for a request or response that did not make it across. Names the URL, the
    attempts made and the timeouts; `exc` itself is scrubbed, to be chained as the cause. A
    timeout, or a call whose deadline ran out (`out_of_time`), is an APITimeoutError."""
    where = _where(request)
    detail = escape_controls(redactor.text(str(exc))) or "no detail"
    context = f" (host {settings.base_url.host}; timeouts: {_timeouts(settings)})"
    scrub_chain(exc, redactor)
    forget_hidden_contexts(exc)
    notes = escape_controls(notes)
    if isinstance(exc, httpx.TimeoutException) or out_of_time:
        return APITimeoutError(
            f"{where} timed out after {_attempts(attempts)}: {type(exc).__name__}: {detail}"
            f"{context}{notes}",
            request=request,
            may_have_been_sent=sent,
        )
    return APIConnectionError(
        f"{where} failed after {_attempts(attempts)}: {type(exc).__name__}: {detail}"
        f"{context}{notes}",
        request=request,
        may_have_been_sent=sent,
    )


def out_of_time(error: APIStatusError, settings: Settings) -> APITimeoutError:
    """A retryable status error that the call's deadline left no time to retry: the call timed
    out, and says why; the status error is chained as its cause."""
    return APITimeoutError(
        f"{error.message} (timeouts: {_timeouts(settings)})",
        request=error.response.request,
        may_have_been_sent=True,
    )


def scrub_chain(exc: BaseException, redactor: Redactor) -> None:
    """Take credentials out of an exception and everything chained to it, in place: the
    requests httpx keeps on its exceptions, and any argument or attribute that holds the token."""
    seen: set[int] = set()
    current: BaseException | None = exc
    pending: list[BaseException] = []
    while current is not None or pending:
        if current is None:
            current = pending.pop()
        if id(current) in seen:
            current = None
            continue
        seen.add(id(current))
        if isinstance(current, httpx.HTTPStatusError) or (
            isinstance(current, httpx.RequestError) and _has_request(current)
        ):
            current.request = without_credentials(current.request)
        if any(isinstance(arg, str) and redactor.found_in(arg) for arg in current.args):
            current.args = tuple(
                redactor.text(arg) if isinstance(arg, str) else arg for arg in current.args
            )
        if isinstance(current, UnicodeError) and isinstance(getattr(current, "object", None), str):
            current.object = redactor.text(current.object)  # type: ignore[attr-defined] # the encode/decode errors' own attribute
        for name, value in list(vars(current).items()):
            if isinstance(value, str) and redactor.found_in(value):
                setattr(current, name, redactor.text(value))
        if current.__context__ is not None:
            pending.append(current.__context__)
        current = current.__cause__


def forget_hidden_contexts(exc: BaseException) -> None:
    """Drop, along the chain of `exc`, every context that was raised `from None`: hidden from
    tracebacks, but still kept, it could hold what the error itself does not (a body a JSON
    error keeps whole, the bytes a UTF-8 error keeps, an internal message with a timestamp)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current.__suppress_context__:
            current.__context__ = None
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)
