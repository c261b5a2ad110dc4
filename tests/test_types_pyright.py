"""pyright strict refuses both expiries at once, as mypy does (tests/test_types.py). Host lanes
only: pyright runs on Node.js, which the Debian root of the 3.14 and 3.15 lanes has not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .test_types import EXPIRIES, REFUSED


def test_pyright_refuses_both_expiries_at_once(tmp_path: Path) -> None:
    (tmp_path / "user_code.py").write_text(EXPIRIES)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "pyright"),
            "--outputjson",
            "--pythonpath",
            sys.executable,
            "user_code.py",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=300,
    )
    errors = {
        diagnostic["range"]["start"]["line"] + 1: diagnostic["message"]
        for diagnostic in json.loads(result.stdout)["generalDiagnostics"]
        if diagnostic["severity"] == "error"
    }
    assert set(errors) == REFUSED, errors
    assert all('parameter "expires_in"' in text for text in errors.values()), errors
