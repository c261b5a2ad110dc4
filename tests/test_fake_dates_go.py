"""The whole table of test_fake_dates.py, read by Go's own time.Parse and encoding/json (a
small standard-library program, tests/go/rfc3339), offline: Go's verdict and instant for each
case are the table's, and the fake's. Host lanes only (scripts/test installs golang-go)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from .test_fake_dates import CASES, fakes_reading, instant_of

GO_PROGRAM = Path(__file__).parent / "go" / "rfc3339" / "main.go"


def _go_environment(tmp_path: Path) -> dict[str, str]:
    """Offline and inside the test's own directory: nothing fetched, nothing kept."""
    return {
        **os.environ,
        "GOCACHE": str(tmp_path / "cache"),
        "GOPATH": str(tmp_path / "path"),
        "GOFLAGS": "",  # none of the caller's
        "GOTOOLCHAIN": "local",
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GO111MODULE": "on",
        "CGO_ENABLED": "0",
        "TZ": "UTC",
    }


def _go_version(version: str) -> tuple[int, int]:
    major, minor = version.removeprefix("go").split(".")[:2]
    return int(major), int("".join(c for c in minor if c.isdigit()))


def test_go_reads_the_whole_table_as_the_fake_does(tmp_path: Path) -> None:
    go = shutil.which("go")
    assert go, "Go (Debian's golang-go) is installed by scripts/test"
    lines = "".join(json.dumps(case.text, ensure_ascii=False) + "\n" for case in CASES)
    run = subprocess.run(
        [go, "run", str(GO_PROGRAM)],
        input=lines.encode(),
        capture_output=True,
        env=_go_environment(tmp_path),
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    version, *answers = run.stdout.decode().splitlines()
    assert len(answers) == len(CASES)
    old_go = _go_version(version) < (1, 20)
    for case, answer in zip(CASES, answers, strict=True):
        verdicts = json.loads(answer)
        # What the service does with a request body, and the call it makes underneath.
        assert verdicts["json"] == verdicts["parse"], case
        go = verdicts["parse"]
        go_reads = (go["unix"], go["nanos"]) if go["ok"] else None
        if old_go and case.go_1_19 is not None:
            assert go["ok"] is case.go_1_19, (version, case)
            continue
        assert go_reads == instant_of(case), (version, case)
        assert fakes_reading(case.text) == go_reads, case
