"""FakeApiKeys: a stateful, in-memory, thread-safe implementation of the API Keys service.

It answers like the Go service: JSON errors `{"error": ...}`, `null` for unset times and nil
slices, RFC 3339 timestamps. Only a hash of each raw key and each user token is kept.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

import attrs

from .._locks import ForkSafeLock
from ._go_time import ACCEPTED, NotGoTime, as_datetime, parse_rfc3339

if TYPE_CHECKING:
    import httpx

    from .._client import ApiKeysClient, AsyncApiKeysClient
    from .._retry_budget import RetryBudget
    from .._settings import Settings

MAX_NAME_LENGTH = 100  # characters (code points), as openapi.yaml's maxLength counts them
# Unicode's White_Space set, what Go's strings.TrimSpace trims: a name made only of these is blank.
# Not str.isspace(), which also counts U+001C..U+001F; openapi.yaml's `pattern` says the same set.
_GO_WHITE_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
KEY_PREFIX_LENGTH = 12
JSON = "application/json"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _go_time(value: datetime.datetime | None) -> str | None:
    """RFC 3339 the way Go's time.Time marshals it: 'Z' for UTC, fraction only when non-zero."""
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return text.replace("+00:00", "Z")


@attrs.define
class FakeResponse:
    """What the fake answers: status, headers and body bytes."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = attrs.field(factory=dict)


@attrs.define
class _Key:
    id: str
    name: str
    key_prefix: str
    key_hash: str
    user_id: str
    workspace_id: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    expires_at: datetime.datetime | None
    last_used_at: datetime.datetime | None = None
    revoked_at: datetime.datetime | None = None
    sequence: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "key_prefix": self.key_prefix,
            "user_id": self.user_id,
            "workspace_id": self.workspace_id,
            "scopes": None,  # a Go nil slice
            "created_at": _go_time(self.created_at),
            "updated_at": _go_time(self.updated_at),
            "expires_at": _go_time(self.expires_at),
            "last_used_at": _go_time(self.last_used_at),
            "revoked_at": _go_time(self.revoked_at),
        }


@attrs.define
class _User:
    id: str
    workspaces: frozenset[str]


@attrs.define
class _Fault:
    remaining: int
    status: int | None = None  # answer this status instead of handling the request
    stall: float = 0.0  # wait this long before handling the request
    retry_after: str | None = None
    retry_after_ms: str | None = None
    lose: bool = False  # handle the request, then drop the connection instead of answering


class Injected(NamedTuple):
    """What a transport does to one request: wait `stall` seconds, answer `failure` instead of
    handling it, or handle it and then drop the connection (`lose`)."""

    stall: float = 0.0
    failure: FakeResponse | None = None
    lose: bool = False


def _count(count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be an int >= 1, not {count!r}")
    return count


_NOTHING = Injected()


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.response = FakeResponse(
            status, json.dumps({"error": message}).encode(), {"Content-Type": JSON}
        )


class FakeApiKeys:
    """The API Keys service in memory, for tests and demos.

    ```python
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    with fake.client(token=token, workspace_id="ws_1") as client:   # in process, no sockets
        created = client.api_keys.create(name="ci")
    with fake.serve() as base_url:                                   # real HTTP on 127.0.0.1
        ...
    ```
    """

    def __init__(self, *, clock: Callable[[], datetime.datetime] = _utc_now) -> None:
        self._clock = clock
        self._lock = ForkSafeLock()  # a forked test worker never waits on its parent's thread
        self._users_by_token_hash: dict[str, _User] = {}
        self._keys: dict[str, _Key] = {}
        self._key_ids_by_hash: dict[str, str] = {}
        self._faults: list[_Fault] = []
        self._ids = itertools.count(1)
        self.requests_handled: int = 0

    # -- setting up -------------------------------------------------------------------------

    def add_user(self, *, workspaces: Iterable[str], token: str | None = None) -> str:
        """Register a user who belongs to these workspaces; returns their bearer token (a new
        random one, or `token` when given, for tests that need a fixed one)."""
        members = frozenset(workspaces)
        if token is None:
            token = "tok_" + secrets.token_urlsafe(24)
        elif not isinstance(token, str) or not token:
            raise ValueError("token must be a non-empty str")
        with self._lock:
            if _hash(token) in self._users_by_token_hash:
                raise ValueError("that token belongs to another user already")
            user = _User(id=f"user_{next(self._ids)}", workspaces=members)
            self._users_by_token_hash[_hash(token)] = user
        return token

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        retry_after: float | str | None = None,
        retry_after_ms: float | str | None = None,
    ) -> None:
        """Make the next `count` requests fail with `status`, without being handled; with a
        Retry-After header (seconds, or any text) and a retry-after-ms header when given."""
        if not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status (100-599), not {status!r}")
        fault = _Fault(
            remaining=_count(count),
            status=status,
            retry_after=None if retry_after is None else str(retry_after),
            retry_after_ms=None if retry_after_ms is None else str(retry_after_ms),
        )
        with self._lock:
            self._faults.append(fault)

    def stall_next(self, seconds: float, count: int = 1) -> None:
        """Make the next `count` requests wait `seconds` before they are handled, as a slow
        server would. A client whose read timeout is shorter times out, in process as over HTTP;
        the request is still handled when the stall ends, and its answer is lost."""
        if not 0 <= seconds < float("inf"):
            raise ValueError(f"seconds must be a finite number >= 0, not {seconds!r}")
        with self._lock:
            self._faults.append(_Fault(remaining=_count(count), stall=float(seconds)))

    def lose_next_response(self, count: int = 1) -> None:
        """Handle the next `count` requests fully, effects committed, then drop the connection
        instead of answering: the caller sees a disconnect and cannot tell whether anything
        happened. The failure after which a create may or may not have made a key."""
        with self._lock:
            self._faults.append(_Fault(remaining=_count(count), lose=True))

    # -- clients ---------------------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport that answers in process."""
        from ._transport import FakeTransport  # noqa: PLC0415 - keeps `import testing` light

        return FakeTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An async httpx transport that answers in process."""
        from ._transport import AsyncFakeTransport  # noqa: PLC0415 - keeps `import testing` light

        return AsyncFakeTransport(self)

    def client(
        self,
        *,
        token: str,
        workspace_id: str,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        retry_budget: RetryBudget | bool = True,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> ApiKeysClient:
        """A real ApiKeysClient whose requests this fake answers in process, with the client's
        own options. A caller's `http_client` is used as given and stays the caller's to close."""
        from .._client import ApiKeysClient  # noqa: PLC0415 - keeps `import testing` light

        settings = self._settings(
            token=token,
            workspace_id=workspace_id,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
            total_timeout=total_timeout,
            retry_budget=retry_budget,
            http_client=http_client,
        )
        return ApiKeysClient._over_transport(self.transport(), settings, http_client)

    def async_client(
        self,
        *,
        token: str,
        workspace_id: str,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        total_timeout: float | None = None,
        retry_budget: RetryBudget | bool = True,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> AsyncApiKeysClient:
        """A real AsyncApiKeysClient whose requests this fake answers in process."""
        from .._client import AsyncApiKeysClient  # noqa: PLC0415 - keeps `import testing` light

        settings = self._settings(
            token=token,
            workspace_id=workspace_id,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
            total_timeout=total_timeout,
            retry_budget=retry_budget,
            http_client=http_client,
        )
        return AsyncApiKeysClient._over_transport(self.async_transport(), settings, http_client)

    @staticmethod
    def _settings(
        *,
        token: str,
        workspace_id: str,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        headers: Mapping[str, str] | None,
        total_timeout: float | None,
        retry_budget: RetryBudget | bool,
        http_client: httpx.Client | httpx.AsyncClient | None,
    ) -> Settings:
        from .._settings import DEFAULT_MAX_RETRIES, Settings  # noqa: PLC0415

        return Settings.resolve(
            base_url="http://fake.localhost",
            token=token,
            workspace_id=workspace_id,
            timeout=timeout,
            http_client=http_client,
            max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
            total_timeout=total_timeout,
            retry_budget=retry_budget,
            headers=headers,
        )

    @contextmanager
    def serve(self, *, port: int = 0) -> Iterator[str]:
        """Serve over real HTTP on 127.0.0.1 (a free port by default) in a background thread;
        yields the base URL and stops cleanly on exit."""
        from ._server import FakeServer  # noqa: PLC0415

        server = FakeServer(self, port=port)
        server.start()
        try:
            yield server.base_url
        finally:
            server.stop()

    # -- the service ---------------------------------------------------------------------------

    def take_fault(self) -> Injected:
        """What the next request gets done to it, if anything (transports call this once per
        request, before handling it)."""
        with self._lock:
            if not self._faults:
                return _NOTHING
            fault = self._faults[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.pop(0)
        if fault.status is None:
            return Injected(stall=fault.stall, lose=fault.lose)
        headers = {"Content-Type": JSON, "X-Request-ID": self._request_id()}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = fault.retry_after_ms
        body = json.dumps({"error": f"injected failure ({fault.status})"}).encode()
        return Injected(failure=FakeResponse(fault.status, body, headers))

    def _request_id(self) -> str:
        return f"req_{secrets.token_hex(6)}"

    def handle(
        self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> FakeResponse:
        """Answer one request. `headers` must be case-insensitive or lower-case keyed. Every
        answer carries an X-Request-ID, as the service's do."""
        with self._lock:
            self.requests_handled += 1
        answer = self._answer(method, raw_path, headers, body)
        answer.headers["X-Request-ID"] = self._request_id()
        return answer

    def _answer(
        self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> FakeResponse:
        path = raw_path.split("?", 1)[0]
        try:
            if path == "/api-keys":
                if method == "GET":
                    return self._list(headers)
                if method == "POST":
                    return self._create(headers, body)
                return self._not_allowed("GET, POST")
            if path.startswith("/api-keys/") and path.count("/") == 2:
                if method == "DELETE":
                    return self._revoke(headers, unquote(path.removeprefix("/api-keys/")))
                return self._not_allowed("DELETE")
        except _Refusal as refusal:
            return refusal.response
        # What Go's router says about a path it does not know.
        return FakeResponse(
            404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"}
        )

    @staticmethod
    def _not_allowed(allow: str) -> FakeResponse:
        headers = {"Content-Type": "text/plain; charset=utf-8", "Allow": allow}
        return FakeResponse(405, b"405 method not allowed\n", headers)

    def _caller(self, headers: Mapping[str, str]) -> tuple[str, str, _Key | None]:
        """(user id, workspace id, the key used as the token if any), or a refusal."""
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Refusal(401, "missing bearer token")
        token = token.strip()
        workspace = headers.get("x-workspace-id", "").strip()
        now = self._clock()
        with self._lock:
            user = self._users_by_token_hash.get(_hash(token))
            key = None
            if user is None:
                key_id = self._key_ids_by_hash.get(_hash(token))
                key = self._keys.get(key_id) if key_id else None
                if key is None:
                    raise _Refusal(401, "invalid token")
                if key.revoked_at is not None:
                    raise _Refusal(401, "api key revoked")
                if key.expires_at is not None and key.expires_at <= now:
                    raise _Refusal(401, "api key expired")
            if not workspace:
                raise _Refusal(400, "X-Workspace-ID header is required")
            if user is not None:
                if workspace not in user.workspaces:
                    raise _Refusal(401, "not a member of this workspace")
                return user.id, workspace, None
            assert key is not None  # noqa: S101 - narrowed above
            if key.workspace_id != workspace:
                raise _Refusal(401, "api key not valid in this workspace")
            key.last_used_at = now
            return key.user_id, workspace, key

    def _list(self, headers: Mapping[str, str]) -> FakeResponse:
        user_id, workspace, _ = self._caller(headers)
        with self._lock:
            keys = [
                k
                for k in self._keys.values()
                if k.user_id == user_id and k.workspace_id == workspace
            ]
            keys.sort(key=lambda k: (k.created_at, k.sequence), reverse=True)
            # Go marshals a nil slice, which is what an empty result is, as `null`.
            payload = [k.to_json() for k in keys] or None
        return FakeResponse(200, json.dumps(payload).encode(), {"Content-Type": JSON})

    def _create(self, headers: Mapping[str, str], body: bytes) -> FakeResponse:
        user_id, workspace, _ = self._caller(headers)
        name, expires_at = self._create_request(body)
        raw_key = "ak_" + secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            sequence = next(self._ids)
            key = _Key(
                id=f"key_{sequence}_{secrets.token_hex(4)}",
                name=name,
                key_prefix=raw_key[:KEY_PREFIX_LENGTH],
                key_hash=_hash(raw_key),
                user_id=user_id,
                workspace_id=workspace,
                created_at=now,
                updated_at=now,
                expires_at=expires_at,
                sequence=sequence,
            )
            self._keys[key.id] = key
            self._key_ids_by_hash[key.key_hash] = key.id
        payload = {
            "id": key.id,
            "name": key.name,
            "keyPrefix": key.key_prefix,
            "rawKey": raw_key,
            "createdAt": _go_time(key.created_at),
            "expiresAt": _go_time(key.expires_at),
        }
        return FakeResponse(201, json.dumps(payload).encode(), {"Content-Type": JSON})

    def _create_request(self, body: bytes) -> tuple[str, datetime.datetime | None]:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # Go's decoder refuses deep nesting too
            raise _Refusal(400, "request body must be JSON") from None
        if not isinstance(data, dict):
            raise _Refusal(400, "request body must be a JSON object")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip(_GO_WHITE_SPACE):
            raise _Refusal(400, "name is required")
        if len(name) > MAX_NAME_LENGTH:
            raise _Refusal(400, f"name must be at most {MAX_NAME_LENGTH} characters")
        raw_expiry = data.get("expires_at")
        if raw_expiry is None:
            return name, None
        return name, self._expiry(raw_expiry)

    def _expiry(self, raw_expiry: object) -> datetime.datetime:
        """A request's expires_at, read as the Go service reads it (see _go_time)."""
        if not isinstance(raw_expiry, str):
            raise _Refusal(400, f"expires_at must be a string: {ACCEPTED}")
        try:
            seconds, nanoseconds = parse_rfc3339(raw_expiry)
        except NotGoTime as exc:
            raise _Refusal(
                400, f"expires_at is not a date-time the service reads ({exc}): it takes {ACCEPTED}"
            ) from None
        try:
            expires_at = as_datetime(seconds, nanoseconds)
        except OverflowError:
            # Go takes the years 0-9999 with any offset: before year 1 is the past, after 9999
            # cannot be stored (Go could not write it back as JSON either).
            expires_at = None
        if expires_at is None and seconds > 0:
            raise _Refusal(400, "expires_at is out of range")
        if expires_at is None or expires_at <= self._clock():
            raise _Refusal(400, "expires_at must be in the future")
        return expires_at

    def _revoke(self, headers: Mapping[str, str], key_id: str) -> FakeResponse:
        user_id, workspace, _ = self._caller(headers)
        now = self._clock()
        with self._lock:
            key = self._keys.get(key_id)
            # Unknown, someone else's, another workspace's: one answer, so ids cannot be probed.
            if key is None or key.user_id != user_id or key.workspace_id != workspace:
                raise _Refusal(400, "api key not found")
            if key.revoked_at is None:
                key.revoked_at = now
                key.updated_at = now
        return FakeResponse(204)
