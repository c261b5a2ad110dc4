"""One call's way through its attempts, shared by the sync and async clients: the timeouts of
each attempt under the call's deadline, the log line after it, and what follows a failure (a
wait, then another attempt, if the deadline and the retry budget allow; or the exception that
ends the call). Sending itself is the clients' job."""

from __future__ import annotations

import datetime
import logging
import time
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

import httpx

from ._deadlines import TOO_SLOW, Attempt, attempt_deadline, within
from ._exceptions import APIResponseValidationError
from ._failures import (
    ambiguous_create_note,
    created_note,
    headers_for_log,
    out_of_time,
    scrub_response,
    status_error,
    transport_error,
    without_credentials,
)
from ._foreign import foreign
from ._json import raw_key_in
from ._logs import logger
from ._operations import BodyInvalid
from ._redaction import redactor_for
from ._retry import delay_after_exception, delay_after_response, never_sent, retry_after_too_long
from ._text import escape_controls

if TYPE_CHECKING:
    from ._body import BodyProblem
    from ._operations import Call
    from ._settings import Settings

T = TypeVar("T")


class RetryIn(NamedTuple):
    """The next attempt goes out after this many seconds."""

    seconds: float


class _Verdict(NamedTuple):
    """A retry the call can afford (`delay`), or None and why not (`late`: the deadline)."""

    delay: float | None
    refusal: str = ""
    late: bool = False


class CallState(Generic[T]):
    """One call: its request, the settings it runs with, and how far it has got: attempts made,
    the deadline of the whole call, and the retry tokens it has spent."""

    __slots__ = (
        "attempt",
        "began",
        "call",
        "current",
        "deadline",
        "ends",
        "redactor",
        "request",
        "sent",
        "settings",
        "since",
        "spent",
        "started",
        "timeout",
        "watched",
    )

    def __init__(
        self, call: Call[T], settings: Settings, request: httpx.Request, *, watched: bool = False
    ) -> None:
        self.call = call
        self.settings = settings
        self.request = request
        self.watched = watched  # the pool's sockets say whether an attempt wrote anything
        # Takes every token this call has sent out of its errors and logs (a token provider may
        # give each attempt another).
        self.redactor = settings.redactor()
        self.current: Attempt | None = None  # the attempt being sent
        self.sent = False  # an earlier attempt may have reached the server
        self.attempt = 0
        self.spent = 0  # retry tokens taken from the budget
        self.began = time.time()  # wall clock: "created since" for an ambiguous create
        self.since = self.started = time.monotonic()  # the call's start; the attempt's start
        self.ends = self.since  # when the current attempt must be over
        self.timeout = settings.timeout  # the current attempt's, cut to the call's deadline
        total = settings.total_timeout
        self.deadline = None if total is None else self.since + total

    def next_attempt(self, token: str) -> Attempt:
        """Start an attempt with `token` (the client's, or its provider's for this attempt):
        when it must be over, and what its sockets see. Under a call deadline, the attempt's
        timeouts are cut to the time that is left."""
        self.attempt += 1
        self.started = time.monotonic()
        timeout = self.settings.timeout
        if self.deadline is not None:
            timeout = within(timeout, max(self.deadline - self.started, 0.001))
            # A new dict, not a change to the old one: what saw an earlier attempt's request
            # (a copy sharing its extensions, as respx makes on httpx 0.27) keeps its timeouts.
            self.request.extensions = {**self.request.extensions, "timeout": timeout.as_dict()}
            self.ends = min(attempt_deadline(timeout), self.deadline)
        else:
            self.ends = attempt_deadline(timeout)
        self.timeout = timeout
        self.request.headers["Authorization"] = f"Bearer {token}"
        if token not in self.redactor.tokens:
            self.redactor = redactor_for(*self.redactor.tokens, token)
        self.current = Attempt(self.ends)
        return self.current

    def _attempt_sent(self, exc: BaseException | None = None) -> bool:
        """Whether the current attempt may have reached the server: unless its failure says it
        never left, or (on a pool whose sockets are watched) it reached a socket and wrote
        nothing there."""
        if isinstance(exc, httpx.RequestError) and never_sent(exc):
            return False
        seen = self.current.sent() if self.watched and self.current is not None else None
        return True if seen is None else seen

    def may_have_created(self) -> bool:
        """For a create: whether any attempt so far may have made the key."""
        return self.sent or (self.current is not None and self._attempt_sent())

    def _log(self, outcome: str, response: httpx.Response | None) -> None:
        if logger.isEnabledFor(logging.INFO):
            request_id = None if response is None else response.headers.get("x-request-id")
            logger.info(
                "%s %s -> %s in %.1f ms (attempt %d of %d, request id %s)",
                self.request.method,
                self.request.url.raw_path.decode("ascii"),
                outcome,
                (time.monotonic() - self.started) * 1000,
                self.attempt,
                self.settings.max_retries + 1,
                escape_controls(self.redactor.text(request_id or "-")),
            )
        if logger.isEnabledFor(logging.DEBUG):
            # Headers only, never a body: a create's response body holds the raw key.
            # The server may echo the token (a Location with it in the query): redacted too.
            redact = self.redactor.text
            request_headers = headers_for_log(without_credentials(self.request))
            logger.debug("request headers: %s", redact(request_headers))
            if response is not None:
                logger.debug("response headers: %s", redact(headers_for_log(response)))

    def _ambiguous_note(self) -> str:
        """For a create that may have reached the server: how to check whether it did."""
        if self.call.key_name is None:
            return ""
        since = datetime.datetime.fromtimestamp(self.began, datetime.UTC)
        return ambiguous_create_note(self.call.key_name, since)

    def _afford(self, delay: float, *, after_timeout: bool) -> _Verdict:
        """Whether the call can pay for a retry after `delay` seconds: its deadline must leave
        time for it, and the retry budget must have the tokens."""
        if self.deadline is not None:
            total = self.settings.total_timeout
            left = self.deadline - time.monotonic()
            if left <= 0:
                return _Verdict(
                    None, f"; the call's deadline (total_timeout {total:g} s) passed", True
                )
            if delay >= left:
                return _Verdict(
                    None,
                    f"; not retried: waiting {delay:.2f} s for the next attempt would pass the"
                    f" call's deadline (total_timeout {total:g} s, {left:.2f} s left)",
                    True,
                )
        budget = self.settings.retry_budget
        if budget is not None:
            cost = budget.try_acquire(after_timeout=after_timeout)
            if cost is None:
                return _Verdict(
                    None,
                    f"; not retried: the retry budget is spent ({budget.available} of"
                    f" {budget.capacity} tokens left: the service keeps failing, and the budget"
                    " refills as calls succeed)",
                )
            self.spent += cost
        return _Verdict(delay)

    def foreign(self, exc: Exception) -> BaseException | None:
        """What the caller's code raised during the attempt, to pass on unchanged (never
        retried); None when `exc` is httpx's or the SDK's, to convert (see _foreign)."""
        return foreign(
            exc,
            waited=time.monotonic() - self.started,
            timeout=self.timeout,
            length=self.ends - self.started,
        )

    def after_exception(self, exc: Exception) -> float:
        """The wait before the next attempt after `exc`, or raise the exception for it."""
        self._log(type(exc).__name__, None)
        delay = None
        refusal, late = "", False
        sent = self._attempt_sent(exc)
        self.sent = self.sent or sent
        if self.attempt <= self.settings.max_retries and isinstance(exc, httpx.RequestError):
            delay = delay_after_exception(
                idempotent=self.call.idempotent, sent=sent, retry_number=self.attempt
            )
            if delay is not None:
                timed_out = isinstance(exc, httpx.TimeoutException)
                delay, refusal, late = self._afford(delay, after_timeout=timed_out)
        if delay is None:
            overdue = ""
            if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= self.ends:
                # Every read came in time, but not the whole response: say so.
                overdue = f"; {TOO_SLOW}"
            error = transport_error(
                exc,
                self.settings,
                self.redactor,
                request=self.request,
                attempts=self.attempt,
                sent=sent,
                notes=overdue + refusal + (self._ambiguous_note() if sent else ""),
                out_of_time=late or self._out_of_time(),
            )
            raise error from exc
        logger.info("retrying %s in %.2f s after %s", self.call.name, delay, type(exc).__name__)
        return delay

    def _out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def after_response(
        self, response: httpx.Response, problem: BodyProblem | None = None
    ) -> httpx.Response | RetryIn:
        """The response of a success, or the wait before the next attempt; raises a final
        error. `problem` says why the body was not read whole (too large, undecodable)."""
        self._log(str(response.status_code), response)
        status = response.status_code
        self.sent = self.sent or response.is_success or status >= 500 or status == 408
        if response.is_success:
            budget = self.settings.retry_budget
            if budget is not None:
                budget.record_success(self.spent)
            if problem is not None:
                raw_key = raw_key_in(response.content) if self.call.key_name is not None else None
                raise self.invalid_body(
                    response, f"HTTP {status} answer could not be read: {problem.reason}", raw_key
                )
            return response
        delay = None
        refusal, late = "", False
        may_retry = self.attempt <= self.settings.max_retries
        if may_retry:
            delay = delay_after_response(
                response, idempotent=self.call.idempotent, retry_number=self.attempt
            )
            if delay is not None:
                delay, refusal, late = self._afford(delay, after_timeout=False)
        if delay is None:
            refused = (
                retry_after_too_long(response, idempotent=self.call.idempotent)
                if may_retry
                else None
            )
            ambiguous = self._ambiguous_note() if status >= 500 or status == 408 else ""
            cut = "" if problem is None else f"; {problem.reason}"
            error = status_error(
                response,
                self.settings,
                self.redactor,
                attempts=self.attempt,
                retry_after_refused=refused,
                notes=cut + refusal + ambiguous,
            )
            if late:
                raise out_of_time(error, self.settings) from error
            raise error
        logger.info(
            "retrying %s in %.2f s after HTTP %d", self.call.name, delay, response.status_code
        )
        return RetryIn(delay)

    def invalid_body(
        self, response: httpx.Response, reason: str, raw_key: str | None = None
    ) -> APIResponseValidationError:
        """The error for a success whose body cannot be read, or is not what the spec says.
        After a create the key exists: the message says whether its raw key was saved."""
        message = reason
        if self.call.key_name is not None:
            since = datetime.datetime.fromtimestamp(self.began, datetime.UTC)
            message += created_note(self.call.key_name, since, raw_key_kept=raw_key is not None)
        scrub_response(response, self.redactor)
        return APIResponseValidationError(
            escape_controls(self.redactor.text(message)), response=response, raw_key=raw_key
        )

    def parsed(self, response: httpx.Response) -> T:
        """The typed value of a success response, or an APIResponseValidationError."""
        try:
            return self.call.parse(response)
        except BodyInvalid as exc:
            error = self.invalid_body(response, exc.reason, exc.raw_key)
        raise error  # out of the except clause: nothing chained, not even hidden

    def note_interruption(self, exc: BaseException) -> None:
        """A create interrupted (Ctrl-C, a cancelled task, SIGTERM) after its request may have
        reached the server: a WARNING, and a note on the exception, saying how to find the key.
        No secret in either: the raw key, if it came, is lost with the interrupted call."""
        name = self.call.key_name
        if name is None or not self.may_have_created():
            return
        since = datetime.datetime.fromtimestamp(self.began, datetime.UTC)
        shown = escape_controls(repr(name))
        logger.warning(
            "create of a key named %s was interrupted (%s) after its request was sent at %s UTC:"
            " the key may exist",
            shown,
            type(exc).__name__,
            f"{since:%Y-%m-%d %H:%M:%S}",
        )
        exc.add_note(
            "api_keys_client: this create was interrupted after its request was sent"
            + ambiguous_create_note(name, since)
            + "; if it was, its raw key is lost: revoke it"
        )
