"""RetryBudget: retries stop multiplying the load on a service that is down.

Without a budget, every call in an outage makes `1 + max_retries` attempts: a tripled load on a
service that is already failing. With one, each retry spends tokens from a quota that a client
shares with all its `with_workspace` and `with_options` children, and each success refunds some.
While the service fails, the quota drains and failures are raised at once: attempts per call
approach one. Once it recovers, successes refill the quota. This is botocore's "standard" retry
quota (500 tokens, 5 a retry, 10 after a timeout, 1 back per success).
"""

from __future__ import annotations

from ._exceptions import InvalidArgumentError
from ._locks import ForkSafeLock

DEFAULT_CAPACITY = 500
DEFAULT_RETRY_COST = 5
DEFAULT_TIMEOUT_RETRY_COST = 10  # a timeout held a connection for a while: retrying it costs more
DEFAULT_SUCCESS_REFUND = 1


def _count(value: object, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"{what} must be an int >= {minimum}")
    return value


class RetryBudget:
    """A quota of retry tokens, safe to share between threads and clients (and to inherit
    through a fork).

    `RetryBudget()` is botocore's standard quota. Pass one as `retry_budget=` to share it between
    clients built separately; `retry_budget=False` turns budgeting off.
    """

    __slots__ = (
        "_available",
        "_lock",
        "capacity",
        "retry_cost",
        "success_refund",
        "timeout_retry_cost",
    )

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        *,
        retry_cost: int = DEFAULT_RETRY_COST,
        timeout_retry_cost: int = DEFAULT_TIMEOUT_RETRY_COST,
        success_refund: int = DEFAULT_SUCCESS_REFUND,
    ) -> None:
        self.capacity: int = _count(capacity, "capacity", 1)
        self.retry_cost: int = _count(retry_cost, "retry_cost", 0)
        self.timeout_retry_cost: int = _count(timeout_retry_cost, "timeout_retry_cost", 0)
        self.success_refund: int = _count(success_refund, "success_refund", 0)
        self._available = self.capacity
        self._lock = ForkSafeLock()  # a retry in a forked child never waits on the parent

    @property
    def available(self) -> int:
        """Tokens left now."""
        return self._available

    def try_acquire(self, *, after_timeout: bool) -> int | None:
        """Take the cost of one retry; None (nothing taken) when the quota cannot pay it."""
        cost = self.timeout_retry_cost if after_timeout else self.retry_cost
        with self._lock:
            if self._available < cost:
                return None
            self._available -= cost
        return cost

    def record_success(self, spent: int) -> None:
        """A call succeeded: give back what its retries took, or the success refund when it
        needed none. The quota never exceeds its capacity."""
        refund = spent if spent else self.success_refund
        if refund:
            with self._lock:
                self._available = min(self.capacity, self._available + refund)

    def __repr__(self) -> str:
        return f"RetryBudget({self._available}/{self.capacity} tokens)"
