"""The API reference tells the whole truth. The site is built as scripts/docs builds it; its
inventory (objects.inv: every object mkdocstrings rendered) holds every exported name and every
public member of the exported classes, and the source it renders from (read by griffe, as
mkdocstrings reads it) describes each exported name and each model field. Model fields show
with their types, never the generator's `_attrs_field(...)`. Inline code that names an exported
object is a link, on every page. The Examples page is the examples' files, and the site links
the changelog and the issue tracker given by `[tool.api-keys-client] home`."""

from __future__ import annotations

import ast
import html
import inspect
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import attrs
import griffe
import pytest
from hatch_build import home_of, project_urls
from mkdocstrings import Inventory

import api_keys_client as sdk
from api_keys_client import lowlevel, testing
from api_keys_client.testing import pytest_plugin

from .docsbuild import mkdocs_build

ROOT = Path(__file__).resolve().parent.parent
MODELS = (sdk.ApiKey, sdk.ApiKeyCreated, sdk.CreateApiKeyRequest, sdk.ErrorResponse)


def fixture_names() -> list[str]:
    """The pytest plugin's fixtures: its public top-level functions."""
    tree = ast.parse(Path(inspect.getfile(pytest_plugin)).read_text())
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    ]


def exported() -> dict[str, object]:
    """Every name a user may import, by its full path: the package's, the testing kit's and its
    fixtures', the low-level layer's, and the low-level module itself."""
    names: dict[str, object] = {"api_keys_client.lowlevel": lowlevel}
    modules: list[tuple[ModuleType, list[str]]] = [
        (sdk, list(sdk.__all__)),
        (testing, list(testing.__all__)),
        (lowlevel, list(lowlevel.__all__)),
        (pytest_plugin, fixture_names()),
    ]
    for module, module_names in modules:
        for name in module_names:
            names[f"{module.__name__}.{name}"] = getattr(module, name)
    return names


def public_members(value: object) -> list[str]:
    """A class's public attributes of its own (not Exception's nor object's), or a module's
    public functions."""
    if inspect.ismodule(value):
        return [
            name
            for name, member in vars(value).items()
            if inspect.isfunction(member)
            and member.__module__ == value.__name__
            and not name.startswith("_")
        ]
    if not inspect.isclass(value):
        return []
    inherited = set(dir(BaseException if issubclass(value, BaseException) else object))
    return sorted(name for name in set(dir(value)) - inherited if not name.startswith("_"))


def left_out(inventory: set[str]) -> list[str]:
    """What the site does not render: exported names, and public members of exported objects."""
    missing = []
    for path, value in exported().items():
        for name in [path, *(f"{path}.{member}" for member in public_members(value))]:
            if name not in inventory:
                missing.append(name)
    return missing


def inventory_of(site: Path) -> set[str]:
    with (site / "objects.inv").open("rb") as file:
        return set(Inventory.parse_sphinx(file))


def build_site(site: Path) -> None:
    """The site as scripts/docs builds it (strictly)."""
    subprocess.run([str(ROOT / "scripts" / "docs"), str(site)], check=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    build_site(site)
    return site


@pytest.fixture(scope="module")
def source() -> griffe.Object | griffe.Alias:
    """The package as mkdocstrings reads it: statically, from the files."""
    return griffe.load("api_keys_client", search_paths=[ROOT / "client"], resolve_aliases=True)


class _Page(HTMLParser):
    """A page's inline code spans (not in code blocks), each with whether it is a link's text,
    its code blocks' text, and its links."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.spans: list[tuple[str, bool]] = []
        self.blocks: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._open: list[str] = []
        self._code: list[str] | None = None
        self._href: str | None = None
        self._link_text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        self._open.append(tag)
        if tag == "code":
            self._code = []
        if tag == "a":
            self._href, self._link_text = dict(attributes).get("href") or "", []

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop() != tag:
            pass
        if tag == "code" and self._code is not None:
            text = "".join(self._code)
            if "pre" in self._open:
                self.blocks.append(text)
            else:
                self.spans.append((text.strip(), "a" in self._open))
            self._code = None
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._link_text).split())))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._code is not None:
            self._code.append(data)
        if self._href is not None:
            self._link_text.append(data)


def page(site: Path, name: str) -> _Page:
    return _Page((site / name / "index.html").read_text())


def test_every_exported_name_and_member_is_in_the_reference(site: Path) -> None:
    inventory = inventory_of(site)

    assert left_out(inventory) == []
    # Every field of every model, by name, on its model.
    for model in MODELS:
        for field in attrs.fields(model):
            assert f"api_keys_client.{model.__name__}.{field.name}" in inventory


def test_a_name_left_out_of_the_reference_is_found(tmp_path: Path) -> None:
    """The check above can fail: a reference without `::: api_keys_client.ApiKey` (as it was,
    nothing else names its fields) is caught, and so is one without the models at all."""
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    reference = (docs / "reference.md").read_text()
    for name in ("ApiKey", "ApiKeyCreated"):
        reference = re.sub(rf"^::: api_keys_client\.{name}\n(    .*\n)*", "", reference, flags=re.M)
    (docs / "reference.md").write_text(reference)
    # Not strictly: the guides' links to ApiKey cannot resolve, which alone fails a strict build.
    mkdocs_build(docs, tmp_path / "site", strict=False).check_returncode()

    missing = left_out(inventory_of(tmp_path / "site"))

    assert {"api_keys_client.ApiKey", "api_keys_client.ApiKey.id"} <= set(missing)
    assert "api_keys_client.ApiKeyCreated.raw_key" in missing


def test_every_exported_name_is_described(source: griffe.Object | griffe.Alias) -> None:
    """A docstring for each exported name (a module: for each of its functions)."""
    undescribed = []
    for path, value in exported().items():
        described = source[path.removeprefix("api_keys_client.")]
        objects = [described]
        if inspect.ismodule(value) and not described.docstring:
            objects = [described.members[name] for name in public_members(value)]
        undescribed += [o.path for o in objects if not (o.docstring and o.docstring.value.strip())]

    assert undescribed == []


def test_model_fields_have_a_type_and_a_description(source: griffe.Object | griffe.Alias) -> None:
    for model in MODELS:
        described = source[model.__name__]
        for field in attrs.fields(model):
            member = described.members[field.name]
            # As written (attrs.resolve_types, which other tests may call, evaluates field.type).
            assert str(member.annotation) == inspect.get_annotations(model)[field.name]
            assert member.docstring is not None, member.path
            assert member.docstring.value.strip(), member.path
            assert "\n" not in member.docstring.value.strip(), f"{member.path}: one line"


def test_the_reference_shows_no_generator_internals(site: Path) -> None:
    reference = (site / "reference" / "index.html").read_text()

    assert "_attrs_field" not in reference
    assert "_attrs_define" not in reference
    # A field's signature is its name and type.
    assert re.search(r"<span[^>]*>created_at</span>", reference)


def test_unset_is_explained_once_with_the_wire(site: Path) -> None:
    """One section says what absent, null and a value are, with code that narrows each."""
    heading = '<h3 id="absent-null-or-a-value">'
    pages = [p for p in site.glob("*/index.html") if heading in p.read_text()]

    assert [p.parent.name for p in pages] == ["reference"]
    text = html.unescape(re.sub(r"<[^>]+>", "", pages[0].read_text()))
    for said in ("absent from the JSON object", '"expires_at": null', "isinstance(key.expires_at"):
        assert said in text


def names_in_code() -> set[str]:
    """What an inline code span may say that names an exported object."""
    spans = set()
    for path in exported():
        name = path.rsplit(".", 1)[-1]
        spans |= {path, name, f"{name}()"}
    return spans


def test_inline_code_that_names_an_exported_object_links_to_it(site: Path) -> None:
    named = names_in_code()
    unlinked = {}
    for page_dir in sorted(p.parent for p in site.glob("*/index.html")):
        spans = _Page((page_dir / "index.html").read_text()).spans
        found = sorted({text for text, linked in spans if text in named and not linked})
        if found:
            unlinked[page_dir.name] = found

    assert unlinked == {}
    # The README's own sections are linked too, not only the reference's prose.
    errors = page(site, "errors")
    assert any(href.endswith("reference/#api_keys_client.ApiKeysError") for href, _ in errors.links)


def test_the_examples_page_is_the_examples(site: Path) -> None:
    blocks = [block.strip() for block in page(site, "examples").blocks]

    for example in sorted((ROOT / "examples").glob("*.py")):
        assert example.read_text().strip() in blocks, example.name


def test_the_site_links_the_changelog_and_the_issue_tracker(site: Path) -> None:
    urls = project_urls(home_of(ROOT))
    links = _Page((site / "index.html").read_text()).links

    assert (urls["Issues"], "Issue tracker") in links
    assert ("changelog/", "Changelog") in links
    # The changelog page is CHANGELOG.md: each of its releases is a heading there.
    releases = [
        re.sub(r"\[(.+?)\]", r"\1", heading)  # [0.2.0] is a link to the release's diff
        for heading in re.findall(r"^## (.+)$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    ]
    changelog = (site / "changelog" / "index.html").read_text()
    headings = [
        html.unescape(re.sub(r"<[^>]+>", "", heading)).strip("¶ \n")
        for heading in re.findall(r"<h2[^>]*>(.*?)</h2>", changelog, re.S)
    ]
    assert len(releases) >= 2
    assert headings[: len(releases)] == releases
