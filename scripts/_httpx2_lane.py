"""httpx2 standing in for httpx, for the httpx2 lane of scripts/test (never part of the SDK).

`scripts/bootstrap --httpx httpx2` copies this module into the environment with a .pth line that
imports it at interpreter start. It imports nothing itself: the first `import httpx` or `import
httpcore`, in the tests or in any process they start (the CLI), calls `httpx2.alias_httpx()`
first, so that httpx2 and httpcore2 stand in for them before anything has loaded httpx.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

_ALIASED = ("httpx", "httpcore")


class _AliasOnFirstImport(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in _ALIASED:
            return None
        sys.meta_path.remove(self)
        import httpx2  # noqa: PLC0415 - the point: only once httpx is wanted

        httpx2.alias_httpx()
        # httpx2's own finders now answer for the aliased names.
        for finder in sys.meta_path:
            if getattr(finder, "_alias", None) == fullname.partition(".")[0]:
                spec: importlib.machinery.ModuleSpec | None = finder.find_spec(
                    fullname, path, target
                )
                return spec
        return None


if not any(isinstance(finder, _AliasOnFirstImport) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AliasOnFirstImport())
