"""The documentation site, built strictly, served on 127.0.0.1 and opened in a real headless
Chromium (Debian's, driven by Playwright): the home page renders and links the examples, the
changelog and the issue tracker, the search finds what a user looks for, the API reference shows
ApiKeysClient's signature and each model field with its type and the spec's description, and a
name in a guide is a link that leads to its reference. A screenshot of the home page is kept
under build/ as a CI artifact."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from hatch_build import home_of, project_urls
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .docsbuild import mkdocs_build

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "build" / "docs-home.png"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium as root, on a machine without a display or outside network (see the machine's notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """The test says what matters."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built by scripts/docs (strict), served on 127.0.0.1 until the module ends."""
    site_dir = tmp_path_factory.mktemp("site")
    subprocess.run([str(ROOT / "scripts" / "docs"), str(site_dir)], check=True, timeout=300)
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is installed by scripts/test"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def test_the_home_page_renders(site: str, page: Page) -> None:
    page.goto(f"{site}/")

    expect(page).to_have_title("api-keys-client")
    expect(page.locator("article h1")).to_have_text(re.compile(r"^api-keys-client"))
    expect(page.locator("article")).to_contain_text("pip install api-keys-client")
    # The navigation lists the guides.
    for title in (
        "Quickstart",
        "Errors",
        "Where it is deployed",
        "Key lifecycle",
        "Command line",
        "Examples",
        "API reference",
        "Changelog",
        "Issue tracker",
    ):
        expect(page.locator("nav.md-nav").first).to_contain_text(title)
    # The issue tracker is the project's, from the one setting behind every project URL.
    issues = page.locator("nav.md-nav a", has_text="Issue tracker").first
    expect(issues).to_have_attribute("href", project_urls(home_of(ROOT))["Issues"])
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    assert SCREENSHOT.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("query", "page_path"),
    [("rotate", "lifecycle/"), ("AuthenticationError", "errors/"), ("fork", "deployment/")],
)
def test_the_search_finds_it(site: str, page: Page, query: str, page_path: str) -> None:
    page.goto(f"{site}/")
    page.keyboard.press("s")  # the site's shortcut to the search box
    # Typed as a person would: the search reacts to keystrokes.
    page.locator("input.md-search__input").press_sequentially(query, delay=40)

    # The result list re-renders as the search refines it: wait for the page's own result
    # rather than reading a list that may change between counting and reading it.
    expect(page.locator("a.md-search-result__link").first).to_be_visible()
    expect(page.locator(f'a.md-search-result__link[href*="{page_path}"]').first).to_be_visible()


def test_the_api_reference_shows_the_client_signature(site: str, page: Page) -> None:
    page.goto(f"{site}/reference/")

    signature = page.locator(".doc-signature").filter(has_text="ApiKeysClient(").first
    expect(signature).to_be_visible()
    text = " ".join(signature.inner_text().split())
    assert text.startswith("ApiKeysClient( *, base_url: str | URL | None = None,"), text
    for parameter in ("token:", "workspace_id:", "total_timeout:", "retry_budget:", "http_client:"):
        assert parameter in text
    # Inherited methods are documented too.
    expect(page.locator("article")).to_contain_text("with_workspace")


def test_the_reference_shows_each_model_field_with_its_type_and_description(
    site: str, page: Page
) -> None:
    page.goto(f"{site}/reference/")
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    properties = spec["components"]["schemas"]["ApiKey"]["properties"]

    # Each field is a heading, then its signature (name: type), then its description.
    for name, schema in properties.items():
        heading = f'h3[id="api_keys_client.ApiKey.{name}"]'
        expect(page.locator(f"{heading} + .doc-signature")).to_have_text(
            re.compile(rf"^{name}: \S")
        )
        expect(page.locator(f"{heading} ~ .doc-contents")).to_have_text(
            schema["description"].replace("`", "")
        )
    created_at = page.locator('h3[id="api_keys_client.ApiKey.created_at"] + .doc-signature')
    expect(created_at).to_have_text("created_at: datetime")
    expect(page.locator("article")).not_to_contain_text("_attrs_field")


def test_a_name_in_a_guide_links_to_its_reference(site: str, page: Page) -> None:
    page.goto(f"{site}/errors/")

    page.locator("article a", has_text="ApiKeysError").first.click()

    expect(page).to_have_url(re.compile(r"/reference/#api_keys_client\.ApiKeysError$"))
    expect(page.locator('[id="api_keys_client.ApiKeysError"]')).to_be_in_viewport()


@pytest.mark.parametrize(
    ("page", "addition", "complaint"),
    [
        ("index.md", "\n[a broken link](no-such-page.md)\n", "no-such-page.md"),
        ("reference.md", "\n::: api_keys_client.NoSuchThing\n", "NoSuchThing"),
        ("errors.md", '\n--8<-- "README.md:no-such-section"\n', "no-such-section"),
    ],
)
def test_the_strict_build_fails_on_what_would_break_a_page(
    tmp_path: Path, page: str, addition: str, complaint: str
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    (docs / page).write_text((docs / page).read_text() + addition)

    result = mkdocs_build(docs, tmp_path / "site", strict=True)

    assert result.returncode != 0
    assert complaint in result.stdout + result.stderr
