"""The jobs people do with API keys, beyond create and revoke: a key's status at an instant, the
audit rules (expiring soon, idle, never expiring), the expiry a rotation's replacement inherits,
and recognising a leaked secret by its prefix. Pure functions over the models, shared by the sync
and async clients, the CLI and the examples, so that no rule is written twice."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Literal

import attrs

from ._exceptions import ApiKeysError, InvalidArgumentError, RotationError
from ._generated.models import ApiKey, ApiKeyCreated

KeyStatus = Literal["active", "expired", "revoked"]
"""What `key_status` says of a key: revoked wins over expired."""

UTC = datetime.UTC


def _instant(at: datetime.datetime | None, what: str = "at") -> datetime.datetime:
    if at is None:
        return datetime.datetime.now(UTC)
    if not isinstance(at, datetime.datetime) or at.utcoffset() is None:
        raise InvalidArgumentError(f"{what} must be a timezone-aware datetime")
    return at


def key_status(key: ApiKey | ApiKeyCreated, *, at: datetime.datetime | None = None) -> KeyStatus:
    """What `key` is at the instant `at` (now by default): "revoked" once revoked, else "expired"
    once its expiry has passed, else "active". A revoked key that has also expired is "revoked".

    What `create()` returns is taken too: it has no `revoked_at` (the service does not send one),
    so its status comes from its expiry alone; a revoke made since shows in `list()`."""
    now = _instant(at)
    revoked_at = key.revoked_at if isinstance(key, ApiKey) else None
    if isinstance(revoked_at, datetime.datetime) and revoked_at <= now:
        return "revoked"
    expires_at = key.expires_at
    if isinstance(expires_at, datetime.datetime) and expires_at <= now:
        return "expired"
    return "active"


def _duration(
    value: datetime.timedelta | None, what: str, *, zero: bool = False
) -> datetime.timedelta | None:
    """A timedelta above zero (or at least zero when `zero`), or InvalidArgumentError."""
    if value is None:
        return None
    wanted = "a timedelta >= 0" if zero else "a positive timedelta"
    if not isinstance(value, datetime.timedelta) or value < datetime.timedelta(0):
        raise InvalidArgumentError(f"{what} must be {wanted}")
    if not value and not zero:
        raise InvalidArgumentError(f"{what} must be {wanted}")
    return value


@attrs.frozen
class AuditFinding:
    """An active key that matched one or more audit rules, and how it matched each."""

    key: ApiKey
    """The key, as listed."""
    workspace_id: str | None
    """The `workspace_id` the audit was given, to label the finding."""
    expires_in: datetime.timedelta | None = None
    """Matched `expiring_within`: the time left before it expires."""
    idle_for: datetime.timedelta | None = None
    """Matched `idle_for`: the time since it was last used (or created, if never used)."""
    never_expires: bool = False
    """Matched `no_expiry`: it has no expiry."""

    @property
    def reasons(self) -> list[str]:
        """The rules it matched, in words: "expires in 3 days", "idle for 40 days", ..."""
        reasons = []
        if self.expires_in is not None:
            reasons.append(f"expires in {describe_duration(self.expires_in)}")
        if self.idle_for is not None:
            reasons.append(f"idle for {describe_duration(self.idle_for)}")
        if self.never_expires:
            reasons.append("never expires")
        return reasons


def describe_duration(value: datetime.timedelta) -> str:
    """A duration in its largest whole unit: "3 days", "5 hours", "12 minutes", "40 seconds"."""
    seconds = int(value.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def audit_keys(
    keys: Iterable[ApiKey],
    *,
    expiring_within: datetime.timedelta | None = None,
    idle_for: datetime.timedelta | None = None,
    no_expiry: bool = False,
    at: datetime.datetime | None = None,
    workspace_id: str | None = None,
) -> list[AuditFinding]:
    """The active keys (at `at`, now by default) that match any chosen rule:

    - `expiring_within`: the key expires within this long;
    - `idle_for`: the key was last used (or, never used, created) at least this long ago;
    - `no_expiry`: the key never expires.

    `workspace_id` labels the findings (the listing's own workspace_id field is optional).
    """
    now = _instant(at)
    within = _duration(expiring_within, "expiring_within", zero=True)
    idle = _duration(idle_for, "idle_for", zero=True)
    if within is None and idle is None and not no_expiry:
        raise InvalidArgumentError(
            "choose at least one rule: expiring_within, idle_for or no_expiry"
        )
    findings = []
    for key in keys:
        if key_status(key, at=now) != "active":
            continue
        expires_at = key.expires_at if isinstance(key.expires_at, datetime.datetime) else None
        left = expires_at - now if expires_at is not None else None
        last_used = key.last_used_at
        since = last_used if isinstance(last_used, datetime.datetime) else key.created_at
        unused = now - since
        finding = AuditFinding(
            key=key,
            workspace_id=workspace_id
            if workspace_id is not None
            else (key.workspace_id if isinstance(key.workspace_id, str) else None),
            expires_in=left if within is not None and left is not None and left <= within else None,
            idle_for=unused if idle is not None and unused >= idle else None,
            never_expires=no_expiry and expires_at is None,
        )
        if finding.expires_in is not None or finding.idle_for is not None or finding.never_expires:
            findings.append(finding)
    return findings


def expiry_from(
    *,
    expires_at: datetime.datetime | None,
    expires_in: datetime.timedelta | None,
    now: datetime.datetime | None = None,
) -> datetime.datetime | None:
    """The expiry a create asks for: `expires_at`, or `expires_in` from now, never both."""
    if expires_at is not None and expires_in is not None:
        raise InvalidArgumentError("pass expires_at or expires_in, not both")
    if expires_in is None:
        return expires_at
    duration = _duration(expires_in, "expires_in")
    assert duration is not None  # noqa: S101 - expires_in is not None here
    try:
        return _instant(now) + duration
    except OverflowError:
        raise InvalidArgumentError(
            "expires_in is too long: the expiry would be past the year 9999"
        ) from None


def replacement_expiry(
    old: ApiKey,
    *,
    expires_at: datetime.datetime | None,
    expires_in: datetime.timedelta | None,
    now: datetime.datetime | None = None,
) -> datetime.datetime | None:
    """The expiry of a rotation's replacement: as asked, or else the old key's lifetime counted
    from now (a 90-day key gets 90 days; a key that never expired gets one that never expires)."""
    moment = _instant(now)
    if expires_at is not None or expires_in is not None:
        return expiry_from(expires_at=expires_at, expires_in=expires_in, now=moment)
    if not isinstance(old.expires_at, datetime.datetime):
        return None
    lifetime = old.expires_at - old.created_at
    if lifetime <= datetime.timedelta(0):
        raise InvalidArgumentError(
            f"key {old.id} expires before it was created, so it has no lifetime to inherit:"
            " pass expires_at or expires_in"
        )
    return expiry_from(expires_at=None, expires_in=lifetime, now=moment)


def not_one_of_yours(key_id: str, workspace_id: str) -> str:
    """What rotate says of an id its listing lacks (the CLI recognises it by these words)."""
    return f"key {key_id} is not one of your keys in workspace {workspace_id}: nothing was created"


def rotation_source(keys: Iterable[ApiKey], key_id: str, workspace_id: str) -> ApiKey:
    """The key a rotation replaces, or InvalidArgumentError before anything is created."""
    if not isinstance(key_id, str) or not key_id:
        raise InvalidArgumentError("key_id must be a non-empty str")
    for key in keys:
        if key.id == key_id:
            if key_status(key) == "revoked":
                raise InvalidArgumentError(f"key {key_id} is already revoked: nothing was created")
            return key
    raise InvalidArgumentError(not_one_of_yours(key_id, workspace_id))


# Characters a copy and paste adds that no key contains: a byte-order mark, zero-width spaces.
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)
# A prefix this long is specific enough to be found inside surrounding text.
MIN_PREFIX_INSIDE = 8


def identify_in(keys: Iterable[ApiKey], raw_key: str) -> ApiKey | None:
    """The key whose key_prefix begins the secret, matched here and never sent anywhere. When
    none begins it, a key whose prefix (8 characters or more) appears inside it: a secret often
    leaks with what surrounds it (`API_KEY="ak_..."`, a line of a log). The longest prefix wins;
    two keys with the same matching prefix are refused as ambiguous."""
    if not isinstance(raw_key, str):
        raise InvalidArgumentError(f"raw_key must be a str, not {type(raw_key).__name__}")
    secret = raw_key.translate(_INVISIBLE).strip()
    if not secret:
        raise InvalidArgumentError("raw_key is empty")
    keys = [key for key in keys if key.key_prefix]
    matches = [key for key in keys if secret.startswith(key.key_prefix)] or [
        key for key in keys if len(key.key_prefix) >= MIN_PREFIX_INSIDE and key.key_prefix in secret
    ]
    if not matches:
        return None
    longest = max(len(key.key_prefix) for key in matches)
    best = [key for key in matches if len(key.key_prefix) == longest]
    if len(best) > 1:
        ids = ", ".join(key.id for key in best)
        raise InvalidArgumentError(f"the secret matches several keys by prefix ({ids})")
    return best[0]


def rotation_error(
    step: str, cause: BaseException, *, created: ApiKeyCreated, old_key_id: str
) -> RotationError:
    """The error of a rotation that created the replacement and then failed at `step`
    ("on_created" or "revoke")."""
    reason = cause.message if isinstance(cause, ApiKeysError) else type(cause).__name__
    failed = f"revoking {old_key_id}" if step == "revoke" else step
    return RotationError(
        f"rotation of {old_key_id} is half done: its replacement {created.id} (prefix"
        f" {created.key_prefix}) was created, but {failed} failed: {reason}. The new key, raw key"
        f" included, is on this error's .created; {old_key_id} is still active",
        created=created,
        old_key_id=old_key_id,
        step=step,
    )


def note_created_key(exc: BaseException, created: ApiKeyCreated, old_key_id: str) -> None:
    """On an interruption (Ctrl-C, a cancelled task) after a rotation's create: say which key
    exists now. Its raw key is not in the note: only on_created can have stored it."""
    exc.add_note(
        f"api_keys_client: rotate was interrupted after creating {created.id} (prefix"
        f" {created.key_prefix}); its raw key is lost unless on_created stored it, and"
        f" {old_key_id} may still be active"
    )
