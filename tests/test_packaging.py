"""What `pip install api-keys-client` delivers: the wheel and the sdist as a packager builds them
(scripts/package: isolated build, twine check --strict, check-wheel-contents), their files, the
metadata, and a PyPI description that starts with what a user needs and has no relative link."""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from readme_renderer.markdown import render

from api_keys_client import __version__

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from hatch_build import home_of, project_urls, pypi_description  # noqa: E402 - the root, just above

HOME = home_of(ROOT)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [str(ROOT / "scripts" / "package"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr  # the build, twine and check-wheel-contents
    assert "PASSED" in result.stderr
    built = {path.suffix: path for path in out.iterdir()}
    return {"wheel": built[".whl"], "sdist": built[".gz"]}


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(f"api_keys_client-{__version__}.dist-info/METADATA").decode()
    return email.parser.Parser().parsestr(text)


def test_the_wheel_ships_the_package_its_types_and_its_license(dist: dict[str, Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as archive:
        names = set(archive.namelist())
    info = f"api_keys_client-{__version__}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    assert "api_keys_client/py.typed" in names
    assert "api_keys_client/_generated/models/api_key.py" in names
    assert "api_keys_client/testing/pytest_plugin.py" in names
    assert "api_keys_client/_cli/__init__.py" in names
    assert not any(name.startswith(("tests/", "client/", "docs/")) for name in names)
    assert not any("__pycache__" in name for name in names)
    entry_points = zipfile.ZipFile(dist["wheel"]).read(f"{info}/entry_points.txt").decode()
    assert "api-keys = api_keys_client._cli:main" in entry_points
    assert "[pytest11]\napi_keys_client = api_keys_client.testing.pytest_plugin" in entry_points


def test_the_sdist_ships_the_tests_and_what_they_read(dist: dict[str, Path]) -> None:
    with tarfile.open(dist["sdist"]) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in (
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "pyproject.toml",
        "uv.lock",
        "openapi.yaml",
        "generator-config.yml",
        "hatch_build.py",
        "mkdocs.yml",
        "tests/conftest.py",
        "tests/test_decode.py",
        "tests/faultserver.py",
        "examples/rotate_key.py",
        "scripts/generate",
        "generator-templates/model.py.jinja",
        "docs/source/api-keys-swagger.md",
        "client/api_keys_client/__init__.py",
    ):
        assert needed in names, needed


def test_the_unpacked_sdist_runs_its_tests(dist: dict[str, Path], tmp_path: Path) -> None:
    with tarfile.open(dist["sdist"]) as archive:
        archive.extractall(tmp_path, filter="data")
    (unpacked,) = tmp_path.iterdir()
    # The sdist's own package comes first on the path, ahead of the checkout's.
    # Not measured by this run's coverage (its files would count as other, untested ones).
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTHONPATH"] = str(unpacked / "client")
    code = "import api_keys_client, sys; print(api_keys_client.__file__)"
    where = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert where.stdout.startswith(str(unpacked))
    tests = [
        "test_public_api.py",
        "test_spec.py",
        "test_decode.py",
        "test_datetimes.py",
        "test_headers.py",
        "test_lifecycle.py",
    ]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *(f"tests/{t}" for t in tests),
        ],
        cwd=unpacked,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"\d+ passed", result.stdout)


def test_the_metadata(dist: dict[str, Path]) -> None:
    metadata = _metadata(dist["wheel"])
    assert metadata["License-Expression"] == "MIT"
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL") or [])
    assert urls == project_urls(HOME)
    assert set(urls) == {"Homepage", "Documentation", "Changelog", "Issues"}
    assert all(
        url.startswith(("https://github.com/api-keys-client/", "https://api-keys-client."))
        for url in urls.values()
    )
    classifiers = set(metadata.get_all("Classifier") or [])
    assert "Framework :: Pytest" in classifiers
    assert {c for c in classifiers if c.startswith("Development Status")}
    assert "Intended Audience :: Developers" in classifiers
    assert {c for c in classifiers if c.startswith("Operating System")}
    # Only the Pythons CI runs the suite on.
    common = (ROOT / "scripts" / "_common.sh").read_text()
    tested = re.search(r"SUPPORTED_PYTHONS=\(([^)]*)\)", common)
    assert tested is not None
    versions = {
        c.rsplit(" :: ", 1)[1]
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    assert versions == set(tested[1].split())


def test_one_setting_gives_every_url() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["api-keys-client"]["home"] == HOME
    assert {"urls", "readme"} <= set(pyproject["project"]["dynamic"])
    assert "urls" not in pyproject["project"]
    # The README's absolute links to the project are the same ones.
    readme = (ROOT / "README.md").read_text()
    for url in re.findall(r"\]\((https://[^)]*api-keys-client[^)]*)\)", readme):
        assert url.startswith((HOME, project_urls(HOME)["Documentation"])), url
    mkdocs = (ROOT / "mkdocs.yml").read_text()
    assert "repo_url: !ENV API_KEYS_CLIENT_HOME" in mkdocs


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.hrefs.append(value)


def _links(markdown: str) -> list[str]:
    """The links of the description as PyPI renders it, without the anchors the renderer adds to
    every heading itself (#user-content-...)."""
    html = render(markdown)
    assert html is not None
    parser = _Links()
    parser.feed(html)
    return [href for href in parser.hrefs if not href.startswith("#user-content-")]


def test_the_pypi_description_starts_with_what_a_user_needs(dist: dict[str, Path]) -> None:
    description = _metadata(dist["wheel"]).get_payload()
    assert isinstance(description, str)
    headings = re.findall(r"^## (.+)$", description, re.M)
    assert headings[:3] == ["Install", "Quickstart", "Key lifecycle"]
    first_screen = description.split("## Quickstart")[0]
    assert "pip install api-keys-client" in first_screen
    assert "[Documentation](https://" in first_screen
    # What contributors need stays in the repository's README.
    assert "scripts/test" not in description
    assert "scripts/demo" not in description
    assert "## Development" not in description
    assert "--8<--" not in description or "<!--" in description  # markers are HTML comments


def test_the_pypi_description_has_no_relative_link(dist: dict[str, Path]) -> None:
    description = _metadata(dist["wheel"]).get_payload()
    assert isinstance(description, str)
    hrefs = _links(description)
    assert hrefs
    relative = [href for href in hrefs if not href.startswith(("https://", "http://", "mailto:"))]
    assert relative == []


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("[b](docs/benchmarks.md)", f"[b]({HOME}/blob/main/docs/benchmarks.md)"),
        ("[c](./CHANGELOG.md)", f"[c]({HOME}/blob/main/CHANGELOG.md)"),
        ("[d](#development)", f"[d]({HOME}#development)"),
        ("[e](https://example.org/x)", "[e](https://example.org/x)"),
    ],
)
def test_relative_links_are_made_absolute(markdown: str, expected: str) -> None:
    text = (
        f"# t\n\n{markdown}\n\n<!-- pypi: skip -->\ngone\n<!-- pypi: end skip -->\n\n"
        "kept\n\n## Development\n\ngone too\n"
    )
    described = pypi_description(text, HOME)
    assert expected in described
    assert "gone" not in described
    assert "kept" in described
    assert _links(described) == [expected.split("(", 1)[1].rstrip(")")]
