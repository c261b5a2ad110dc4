"""ApiKeysClient and AsyncApiKeysClient: the generated operations with the workspace header, the
bearer token, timeouts and error handling taken out of everyday calls."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, NoReturn, Self, SupportsIndex, TypeVar

import httpx

from ._attempts import CallState, RetryIn
from ._body import DEFAULT_MAX_RESPONSE_SIZE, BodyProblem, aread_body, read_body
from ._deadlines import ATTEMPT, TOO_SLOW
from ._exceptions import ApiKeysError
from ._failures import forget_hidden_contexts
from ._heads import ResponseHead
from ._operations import Call
from ._pools import (
    AsyncCallerPool,
    AsyncOwnPool,
    CallerPool,
    InvalidLocation,
    OwnPool,
    build_pool,
    warn_if_insecure,
)
from ._resources import ApiKeys, AsyncApiKeys
from ._response import APIResponse
from ._retry_budget import RetryBudget
from ._settings import (
    DEFAULT_MAX_RETRIES,
    AsyncTokenProvider,
    RequestOptions,
    Settings,
    TokenProvider,
    merge_headers,
    refuse_async_provider,
)

# Indirections the tests replace to record waits instead of sleeping.
_sleep = time.sleep


async def _async_sleep(seconds: float) -> None:
    import anyio  # noqa: PLC0415 - the async client's callers have it loaded; sync ones need not

    await anyio.sleep(seconds)  # on asyncio and trio alike


T = TypeVar("T")
PoolT = TypeVar("PoolT", OwnPool | CallerPool, AsyncOwnPool | AsyncCallerPool)
Received = tuple[httpx.Response, BodyProblem | None]


class _ClientBase(Generic[PoolT]):
    """Settings, the pool and its children, and request building: all but the sending."""

    _settings: Settings
    _pool: PoolT
    _closes_pool: bool
    # Headers sent with each request on top of the pool's own: everything (User-Agent, Accept
    # ...) for a caller-built http_client, which is never mutated; nothing extra for the SDK's
    # own pool, which carries them as its default headers. Authorization goes on each attempt.
    _request_headers: dict[str, str]

    def _init(self, settings: Settings, pool: PoolT, *, closes_pool: bool) -> None:
        self._settings = settings
        self._pool = pool
        self._request_headers = {} if pool.owned else settings.default_headers()
        self._closes_pool = closes_pool
        self._attach_resources()

    def _attach_resources(self) -> None:
        raise NotImplementedError

    def _derive(self, settings: Settings) -> Self:
        child = object.__new__(type(self))
        # A child sends through the same pool and never closes it: the parent owns it.
        child._init(settings, self._pool, closes_pool=False)
        return child

    def with_workspace(self, workspace_id: str) -> Self:
        """The same client (same connection pool) acting in another workspace."""
        return self._derive(self._settings.with_workspace(workspace_id))

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
    ) -> Self:
        """The same client (same connection pool and retry budget) with other options for every
        call it makes; None keeps this client's."""
        return self._derive(
            self._settings.with_options(
                timeout=timeout, max_retries=max_retries, total_timeout=total_timeout
            )
        )

    @property
    def base_url(self) -> httpx.URL:
        return self._settings.base_url

    @property
    def workspace_id(self) -> str:
        """The X-Workspace-ID this client sends."""
        return self._settings.workspace_id

    @property
    def timeout(self) -> httpx.Timeout:
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def total_timeout(self) -> float | None:
        """The deadline of each call, across its attempts and waits (None: none)."""
        return self._settings.total_timeout

    @property
    def retry_budget(self) -> RetryBudget | None:
        """The retry budget this client shares with its children (None: retries unbudgeted)."""
        return self._settings.retry_budget

    @property
    def max_response_size(self) -> int:
        """The largest response body, decoded, that a call reads (bytes)."""
        return self._settings.max_response_size

    def _build_request(
        self, call: Call[T], settings: Settings, extra_headers: tuple[tuple[str, str], ...]
    ) -> httpx.Request:
        kwargs = call.kwargs
        headers = kwargs["headers"]
        if self._request_headers:
            headers = {**self._request_headers, **headers}
        if extra_headers:
            # A call's own headers win over the client's, whatever their case (httpx merges a
            # request's headers over its pool's the same way).
            headers = merge_headers(headers, extra_headers)
        return self._pool.template().build_request(
            kwargs["method"],
            settings.url(kwargs["url"]),
            headers=headers,
            json=kwargs.get("json"),
            timeout=settings.timeout,
        )

    def _start(self, call: Call[T], options: RequestOptions | None) -> CallState[T]:
        if self._pool.closed:
            raise ApiKeysError("this client has been closed")
        settings, extra_headers = (
            (self._settings, ()) if options is None else self._settings.for_call(options)
        )
        return CallState(
            call,
            settings,
            self._build_request(call, settings, extra_headers),
            watched=getattr(self._pool, "watched", False),
        )

    @staticmethod
    def _raw(state: CallState[T], response: httpx.Response) -> APIResponse[T]:
        return APIResponse(
            response,
            state.parsed,
            retries_taken=state.attempt - 1,
            elapsed=datetime.timedelta(seconds=time.monotonic() - state.since),
        )

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        # spawn and forkserver (Python 3.14's default on Linux) pickle a Process's arguments.
        name = type(self).__name__
        raise TypeError(
            f"an {name} cannot be pickled, so it cannot be passed to a process started with"
            " spawn or forkserver (Python 3.14's default start method): its connection pool and"
            f" token stay in the process that made it. Make the {name} in the worker (in the"
            " target function, or at the top level of its module), passing only the settings"
            " it needs; with the fork start method the SDK's own pool renews itself in the"
            " child"
        )

    def __copy__(self) -> Self:
        """A shallow copy shares the pool, as a child from with_options() does."""
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        return copied

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={str(self.base_url)!r},"
            f" workspace_id={self.workspace_id!r})"
        )


def _reaches_the_network(http_client: httpx.Client, url: httpx.URL) -> bool:
    """Whether a caller's pool sends `url` over the network (not through a mock or an
    in-process transport, which cannot trickle)."""
    choose = getattr(http_client, "_transport_for_url", None)  # httpx's own choice, private
    return choose is None or isinstance(choose(url), httpx.HTTPTransport)


def _within_deadline(send: Callable[[], Received], ends: float, request: httpx.Request) -> Received:
    """`send` in a helper thread, given up at `ends`: a caller's pool cannot have its sockets
    bounded (the SDK does not touch it), so this is how its attempts keep their deadline when
    a server trickles its headers. The helper finishes, or times out, on its own."""
    outcome: list[Received | BaseException] = []
    done = threading.Event()
    context = contextvars.copy_context()

    def run() -> None:
        try:
            outcome.append(context.run(send))
        except BaseException as exc:
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="api-keys-client attempt", daemon=True).start()
    if not done.wait(max(ends - time.monotonic(), 0.0)):
        raise httpx.ReadTimeout(TOO_SLOW, request=request)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


@contextlib.contextmanager
def _no_hidden_contexts() -> Iterator[None]:
    """A refused setting's error keeps no hidden context (a URL or proxy value it was read from)."""
    try:
        yield
    except ApiKeysError as exc:
        forget_hidden_contexts(exc)
        raise


def _traced(request: httpx.Request, *, sync: bool) -> ResponseHead:
    """Record the answer's head off a caller's pool for this attempt (see _heads)."""
    head = ResponseHead()
    request.extensions = {**request.extensions, "trace": head.record if sync else head.arecord}
    return head


def _untraced(request: httpx.Request) -> None:
    """The recorder leaves the request once the attempt is over: nothing it saw is kept."""
    if "trace" in request.extensions:
        request.extensions = {k: v for k, v in request.extensions.items() if k != "trace"}


class ApiKeysClient(_ClientBase[OwnPool | CallerPool]):
    """The API Keys service, synchronously.

    ```python
    with ApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
        created = client.api_keys.create(name="ci")
        client.api_keys.revoke(created.id)
    ```

    Arguments left out come from API_KEYS_BASE_URL, API_KEYS_TOKEN and API_KEYS_WORKSPACE_ID.
    `token` may be a callable that returns the token: it is called for each attempt (never
    cached), for tokens that expire.
    `timeout` bounds each attempt (by default DEFAULT_TIMEOUT, or with `http_client` that pool's
    own timeout), `total_timeout` each call (every attempt and every wait);
    `retry_budget` (on by default, shared with children) stops retries from multiplying load
    during an outage; `max_response_size` bounds a body as decoded. The SDK's own pool honours
    the proxy and CA variables of the environment unless `trust_env=False`. `http_client` is a
    caller-built httpx.Client to send through; the caller keeps closing it.
    """

    api_keys: ApiKeys

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        token: str | TokenProvider | None = None,
        workspace_id: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        total_timeout: float | None = None,
        retry_budget: RetryBudget | bool = True,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        headers: Mapping[str, str] | None = None,
        trust_env: bool = True,
        http_client: httpx.Client | None = None,
    ) -> None:
        with _no_hidden_contexts():
            refuse_async_provider(token)
            settings = Settings.resolve(
                base_url=base_url,
                token=token,
                workspace_id=workspace_id,
                timeout=timeout,
                max_retries=max_retries,
                total_timeout=total_timeout,
                retry_budget=retry_budget,
                max_response_size=max_response_size,
                headers=headers,
                trust_env=trust_env,
                http_client=http_client,
            )
            self._configure(settings, http_client)

    def _configure(
        self,
        settings: Settings,
        http_client: httpx.Client | None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        pool: OwnPool | CallerPool
        if http_client is None:
            build = functools.partial(
                build_pool,
                httpx.Client,
                headers=settings.default_headers(),
                timeout=settings.timeout,
                trust_env=settings.trust_env,
                transport=transport,
            )
            pool = OwnPool(build)
        else:
            pool = CallerPool(http_client)
        warn_if_insecure(
            settings.base_url, pool.template() if pool.owned else None, trust_env=settings.trust_env
        )
        self._init(settings, pool, closes_pool=True)

    @classmethod
    def _over_transport(
        cls,
        transport: httpx.BaseTransport,
        settings: Settings,
        http_client: httpx.Client | None = None,
    ) -> Self:
        """A client whose own pool sends through `transport` (the testing kit's in-process fake)."""
        client = object.__new__(cls)
        client._configure(settings, http_client, transport)
        return client

    def _attach_resources(self) -> None:
        self.api_keys = ApiKeys(self)

    def _send(self, state: CallState[Any], http_client: httpx.Client, token: str) -> Received:
        attempt = state.next_attempt(token)
        request = state.request
        limit = state.settings.max_response_size
        head = None if self._pool.owned else _traced(request, sync=True)

        def send() -> Received:
            # The SDK's own pool bounds every socket wait by the attempt's end (see
            # _deadlines); the body's reading loop checks it between chunks too.
            watching = ATTEMPT.set(attempt)
            try:
                response = http_client.send(request, stream=True, follow_redirects=False)
                problem = read_body(response, limit=limit, ends=attempt.ends, request=request)
            except InvalidLocation as exc:  # a 3xx, its body unread: its Location is what counts
                response, problem = exc.response, None
            except (UnicodeError, httpx.InvalidURL):
                # httpx failed on an answer that arrived (see _heads): it is that answer.
                answer = None if head is None else head.response(request)
                if answer is None:
                    raise
                response, problem = answer, None
            finally:
                ATTEMPT.reset(watching)
            return response, problem

        try:
            if self._pool.owned or attempt.ends == math.inf:
                return send()
            if not _reaches_the_network(http_client, request.url):
                return send()
            return _within_deadline(send, attempt.ends, request)
        finally:
            _untraced(request)

    def _exchange(self, state: CallState[T]) -> httpx.Response:
        """Attempts until a success, which is returned. A failure of httpx's or the SDK's ends
        in an ApiKeysError; what the caller's own code raised meanwhile passes through."""
        http_client = self._pool.client()
        while True:
            # A token provider's own failure goes to the caller as it is, and nothing is sent.
            token = state.settings.token_now()
            try:
                response, problem = self._send(state, http_client, token)
            except Exception as exc:  # what httpx and the SDK raise becomes an ApiKeysError
                passed = state.foreign(exc)
                if passed is None:
                    _sleep(state.after_exception(exc))
                    continue
            else:
                outcome = state.after_response(response, problem)
                if isinstance(outcome, RetryIn):
                    _sleep(outcome.seconds)
                    continue
                return outcome
            # Out of the except clause, so that nothing of this call is chained to it.
            raise passed

    def _request(self, call: Call[T], options: RequestOptions | None = None) -> T:
        state = self._start(call, options)
        try:
            return state.parsed(self._exchange(state))
        except BaseException as exc:
            if not isinstance(exc, ApiKeysError):  # Ctrl-C, SIGTERM, the caller's own exception
                state.note_interruption(exc)
            else:
                forget_hidden_contexts(exc)
            raise

    def _request_raw(self, call: Call[T], options: RequestOptions | None = None) -> APIResponse[T]:
        state = self._start(call, options)
        try:
            return self._raw(state, self._exchange(state))
        except BaseException as exc:
            if not isinstance(exc, ApiKeysError):
                state.note_interruption(exc)
            else:
                forget_hidden_contexts(exc)
            raise

    def close(self) -> None:
        """Close the connection pool, unless it came in as http_client or this is a child."""
        if self._closes_pool:
            self._pool.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncApiKeysClient(_ClientBase[AsyncOwnPool | AsyncCallerPool]):
    """The API Keys service, with `await`: the same surface as ApiKeysClient.

    ```python
    async with AsyncApiKeysClient(base_url=..., token=..., workspace_id=...) as client:
        keys = await client.api_keys.list()
    ```

    The SDK's own pool keeps one set of connections per event loop: a client made once serves
    one `asyncio.run()` after another. `token` may also be an async callable.
    """

    api_keys: AsyncApiKeys

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        token: str | TokenProvider | AsyncTokenProvider | None = None,
        workspace_id: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        total_timeout: float | None = None,
        retry_budget: RetryBudget | bool = True,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        headers: Mapping[str, str] | None = None,
        trust_env: bool = True,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        with _no_hidden_contexts():
            settings = Settings.resolve(
                base_url=base_url,
                token=token,
                workspace_id=workspace_id,
                timeout=timeout,
                max_retries=max_retries,
                total_timeout=total_timeout,
                retry_budget=retry_budget,
                max_response_size=max_response_size,
                headers=headers,
                trust_env=trust_env,
                http_client=http_client,
            )
            self._configure(settings, http_client)

    def _configure(
        self,
        settings: Settings,
        http_client: httpx.AsyncClient | None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        pool: AsyncOwnPool | AsyncCallerPool
        if http_client is None:
            build = functools.partial(
                build_pool,
                httpx.AsyncClient,
                headers=settings.default_headers(),
                timeout=settings.timeout,
                trust_env=settings.trust_env,
                transport=transport,
            )
            pool = AsyncOwnPool(build)
        else:
            pool = AsyncCallerPool(http_client)
        warn_if_insecure(
            settings.base_url, pool.template() if pool.owned else None, trust_env=settings.trust_env
        )
        self._init(settings, pool, closes_pool=True)

    @classmethod
    def _over_transport(
        cls,
        transport: httpx.AsyncBaseTransport,
        settings: Settings,
        http_client: httpx.AsyncClient | None = None,
    ) -> Self:
        """A client whose own pool sends through `transport` (the testing kit's in-process fake)."""
        client = object.__new__(cls)
        client._configure(settings, http_client, transport)
        return client

    def _attach_resources(self) -> None:
        self.api_keys = AsyncApiKeys(self)

    async def _send(
        self, state: CallState[Any], http_client: httpx.AsyncClient, token: str
    ) -> Received:
        # A cancel scope, not a stream wrapper: cancelling from inside unwinds httpcore's async
        # generators properly, where raising from outside would leave them unclosed. anyio's
        # works on asyncio and trio alike.
        import anyio  # noqa: PLC0415 - see _async_sleep

        attempt = state.next_attempt(token)
        request = state.request
        budget = attempt.ends - time.monotonic()
        head = None if self._pool.owned else _traced(request, sync=False)
        watching = ATTEMPT.set(attempt)
        deadline = anyio.move_on_after(budget)
        received: Received | None = None
        try:
            with deadline:
                response = await http_client.send(request, stream=True, follow_redirects=False)
                received = (
                    response,
                    await aread_body(response, limit=state.settings.max_response_size),
                )
        except InvalidLocation as exc:  # see the sync client
            received = exc.response, None
        except (UnicodeError, httpx.InvalidURL):  # see the sync client
            answer = None if head is None else head.response(request)
            if answer is None:
                raise
            received = answer, None
        finally:
            ATTEMPT.reset(watching)
            _untraced(request)
        if received is None:  # the scope was cancelled at the attempt's end
            raise httpx.ReadTimeout(TOO_SLOW, request=request)
        return received

    async def _exchange(self, state: CallState[T]) -> httpx.Response:
        """Attempts until a success, which is returned. A failure of httpx's or the SDK's ends
        in an ApiKeysError; what the caller's own code raised meanwhile passes through."""
        http_client = await self._pool.client()
        while True:
            # A token provider's own failure goes to the caller as it is, and nothing is sent.
            token = await state.settings.token_now_async()
            try:
                response, problem = await self._send(state, http_client, token)
            except Exception as exc:  # what httpx and the SDK raise becomes an ApiKeysError
                passed = state.foreign(exc)
                if passed is None:
                    await _async_sleep(state.after_exception(exc))
                    continue
            else:
                outcome = state.after_response(response, problem)
                if isinstance(outcome, RetryIn):
                    await _async_sleep(outcome.seconds)
                    continue
                return outcome
            raise passed  # see the sync client

    async def _request(self, call: Call[T], options: RequestOptions | None = None) -> T:
        state = self._start(call, options)
        try:
            return state.parsed(await self._exchange(state))
        except BaseException as exc:
            if not isinstance(exc, ApiKeysError):  # a cancelled task, the caller's own exception
                state.note_interruption(exc)
            else:
                forget_hidden_contexts(exc)
            raise

    async def _request_raw(
        self, call: Call[T], options: RequestOptions | None = None
    ) -> APIResponse[T]:
        state = self._start(call, options)
        try:
            return self._raw(state, await self._exchange(state))
        except BaseException as exc:
            if not isinstance(exc, ApiKeysError):
                state.note_interruption(exc)
            else:
                forget_hidden_contexts(exc)
            raise

    async def aclose(self) -> None:
        """Close the connection pool, unless it came in as http_client or this is a child."""
        if self._closes_pool:
            await self._pool.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
