"""A client's settings: from arguments or the environment, checked once, before anything is sent,
and the headers every call carries."""

from __future__ import annotations

import inspect
import os
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from typing import NamedTuple, TypeAlias

import attrs
import httpx

from ._body import DEFAULT_MAX_RESPONSE_SIZE
from ._decoders import ACCEPT_ENCODING
from ._exceptions import InvalidArgumentError
from ._hosts import undecodable_label
from ._redaction import Redactor, redactor_for
from ._retry_budget import RetryBudget
from ._text import escape_controls
from ._version import __version__

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""Each attempt's timeouts when `timeout=` is not given: 5 s to connect, 30 s for the rest."""

# A token, or a callable that returns one for each attempt (the async client also takes an async
# callable): for platform tokens that expire and must be fetched again.
TokenProvider: TypeAlias = Callable[[], str]
"""A callable that returns the bearer token, called before each attempt: `token=` takes one."""
AsyncTokenProvider: TypeAlias = Callable[[], Awaitable[str]]
"""An async callable that returns the bearer token; the async client's `token=` takes one."""
DEFAULT_MAX_RETRIES = 2
"""Retries after a failed attempt when `max_retries=` is not given."""
_URL_CACHE_SIZE = 32  # revoke paths differ per key: remember a few, never grow without bound
ENV_BASE_URL = "API_KEYS_BASE_URL"
ENV_TOKEN = "API_KEYS_TOKEN"  # noqa: S105 - the name of a variable, not a secret
ENV_WORKSPACE_ID = "API_KEYS_WORKSPACE_ID"
USER_AGENT = f"api-keys-client/{__version__}"


MAX_TIMEOUT = 86_400.0  # seconds: a longer wait is a hang, not a timeout, and overflows clocks

# Header names that the SDK sets itself. Authorization and X-Workspace-ID have their own settings
# (token=, workspace_id=); the others describe the body, which the SDK writes. A caller's header of
# one of these names would replace the SDK's silently, so it is refused instead.
RESERVED_HEADERS = {
    "authorization": "pass token= instead",
    "x-workspace-id": "pass workspace_id= or use with_workspace() instead",
    "content-type": "the SDK sends JSON and says so",
    "content-length": "httpx computes it from the body",
    "transfer-encoding": "httpx frames the body itself",
    "host": "it comes from base_url",
}
# RFC 9110 section 5.6.2: the characters of a header name.
_TCHARS = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _settings(**wanted: tuple[object, str]) -> dict[str, object]:
    """Each setting from its argument, else its environment variable. Every missing (or empty)
    one is named in one error, with the argument and the variable that would give it."""
    found: dict[str, object] = {}
    missing: list[tuple[str, str]] = []
    for argument, (given, variable) in wanted.items():
        value = os.environ.get(variable) if given is None else given
        if value:
            found[argument] = value
        else:
            missing.append((argument, variable))
    if missing:
        names = [argument for argument, _ in missing]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        ways = "; ".join(f"pass {argument}=... or set {variable}" for argument, variable in missing)
        verb = "is" if len(names) == 1 else "are"
        raise InvalidArgumentError(f"{listed} {verb} required: {ways}")
    return found


def _describe_char(char: str) -> str:
    """A character for a message: its code point and name, never the text around it."""
    if char == " ":
        return "a space"
    name = unicodedata.name(char, "")
    if unicodedata.category(char) == "Cc":
        name = "a control character"
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def check_header_value(value: object, what: str, *, spaces: bool = True) -> str:
    """Refuse a value that an HTTP header cannot carry: anything but visible ASCII, and spaces
    except between words (none at all when `spaces` is False). CR, LF and NUL would split the
    header block; other control characters and non-ASCII text cannot be encoded. The value is not
    echoed, since it may be a secret: only the offending character and its position are named."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a str, not {type(value).__name__}")
    if (
        value.isascii()
        and value.isprintable()
        and value.strip(" ") == value
        and (spaces or " " not in value)
    ):
        return value
    for position, char in enumerate(value):
        bad = not (char.isascii() and char.isprintable()) or (char == " " and not spaces)
        if bad:
            hint = "; a pasted value may have picked up a curly quote" if not char.isascii() else ""
            raise InvalidArgumentError(
                f"{what} contains {_describe_char(char)} at position {position}, which an HTTP"
                f" header cannot carry{hint}"
            )
    raise InvalidArgumentError(f"{what} starts or ends with a space, which HTTP would drop")


def check_header_name(name: object) -> str:
    if not isinstance(name, str):
        raise InvalidArgumentError(f"a header name must be a str, not {type(name).__name__}")
    if not name or not _TCHARS.issuperset(name):
        raise InvalidArgumentError(f"header name {name!r} is not a valid HTTP header name")
    reason = RESERVED_HEADERS.get(name.lower())
    if reason is not None:
        raise InvalidArgumentError(f"header {name!r} is set by the SDK itself: {reason}")
    return name


def check_headers(
    headers: Mapping[str, str] | None, what: str = "headers"
) -> tuple[tuple[str, str], ...]:
    """A caller's extra headers, checked: valid names and values, none of the SDK's own, and one
    entry per name (names are case-insensitive, so {"X-A": ..., "x-a": ...} is refused)."""
    if headers is None:
        return ()
    if not isinstance(headers, Mapping):
        raise InvalidArgumentError(f"{what} must be a mapping of names to values")
    checked: dict[str, tuple[str, str]] = {}
    for given, value in headers.items():
        name = check_header_name(given)
        folded = name.lower()
        if folded in checked:
            raise InvalidArgumentError(
                f"{what} has {checked[folded][0]!r} and {name!r}: header names are case-insensitive"
            )
        checked[folded] = (name, check_header_value(value, f"header {name!r}"))
    return tuple(checked.values())


def merge_headers(base: Mapping[str, str], extra: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """`base` with `extra` on top, one entry per case-insensitive name: an extra header replaces
    the base's header of the same name, whatever its case."""
    merged = dict(base)
    if extra:
        by_folded = {name.lower(): name for name in merged}
        for name, value in extra:
            existing = by_folded.get(name.lower())
            if existing is not None:
                del merged[existing]
            merged[name] = value
            by_folded[name.lower()] = name
    return merged


def _base_url(value: str | httpx.URL) -> httpx.URL:
    try:
        url = httpx.URL(value)
        bad_label = undecodable_label(url)
        host = "" if bad_label else url.host  # decodes a punycode host, which may be invalid
        port = url.port
    except (httpx.InvalidURL, TypeError, ValueError) as exc:  # idna's errors are ValueErrors
        raise InvalidArgumentError(
            f"base_url is not a valid URL: {escape_controls(str(exc))}"
        ) from None
    if bad_label is not None:
        raise InvalidArgumentError(
            f"base_url is not a valid URL: its host's label {escape_controls(bad_label)!r} is not"
            " a valid internationalised (punycode) name"
        )
    if url.scheme not in ("http", "https") or not host:
        raise InvalidArgumentError("base_url must be an absolute http:// or https:// URL")
    if port is not None and not 0 < port <= 65535:
        raise InvalidArgumentError(f"base_url's port {port} is not a TCP port (1-65535)")
    if url.userinfo:
        # httpx would turn them into Basic auth in place of the token, and they would print.
        raise InvalidArgumentError("base_url must not carry credentials (user:password@)")
    if url.query or url.fragment:
        raise InvalidArgumentError("base_url must not have a query or a fragment")
    return url


def _seconds(value: object, what: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= MAX_TIMEOUT  # also refuses nan, which compares false
    ):
        raise InvalidArgumentError(
            f"{what} must be a number of seconds above 0 and at most {MAX_TIMEOUT:.0f} (a day)"
        )
    return float(value)


def governing_timeout(
    timeout: float | httpx.Timeout | None, http_client: httpx.Client | httpx.AsyncClient | None
) -> tuple[float | httpx.Timeout, str]:
    """The timeout that governs every attempt, and its name for messages: the one given; else,
    with a caller's http_client, that pool's own (its caller configured it); else the SDK's
    default. The SDK then passes it on each request, so what `client.timeout` reports is what
    applies."""
    if timeout is not None:
        return timeout, "timeout"
    if http_client is not None:
        return http_client.timeout, "http_client's timeout"
    return DEFAULT_TIMEOUT, "timeout"


def _timeout(value: float | httpx.Timeout, what: str = "timeout") -> httpx.Timeout:
    """A timeout that can work: positive, finite and at most a day, for each of its parts (a
    part of None is no limit)."""
    if isinstance(value, httpx.Timeout):
        for part, seconds in value.as_dict().items():
            if seconds is not None:
                _seconds(seconds, f"{what}'s {part}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgumentError(
            "timeout must be a positive number of seconds or an httpx.Timeout"
        )
    return httpx.Timeout(_seconds(value, "timeout"))


def _max_retries(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgumentError("max_retries must be an int >= 0")
    return value


def _total_timeout(value: float | None) -> float | None:
    """A deadline across all of a call's attempts and waits, or None for none."""
    if value is None:
        return None
    return _seconds(value, "total_timeout")


def _token(value: object) -> str | Callable[[], object]:
    if callable(value):
        return value
    if not isinstance(value, str):
        raise InvalidArgumentError(
            f"token must be a str or a callable that returns one, not {type(value).__name__}"
        )
    return check_header_value(value, "token", spaces=False)


def _is_async(provider: object) -> bool:
    return inspect.iscoroutinefunction(provider) or inspect.iscoroutinefunction(
        getattr(provider, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


def refuse_async_provider(token: object) -> None:
    """The sync client cannot await: an async token provider is refused when it is given."""
    if callable(token) and _is_async(token):
        raise InvalidArgumentError(
            "token is an async callable, which the sync client cannot await: give it a function"
            " that returns a str, or use AsyncApiKeysClient"
        )


def _provided(value: object) -> str:
    """What a token provider returned, checked like a token (and never echoed)."""
    if inspect.isawaitable(value):
        close = getattr(value, "close", None)
        if close is not None:
            close()  # not awaited: no "never awaited" warning either
        raise InvalidArgumentError(
            "the token provider returned an awaitable, which the sync client cannot await: give"
            " it a function that returns a str, or use AsyncApiKeysClient"
        )
    if not isinstance(value, str):
        raise InvalidArgumentError(
            f"the token provider must return a str, not {type(value).__name__}"
        )
    if not value:
        raise InvalidArgumentError("the token provider returned an empty token")
    return check_header_value(value, "the token provider's token", spaces=False)


def _max_response_size(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError("max_response_size must be an int >= 1 (bytes)")
    return value


def _flag(value: bool, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{what} must be True or False")
    return value


def _retry_budget(value: RetryBudget | bool) -> RetryBudget | None:
    if value is True:
        return RetryBudget()
    if value is False:
        return None
    if not isinstance(value, RetryBudget):
        raise InvalidArgumentError("retry_budget must be a RetryBudget, True or False")
    return value


class RequestOptions(NamedTuple):
    """Options of one call, on top of its client's (None: the client's)."""

    timeout: float | httpx.Timeout | None = None
    max_retries: int | None = None
    total_timeout: float | None = None
    extra_headers: Mapping[str, str] | None = None


@attrs.frozen(repr=False)
class Settings:
    """A client's immutable settings; `with_workspace`, `with_options` and each call's options
    copy them with changes. The retry budget and the URL cache are shared by every copy."""

    base_url: httpx.URL
    token: str | Callable[[], object]  # a token, or a provider of one for each attempt
    workspace_id: str
    timeout: httpx.Timeout
    max_retries: int
    extra_headers: tuple[tuple[str, str], ...]
    total_timeout: float | None = None
    retry_budget: RetryBudget | None = attrs.field(default=None, eq=False)
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE
    trust_env: bool = True
    _urls: dict[str, httpx.URL] = attrs.field(factory=dict, eq=False)

    @classmethod
    def resolve(
        cls,
        *,
        base_url: str | httpx.URL | None,
        token: str | TokenProvider | AsyncTokenProvider | None,
        workspace_id: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        headers: Mapping[str, str] | None,
        total_timeout: float | None = None,
        retry_budget: RetryBudget | bool = True,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        trust_env: bool = True,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
    ) -> Settings:
        found = _settings(
            base_url=(None if base_url is None else str(base_url), ENV_BASE_URL),
            token=(token, ENV_TOKEN),
            workspace_id=(workspace_id, ENV_WORKSPACE_ID),
        )
        return cls(
            base_url=_base_url(str(found["base_url"])),
            token=_token(found["token"]),
            workspace_id=check_header_value(found["workspace_id"], "workspace_id"),
            timeout=_timeout(*governing_timeout(timeout, http_client)),
            max_retries=_max_retries(max_retries),
            extra_headers=check_headers(headers),
            total_timeout=_total_timeout(total_timeout),
            retry_budget=_retry_budget(retry_budget),
            max_response_size=_max_response_size(max_response_size),
            trust_env=_flag(trust_env, "trust_env"),
        )

    def with_workspace(self, workspace_id: str) -> Settings:
        if workspace_id == "":
            raise InvalidArgumentError("workspace_id must not be empty")
        return attrs.evolve(
            self, workspace_id=check_header_value(workspace_id, "workspace_id"), urls=self._urls
        )

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
    ) -> Settings:
        if timeout is None and max_retries is None and total_timeout is None:
            return self
        return attrs.evolve(
            self,
            timeout=self.timeout if timeout is None else _timeout(timeout),
            max_retries=self.max_retries if max_retries is None else _max_retries(max_retries),
            total_timeout=self.total_timeout
            if total_timeout is None
            else _total_timeout(total_timeout),
            urls=self._urls,
        )

    def for_call(self, options: RequestOptions) -> tuple[Settings, tuple[tuple[str, str], ...]]:
        """The settings one call runs with, and its extra headers (checked like a client's)."""
        settings = self.with_options(
            timeout=options.timeout,
            max_retries=options.max_retries,
            total_timeout=options.total_timeout,
        )
        return settings, check_headers(options.extra_headers, "extra_headers")

    def default_headers(self) -> dict[str, str]:
        """Headers every call carries; the generated layer adds X-Workspace-ID and Content-Type,
        and each attempt its Authorization (see authorization). A caller's header replaces the
        SDK's default of the same name (Accept, Accept-Encoding, User-Agent); Authorization
        cannot be replaced (check_header_name refuses it). Accept-Encoding names exactly what
        the SDK can decode with bounded memory."""
        return merge_headers(
            {
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": USER_AGENT,
            },
            self.extra_headers,
        )

    def fixed_token(self) -> str | None:
        return self.token if isinstance(self.token, str) else None

    def token_now(self) -> str:
        """The token of the next attempt: the client's, or a fresh one from its provider. What a
        provider raises goes to the caller unchanged, and nothing is sent."""
        if isinstance(self.token, str):
            return self.token
        return _provided(self.token())

    async def token_now_async(self) -> str:
        """token_now for the async client, which awaits an async provider."""
        if isinstance(self.token, str):
            return self.token
        value = self.token()
        if inspect.isawaitable(value):
            value = await value
        return _provided(value)

    def redactor(self) -> Redactor:
        """What takes this client's token out of text (a provider's tokens are taken out by
        each call, which knows the ones it sent)."""
        fixed = self.fixed_token()
        return redactor_for(fixed) if fixed else redactor_for()

    def url(self, path: str) -> httpx.URL:
        """The absolute URL of a relative path from the generated layer, under base_url's path.
        URLs are immutable and parsing one is a good part of a call's cost: the few paths a
        client uses again (list, create) are remembered."""
        url = self._urls.get(path)
        if url is None:
            prefix = self.base_url.raw_path.rstrip(b"/")
            url = self.base_url.copy_with(raw_path=prefix + path.encode("ascii"))
            if len(self._urls) < _URL_CACHE_SIZE:
                self._urls[path] = url
        return url

    def redact(self, text: str) -> str:
        """Text for a message or a log line, with the token taken out should anything echo it."""
        return self.redactor().text(text)

    def __repr__(self) -> str:
        return f"Settings(base_url={str(self.base_url)!r}, workspace_id={self.workspace_id!r})"
