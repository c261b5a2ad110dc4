"""The connection pools a client sends through, and what makes them safe where it is deployed.

The SDK's own pool (no `http_client=`):
- is built from the environment like httpx's (proxy variables, SSL_CERT_FILE, SSL_CERT_DIR),
  each variable checked first so that a bad one is an InvalidArgumentError naming it;
- stores and sends no cookies (an API client has no session);
- is renewed in a forked child before its first request there (the model is redis-py's pool,
  which checks the process id before handing out a connection): the parent's connections are
  left alone, never used nor closed, so neither process can read the other's answers;
- async: one pool per event loop, each closed when its loop shuts down (asyncio.run's
  shutdown_asyncgens), so a client can serve one `asyncio.run()` after another; the pool of a
  loop closed by hand (`loop.close()` without shutting down) has its sockets closed and is let
  go when the client next meets a new loop, so a long-lived worker stays flat.

A caller's `http_client` cannot be renewed: used in a forked child, or (async) in an event loop
other than the one it was first used in, while its connections may be alive, it is refused with
an InvalidArgumentError before anything is sent.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import importlib.util
import ipaddress
import os
import urllib.request
import warnings
import weakref
from collections.abc import AsyncGenerator, Callable, Hashable
from typing import Any, NamedTuple, TypeVar

import httpx

from ._deadlines import abandon_the_sockets, watch_the_sockets
from ._event_loops import current_loop, loop_closed
from ._exceptions import InsecureTransportWarning, InvalidArgumentError
from ._hosts import undecodable_label
from ._locks import ForkSafeLock

HttpClientT = TypeVar("HttpClientT", httpx.Client, httpx.AsyncClient)

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_PROXY_KINDS = ("http", "https", "all")
_CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")

# Pools a forked child left behind: kept, never used nor closed (closing could disturb the
# parent's connections, and collecting them would close their sockets with a ResourceWarning).
_LEFT_BEHIND: list[object] = []
_RENEWING = ForkSafeLock()


class _NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing: no Set-Cookie is stored, so no Cookie is ever sent."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return

    def extract_cookies(self, response: object, request: object) -> None:
        return


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- the environment ----------------------------------------------------------------------------


def _variable(kind: str) -> str:
    """The name of the variable urllib (and so httpx) took a `kind` proxy from: the lower-case
    one wins, as in urllib.request.getproxies_environment."""
    wanted = f"{kind}_proxy"
    names = [name for name in os.environ if name.lower() == wanted]
    return wanted if wanted in names else (names[0] if names else wanted.upper())


def environment_proxies() -> dict[str, tuple[str, httpx.URL]]:
    """The proxies httpx would take from the environment, by kind (http, https, all): the
    variable each comes from and its URL. A value that cannot work is an InvalidArgumentError
    naming its variable, never quoting it (a proxy URL can carry a password)."""
    found: dict[str, tuple[str, httpx.URL]] = {}
    settings = urllib.request.getproxies()
    for kind in _PROXY_KINDS:
        value = settings.get(kind)
        if not value:
            continue
        variable = _variable(kind)
        try:
            url = httpx.URL(value if "://" in value else f"http://{value}")
            host = url.host
        except (httpx.InvalidURL, TypeError, ValueError):
            raise InvalidArgumentError(
                f"{variable} (from the environment) is not a valid proxy URL"
            ) from None
        if url.scheme not in PROXY_SCHEMES or not host:
            shown = url.scheme if url.scheme.isalnum() else "?"
            raise InvalidArgumentError(
                f"{variable} (from the environment) is a {shown}:// proxy, which httpx cannot"
                f" send through: use one of {', '.join(s + '://' for s in PROXY_SCHEMES)}, or"
                " unset it"
            )
        if url.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
            raise InvalidArgumentError(
                f"{variable} (from the environment) is a SOCKS proxy, which needs the socksio"
                " package: pip install 'httpx[socks]', or unset it"
            )
        found[kind] = (variable, url)
    return found


def _check_ca_variables() -> None:
    """SSL_CERT_FILE and SSL_CERT_DIR, which httpx reads when it makes the TLS context."""
    ca_file = os.environ.get("SSL_CERT_FILE")
    if ca_file and not os.path.isfile(ca_file):
        raise InvalidArgumentError(
            "SSL_CERT_FILE (from the environment) does not name a readable file: set it to a"
            " PEM bundle of CA certificates, or unset it"
        )
    ca_dir = os.environ.get("SSL_CERT_DIR")
    if not ca_file and ca_dir and not os.path.isdir(ca_dir):
        raise InvalidArgumentError(
            "SSL_CERT_DIR (from the environment) does not name a directory: set it to a"
            " directory of CA certificates, or unset it"
        )


def _environment_failure(exc: Exception) -> InvalidArgumentError:
    """What the environment did to httpx's pool when a check above could not tell in advance."""
    reason = type(exc).__name__
    ca_variable = next((name for name in _CA_VARIABLES if os.environ.get(name)), None)
    if ca_variable is not None and isinstance(exc, OSError):  # ssl.SSLError is an OSError
        return InvalidArgumentError(
            f"{ca_variable} (from the environment) cannot be loaded as CA certificates"
            f" ({reason}): set it to a PEM bundle, or unset it"
        )
    proxies = sorted(
        {name for name in os.environ if name.lower().endswith("_proxy") and os.environ[name]}
    )
    where = f" (set: {', '.join(proxies)})" if proxies else ""
    return InvalidArgumentError(
        f"the connection pool cannot be set up from the environment{where}: {reason}"
    )


def _proxied(http_client: httpx.Client | httpx.AsyncClient, url: httpx.URL) -> bool:
    """Whether httpx's pool sends `url` through a proxy mount (NO_PROXY applied as httpx does)."""
    choose = getattr(http_client, "_transport_for_url", None)  # httpx's own choice, private
    if choose is None:
        return True  # cannot tell: assume the proxy applies, and warn rather than stay silent
    return choose(url) is not getattr(http_client, "_transport", None)


def warn_if_insecure(
    base_url: httpx.URL, http_client: httpx.Client | httpx.AsyncClient | None, *, trust_env: bool
) -> None:
    """InsecureTransportWarning when the token would cross a network in clear text: plain http
    to another host, or, from this machine's own pool, through a proxy from the environment that
    is not https and not on this machine. Https goes through a proxy in a CONNECT tunnel, whose
    TLS runs end to end."""
    if base_url.scheme != "http":
        return
    if not is_loopback(base_url.host):
        warnings.warn(
            f"the API token is sent over plain http to {base_url.host}; use https://",
            InsecureTransportWarning,
            stacklevel=4,
        )
        return
    if http_client is None or not trust_env:
        return
    proxies = environment_proxies()
    proxy = proxies.get("http") or proxies.get("all")
    if proxy is None or proxy[1].scheme == "https" or is_loopback(proxy[1].host):
        return
    if _proxied(http_client, base_url):
        warnings.warn(
            f"the API token is sent in clear text through the {proxy[1].scheme}:// proxy at"
            f" {proxy[1].host} (from {proxy[0]}): use an https:// base_url, or add"
            f" {base_url.host} to NO_PROXY",
            InsecureTransportWarning,
            stacklevel=4,
        )


# -- building the SDK's own pool ----------------------------------------------------------------


class InvalidLocation(Exception):
    """A 3xx whose Location is not a URL, handed to the client as the answer it is. httpx builds
    the redirect even when it will not follow it, and would fail with a protocol error instead
    (httpx2 does not): the SDK's own pool answers alike on both."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__("a redirect to an invalid URL")
        response._content = b""  # its body is never read: the answer is its status and Location
        self.response = response


def _check_location(response: httpx.Response) -> None:
    if response.has_redirect_location:
        try:
            location = httpx.URL(response.headers["location"])
        except (httpx.InvalidURL, TypeError, ValueError):
            raise InvalidLocation(response) from None
        if undecodable_label(location) is not None:  # httpx would fail reading its host
            raise InvalidLocation(response)


async def _check_location_async(response: httpx.Response) -> None:
    _check_location(response)


def build_pool(
    pool_class: type[HttpClientT],
    *,
    headers: dict[str, str],
    timeout: httpx.Timeout,
    trust_env: bool,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
) -> HttpClientT:
    """A new pool of the SDK's own: no redirects, no cookies. The environment is checked first:
    a bad value is an InvalidArgumentError."""
    if trust_env and transport is None:
        environment_proxies()
        _check_ca_variables()
    options: dict[str, Any] = {"transport": transport} if transport is not None else {}
    hook = _check_location if pool_class is httpx.Client else _check_location_async
    try:
        http_client = pool_class(
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
            cookies=_NoCookies(),
            trust_env=trust_env,
            event_hooks={"response": [hook]},
            **options,
        )
    except (ValueError, ImportError, OSError, httpx.InvalidURL) as exc:
        raise _environment_failure(exc) from None
    return http_client


def _forked_message(what: str) -> str:
    return (
        f"{what} was made in another process, before a fork: its connections may be shared with"
        " that process, and answers would mix. Make the http_client in the child (gunicorn's"
        " post_fork, Celery's worker_process_init), or leave http_client out: the SDK's own pool"
        " renews itself after a fork"
    )


class OwnPool:
    """The SDK's own sync pool, renewed in a forked child."""

    def __init__(self, build: Callable[[], httpx.Client]) -> None:
        self._build = build
        self._client = build()
        # Every socket watched (see _deadlines); False for a transport without sockets.
        self.watched = watch_the_sockets(self._client)
        self._pid = os.getpid()
        self.owned = True
        self.closed = False

    def template(self) -> httpx.Client:
        """A pool to build requests with (no I/O): the current one."""
        return self._client

    def client(self) -> httpx.Client:
        if self._pid != os.getpid():
            with _RENEWING:
                if self._pid != os.getpid():
                    _LEFT_BEHIND.append(self._client)
                    self._client = self._build()
                    watch_the_sockets(self._client)
                    self._pid = os.getpid()
        return self._client

    def close(self) -> None:
        self.closed = True
        if self._pid == os.getpid():
            self._client.close()


class CallerPool:
    """A caller's sync http_client: used as it is, in the process it was given in."""

    def __init__(self, http_client: httpx.Client) -> None:
        self._client = http_client
        self._pid = os.getpid()
        self.owned = False
        self.watched = False

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    def template(self) -> httpx.Client:
        return self._client

    def client(self) -> httpx.Client:
        if self._pid != os.getpid():
            raise InvalidArgumentError(_forked_message("this client's http_client"))
        return self._client

    def close(self) -> None:
        """The caller closes their own http_client."""


class _LoopPool(NamedTuple):
    """One event loop's pool, and the async generator that closes it with its loop."""

    client: httpx.AsyncClient
    guard: AsyncGenerator[None, None]


async def _closed_with_loop(
    pools: dict[Hashable, _LoopPool], loop: Hashable, http_client: httpx.AsyncClient
) -> AsyncGenerator[None, None]:
    """An async generator started in `loop`, so that the loop's shutdown_asyncgens (run by
    asyncio.run and asyncio.Runner; trio.run finalizes its async generators alike) closes the
    loop's pool from inside the loop, where its connections can still be closed properly."""
    try:
        yield
    finally:
        if pools.get(loop) is not None and pools[loop].client is http_client:
            del pools[loop]
        await http_client.aclose()


class AsyncOwnPool:
    """The SDK's own async pool: one per event loop (and per process), each closed with its
    loop. The first is built at once, so that a bad environment fails in the constructor."""

    def __init__(self, build: Callable[[], httpx.AsyncClient]) -> None:
        self._build = build
        self._spare: httpx.AsyncClient | None = build()
        self._template = self._spare
        self.watched = watch_the_sockets(self._spare)
        self._pools: dict[Hashable, _LoopPool] = {}
        self._pid = os.getpid()
        self.owned = True
        self.closed = False

    def template(self) -> httpx.AsyncClient:
        return self._template

    async def client(self) -> httpx.AsyncClient:
        loop = current_loop()
        if self._pid != os.getpid():  # a forked child: every pool it inherited is the parent's
            _LEFT_BEHIND.append(self._pools)
            self._pools, self._spare, self._pid = {}, None, os.getpid()
        pool = self._pools.get(loop)
        if pool is None:
            self._let_go_of_closed_loops()
            http_client = self._spare or self._build()
            watch_the_sockets(http_client)
            self._spare = None
            guard = _closed_with_loop(self._pools, loop, http_client)
            await guard.__anext__()
            pool = self._pools[loop] = _LoopPool(http_client, guard)
        return pool.client

    def _let_go_of_closed_loops(self) -> None:
        """The pools of loops closed by hand, without shutdown_asyncgens, cannot be closed the
        async way any more: their sockets are closed here, and the pools let go."""
        closed = [
            loop
            for loop in self._pools
            if isinstance(loop, asyncio.AbstractEventLoop) and loop.is_closed()
        ]
        for loop in closed:  # a trio run always finalizes its async generators
            abandon_the_sockets(self._pools.pop(loop).client)

    async def aclose(self) -> None:
        """Close this loop's pool; those of loops still running elsewhere close with them."""
        self.closed = True
        if self._pid != os.getpid():
            return
        self._let_go_of_closed_loops()
        pool = self._pools.pop(current_loop(), None)
        if pool is not None:
            await pool.guard.aclose()
        if self._spare is not None:
            await self._spare.aclose()
            self._spare = None


class AsyncCallerPool:
    """A caller's httpx.AsyncClient: used as it is, in one process and one event loop at a time.
    The loop it was first used in is held weakly: once nothing (no pooled connection) keeps that
    loop alive, another loop may take the client over."""

    def __init__(self, http_client: httpx.AsyncClient) -> None:
        self._client = http_client
        self._pid = os.getpid()
        self._loop: weakref.ref[Any] | None = None  # an asyncio loop or a trio run's token
        self.owned = False
        self.watched = False

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    def template(self) -> httpx.AsyncClient:
        return self._client

    async def client(self) -> httpx.AsyncClient:
        if self._pid != os.getpid():
            raise InvalidArgumentError(_forked_message("this client's http_client"))
        loop = current_loop()
        first = None if self._loop is None else self._loop()
        if first is None:
            self._loop = weakref.ref(loop)
        elif first is not loop:
            raise InvalidArgumentError(
                "this client's http_client was first used in another event loop"
                f" ({'now closed' if loop_closed(first) else 'still open'}): an httpx.AsyncClient's"
                " connections belong to the loop that opened them. Make one http_client per"
                " event loop, or leave http_client out: the SDK's own pool makes one per loop"
            )
        return self._client

    async def aclose(self) -> None:
        """The caller closes their own http_client."""
