"""The retry budget's effect, for scripts/bench: attempts per call when the service answers 503 to
everything, for waves of concurrent calls from one client, with the budget and without it."""

from __future__ import annotations

import asyncio

import httpx

import api_keys_client as sdk

TOKEN = "tok_benchmark"  # noqa: S105 - a fake token for a local fake server
CALLS_PER_WAVE = 200
WAVES = 3
MAX_RETRIES = 2


def _down_requests(base_url: str) -> int:
    count: int = httpx.get(f"{base_url}/stats").json()["down_requests"]
    return count


async def _wave(client: sdk.AsyncApiKeysClient) -> None:
    results = await asyncio.gather(
        *(client.api_keys.list() for _ in range(CALLS_PER_WAVE)), return_exceptions=True
    )
    failures = [r for r in results if isinstance(r, sdk.InternalServerError)]
    assert len(failures) == CALLS_PER_WAVE, "every call of the outage fails"  # noqa: S101


def attempts_per_call(base_url: str, *, budget: bool) -> list[float]:
    """Attempts per call in each wave of one client's calls during a sustained outage."""
    per_wave = []

    async def run() -> None:
        async with sdk.AsyncApiKeysClient(
            base_url=f"{base_url}/down",
            token=TOKEN,
            workspace_id="ws_bench",
            max_retries=MAX_RETRIES,
            retry_budget=budget,
        ) as client:
            for _ in range(WAVES):
                before = _down_requests(base_url)
                await _wave(client)
                per_wave.append((_down_requests(base_url) - before) / CALLS_PER_WAVE)

    asyncio.run(run())
    return per_wave
