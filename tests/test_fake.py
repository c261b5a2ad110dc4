"""FakeApiKeys behaves like the documented service, in process and over real HTTP."""

from __future__ import annotations

import asyncio
import datetime
import json
import threading
from collections.abc import Iterator

import httpx
import pytest

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys
from api_keys_client.testing._go_time import ACCEPTED

NOW = datetime.datetime(2030, 1, 1, 12, tzinfo=datetime.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakeApiKeys:
    return FakeApiKeys(clock=clock)


@pytest.fixture
def client(fake: FakeApiKeys) -> Iterator[sdk.ApiKeysClient]:
    token = fake.add_user(workspaces=["ws_1", "ws_2"])
    with fake.client(token=token, workspace_id="ws_1", max_retries=0) as client:
        yield client


def _raw(
    fake: FakeApiKeys, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, object]:
    answer = fake.handle(method, path, {k.lower(): v for k, v in headers.items()}, body)
    try:
        return answer.status, json.loads(answer.body) if answer.body else None
    except ValueError:
        return answer.status, answer.body.decode()


def test_lifecycle(client: sdk.ApiKeysClient, clock: Clock) -> None:
    first = client.api_keys.create(name="first")
    clock.now += datetime.timedelta(seconds=1)
    second = client.api_keys.create(name="second", expires_at=NOW + datetime.timedelta(days=1))

    keys = client.api_keys.list()
    assert [k.id for k in keys] == [second.id, first.id]  # newest first
    assert keys[0].expires_at == NOW + datetime.timedelta(days=1)
    assert keys[1].expires_at is None
    assert keys[0].key_prefix == second.key_prefix == second.raw_key[: len(second.key_prefix)]
    assert keys[0].scopes is None  # a Go nil slice
    assert keys[0].workspace_id == "ws_1"

    clock.now += datetime.timedelta(seconds=1)
    client.api_keys.revoke(first.id)
    (_, revoked) = client.api_keys.list()
    assert revoked.revoked_at == revoked.updated_at == NOW + datetime.timedelta(seconds=2)


def test_only_a_hash_of_the_raw_key_is_kept(client: sdk.ApiKeysClient, fake: FakeApiKeys) -> None:
    created = client.api_keys.create(name="k")
    assert created.raw_key not in repr(vars(fake))
    assert created.raw_key not in json.dumps([k.to_json() for k in fake._keys.values()])


def test_raw_keys_are_unique(client: sdk.ApiKeysClient) -> None:
    raw = {client.api_keys.create(name=f"k{i}").raw_key for i in range(50)}
    assert len(raw) == 50


def test_raw_key_authenticates_in_its_workspace_only(
    fake: FakeApiKeys, client: sdk.ApiKeysClient, clock: Clock
) -> None:
    created = client.api_keys.create(name="ci")
    clock.now += datetime.timedelta(minutes=5)

    with fake.client(token=created.raw_key, workspace_id="ws_1") as as_key:
        (listed,) = as_key.api_keys.list()
    assert listed.last_used_at == NOW + datetime.timedelta(minutes=5)

    with (
        fake.client(token=created.raw_key, workspace_id="ws_2", max_retries=0) as elsewhere,
        pytest.raises(sdk.AuthenticationError, match="not valid in this workspace"),
    ):
        elsewhere.api_keys.list()


def test_revoked_and_expired_keys_are_refused(
    fake: FakeApiKeys, client: sdk.ApiKeysClient, clock: Clock
) -> None:
    revoked = client.api_keys.create(name="r")
    expiring = client.api_keys.create(name="e", expires_at=NOW + datetime.timedelta(hours=1))
    client.api_keys.revoke(revoked.id)
    clock.now += datetime.timedelta(hours=2)

    for raw, reason in ((revoked.raw_key, "revoked"), (expiring.raw_key, "expired")):
        with (
            fake.client(token=raw, workspace_id="ws_1", max_retries=0) as as_key,
            pytest.raises(sdk.AuthenticationError, match=reason),
        ):
            as_key.api_keys.list()


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 401, "missing bearer token"),
        ({"Authorization": "Basic abc"}, 401, "missing bearer token"),
        ({"Authorization": "Bearer nope", "X-Workspace-ID": "ws_1"}, 401, "invalid token"),
        ({"Authorization": "Bearer {token}"}, 400, "X-Workspace-ID header is required"),
        (
            {"Authorization": "Bearer {token}", "X-Workspace-ID": "ws_9"},
            401,
            "not a member of this workspace",
        ),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api-keys"), ("POST", "/api-keys"), ("DELETE", "/api-keys/k")]
)
def test_auth_and_workspace_refusals(
    fake: FakeApiKeys, headers: dict[str, str], status: int, message: str, method: str, path: str
) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    headers = {k: v.format(token=token) for k, v in headers.items()}

    assert _raw(fake, method, path, headers, b'{"name": "x"}') == (status, {"error": message})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "request body must be JSON"),
        (b"{", "request body must be JSON"),
        # Past any Python's json (and Go's, which stops at 10,000 levels): a 400, not a crash.
        (b"[" * 100_000 + b"]" * 100_000, "request body must be JSON"),
        (b"[]", "request body must be a JSON object"),
        (b"{}", "name is required"),
        (b'{"name": ""}', "name is required"),
        (b'{"name": "   "}', "name is required"),
        (b'{"name": 5}', "name is required"),
        (json.dumps({"name": "x" * 101}).encode(), "name must be at most 100 characters"),
        (
            b'{"name": "x", "expires_at": "tomorrow"}',
            f"expires_at is not a date-time the service reads (expected the 4-digit year at"
            f" character 1): it takes {ACCEPTED}",
        ),
        (b'{"name": "x", "expires_at": 5}', f"expires_at must be a string: {ACCEPTED}"),
        (
            b'{"name": "x", "expires_at": "2031-01-01T00:00:00"}',
            "expires_at is not a date-time the service reads (expected Z or an offset +hh:mm or"
            f" -hh:mm at character 20): it takes {ACCEPTED}",
        ),
        (
            b'{"name": "x", "expires_at": "2029-01-01T00:00:00Z"}',
            "expires_at must be in the future",
        ),
    ],
)
def test_create_validation(fake: FakeApiKeys, body: bytes, message: str) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    headers = {"Authorization": f"Bearer {token}", "X-Workspace-ID": "ws_1"}

    assert _raw(fake, "POST", "/api-keys", headers, body) == (400, {"error": message})


def test_create_accepts_null_expiry_and_ignores_unknown_fields(fake: FakeApiKeys) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    headers = {"Authorization": f"Bearer {token}", "X-Workspace-ID": "ws_1"}
    status, body = _raw(
        fake, "POST", "/api-keys", headers, b'{"name": "x", "expires_at": null, "color": "red"}'
    )
    assert status == 201
    assert isinstance(body, dict)
    assert body["expiresAt"] is None


def test_revoke_gives_one_answer_for_every_key_that_is_not_yours(
    fake: FakeApiKeys, client: sdk.ApiKeysClient
) -> None:
    mine_elsewhere = client.with_workspace("ws_2").api_keys.create(name="other ws")
    other_user = fake.add_user(workspaces=["ws_1"])
    with fake.client(token=other_user, workspace_id="ws_1") as other:
        theirs = other.api_keys.create(name="theirs")

    messages = set()
    for key_id in ("no-such-key", mine_elsewhere.id, theirs.id):
        with pytest.raises(sdk.BadRequestError) as caught:
            client.api_keys.revoke(key_id)
        messages.add((caught.value.status_code, caught.value.error))
    assert messages == {(400, "api key not found")}


def test_revoking_twice_keeps_the_first_time(client: sdk.ApiKeysClient, clock: Clock) -> None:
    created = client.api_keys.create(name="k")
    client.api_keys.revoke(created.id)
    clock.now += datetime.timedelta(hours=1)
    client.api_keys.revoke(created.id)
    assert client.api_keys.list()[0].revoked_at == NOW


def test_each_user_sees_only_their_keys(fake: FakeApiKeys, client: sdk.ApiKeysClient) -> None:
    client.api_keys.create(name="mine")
    other = fake.add_user(workspaces=["ws_1"])
    with fake.client(token=other, workspace_id="ws_1") as other_client:
        assert other_client.api_keys.list() == []
    assert client.with_workspace("ws_2").api_keys.list() == []


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("PUT", "/api-keys", 405, "GET, POST"),
        ("GET", "/api-keys/k", 405, "DELETE"),
        ("GET", "/nothing", 404, None),
        ("DELETE", "/api-keys/a/b", 404, None),
    ],
)
def test_unknown_routes_answer_like_go(
    fake: FakeApiKeys, method: str, path: str, status: int, allow: str | None
) -> None:
    answer = fake.handle(method, path, {}, b"")
    assert answer.status == status
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.headers.get("Allow") == allow


def test_fail_next_with_retry_after(
    fake: FakeApiKeys, client: sdk.ApiKeysClient, sleeps: list[float]
) -> None:
    fake.fail_next(2, status=503, retry_after=1)
    with pytest.raises(sdk.InternalServerError, match="injected failure"):
        client.api_keys.list()
    with client.with_options(max_retries=3) as retrying:
        assert retrying.api_keys.list() == []
    assert sleeps == [1.0]


def test_stall_next_trips_the_timeout_over_http(fake: FakeApiKeys) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    fake.stall_next(1.0)
    with (
        fake.serve() as base_url,
        sdk.ApiKeysClient(
            base_url=base_url,
            token=token,
            workspace_id="ws_1",
            timeout=httpx.Timeout(0.2),
            max_retries=0,
        ) as client,
    ):
        with pytest.raises(sdk.APITimeoutError):
            client.api_keys.list()
        assert client.api_keys.list() == []  # the next request is answered normally


def test_thread_safety(fake: FakeApiKeys) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with fake.client(token=token, workspace_id="ws_1") as client:
                for i in range(25):
                    client.api_keys.create(name=f"k{i}")
                    client.api_keys.list()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with fake.client(token=token, workspace_id="ws_1") as client:
        keys = client.api_keys.list()
    assert len(keys) == 8 * 25
    assert len({k.id for k in keys}) == 8 * 25


def test_serve_listens_on_loopback_and_stops(fake: FakeApiKeys) -> None:
    with fake.serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        assert httpx.get(base_url + "/api-keys").status_code == 401
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/api-keys")


def test_fake_clients_close_their_own_pool_but_not_a_callers(fake: FakeApiKeys) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    with fake.client(token=token, workspace_id="ws_1") as own:
        pool = own._pool.template()
    assert pool.is_closed

    callers = httpx.Client(transport=fake.transport())
    with fake.client(token=token, workspace_id="ws_1", http_client=callers) as client:
        assert client.api_keys.list() == []
    assert not callers.is_closed  # the caller built it, the caller closes it
    callers.close()

    async def scenario() -> bool:
        async_callers = httpx.AsyncClient(transport=fake.async_transport())
        async with fake.async_client(token=token, workspace_id="ws_1", http_client=async_callers):
            pass
        still_open = not async_callers.is_closed
        await async_callers.aclose()
        return still_open

    assert asyncio.run(scenario())


def test_the_fake_refuses_an_expiry_it_could_not_store(fake: FakeApiKeys) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    headers = {"authorization": f"Bearer {token}", "x-workspace-id": "ws_1"}
    body = json.dumps({"name": "far", "expires_at": "9999-12-31T23:00:00-05:00"}).encode()

    answer = fake.handle("POST", "/api-keys", headers, body)

    assert (answer.status, json.loads(answer.body)) == (
        400,
        {"error": "expires_at is out of range"},
    )
    assert fake.handle("GET", "/api-keys", headers, b"").status == 200  # nothing stored


# -- the fake's boundaries, defaults and wire format (each pinned by a mutation that survived) --


def test_a_name_of_exactly_the_maximum_length_is_accepted(fake: FakeApiKeys) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    headers = {"Authorization": f"Bearer {token}", "X-Workspace-ID": "ws_1"}

    status, body = _raw(
        fake, "POST", "/api-keys", headers, json.dumps({"name": "x" * 100}).encode()
    )

    assert status == 201
    assert isinstance(body, dict)
    assert body["name"] == "x" * 100


def test_this_very_instant_is_not_in_the_future_and_a_key_expiring_now_is_expired(
    fake: FakeApiKeys, client: sdk.ApiKeysClient, clock: Clock
) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    headers = {"Authorization": f"Bearer {token}", "X-Workspace-ID": "ws_1"}
    body = json.dumps({"name": "now", "expires_at": NOW.isoformat()}).encode()
    assert _raw(fake, "POST", "/api-keys", headers, body) == (
        400,
        {"error": "expires_at must be in the future"},
    )

    created = client.api_keys.create(name="short", expires_at=NOW + datetime.timedelta(seconds=1))
    as_the_key = {"Authorization": f"Bearer {created.raw_key}", "X-Workspace-ID": "ws_1"}
    clock.now = NOW + datetime.timedelta(seconds=1, microseconds=-1)
    assert _raw(fake, "GET", "/api-keys", as_the_key)[0] == 200
    clock.now = NOW + datetime.timedelta(seconds=1)
    assert _raw(fake, "GET", "/api-keys", as_the_key) == (401, {"error": "api key expired"})


def test_keys_made_in_the_same_instant_list_newest_first(client: sdk.ApiKeysClient) -> None:
    for name in ("a", "b", "c"):
        client.api_keys.create(name=name)  # the clock does not move

    keys = client.api_keys.list()

    assert [k.name for k in keys] == ["c", "b", "a"]
    assert len({k.id for k in keys}) == 3
    assert all(k.id.startswith("key_") and "None" not in k.id for k in keys)


def test_the_fake_speaks_the_go_services_json(fake: FakeApiKeys, client: sdk.ApiKeysClient) -> None:
    created = client.api_keys.create(name="k", expires_at=NOW + datetime.timedelta(days=1))
    token = fake.add_user(workspaces=["ws_1"])
    headers = {"Authorization": f"Bearer {token}", "X-Workspace-ID": "ws_1"}
    with fake.client(token=token, workspace_id="ws_1") as other:
        other.api_keys.create(name="theirs")

    mine = client.api_keys.list()[0]
    theirs = json.loads(
        fake.handle("GET", "/api-keys", {k.lower(): v for k, v in headers.items()}, b"").body
    )[0]

    # user_id under its wire name: one user's keys share it, another user's differ.
    assert isinstance(mine.user_id, str)
    assert mine.user_id.startswith("user_")
    assert theirs["user_id"].startswith("user_")
    assert theirs["user_id"] != mine.user_id
    # Go's time.Time: 'Z' for UTC, never '+00:00'; a nil slice and nil pointers are null.
    assert theirs["created_at"].endswith("Z")
    assert "+00:00" not in json.dumps(theirs)
    assert theirs["scopes"] is None
    assert theirs["revoked_at"] is None
    raw = _raw(
        fake,
        "GET",
        "/api-keys",
        {"Authorization": f"Bearer {created.raw_key}", "X-Workspace-ID": "ws_1"},
    )[1]
    assert isinstance(raw, list)
    assert raw[0]["expires_at"] == "2030-01-02T12:00:00Z"


def test_fail_next_defaults_to_one_503_without_retry_after(
    fake: FakeApiKeys, client: sdk.ApiKeysClient
) -> None:
    fake.fail_next()

    with pytest.raises(sdk.InternalServerError) as caught:
        client.api_keys.list()  # max_retries=0

    assert caught.value.status_code == 503
    assert caught.value.error == "injected failure (503)"
    assert caught.value.response.headers["Content-Type"] == "application/json"
    assert "Retry-After" not in caught.value.response.headers
    assert "retry-after-ms" not in caught.value.response.headers
    assert client.api_keys.list() == []  # one request only


def test_fail_next_sends_both_retry_headers_as_given(
    fake: FakeApiKeys, client: sdk.ApiKeysClient
) -> None:
    fake.fail_next(status=429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT", retry_after_ms=250)

    with pytest.raises(sdk.RateLimitError) as caught:
        client.api_keys.list()

    headers = caught.value.response.headers
    assert (headers["Retry-After"], headers["retry-after-ms"]) == (
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "250",
    )


def test_fake_clients_take_every_client_option(fake: FakeApiKeys, sleeps: list[float]) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    seen: list[httpx.Request] = []
    pool = httpx.Client(transport=fake.transport(), event_hooks={"request": [seen.append]})
    with fake.client(
        token=token,
        workspace_id="ws_1",
        timeout=0.25,
        max_retries=4,
        total_timeout=9.0,
        retry_budget=False,
        headers={"X-Trace": "t-1"},
        http_client=pool,
    ) as client:
        assert (client.timeout, client.max_retries) == (httpx.Timeout(0.25), 4)
        assert (client.total_timeout, client.retry_budget) == (9.0, None)
        fake.fail_next(4)
        assert client.api_keys.list() == []  # the fifth attempt: max_retries=4 reached it
    assert len(seen) == 5
    assert {r.headers["X-Trace"] for r in seen} == {"t-1"}
    pool.close()

    async def scenario() -> tuple[int, str, int]:
        seen_async: list[httpx.Request] = []

        async def record(request: httpx.Request) -> None:
            seen_async.append(request)

        async_pool = httpx.AsyncClient(
            transport=fake.async_transport(), event_hooks={"request": [record]}
        )
        async with fake.async_client(
            token=token,
            workspace_id="ws_1",
            timeout=0.5,
            max_retries=3,
            headers={"X-Trace": "t-2"},
            http_client=async_pool,
        ) as client:
            assert client.timeout == httpx.Timeout(0.5)
            fake.fail_next(3)
            await client.api_keys.list()
        await async_pool.aclose()
        return len(seen_async), seen_async[0].headers["X-Trace"], client.max_retries

    assert asyncio.run(scenario()) == (4, "t-2", 3)


def test_a_head_request_over_http_gets_headers_but_no_body(fake: FakeApiKeys) -> None:
    with fake.serve() as base_url, httpx.Client() as http:
        head = http.head(base_url + "/nothing")
        get = http.get(base_url + "/nothing")
    assert (head.status_code, head.content) == (404, b"")
    assert head.headers["Content-Length"] == str(len(get.content)) == "19"
    assert get.content == b"404 page not found\n"


def test_a_request_body_reaches_the_fake_whole_over_http(fake: FakeApiKeys) -> None:
    token = fake.add_user(workspaces=["ws_1"])
    headers = {"Authorization": f"Bearer {token}", "X-Workspace-ID": "ws_1"}
    with fake.serve() as base_url, httpx.Client(headers=headers) as http:
        empty = http.post(base_url + "/api-keys")
        named = http.post(base_url + "/api-keys", json={"name": "über"})
    assert (empty.status_code, empty.json()) == (400, {"error": "request body must be JSON"})
    assert (named.status_code, named.json()["name"]) == (201, "über")


def test_the_in_process_transports_answer_carries_its_request(fake: FakeApiKeys) -> None:
    request = httpx.Request("GET", "http://fake.localhost/api-keys")
    response = fake.transport().handle_request(request)
    assert (response.status_code, response.request) == (401, request)

    async def scenario() -> httpx.Response:
        return await fake.async_transport().handle_async_request(request)

    answered = asyncio.run(scenario())
    assert (answered.status_code, answered.request) == (401, request)


def test_an_in_process_stall_times_out_with_the_request_attached(fake: FakeApiKeys) -> None:
    fake.stall_next(5.0)
    request = httpx.Request(
        "GET",
        "http://fake.localhost/api-keys",
        extensions={"timeout": httpx.Timeout(0.01).as_dict()},
    )

    with pytest.raises(httpx.ReadTimeout) as caught:
        fake.transport().handle_request(request)

    assert caught.value.request is request


def test_a_stall_on_a_request_without_timeouts_only_delays(fake: FakeApiKeys) -> None:
    fake.stall_next(0.01)
    request = httpx.Request("GET", "http://fake.localhost/api-keys")  # no timeout extension

    assert fake.transport().handle_request(request).status_code == 401
