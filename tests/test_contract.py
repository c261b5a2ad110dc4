"""Contract: schemathesis, a tool nobody here wrote, runs against FakeApiKeys served over real HTTP
exactly as `schemathesis run` would against `api-keys serve-fake`: every phase the spec allows,
every check, and the stateful phase following the spec's links (settings: tests/schemathesis.toml,
hooks: tests/_contract_hooks.py). It must find nothing, and must really have chained calls."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from api_keys_client.testing import FakeApiKeys

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = "ws_contract"
# What the settled run does (seed 21) is several times these; they only catch a run gone hollow.
MIN_GENERATED = 500
MIN_STATEFUL_SCENARIOS = 50
MIN_CREATED_THEN_REVOKED = 20
MIN_UNKNOWN_REVOKED = 10
# How schemathesis names a step that followed openapi.yaml's RevokeCreatedKey link.
CREATE_THEN_REVOKE = "POST /api-keys -> [201] RevokeCreatedKey -> DELETE /api-keys/{id}"


def _seed_every_state(fake: FakeApiKeys, token: str) -> None:
    """Listings with a key in every state a key can be in, so their schema is checked in each."""
    with fake.client(token=token, workspace_id=WORKSPACE) as client:
        client.api_keys.create(name="plain")
        expiry = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
        used = client.api_keys.create(name="expiring and used", expires_at=expiry)
        with fake.client(token=used.raw_key, workspace_id=WORKSPACE) as as_key:
            as_key.api_keys.list()
        client.api_keys.revoke(client.api_keys.create(name="revoked").id)


def _run_schemathesis(base_url: str, token: str, reports: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "API_KEYS_TOKEN": token, "API_KEYS_WORKSPACE_ID": WORKSPACE}
    command = [
        *(sys.executable, "-m", "schemathesis.cli"),
        *("--config-file", "tests/schemathesis.toml", "--no-color"),
        *("run", "openapi.yaml", "--url", base_url),
        *("--report", "json,ndjson"),
        *("--report-json-path", str(reports / "run.json")),
        *("--report-ndjson-path", str(reports / "events.ndjson")),
    ]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


class _Sent(NamedTuple):
    """One request schemathesis sent, as its event stream recorded it."""

    method: str
    positive: bool
    transition: dict[str, Any] | None  # the link it followed, if any
    status: int | None  # None: no response (a check that needs none)


def _sent(events: Path) -> tuple[int, list[_Sent]]:
    """How many scenarios the stateful phase ran, and every request of every phase."""
    scenarios = 0
    sent: list[_Sent] = []
    for line in events.read_text().splitlines():
        event: dict[str, Any] = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished is None:
            continue
        scenarios += finished["phase"] == "stateful"
        recorder = finished["recorder"]
        for case_id, case in recorder.get("cases", {}).items():
            interaction = recorder["interactions"].get(case_id)
            sent.append(
                _Sent(
                    method=case["value"]["method"],
                    positive=case["value"]["meta"]["generation"]["mode"] == "positive",
                    transition=case.get("transition"),
                    status=interaction["response"]["status_code"] if interaction else None,
                )
            )
    return scenarios, sent


def test_schemathesis_finds_nothing_and_chains_create_to_revoke(tmp_path: Path) -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=[WORKSPACE])
    _seed_every_state(fake, token)
    with fake.serve() as base_url:
        run = _run_schemathesis(base_url, token, tmp_path)
        with fake.client(token=token, workspace_id=WORKSPACE) as client:
            revoked = {key.id for key in client.api_keys.list() if key.revoked_at is not None}
    assert run.returncode == 0, run.stdout + run.stderr

    report: dict[str, Any] = json.loads((tmp_path / "run.json").read_text())
    assert report["schemathesis_version"] == "4.32.5"
    assert (report["complete"], report["failures"], report["errors"]) == (True, [], [])
    assert report["operations"]["tested"] == report["operations"]["total"] == 3
    # Examples is skipped (the spec has none); the other three ran, the stateful one included.
    phases = {name: phase["status"] for name, phase in report["phases"].items()}
    assert phases == {
        "examples": "skip",
        "coverage": "success",
        "fuzzing": "success",
        "stateful": "success",
    }
    assert report["test_cases"]["generated"] >= MIN_GENERATED

    scenarios, sent = _sent(tmp_path / "events.ndjson")
    links = Counter((r.transition["id"], r.status) for r in sent if r.transition is not None)
    revoked_after_create = [
        r.transition["parameters"]["path_parameters"]["id"]["value"]
        for r in sent
        if r.transition is not None
        and r.transition["id"] == CREATE_THEN_REVOKE
        and not r.transition["is_inferred"]
        and r.status == 204
    ]
    unknown_revoked = [r for r in sent if r.method == "DELETE" and r.positive and r.status == 400]
    print(  # the counts the closing note reports (pytest -s shows them)
        f"\ncontract: {report['test_cases']['generated']} cases generated,"
        f" {len(unknown_revoked)} schema-valid revokes of unknown ids, {scenarios} stateful"
        f" scenarios, links followed: {dict(links)}",
        file=sys.stderr,
    )
    assert scenarios >= MIN_STATEFUL_SCENARIOS
    # The declared link, not schemathesis's guesses, took the id of a key just created, and the
    # revoke it led to is one the service really did.
    assert len(revoked_after_create) >= MIN_CREATED_THEN_REVOKED, links
    assert set(revoked_after_create) <= revoked
    for link in ("ListWithCreatedKey", "ListWithRevokedKey"):
        assert any(link in transition_id for transition_id, _ in links), link
    # The deliberate 400 was met, so the settings that expect it (and its check) were used.
    assert len(unknown_revoked) >= MIN_UNKNOWN_REVOKED
