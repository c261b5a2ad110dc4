"""Build-time metadata, for hatchling: the project's URLs and its PyPI description, both from one
setting (`[tool.api-keys-client] home`, the repository's address).

- URLs: homepage, documentation (the docs site), changelog and issues, all derived from `home`.
- The long description is the README as a user needs it on PyPI: from the title to the
  "Development" section, without the contributors' block between the `pypi: skip` markers, every
  relative link made absolute (into the repository at `home`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

SKIP = re.compile(r"<!-- pypi: skip -->.*?<!-- pypi: end skip -->\n*", re.S)
LINK = re.compile(r"(\]\()(?!https?://|mailto:)([^)\s]+)(\))")


def project_urls(home: str) -> dict[str, str]:
    """Every URL of the project, from the repository's address."""
    owner, repository = home.rstrip("/").split("/")[-2:]
    return {
        "Homepage": home,
        "Documentation": f"https://{owner}.github.io/{repository}/",
        "Changelog": f"{home}/blob/main/CHANGELOG.md",
        "Issues": f"{home}/issues",
    }


def pypi_description(readme: str, home: str) -> str:
    """The README from its title to its Development section, for PyPI."""
    text = readme.split("\n## Development", 1)[0]
    text = SKIP.sub("", text)

    def absolute(match: re.Match[str]) -> str:
        target = match[2]
        if target.startswith("#"):
            return f"{match[1]}{home}#{target[1:]}{match[3]}"
        return f"{match[1]}{home}/blob/main/{target.removeprefix('./')}{match[3]}"

    return LINK.sub(absolute, text).rstrip() + "\n"


def home_of(root: Path) -> str:
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    home: str = pyproject["tool"]["api-keys-client"]["home"]
    return home


class CustomMetadataHook(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        root = Path(self.root)
        home = home_of(root)
        metadata["urls"] = project_urls(home)
        metadata["readme"] = {
            "content-type": "text/markdown",
            "text": pypi_description((root / "README.md").read_text(encoding="utf-8"), home),
        }
