"""openapi.yaml is a valid OpenAPI 3.1 document, faithful to the service's own document."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "docs" / "source" / "api-keys-swagger.md"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return loaded


def _source_tables() -> dict[str, dict[str, bool]]:
    """Schema name -> {wire field: required} from the Swagger document's markdown tables."""
    schemas: dict[str, dict[str, bool]] = {}
    current: str | None = None
    for line in SOURCE.read_text().splitlines():
        if line.startswith("#### "):
            current = line[5:].strip()
            schemas[current] = {}
        elif current and line.startswith("| ") and not line.startswith(("| Campo", "| ---")):
            cells = [c.strip() for c in line.strip("|").split("|")]
            schemas[current][cells[0]] = cells[2] == "sim"
    return schemas


def _source_statuses() -> dict[tuple[str, str], set[str]]:
    statuses: dict[tuple[str, str], set[str]] = {}
    current: tuple[str, str] | None = None
    for line in SOURCE.read_text().splitlines():
        if match := re.match(r"## (GET|POST|DELETE) `(.+)`", line):
            current = (match[1].lower(), match[2])
            statuses[current] = set()
        elif current and (match := re.match(r"\| (\d{3}) \|", line)):
            statuses[current].add(match[1])
    return statuses


def test_spec_is_valid_openapi_31(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_operations(spec: dict[str, Any]) -> None:
    operations = {
        (method, path): op["operationId"]
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }
    assert operations == {
        ("get", "/api-keys"): "listApiKeys",
        ("post", "/api-keys"): "createApiKey",
        ("delete", "/api-keys/{id}"): "revokeApiKey",
    }


def test_every_documented_status_is_in_the_spec(spec: dict[str, Any]) -> None:
    for (method, path), statuses in _source_statuses().items():
        assert statuses
        assert statuses <= set(spec["paths"][path][method]["responses"]), (method, path)
    # One addition to the document: GET answers a missing X-Workspace-ID with 400 too.
    assert set(spec["paths"]["/api-keys"]["get"]["responses"]) == {"200", "400", "401"}


def test_schemas_use_the_documents_wire_names(spec: dict[str, Any]) -> None:
    names = {
        "entity.ApiKey": "ApiKey",
        "usecase.ApiKeyCreated": "ApiKeyCreated",
        "v1.createApiKeyRequest": "CreateApiKeyRequest",
        "v1.ErrorResponse": "ErrorResponse",
    }
    tables = _source_tables()
    assert set(tables) == set(names)
    for source_name, fields in tables.items():
        schema = spec["components"]["schemas"][names[source_name]]
        assert set(schema["properties"]) == set(fields), source_name
        # Whatever the document requires, the spec requires too.
        assert {f for f, required in fields.items() if required} <= set(schema.get("required", []))


def test_required_and_nullable_choices(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert set(schemas["ApiKey"]["required"]) == {"id", "name", "key_prefix", "created_at"}
    assert set(schemas["ApiKeyCreated"]["required"]) == {
        "id",
        "name",
        "keyPrefix",
        "rawKey",
        "createdAt",
    }
    for field in ("expires_at", "last_used_at", "revoked_at", "scopes"):
        assert "null" in schemas["ApiKey"]["properties"][field]["type"], field
    assert "null" in schemas["ApiKeyCreated"]["properties"]["expiresAt"]["type"]
    assert schemas["ApiKeyCreated"]["properties"]["rawKey"]["format"] == "password"


def test_workspace_header_and_bearer_auth(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert spec["security"] == [{"bearerAuth": []}]
    header = spec["components"]["parameters"]["WorkspaceId"]
    assert (header["name"], header["in"], header["required"]) == ("X-Workspace-ID", "header", True)
    for item in spec["paths"].values():
        for op in item.values():
            assert {"$ref": "#/components/parameters/WorkspaceId"} in op["parameters"]


def _validator(spec: dict[str, Any], pointer: str) -> Any:
    """A JSON Schema 2020-12 validator for the schema at `pointer` in the spec, $refs resolved."""
    from jsonschema import Draft202012Validator  # noqa: PLC0415 - openapi-spec-validator's own dependency
    from referencing import Registry, Resource  # noqa: PLC0415

    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"urn:spec#{pointer}"}, registry=registry)


def test_a_go_nil_slice_listing_is_valid(spec: dict[str, Any]) -> None:
    # The Go service answers an empty listing with `null`; the SDK reads it as [].
    validator = _validator(
        spec, "/paths/~1api-keys/get/responses/200/content/application~1json/schema"
    )
    assert validator.is_valid(None)
    assert validator.is_valid([])
    assert not validator.is_valid({})
    assert not validator.is_valid([{"id": "k"}])  # items are still checked


def test_an_empty_workspace_header_is_outside_the_spec(spec: dict[str, Any]) -> None:
    # The fake (and the service) answer 400 to `X-Workspace-ID: `: the spec says it cannot be empty.
    validator = _validator(spec, "/components/parameters/WorkspaceId/schema")
    assert not validator.is_valid("")
    assert validator.is_valid("w")
