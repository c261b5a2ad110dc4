"""What the SDK costs over raw httpx, side by side in one run. Run it with scripts/bench.

Every comparison alternates its contenders round by round (A B, B A, ...) and compares medians,
so the figures are ratios that hold on a shared, noisy machine; absolute times are shown for
orientation only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx

import api_keys_client as sdk
from api_keys_client._body import DEFAULT_MAX_RESPONSE_SIZE
from api_keys_client._operations import _parse_list  # the typed decode that list() runs
from api_keys_client._settings import DEFAULT_TIMEOUT as SDK_DEFAULT_TIMEOUT

sys.path.insert(0, str(Path(__file__).parent))
# The benchmark's own folder, put on the path above.
from fast_server import keys_body
from outage import CALLS_PER_WAVE, MAX_RETRIES, attempts_per_call
from peers import pydantic_decode

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "tok_benchmark"  # noqa: S105 - a fake token for a local fake server
WORKSPACE = "ws_bench"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "X-Workspace-ID": WORKSPACE,
    "Accept": "application/json",
}


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, what: str, sdk_value: str, raw_value: str, ratio: str, target: str) -> None:
        self.rows.append((what, sdk_value, raw_value, ratio, target))
        print(f"  {what}: {sdk_value} vs {raw_value} -> {ratio} ({target})", flush=True)


def alternate(
    contenders: dict[str, Callable[[], object]], *, rounds: int, per_round: int
) -> dict[str, float]:
    """Median seconds per call of each contender, alternating their order every round."""
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds + 1):
        for name in names if number % 2 == 0 else names[::-1]:
            call = contenders[name]
            started = time.perf_counter()
            for _ in range(per_round):
                call()
            if number:  # round 0 warms up
                samples[name].append((time.perf_counter() - started) / per_round)
    return {name: statistics.median(values) for name, values in samples.items()}


def alternate_async(
    loop: asyncio.AbstractEventLoop,
    contenders: dict[str, Callable[[], Awaitable[object]]],
    *,
    rounds: int,
) -> dict[str, float]:
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds + 1):
        for name in names if number % 2 == 0 else names[::-1]:
            started = time.perf_counter()
            loop.run_until_complete(contenders[name]())
            if number:
                samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def raw_list(client: httpx.Client) -> Callable[[], object]:
    """The hand-written contender: GET and json(), as a careful user of httpx would write it."""
    return lambda: client.get("/api-keys").json()


def verdict(ratio: float, limit: float) -> str:
    return f"target <= {limit:.2f}: {'holds' if ratio <= limit else 'MISSED'}"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} us"


@contextmanager
def fast_server() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "fast_server.py"), "--lifetime", "600"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None  # noqa: S101 - piped above
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        assert process.stdin is not None  # noqa: S101 - piped above
        process.stdin.close()  # the server stops when its stdin closes
        process.wait(timeout=10)
        assert process.stdout is not None  # noqa: S101
        process.stdout.close()


def connections(base_url: str) -> int:
    count: int = httpx.get(f"{base_url}/stats").json()["connections"]
    return count - 1  # not counting this look-up's own connection


def per_call_in_process(table: Table, quick: bool) -> None:
    body = keys_body(1)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    transport = httpx.MockTransport(handler)
    raw = httpx.Client(transport=transport, base_url="http://bench.localhost", headers=HEADERS)
    client = sdk.ApiKeysClient(
        base_url="http://bench.localhost",
        token=TOKEN,
        workspace_id=WORKSPACE,
        http_client=httpx.Client(transport=transport),
    )
    result = alternate(
        {"sdk": client.api_keys.list, "raw": raw_list(raw)},
        rounds=10 if quick else 30,
        per_round=200 if quick else 500,
    )
    ratio = result["sdk"] / result["raw"]
    table.add(
        "1. list(), in process, 1 key",
        us(result["sdk"]),
        us(result["raw"]),
        f"{ratio:.3f}",
        verdict(ratio, 1.10),
    )


def per_call_over_http(table: Table, base_url: str, quick: bool) -> None:
    for keys, limit in ((1, 1.05), (20, None)):
        prefix = f"{base_url}/k{keys}"
        raw = httpx.Client(base_url=prefix, headers=HEADERS)
        client = sdk.ApiKeysClient(base_url=prefix, token=TOKEN, workspace_id=WORKSPACE)
        result = alternate(
            {"sdk": client.api_keys.list, "raw": raw_list(raw)},
            rounds=10 if quick else 30,
            per_round=100 if quick else 300,
        )
        ratio = result["sdk"] / result["raw"]
        target = verdict(ratio, limit) if limit else "reported"
        table.add(
            f"2. list() over HTTP on 127.0.0.1, {keys} keys",
            us(result["sdk"]),
            us(result["raw"]),
            f"{ratio:.3f}",
            target,
        )
        client.close()
        raw.close()

    opened = {}
    for name in ("sdk", "raw"):
        before = connections(base_url)
        if name == "sdk":
            with sdk.ApiKeysClient(
                base_url=f"{base_url}/k1", token=TOKEN, workspace_id=WORKSPACE
            ) as client:
                child = client.with_workspace("ws_other")
                for _ in range(100):
                    client.api_keys.list()
                    child.api_keys.list()
        else:
            with httpx.Client(base_url=f"{base_url}/k1", headers=HEADERS) as raw:
                for _ in range(200):
                    raw.get("/api-keys").json()
        opened[name] = connections(base_url) - before - 1
    target = f"target 1 per client: {'holds' if opened['sdk'] == 1 else 'MISSED'}"
    table.add(
        "2. TCP connections for 200 sequential calls",
        str(opened["sdk"]),
        str(opened["raw"]),
        "-",
        target,
    )


def concurrent_async(table: Table, base_url: str, quick: bool) -> None:
    loop = asyncio.new_event_loop()
    prefix = f"{base_url}/k1"
    # The SDK's default timeouts (30 s, connect 5 s) for raw httpx too: with 500 calls queued on a
    # pool of 100, httpcore's pool bookkeeping alone can keep a call waiting past httpx's default
    # 5 s pool timeout on this 2-CPU machine, and the row would measure a crash, not the SDK.
    raw = httpx.AsyncClient(base_url=prefix, headers=HEADERS, timeout=SDK_DEFAULT_TIMEOUT)
    client = sdk.AsyncApiKeysClient(base_url=prefix, token=TOKEN, workspace_id=WORKSPACE)

    async def raw_call() -> object:
        return (await raw.get("/api-keys")).json()

    async def sdk_batch() -> None:
        await asyncio.gather(*(client.api_keys.list() for _ in range(500)))

    async def raw_batch() -> None:
        await asyncio.gather(*(raw_call() for _ in range(500)))

    result = alternate_async(loop, {"sdk": sdk_batch, "raw": raw_batch}, rounds=6 if quick else 16)
    ratio = result["sdk"] / result["raw"]
    table.add(
        "3. 500 concurrent list(), async, 1 key",
        f"{result['sdk'] * 1e3:,.1f} ms",
        f"{result['raw'] * 1e3:,.1f} ms",
        f"{ratio:.3f}",
        verdict(ratio, 1.10),
    )
    loop.run_until_complete(client.aclose())
    loop.run_until_complete(raw.aclose())
    loop.close()


def decoding(table: Table, quick: bool) -> None:
    per_key: dict[int, float] = {}
    loads_per_key: dict[int, float] = {}
    for count in (10, 1_000, 10_000, 100_000):
        body = keys_body(count)
        response = httpx.Response(200, content=body)
        repeat = max(1, 20_000 // count)
        result = alternate(
            {"sdk": partial(_parse_list, response), "raw": partial(json.loads, body)},
            rounds=5 if quick or count == 100_000 else 15,
            per_round=repeat,
        )
        ratio = result["sdk"] / result["raw"]
        per_key[count] = result["sdk"] / count
        loads_per_key[count] = result["raw"] / count
        table.add(
            f"4. decode {count:,} keys (SDK typed vs json.loads)",
            f"{result['sdk'] * 1e3:,.2f} ms",
            f"{result['raw'] * 1e3:,.2f} ms",
            f"{ratio:.2f}",
            verdict(ratio, 3.0),
        )
    growth = per_key[100_000] / per_key[1_000]
    table.add(
        "4. SDK cost per key, 100,000 vs 1,000 keys",
        us(per_key[100_000]),
        us(per_key[1_000]),
        f"{growth:.2f}",
        f"target flat within 20% (<= 1.20): {'holds' if growth <= 1.20 else 'MISSED'}",
    )
    table.add(
        "4. json.loads cost per key, 100,000 vs 1,000 keys (context)",
        us(loads_per_key[100_000]),
        us(loads_per_key[1_000]),
        f"{loads_per_key[100_000] / loads_per_key[1_000]:.2f}",
        "reported: the baseline's own growth",
    )
    body = keys_body(100_000)
    response = httpx.Response(200, content=body)
    peaks = {}
    for name, run in (("sdk", lambda: _parse_list(response)), ("raw", lambda: json.loads(body))):
        gc.collect()
        tracemalloc.start()
        decoded = run()
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del decoded
    mib = 1024 * 1024
    table.add(
        f"4. peak memory decoding 100,000 keys (body {len(body) / mib:,.1f} MiB)",
        f"{peaks['sdk'] / mib:,.1f} MiB",
        f"{peaks['raw'] / mib:,.1f} MiB",
        f"{peaks['sdk'] / len(body):.1f}x body",
        "reported",
    )


def against_pydantic(table: Table, quick: bool) -> None:
    """The peer's choice for typed decoding, side by side: pydantic v2's validate_json (JSON
    parsing and validation in Rust) into an equivalent model."""
    for count in (1_000, 10_000, 100_000):
        body = keys_body(count)
        response = httpx.Response(200, content=body)
        repeat = max(1, 20_000 // count)
        result = alternate(
            {"sdk": partial(_parse_list, response), "pydantic": partial(pydantic_decode, body)},
            rounds=5 if quick or count == 100_000 else 15,
            per_round=repeat,
        )
        ratio = result["sdk"] / result["pydantic"]
        table.add(
            f"6. decode {count:,} keys (SDK typed vs pydantic {version('pydantic')} validate_json)",
            f"{result['sdk'] * 1e3:,.2f} ms",
            f"{result['pydantic'] * 1e3:,.2f} ms",
            f"{ratio:.2f}",
            verdict(ratio, 1.0),
        )


def retry_budget(table: Table, base_url: str) -> None:
    """Attempts per call in a sustained outage (503 to everything), waves of concurrent calls
    from one client: without a budget each call makes 1 + max_retries attempts."""
    with_budget = attempts_per_call(base_url, budget=True)
    without = attempts_per_call(base_url, budget=False)
    for wave, (budgeted, unbudgeted) in enumerate(zip(with_budget, without, strict=True), 1):
        table.add(
            f"7. outage, wave {wave}: attempts per call, {CALLS_PER_WAVE} concurrent calls,"
            f" max_retries={MAX_RETRIES} (with the retry budget vs without)",
            f"{budgeted:.2f}",
            f"{unbudgeted:.2f}",
            f"{budgeted / unbudgeted:.2f}",
            # The first wave spends the budget; once it is spent, a call is one attempt.
            "target: fewer attempts than without, then about 1 per call: "
            + ("holds" if budgeted < unbudgeted and (wave == 1 or budgeted <= 1.05) else "MISSED"),
        )


def gzip_bomb_memory(table: Table, base_url: str) -> None:
    """Peak memory reading a gzip bomb of 1 MiB that decodes to 1 GiB, each contender in a process
    of its own (bomb.py): the SDK at its default max_response_size and at 16 MiB, where it stops
    reading, against raw httpx, which decodes it whole."""
    mib = 1024 * 1024

    def run(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, str(Path(__file__).parent / "bomb.py"), base_url, *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    raw = run("httpx")
    for limit in (DEFAULT_MAX_RESPONSE_SIZE, 16 * mib):
        result = run("sdk", str(limit))
        times = result["growth"] / limit
        table.add(
            f"8. peak RSS growth reading a 1 MiB gzip bomb (1 GiB decoded),"
            f" max_response_size {limit / mib:,.0f} MiB",
            f"{result['growth'] / mib:,.1f} MiB ({result['outcome']})",
            f"{raw['growth'] / mib:,.1f} MiB (raw httpx, {raw['outcome']})",
            f"{times:.2f}x the limit",
            f"target <= 3x the limit: {'holds' if times <= 3 else 'MISSED'}",
        )


@contextmanager
def fake_server() -> Iterator[dict[str, str]]:
    """`api-keys serve-fake` in a process of its own, as fast_server.py runs: its settings."""
    process = subprocess.Popen(
        [sys.executable, "-m", "api_keys_client", "serve-fake", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None  # noqa: S101 - piped above
        settings: dict[str, str] = {}
        while len(settings) < 3:  # its three export lines: base URL, token, workspace
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("api-keys serve-fake did not start")
            name, _, value = line.removeprefix("export ").strip().partition("=")
            if name.startswith("API_KEYS_"):
                settings[name] = value.strip("'\"")
        yield settings
    finally:
        process.terminate()
        process.wait(timeout=10)


def fake_over_http(table: Table, base_url: str, quick: bool) -> None:
    """The fake's HTTP server against fast_server.py, the same SDK call on both, one key each."""
    with fake_server() as settings:
        fake = sdk.ApiKeysClient(
            base_url=settings["API_KEYS_BASE_URL"],
            token=settings["API_KEYS_TOKEN"],
            workspace_id=settings["API_KEYS_WORKSPACE_ID"],
        )
        fake.api_keys.create(name="bench")
        fast = sdk.ApiKeysClient(base_url=f"{base_url}/k1", token=TOKEN, workspace_id=WORKSPACE)
        result = alternate(
            {"fake": fake.api_keys.list, "fast": fast.api_keys.list},
            rounds=10 if quick else 30,
            per_round=50 if quick else 200,
        )
        fake.close()
        fast.close()
    ratio = result["fake"] / result["fast"]
    table.add(
        "9. list() over `api-keys serve-fake` (1 key), against fast_server.py (baseline)",
        us(result["fake"]),
        us(result["fast"]),
        f"{ratio:.3f}",
        verdict(ratio, 1.5),
    )


def cold_start(table: Table, quick: bool) -> None:
    python = sys.executable
    cli = shutil.which("api-keys", path=str(Path(python).parent)) or "api-keys"
    commands = {
        "import httpx": [python, "-c", "import httpx"],
        "import httpx, attrs": [python, "-c", "import httpx, attrs"],
        "import api_keys_client": [python, "-c", "import api_keys_client"],
        "api-keys --help": [cli, "--help"],
        "from api_keys_client import ApiKeysClient": [
            python,
            "-c",
            "from api_keys_client import ApiKeysClient",
        ],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for number in range(11 if quick else 25):
        for name in names if number % 2 == 0 else names[::-1]:
            started = time.perf_counter()
            subprocess.run(commands[name], check=True, stdout=subprocess.DEVNULL)
            samples[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values[1:]) for name, values in samples.items()}
    base = medians["import httpx"]
    for name in ("import api_keys_client", "api-keys --help"):
        extra = (medians[name] - base) * 1e3
        table.add(
            f"5. cold start: {name}",
            f"{medians[name] * 1e3:,.1f} ms",
            f"{base * 1e3:,.1f} ms (import httpx)",
            f"{extra:+,.1f} ms",
            f"target <= +50 ms: {'holds' if extra <= 50 else 'MISSED'}",
        )
    # Context: the first real use loads httpx, attrs (which the generated models are made of) and
    # the SDK; its cost over `import httpx, attrs` is the SDK's own.
    first_use = medians["from api_keys_client import ApiKeysClient"]
    with_attrs = medians["import httpx, attrs"]
    table.add(
        "5. cold start: from api_keys_client import ApiKeysClient (context)",
        f"{first_use * 1e3:,.1f} ms",
        f"{base * 1e3:,.1f} ms (import httpx)",
        f"{(first_use - base) * 1e3:+,.1f} ms",
        f"reported: {(with_attrs - base) * 1e3:+,.1f} ms of it is importing attrs,"
        f" {(first_use - with_attrs) * 1e3:+,.1f} ms the SDK itself",
    )


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.machine()}, {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- api-keys-client {sdk.__version__}, httpx {version('httpx')}, attrs {version('attrs')}",
    ]


def write_markdown(table: Table, path: Path, seconds: float) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `scripts/bench`. Each row compares the SDK with raw httpx (or `json.loads`, or",
        "pydantic, or itself without its retry budget) in the same run, contenders alternating round",
        "by round; ratios are of medians. Absolute times are for orientation only: this machine is",
        "shared.",
        "",
        *machine(),
        f"- Whole run: {seconds:,.0f} s",
        "",
        "| measurement | SDK | baseline | ratio | target |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {' | '.join(row)} |" for row in table.rows),
        "",
        "Notes:",
        "",
        "- Row 3 queues 500 calls on a pool of 100 connections: most of its time is httpcore's pool",
        "  bookkeeping, the same for both contenders. Raw httpx gets the SDK's default timeouts (30 s,",
        "  connect 5 s); with httpx's 5 s it can fail with PoolTimeout on a busy 2-CPU machine.",
        "- Row 6: pydantic parses the JSON and validates it in Rust in one pass; the SDK runs the",
        "  standard library's `json` and then Python (its runtime dependencies are httpx and attrs",
        "  only). The ratio at 1,000 and 10,000 keys moves around 1.0 from run to run.",
        "- Row 9 compares two servers, not the SDK with httpx: the same SDK call against",
        "  `api-keys serve-fake` and against `benchmarks/fast_server.py`, each in a process of its own.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    started = time.perf_counter()
    table = Table()
    print("\n".join(machine()))
    per_call_in_process(table, args.quick)
    with fast_server() as base_url:
        per_call_over_http(table, base_url, args.quick)
        concurrent_async(table, base_url, args.quick)
        retry_budget(table, base_url)
        gzip_bomb_memory(table, base_url)
        fake_over_http(table, base_url, args.quick)
    decoding(table, args.quick)
    against_pydantic(table, args.quick)
    cold_start(table, args.quick)
    seconds = time.perf_counter() - started
    write_markdown(table, args.output, seconds)
    print(f"\nwrote {args.output} ({seconds:,.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
