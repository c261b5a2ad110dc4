"""A client's settings: from arguments or the environment, checked once, before anything is sent,
and the headers every call carries."""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs
import httpx

from ._exceptions import InvalidArgumentError
from ._version import __version__

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
_URL_CACHE_SIZE = 32  # revoke paths differ per key: remember a few, never grow without bound
ENV_BASE_URL = "API_KEYS_BASE_URL"
ENV_TOKEN = "API_KEYS_TOKEN"  # noqa: S105 - the name of a variable, not a secret
ENV_WORKSPACE_ID = "API_KEYS_WORKSPACE_ID"
USER_AGENT = f"api-keys-client/{__version__}"


def _setting(value: str | None, argument: str, variable: str) -> str:
    """The argument, else the environment variable; an empty or missing one is refused."""
    if value is None:
        value = os.environ.get(variable)
    if not value:
        raise InvalidArgumentError(f"{argument} is required: pass {argument}=... or set {variable}")
    return value


def check_header_value(value: object, what: str) -> str:
    """Refuse a header value that could split or end the header block. The value is not echoed:
    it may be a secret."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a str, not {type(value).__name__}")
    if any(ch in value for ch in "\r\n\0"):
        raise InvalidArgumentError(f"{what} contains a CR, LF or NUL character")
    return value


def _base_url(value: str | httpx.URL) -> httpx.URL:
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidArgumentError(f"base_url is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgumentError("base_url must be an absolute http:// or https:// URL")
    if url.query or url.fragment:
        raise InvalidArgumentError("base_url must not have a query or a fragment")
    return url


def _timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise InvalidArgumentError(
            "timeout must be a positive number of seconds or an httpx.Timeout"
        )
    return httpx.Timeout(value)


def _max_retries(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgumentError("max_retries must be an int >= 0")
    return value


@attrs.frozen(repr=False)
class Settings:
    """A client's immutable settings; `with_workspace` and `with_options` copy them with changes."""

    base_url: httpx.URL
    token: str
    workspace_id: str
    timeout: httpx.Timeout
    max_retries: int
    extra_headers: Mapping[str, str]
    _urls: dict[str, httpx.URL] = attrs.field(init=False, factory=dict, eq=False)

    @classmethod
    def resolve(
        cls,
        *,
        base_url: str | httpx.URL | None,
        token: str | None,
        workspace_id: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
        headers: Mapping[str, str] | None,
    ) -> Settings:
        resolved_url = _base_url(
            _setting(None if base_url is None else str(base_url), "base_url", ENV_BASE_URL)
        )
        resolved_token = _setting(token, "token", ENV_TOKEN)
        resolved_workspace = _setting(workspace_id, "workspace_id", ENV_WORKSPACE_ID)
        extra = {
            check_header_value(name, "a header name"): check_header_value(value, f"header {name!r}")
            for name, value in (headers or {}).items()
        }
        return cls(
            base_url=resolved_url,
            token=check_header_value(resolved_token, "token"),
            workspace_id=check_header_value(resolved_workspace, "workspace_id"),
            timeout=_timeout(timeout),
            max_retries=_max_retries(max_retries),
            extra_headers=extra,
        )

    def with_workspace(self, workspace_id: str) -> Settings:
        if workspace_id == "":
            raise InvalidArgumentError("workspace_id must not be empty")
        return attrs.evolve(self, workspace_id=check_header_value(workspace_id, "workspace_id"))

    def with_options(
        self, *, timeout: float | httpx.Timeout | None, max_retries: int | None
    ) -> Settings:
        return attrs.evolve(
            self,
            timeout=self.timeout if timeout is None else _timeout(timeout),
            max_retries=self.max_retries if max_retries is None else _max_retries(max_retries),
        )

    def default_headers(self) -> dict[str, str]:
        """Headers every call carries; the generated layer adds X-Workspace-ID and Content-Type."""
        return {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **self.extra_headers,
            "Authorization": f"Bearer {self.token}",
        }

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
        return text.replace(self.token, "[redacted]") if self.token else text

    def __repr__(self) -> str:
        return f"Settings(base_url={str(self.base_url)!r}, workspace_id={self.workspace_id!r})"
