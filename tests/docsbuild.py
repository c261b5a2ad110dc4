"""Builds of the documentation site from a copy of its pages, for the tests that change a page
to show what the build or the reference checks would say: the project's mkdocs.yml pointed at
the copy, with the settings scripts/docs gives it (every project URL from hatch_build.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hatch_build import home_of, project_urls

ROOT = Path(__file__).resolve().parent.parent


def mkdocs_build(docs: Path, site: Path, *, strict: bool) -> subprocess.CompletedProcess[str]:
    """`mkdocs build` of the pages in `docs` into `site`; its output is captured, not checked."""
    config = (ROOT / "mkdocs.yml").read_text()
    config = config.replace("docs_dir: docs", f"docs_dir: {docs}")
    config = config.replace("site_dir: build/site", f"site_dir: {site}")
    config = config.replace("  - scripts/", f"  - {ROOT / 'scripts'}/")  # the hooks
    if not strict:
        config = config.replace("strict: true", "strict: false")
    config_file = docs.parent / "mkdocs.yml"
    config_file.write_text(config)
    urls = project_urls(home_of(ROOT))
    environment = {
        **os.environ,
        "API_KEYS_CLIENT_HOME": urls["Homepage"],
        "API_KEYS_CLIENT_DOCS_URL": urls["Documentation"],
        "API_KEYS_CLIENT_ISSUES_URL": urls["Issues"],
        "NO_MKDOCS_2_WARNING": "1",
    }
    mkdocs = Path(sys.executable).parent / "mkdocs"
    return subprocess.run(
        [str(mkdocs), "build", *(["--strict"] if strict else []), "-f", str(config_file)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
