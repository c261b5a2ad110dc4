"""Peak memory reading a gzip bomb, for scripts/bench: run as its own process, so that its peak
RSS is this one call's. Prints the peak RSS growth of the call, in bytes, as JSON.

Usage: python bomb.py BASE_URL sdk LIMIT | python bomb.py BASE_URL httpx
"""

from __future__ import annotations

import json
import resource
import sys

import httpx

import api_keys_client as sdk

TOKEN = "tok_benchmark"  # noqa: S105 - a fake token for a local fake server


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main() -> None:
    base_url, contender = sys.argv[1], sys.argv[2]
    if contender == "sdk":
        client = sdk.ApiKeysClient(
            base_url=f"{base_url}/bomb",
            token=TOKEN,
            workspace_id="ws_bench",
            max_retries=0,
            max_response_size=int(sys.argv[3]),
        )
        before = _peak()
        try:
            client.api_keys.list()
            outcome = "read whole (unexpected)"
        except sdk.APIResponseValidationError as exc:
            outcome = "stopped" if "larger than max_response_size" in exc.message else exc.message
    else:
        raw = httpx.Client(timeout=120)
        before = _peak()
        outcome = f"read {len(raw.get(f'{base_url}/bomb/api-keys').content):,} bytes"
    print(json.dumps({"growth": _peak() - before, "outcome": outcome}))


if __name__ == "__main__":
    main()
