"""The retry budget: retries spend from a quota shared by a client and its children, successes
refund it, and an empty quota raises failures at once instead of retrying them. In a sustained
outage attempts per call approach one; after recovery the budget refills."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
import respx

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys

from .conftest import Driver, Harness


def test_the_quota_arithmetic() -> None:
    budget = sdk.RetryBudget(20, retry_cost=5, timeout_retry_cost=10, success_refund=1)

    assert budget.try_acquire(after_timeout=False) == 5
    assert budget.try_acquire(after_timeout=True) == 10
    assert budget.available == 5
    assert budget.try_acquire(after_timeout=True) is None  # 10 > 5: nothing taken
    assert budget.available == 5
    assert budget.try_acquire(after_timeout=False) == 5
    assert budget.try_acquire(after_timeout=False) is None
    budget.record_success(15)  # a success after retries gives their cost back
    assert budget.available == 15
    budget.record_success(0)  # a success without retries gives the refund
    assert budget.available == 16
    for _ in range(10):
        budget.record_success(0)
    assert budget.available == 20  # never above capacity
    assert repr(budget) == "RetryBudget(20/20 tokens)"


def test_botocores_defaults() -> None:
    budget = sdk.RetryBudget()
    assert (
        budget.capacity,
        budget.retry_cost,
        budget.timeout_retry_cost,
        budget.success_refund,
    ) == (500, 5, 10, 1)


@pytest.mark.parametrize(
    "arguments",
    [
        {"capacity": 0},
        {"capacity": -5},
        {"retry_cost": -1},
        {"success_refund": 1.5},
        {"capacity": True},
    ],
)
def test_a_budget_that_cannot_work_is_refused(arguments: dict[str, Any]) -> None:
    with pytest.raises(sdk.InvalidArgumentError):
        sdk.RetryBudget(**arguments)


def test_it_is_safe_to_share_between_threads() -> None:
    budget = sdk.RetryBudget(50, retry_cost=1)
    taken: list[int | None] = []

    def spend() -> None:
        for _ in range(20):
            taken.append(budget.try_acquire(after_timeout=False))

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for cost in taken if cost) == 50
    assert budget.available == 0


def test_a_client_and_its_children_share_one_budget(api: Driver) -> None:
    client = api.client()
    assert isinstance(client.retry_budget, sdk.RetryBudget)
    assert client.with_workspace("ws_2").retry_budget is client.retry_budget
    assert client.with_options(max_retries=9).retry_budget is client.retry_budget
    assert api.client().retry_budget is not client.retry_budget  # one per client built
    shared = sdk.RetryBudget()
    assert api.client(retry_budget=shared).retry_budget is shared
    assert api.client(retry_budget=False).retry_budget is None
    with pytest.raises(sdk.InvalidArgumentError, match="retry_budget"):
        api.client(retry_budget="lots")


def test_in_an_outage_attempts_per_call_fall_to_one(
    api: Driver, mock_api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = mock_api.get("/api-keys").respond(503)
    budget = sdk.RetryBudget(20, retry_cost=5)
    client = api.client(max_retries=2, retry_budget=budget)

    attempts = []
    for _ in range(6):
        before = route.call_count
        with pytest.raises(sdk.InternalServerError) as caught:
            api.run(client.api_keys.list())
        attempts.append(route.call_count - before)

    # 20 tokens pay for 4 retries: two calls retry twice, then every call is one attempt.
    assert attempts == [3, 3, 1, 1, 1, 1]
    assert budget.available == 0
    assert "not retried: the retry budget is spent (0 of 20 tokens left" in str(caught.value)


def test_after_recovery_the_budget_refills(api: Driver, mock_api: respx.MockRouter) -> None:
    budget = sdk.RetryBudget(10, retry_cost=5)
    client = api.client(max_retries=2, retry_budget=budget)
    route = mock_api.get("/api-keys")
    route.side_effect = [httpx.Response(503), httpx.Response(503), httpx.Response(503)]
    with pytest.raises(sdk.InternalServerError):
        api.run(client.api_keys.list())
    assert budget.available == 0

    route.side_effect = None
    route.respond(200, json=[])
    for _ in range(4):
        api.run(client.api_keys.list())
    assert budget.available == 4  # one token back per success


def test_a_success_after_retries_refunds_what_they_cost(
    api: Driver, mock_api: respx.MockRouter
) -> None:
    budget = sdk.RetryBudget(100, retry_cost=5)
    route = mock_api.get("/api-keys")
    route.side_effect = [httpx.Response(503), httpx.Response(503), httpx.Response(200, json=[])]

    api.run(api.client(retry_budget=budget).api_keys.list())

    assert budget.available == 100


def test_a_timeout_costs_more(api: Driver, mock_api: respx.MockRouter) -> None:
    budget = sdk.RetryBudget(100, retry_cost=5, timeout_retry_cost=10)
    mock_api.get("/api-keys").side_effect = [
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.Response(503),
    ]

    with pytest.raises(sdk.InternalServerError):
        api.run(api.client(retry_budget=budget).api_keys.list())

    assert budget.available == 85  # 10 after the timeout, 5 after the refusal


def test_a_calls_max_retries_against_the_budget(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.get("/api-keys").respond(503)
    client = api.client(retry_budget=sdk.RetryBudget(10, retry_cost=5))

    with pytest.raises(sdk.InternalServerError):
        api.run(client.api_keys.list(max_retries=10))

    assert route.call_count == 3  # the budget allowed two retries of the ten asked for
    with pytest.raises(sdk.InternalServerError):
        api.run(client.api_keys.list(max_retries=0))
    assert route.call_count == 4  # max_retries=0 needs no budget


def test_without_a_budget_every_call_retries(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.get("/api-keys").respond(503)
    client = api.client(max_retries=2, retry_budget=False)

    for _ in range(5):
        with pytest.raises(sdk.InternalServerError):
            api.run(client.api_keys.list())

    assert route.call_count == 15


def test_children_drain_the_parents_budget(api: Driver, mock_api: respx.MockRouter) -> None:
    route = mock_api.get("/api-keys").respond(503)
    parent = api.client(max_retries=1, retry_budget=sdk.RetryBudget(10, retry_cost=5))

    for child in (parent.with_workspace("ws_2"), parent.with_options(timeout=3)):
        with pytest.raises(sdk.InternalServerError):
            api.run(child.api_keys.list())
    with pytest.raises(sdk.InternalServerError, match="retry budget is spent"):
        api.run(parent.api_keys.list())

    assert route.call_count == 2 + 2 + 1


def test_the_budget_against_the_fake_over_http(sleeps: list[float]) -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    with fake.serve() as base_url:
        client = sdk.ApiKeysClient(
            base_url=base_url,
            token=token,
            workspace_id="ws_1",
            max_retries=2,
            retry_budget=sdk.RetryBudget(10, retry_cost=5),
        )
        fake.fail_next(100, status=503)
        with client:
            for _ in range(4):
                with pytest.raises(sdk.InternalServerError):
                    client.api_keys.list()
    assert fake.requests_handled == 0  # injected failures are not handled
    assert len(sleeps) == 2  # two retries, then none


def test_the_budget_against_the_fake_in_every_mode(harness: Harness, sleeps: list[float]) -> None:
    harness.fake.fail_next(100, status=503)
    budget = sdk.RetryBudget(10, retry_cost=5)

    for _ in range(4):
        with pytest.raises(sdk.InternalServerError):
            harness.call("list", max_retries=2, retry_budget=budget)

    assert len(sleeps) == 2  # two retries paid for, then none
    assert budget.available == 0
