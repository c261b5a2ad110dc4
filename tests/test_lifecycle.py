"""The key-lifecycle jobs in the library: rotate, identify, audit, status, expires_in. Each runs
against the fake, sync and async, in process and over HTTP."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import pytest

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys

from .conftest import Harness
from .test_secrets import _carries

UTC = datetime.UTC
DAY = datetime.timedelta(days=1)


def _by_id(harness: Harness) -> dict[str, sdk.ApiKey]:
    return {key.id: key for key in harness.call("list")}


# -- rotate ------------------------------------------------------------------------------------


def test_rotate_replaces_a_key_with_its_name_and_lifetime(harness: Harness) -> None:
    old = harness.call("create", name="deploy", expires_in=90 * DAY)
    started = datetime.datetime.now(UTC)

    new = harness.call("rotate", old.id)

    keys = _by_id(harness)
    assert sdk.key_status(keys[old.id]) == "revoked"
    assert sdk.key_status(keys[new.id]) == "active"
    assert new.name == "deploy"
    assert new.raw_key.startswith(new.key_prefix)
    assert isinstance(new.expires_at, datetime.datetime)
    # 90 days counted from the rotation, not from the old key's creation.
    assert started + 90 * DAY - DAY / 24 < new.expires_at < started + 90 * DAY + DAY / 24


def test_rotate_keeps_a_key_that_never_expires_never_expiring(harness: Harness) -> None:
    old = harness.call("create", name="forever")

    new = harness.call("rotate", old.id)

    assert new.expires_at is None
    assert _by_id(harness)[new.id].expires_at is None


def test_rotate_takes_a_new_name_and_expiry(harness: Harness) -> None:
    old = harness.call("create", name="old", expires_in=DAY)
    until = datetime.datetime(2099, 1, 1, tzinfo=UTC)

    renamed = harness.call("rotate", old.id, name="new", expires_at=until)

    assert (renamed.name, renamed.expires_at) == ("new", until)
    again = harness.call("rotate", renamed.id, expires_in=7 * DAY)
    assert again.name == "new"
    assert isinstance(again.expires_at, datetime.datetime)
    assert again.expires_at < datetime.datetime.now(UTC) + 8 * DAY


@pytest.mark.parametrize("target", ["unknown", "revoked", "foreign"])
def test_rotate_refuses_before_creating_anything(harness: Harness, target: str) -> None:
    revoked = harness.call("create", name="gone")
    harness.call("revoke", revoked.id)
    other = Harness(harness.fake, harness.mode, harness.flavour, harness.base_url)
    foreign = other.call("create", name="theirs")
    key_id = {"unknown": "key_nope", "revoked": revoked.id, "foreign": foreign.id}[target]
    before = _by_id(harness)

    with pytest.raises(sdk.InvalidArgumentError, match="nothing was created"):
        harness.call("rotate", key_id)

    assert _by_id(harness) == before
    other.close()


@pytest.mark.parametrize("status", [400, 503])
def test_a_failed_revoke_during_rotation_keeps_the_new_secret(
    harness: Harness, status: int
) -> None:
    old = harness.call("create", name="deploy")

    def revoke_will_fail(created: sdk.ApiKeyCreated) -> None:
        # Every attempt the revoke makes: 503 is retried twice, 400 is not.
        harness.fake.fail_next(3 if status == 503 else 1, status=status, retry_after=0)

    with pytest.raises(sdk.RotationError) as caught:
        harness.call("rotate", old.id, on_created=revoke_will_fail, max_retries=2)

    error = caught.value
    keys = _by_id(harness)
    assert error.old_key_id == old.id
    assert sdk.key_status(keys[old.id]) == "active"  # nothing revoked: no downtime
    assert sdk.key_status(keys[error.created.id]) == "active"
    assert error.created.raw_key.startswith(error.created.key_prefix)  # the secret is kept
    assert isinstance(error.__cause__, sdk.APIStatusError)
    assert error.__cause__.status_code == status
    assert str(error).startswith(
        f"rotation of {old.id} is half done: its replacement {error.created.id} (prefix"
        f" {error.created.key_prefix}) was created, but revoking {old.id} failed:"
    )
    # The secret is on .created, and nowhere a log line or an error tracker would print.
    assert _carries(error, error.created.raw_key) == []


def test_on_created_runs_before_the_revoke_and_can_stop_it(harness: Harness) -> None:
    old = harness.call("create", name="deploy")
    seen: list[str] = []

    def store(created: sdk.ApiKeyCreated) -> None:
        # The fake's own record (a call from here would need the event loop that is running).
        seen.append("revoked" if harness.fake._keys[old.id].revoked_at else "active")
        raise OSError("vault unreachable")

    with pytest.raises(sdk.RotationError, match="but on_created failed: OSError") as caught:
        harness.call("rotate", old.id, on_created=store)

    assert seen == ["active"]
    assert sdk.key_status(_by_id(harness)[old.id]) == "active"
    assert isinstance(caught.value.__cause__, OSError)


def test_async_on_created_may_be_a_coroutine() -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    stored: list[str] = []

    async def scenario() -> None:
        async with fake.async_client(token=token, workspace_id="ws_1") as client:
            old = await client.api_keys.create(name="k")

            async def store(created: sdk.ApiKeyCreated) -> None:
                await asyncio.sleep(0)
                stored.append(created.raw_key)

            new = await client.api_keys.rotate(old.id, on_created=store)
            assert stored == [new.raw_key]

    asyncio.run(scenario())


# -- identify ----------------------------------------------------------------------------------


def test_identify_finds_the_key_of_a_secret(harness: Harness) -> None:
    harness.call("create", name="other")
    leaked = harness.call("create", name="leaked")

    found = harness.call("identify", leaked.raw_key)
    assert found is not None
    assert found.id == leaked.id
    # Pasted with a newline, as from a terminal or a file.
    assert harness.call("identify", leaked.raw_key + "\n").id == leaked.id


def test_identify_of_an_unknown_secret_is_none(harness: Harness) -> None:
    harness.call("create", name="mine")
    assert harness.call("identify", "ak_not-a-key-of-this-workspace") is None


def test_identify_never_sends_the_secret(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    leaked = harness.call("create", name="leaked")
    secret = leaked.raw_key
    seen_paths: list[str] = []
    original = harness.fake.handle

    def spy(method: str, raw_path: str, headers: Any, body: bytes) -> Any:
        seen_paths.append(f"{method} {raw_path} {dict(headers)} {body!r}")
        return original(method, raw_path, headers, body)

    harness.fake.handle = spy  # type: ignore[method-assign] # a spy on what reaches the server
    with caplog.at_level("DEBUG"):
        harness.call("identify", secret)
    assert seen_paths
    assert not any(secret in seen for seen in seen_paths)
    assert secret not in caplog.text


def _key(key_id: str, prefix: str) -> sdk.ApiKey:
    return sdk.ApiKey(id=key_id, name="n", key_prefix=prefix, created_at=datetime.datetime.now(UTC))


def test_identify_prefers_the_longest_prefix_and_refuses_ambiguity() -> None:
    from api_keys_client._lifecycle import identify_in  # noqa: PLC0415

    keys = [_key("short", "ak_1"), _key("long", "ak_12345"), _key("empty", "")]
    found = identify_in(keys, "ak_12345678")
    assert found is not None
    assert found.id == "long"
    with pytest.raises(
        sdk.InvalidArgumentError, match=r"several keys by prefix \(a, b\)"
    ) as caught:
        identify_in([_key("a", "ak_1"), _key("b", "ak_1")], "ak_1SECRET")
    assert "SECRET" not in str(caught.value)
    for bad, message in (("", "raw_key is empty"), ("  \u200b ", "raw_key is empty")):
        with pytest.raises(sdk.InvalidArgumentError, match=rf"^{message}$"):
            identify_in(keys, bad)
    with pytest.raises(sdk.InvalidArgumentError, match=r"^raw_key must be a str, not int$"):
        identify_in(keys, 5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("duration", "shown"),
    [
        (datetime.timedelta(seconds=0), "0 seconds"),
        (datetime.timedelta(seconds=1), "1 second"),
        (datetime.timedelta(seconds=59), "59 seconds"),
        (datetime.timedelta(seconds=60), "1 minute"),
        (datetime.timedelta(minutes=2, seconds=30), "2 minutes"),
        (datetime.timedelta(hours=1), "1 hour"),
        (datetime.timedelta(hours=23, minutes=59), "23 hours"),
        (datetime.timedelta(hours=47), "1 day"),
        (datetime.timedelta(days=1), "1 day"),
        (datetime.timedelta(days=90, hours=5), "90 days"),
    ],
)
def test_durations_read_in_their_largest_whole_unit(
    duration: datetime.timedelta, shown: str
) -> None:
    from api_keys_client._lifecycle import describe_duration  # noqa: PLC0415

    assert describe_duration(duration) == shown


# -- status and audit --------------------------------------------------------------------------

NOW = datetime.datetime(2030, 6, 1, 12, tzinfo=UTC)


def _listed(**fields: Any) -> sdk.ApiKey:
    defaults: dict[str, Any] = {
        "id": "k",
        "name": "n",
        "key_prefix": "ak_x",
        "created_at": NOW - 100 * DAY,
    }
    return sdk.ApiKey(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, "active"),
        ({"expires_at": None, "revoked_at": None}, "active"),
        ({"expires_at": NOW + DAY}, "active"),
        ({"expires_at": NOW}, "expired"),
        ({"expires_at": NOW - DAY}, "expired"),
        ({"revoked_at": NOW - DAY}, "revoked"),
        ({"revoked_at": NOW - DAY, "expires_at": NOW - 2 * DAY}, "revoked"),
        ({"revoked_at": NOW + DAY}, "active"),  # revoked later than the instant asked about
    ],
)
def test_key_status_at_an_instant(fields: dict[str, Any], status: str) -> None:
    assert sdk.key_status(_listed(**fields), at=NOW) == status


def test_key_status_refuses_a_naive_instant() -> None:
    with pytest.raises(sdk.InvalidArgumentError, match=r"^at must be a timezone-aware datetime$"):
        sdk.key_status(_listed(), at=datetime.datetime(2030, 1, 1))
    with pytest.raises(sdk.InvalidArgumentError, match=r"^at must be a timezone-aware datetime$"):
        sdk.audit_keys([_listed()], no_expiry=True, at="2030-01-01")  # type: ignore[arg-type]


def test_audit_rules() -> None:
    keys = [
        _listed(id="soon", expires_at=NOW + 3 * DAY, last_used_at=NOW),
        _listed(id="later", expires_at=NOW + 30 * DAY, last_used_at=NOW),
        _listed(id="idle", expires_at=NOW + 30 * DAY, last_used_at=NOW - 40 * DAY),
        _listed(id="never-used", expires_at=NOW + 30 * DAY, created_at=NOW - 50 * DAY),
        _listed(id="forever", last_used_at=NOW),
        _listed(id="revoked", expires_at=None, revoked_at=NOW - DAY),
        _listed(id="expired", expires_at=NOW - DAY),
    ]

    def audit(**rules: Any) -> dict[str, list[str]]:
        return {f.key.id: f.reasons for f in sdk.audit_keys(keys, at=NOW, **rules)}

    assert audit(expiring_within=7 * DAY) == {"soon": ["expires in 3 days"]}
    assert audit(idle_for=30 * DAY) == {
        "idle": ["idle for 40 days"],
        "never-used": ["idle for 50 days"],
    }
    assert audit(no_expiry=True) == {"forever": ["never expires"]}
    assert audit(expiring_within=31 * DAY, idle_for=45 * DAY, no_expiry=True) == {
        "soon": ["expires in 3 days"],
        "later": ["expires in 30 days"],
        "idle": ["expires in 30 days"],
        "never-used": ["expires in 30 days", "idle for 50 days"],
        "forever": ["never expires"],
    }
    finding = sdk.audit_keys(keys, at=NOW, expiring_within=7 * DAY, workspace_id="ws_9")[0]
    assert (finding.workspace_id, finding.expires_in, finding.idle_for) == ("ws_9", 3 * DAY, None)


@pytest.mark.parametrize(
    ("rules", "named"),
    [
        ({}, "choose at least one rule"),
        ({"idle_for": -DAY}, "idle_for"),
        ({"expiring_within": -DAY}, "expiring_within"),
        ({"idle_for": 5}, "idle_for"),
        ({"expiring_within": "7d"}, "expiring_within"),
    ],
)
def test_audit_needs_a_valid_rule(rules: dict[str, Any], named: str) -> None:
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        sdk.audit_keys([], at=NOW, **rules)
    assert named in str(caught.value)


def test_a_replacements_expiry_counts_from_the_instant_given() -> None:
    from api_keys_client._lifecycle import replacement_expiry  # noqa: PLC0415

    old = _listed(created_at=NOW - 10 * DAY, expires_at=NOW + 80 * DAY)  # a 90-day key
    later = NOW + 5 * DAY
    assert replacement_expiry(old, expires_at=None, expires_in=None, now=later) == later + 90 * DAY
    assert replacement_expiry(old, expires_at=None, expires_in=DAY, now=later) == later + DAY
    assert replacement_expiry(_listed(), expires_at=None, expires_in=None, now=later) is None


# -- expires_in ---------------------------------------------------------------------------------


def test_create_expires_in(harness: Harness) -> None:
    before = datetime.datetime.now(UTC)
    created = harness.call("create", name="k", expires_in=30 * DAY)
    assert isinstance(created.expires_at, datetime.datetime)
    assert before + 30 * DAY <= created.expires_at <= datetime.datetime.now(UTC) + 30 * DAY


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"expires_in": datetime.timedelta(0)}, "expires_in must be a positive timedelta"),
        ({"expires_in": -DAY}, "expires_in must be a positive timedelta"),
        ({"expires_in": 30}, "expires_in must be a positive timedelta"),
        ({"expires_in": datetime.timedelta.max}, "past the year 9999"),
        (
            {"expires_in": DAY, "expires_at": datetime.datetime(2099, 1, 1, tzinfo=UTC)},
            "pass expires_at or expires_in, not both",
        ),
    ],
)
def test_create_refuses_an_expiry_that_cannot_work(
    harness: Harness, arguments: dict[str, Any], message: str
) -> None:
    handled = harness.fake.requests_handled
    with pytest.raises(sdk.InvalidArgumentError, match=message):
        harness.call("create", name="k", **arguments)
    assert harness.fake.requests_handled == handled


class Interrupted(BaseException):
    """An interruption that is not an error: what a cancelled task raises."""


def test_an_interrupted_rotation_says_which_key_exists(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = harness.call("create", name="deploy")
    import api_keys_client._resources as resources  # noqa: PLC0415

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    # Under trio, a BaseException as a cancellation is (trio keeps KeyboardInterrupt for itself).
    interruption: type[BaseException] = (
        Interrupted if harness.flavour == "trio" else KeyboardInterrupt
    )

    async def cancelled(*args: Any, **kwargs: Any) -> None:
        raise interruption

    monkeypatch.setattr(resources.ApiKeys, "revoke", interrupted)
    monkeypatch.setattr(resources.AsyncApiKeys, "revoke", cancelled)

    with pytest.raises(interruption) as caught:
        harness.call("rotate", old.id)

    (note,) = caught.value.__notes__
    assert note.startswith("api_keys_client: rotate was interrupted after creating key_")
    assert f"{old.id} may still be active" in note
    new = next(key for key in harness.call("list") if key.id != old.id)
    assert new.id in note
    assert new.key_prefix in note


@pytest.mark.parametrize("key_id", ["", 5])
def test_rotate_refuses_a_key_id_that_is_not_one(key_id: object) -> None:
    from api_keys_client._lifecycle import rotation_source  # noqa: PLC0415

    with pytest.raises(sdk.InvalidArgumentError, match=r"^key_id must be a non-empty str$"):
        rotation_source([], key_id, "ws_1")  # type: ignore[arg-type]


def test_a_key_without_a_lifetime_cannot_pass_one_on() -> None:
    from api_keys_client._lifecycle import replacement_expiry  # noqa: PLC0415

    odd = _listed(id="k_odd", created_at=NOW, expires_at=NOW - DAY)  # the server's own mistake
    with pytest.raises(sdk.InvalidArgumentError) as caught:
        replacement_expiry(odd, expires_at=None, expires_in=None, now=NOW)
    assert str(caught.value) == (
        "key k_odd expires before it was created, so it has no lifetime to inherit:"
        " pass expires_at or expires_in"
    )
