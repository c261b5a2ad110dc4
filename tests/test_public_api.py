"""The public surface: exactly these names, and one exception tree."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import tomllib
from importlib.metadata import requires, version
from pathlib import Path

import pytest

import api_keys_client as sdk
from api_keys_client import lowlevel

PUBLIC_NAMES = {
    "ApiKeysClient",
    "AsyncApiKeysClient",
    "ApiKey",
    "ApiKeyCreated",
    "CreateApiKeyRequest",
    "ErrorResponse",
    "UNSET",
    "Unset",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "__version__",
    "ApiKeysError",
    "InvalidArgumentError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "KeyNotFoundError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "APIResponseValidationError",
    "RotationError",
    "InsecureTransportWarning",
    "KeyStatus",
    "key_status",
    "AuditFinding",
    "audit_keys",
    "APIResponse",
    "RetryBudget",
    "TokenProvider",
    "AsyncTokenProvider",
}

TREE = {
    sdk.InvalidArgumentError: sdk.ApiKeysError,
    sdk.APIConnectionError: sdk.ApiKeysError,
    sdk.APITimeoutError: sdk.APIConnectionError,
    sdk.APIStatusError: sdk.ApiKeysError,
    sdk.BadRequestError: sdk.APIStatusError,
    sdk.KeyNotFoundError: sdk.BadRequestError,
    sdk.AuthenticationError: sdk.APIStatusError,
    sdk.PermissionDeniedError: sdk.APIStatusError,
    sdk.NotFoundError: sdk.APIStatusError,
    sdk.ConflictError: sdk.APIStatusError,
    sdk.UnprocessableEntityError: sdk.APIStatusError,
    sdk.RateLimitError: sdk.APIStatusError,
    sdk.InternalServerError: sdk.APIStatusError,
    sdk.APIResponseValidationError: sdk.ApiKeysError,
    sdk.RotationError: sdk.ApiKeysError,
}


def test_all_is_exactly_the_public_names() -> None:
    assert set(sdk.__all__) == PUBLIC_NAMES
    assert len(sdk.__all__) == len(PUBLIC_NAMES)
    for name in sdk.__all__:
        assert hasattr(sdk, name)


def test_lowlevel_exports() -> None:
    assert set(lowlevel.__all__) == {
        "AuthenticatedClient",
        "Client",
        "Response",
        "UnexpectedStatus",
        "create_api_key",
        "list_api_keys",
        "revoke_api_key",
    }
    for module in (lowlevel.list_api_keys, lowlevel.create_api_key, lowlevel.revoke_api_key):
        for function in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
            assert callable(getattr(module, function))


def test_exception_tree() -> None:
    for child, parent in TREE.items():
        assert child.__bases__[0] is parent, child
    assert issubclass(sdk.ApiKeysError, Exception)
    assert issubclass(sdk.InvalidArgumentError, ValueError)
    exported = {getattr(sdk, n) for n in sdk.__all__ if inspect.isclass(getattr(sdk, n))}
    errors = {c for c in exported if issubclass(c, Exception) and not issubclass(c, Warning)}
    assert errors == set(TREE) | {sdk.ApiKeysError}


def test_tree_is_drawn_in_the_module_docstring() -> None:
    """Every class is a node of the drawing, indented under its real parent."""
    from api_keys_client import _exceptions  # noqa: PLC0415 - where the tree is drawn

    doc = _exceptions.__doc__ or ""
    depths: dict[str, int] = {}
    parents: dict[str, str] = {}
    stack: list[str] = []
    for line in doc.splitlines():
        stripped = line.lstrip(" │├└─")
        name = stripped.split(" ", 1)[0]
        if not name.endswith("Error"):
            continue
        depth = (len(line) - len(stripped)) // 4
        del stack[depth:]
        if stack:
            parents[name] = stack[-1]
        stack.append(name)
        depths[name] = depth
    assert depths.get("ApiKeysError") == 0
    assert {getattr(sdk, child): getattr(sdk, parent) for child, parent in parents.items()} == TREE


def test_options_are_keyword_only() -> None:
    for client_class in (sdk.ApiKeysClient, sdk.AsyncApiKeysClient):
        parameters = list(inspect.signature(client_class).parameters.values())
        assert parameters
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)


def test_version_is_the_distribution_version() -> None:
    assert sdk.__version__ == version("api-keys-client")


def test_lazy_names_cover_all_and_resolve() -> None:
    defined_here = {
        name
        for name in sdk.__all__
        if getattr(getattr(sdk, name), "__module__", None) == "api_keys_client"
    } - {"__version__"}
    assert defined_here == {c.__name__ for c in TREE} | {"ApiKeysError", "InsecureTransportWarning"}
    assert set(sdk._LAZY_NAMES) | defined_here | {"__version__"} == set(sdk.__all__)
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None
    assert set(dir(sdk)) >= set(sdk.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        sdk.no_such_name  # type: ignore[attr-defined] # noqa: B018 - the look-up is the test


def test_importing_the_package_loads_neither_httpx_nor_attrs() -> None:
    code = (
        "import sys, api_keys_client;"
        "print(sorted(m for m in ('httpx', 'attrs', 'asyncio') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_runtime_dependencies_are_httpx_attrs_and_httpxs_anyio() -> None:
    pyproject = tomllib.loads(
        (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    )
    names = {
        re.split(r"[<>=!~ \[]", dep, maxsplit=1)[0] for dep in pyproject["project"]["dependencies"]
    }
    # anyio (the async client on asyncio and trio) adds nothing to install: httpx needs it too.
    assert names == {"httpx", "attrs", "anyio"}
    httpx_needs = {re.split(r"[<>=!~ \[;]", dep, maxsplit=1)[0] for dep in requires("httpx") or []}
    assert "anyio" in httpx_needs
    assert "optional-dependencies" not in pyproject["project"]


def test_exceptions_are_named_by_the_public_module_in_tracebacks() -> None:
    code = (
        "import httpx, api_keys_client as sdk\n"
        "response = httpx.Response(401, request=httpx.Request('GET', 'https://a.test/api-keys'))\n"
        "raise sdk.AuthenticationError('nope', response=response, error=None)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "api_keys_client.AuthenticationError: nope"
    for error_class in [*TREE, sdk.ApiKeysError, sdk.InsecureTransportWarning]:
        assert error_class.__module__ == "api_keys_client"
        assert repr(error_class) == f"<class 'api_keys_client.{error_class.__name__}'>"


def test_unset_is_falsy_and_says_so() -> None:
    assert not sdk.UNSET
    assert bool(sdk.UNSET) is False
    assert repr(sdk.UNSET) == "UNSET"
