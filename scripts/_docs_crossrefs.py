"""A mkdocs hook (mkdocs.yml `hooks:`): every inline code span that names a documented object,
such as `ApiKeysError`, `RetryBudget()` or `api_keys_client.lowlevel`, becomes a cross-reference
to it in the API reference, on every page and in every docstring.

The pages include README sections and the changelog, which GitHub and PyPI show too, so they
cannot carry mkdocs' `[ApiKeysError][api_keys_client.ApiKeysError]` syntax themselves; this
writes it for them. It runs as a Markdown preprocessor after the snippets are included and the
fenced code blocks are set aside, so code blocks and included text are handled alike, and autorefs
resolves the links (a name it cannot find fails the strict build). Headings and spans that are
already a link's text are left as they are.
"""

from __future__ import annotations

import re
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority

import api_keys_client
from api_keys_client import lowlevel, testing
from api_keys_client.testing import pytest_plugin

# `Name`, `Name()` or `dotted.name`, not already the text of a link: `[`Name`][...]`.
CODE_SPAN = re.compile(r"(?<![\[`])`(?P<name>[A-Za-z_][\w.]*)(?P<call>\(\))?`(?![\]`])")
# The operation classes: not exported, reached as client.api_keys and its with_raw_response.
OPERATIONS = ("ApiKeys", "AsyncApiKeys", "ApiKeysWithRawResponse", "AsyncApiKeysWithRawResponse")


def identifiers() -> dict[str, str]:
    """What a code span may say, and the identifier of the object it names in the reference."""
    found: dict[str, str] = {"api_keys_client.lowlevel": "api_keys_client.lowlevel"}
    modules: list[tuple[Any, list[str]]] = [
        (lowlevel, list(lowlevel.__all__)),
        (pytest_plugin, [n for n in vars(pytest_plugin) if n.startswith("fake_")]),
        (testing, list(testing.__all__)),
        (api_keys_client, list(api_keys_client.__all__)),
    ]
    for module, names in modules:  # later modules win a bare name: the top-level ones
        for name in names:
            found[name] = found[f"{module.__name__}.{name}"] = f"{module.__name__}.{name}"
    for name in OPERATIONS:
        found[name] = f"api_keys_client._resources.{name}"
    return found


class _CrossReferences(Preprocessor):
    def __init__(self, md: Markdown, targets: dict[str, str]) -> None:
        super().__init__(md)
        self.targets = targets

    def _link(self, match: re.Match[str]) -> str:
        target = self.targets.get(match["name"])
        return f"[{match[0]}][{target}]" if target else match[0]

    def run(self, lines: list[str]) -> list[str]:
        return [line if line.startswith("#") else CODE_SPAN.sub(self._link, line) for line in lines]


class CrossReferences(Extension):
    def __init__(self, targets: dict[str, str]) -> None:
        super().__init__()
        self.targets = targets

    def extendMarkdown(self, md: Markdown) -> None:
        # After the snippets (32) and the fenced code blocks (25) and raw HTML (20) set aside.
        md.preprocessors.register(_CrossReferences(md, self.targets), "api_keys_crossrefs", 19)


@event_priority(100)  # before mkdocstrings takes the extensions for the docstrings
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # mkdocs types the list as extension names; Markdown, which receives it, takes instances too.
    config.markdown_extensions.append(CrossReferences(identifiers()))  # type: ignore[arg-type]
    return config
