"""openapi.yaml is a valid OpenAPI 3.1 document, faithful to the service's own document."""

from __future__ import annotations

import json
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
    """A JSON Schema 2020-12 validator for the schema at `pointer` in the spec, $refs resolved,
    `format` asserted (2020-12 only annotates it by default)."""
    from jsonschema import Draft202012Validator  # noqa: PLC0415 - openapi-spec-validator's own dependency
    from referencing import Registry, Resource  # noqa: PLC0415

    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    assert "date-time" in Draft202012Validator.FORMAT_CHECKER.checkers  # else formats pass unread
    return Draft202012Validator(
        {"$ref": f"urn:spec#{pointer}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


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


def _create_body_validator(spec: dict[str, Any]) -> Any:
    return _validator(spec, "/components/schemas/CreateApiKeyRequest")


class _FakeVerdicts:
    """Whether FakeApiKeys creates a key from a body (201) or refuses it (400)."""

    def __init__(self) -> None:
        from api_keys_client.testing import FakeApiKeys  # noqa: PLC0415 - only these tests need it

        self.fake = FakeApiKeys()
        token = self.fake.add_user(workspaces=["ws_spec"])
        self.headers = {"authorization": f"Bearer {token}", "x-workspace-id": "ws_spec"}

    def accepts(self, body: object) -> bool:
        answer = self.fake.handle("POST", "/api-keys", self.headers, json.dumps(body).encode())
        assert answer.status in (201, 400), answer
        return answer.status == 201


# (name, accepted): the service's rule, as the fake applies it and the spec now says it. The limit
# is 100 characters, counted as JSON Schema's maxLength counts them (code points), which is what
# the fake's len() counts too; not UTF-8 bytes, which Go's len() would count: a Go backend that
# checks `len(name) > 100` would refuse the 200-byte "é" * 100 accepted here. Blank means made
# only of Unicode's White_Space characters, the set Go's strings.TrimSpace trims.
NAMES = [
    ("", False),
    (" ", False),
    ("\t", False),
    ("\n\r\v\f", False),
    ("\x85\xa0", False),  # NEL and no-break space: White_Space
    ("\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000", False),
    ("a", True),
    ("  a  ", True),  # blank around a name is not a blank name
    ("\x1c\x1d\x1e\x1f", True),  # str.isspace() says space; Go's unicode.IsSpace does not
    ("\u200b", True),  # zero-width space: not White_Space
    ("\ufeff", True),  # byte order mark: ECMA-262's \s, not White_Space
    ("x" * 100, True),
    ("x" * 101, False),
    ("é" * 100, True),  # 200 bytes of UTF-8, 100 characters
    ("é" * 101, False),
    ("😀" * 100, True),  # 400 bytes, 200 UTF-16 units (the JSON escapes), 100 characters
    ("😀" * 101, False),
    ("鍵" * 99 + " ", True),
]


@pytest.mark.parametrize(("name", "accepted"), NAMES, ids=[f"{len(n)}x{n[:1]!r}" for n, _ in NAMES])
def test_names_the_spec_admits_are_the_names_the_fake_takes(
    spec: dict[str, Any], name: str, accepted: bool
) -> None:
    validator = _create_body_validator(spec)
    assert validator.is_valid({"name": name}) is accepted
    assert _FakeVerdicts().accepts({"name": name}) is accepted


def test_every_blank_character_is_blank_to_both(spec: dict[str, Any]) -> None:
    # The spec spells White_Space out in its pattern; the fake in a string: one list, told twice.
    validator = _create_body_validator(spec)
    fake = _FakeVerdicts()
    singles = [chr(code) for code in range(0x3001)] + ["\ufeff", "\U0001f600", "\U000e0020"]
    disagreements = [
        char
        for char in singles
        if validator.is_valid({"name": char}) is not fake.accepts({"name": char})
    ]
    assert disagreements == []
    assert sum(not validator.is_valid({"name": char}) for char in singles) == 25  # White_Space


def test_a_name_the_schema_refuses_is_a_string_still() -> None:
    # A name of another type is the schema's `type`, which the fake refuses as "name is required".
    fake = _FakeVerdicts()
    assert not fake.accepts({"name": None})
    assert not fake.accepts({"name": 5})
    assert not fake.accepts({})


@pytest.mark.parametrize(
    ("expires_at", "accepted"),
    [
        (None, True),  # Go's encoding/json reads null into a *time.Time as "not set"
        ("2999-01-01T00:00:00Z", True),
        ("2999-01-01T00:00:00.123456789+05:30", True),
        ("tomorrow", False),
        ("", False),
        (5, False),
        ([], False),
    ],
)
def test_expires_at_the_spec_admits_is_what_the_fake_takes(
    spec: dict[str, Any], expires_at: object, accepted: bool
) -> None:
    body = {"name": "k", "expires_at": expires_at}
    assert _create_body_validator(spec).is_valid(body) is accepted
    assert _FakeVerdicts().accepts(body) is accepted


def test_what_json_schema_cannot_say_the_description_does(spec: dict[str, Any]) -> None:
    # A past instant is schema-valid and refused: the one disagreement left, and it is written down.
    past = {"name": "k", "expires_at": "2000-01-01T00:00:00Z"}
    assert _create_body_validator(spec).is_valid(past)
    assert not _FakeVerdicts().accepts(past)
    field = spec["components"]["schemas"]["CreateApiKeyRequest"]["properties"]["expires_at"]
    assert "must be in the future" in " ".join(field["description"].split())


def test_a_created_key_links_to_its_revoke(spec: dict[str, Any]) -> None:
    operations = {op["operationId"]: op for item in spec["paths"].values() for op in item.values()}
    links = operations["createApiKey"]["responses"]["201"]["links"]
    revoke = links["RevokeCreatedKey"]
    assert revoke["operationId"] == "revokeApiKey"
    # The id the link takes is a field every created key has, and the revoke's path parameter.
    assert revoke["parameters"]["id"] == "$response.body#/id"
    assert "id" in spec["components"]["schemas"]["ApiKeyCreated"]["required"]
    path_parameters = [p["name"] for p in operations["revokeApiKey"]["parameters"] if "name" in p]
    assert path_parameters == ["id"]
    # Every link stays in the workspace its request named, and targets an operation that has it.
    all_links = [
        (name, link)
        for op in operations.values()
        for response in op["responses"].values()
        for name, link in response.get("links", {}).items()
    ]
    assert {name for name, _ in all_links} == {
        "RevokeCreatedKey",
        "ListWithCreatedKey",
        "ListWithRevokedKey",
    }
    for name, link in all_links:
        assert link["parameters"]["header.X-Workspace-ID"] == "$request.header.X-Workspace-ID", name
        target = operations[link["operationId"]]
        assert {"$ref": "#/components/parameters/WorkspaceId"} in target["parameters"], name


def test_the_generated_request_model_sends_and_reads_a_null_expiry(spec: dict[str, Any]) -> None:
    # What the spec now admits, the generated model writes and reads back, and the fake takes.
    from api_keys_client import UNSET, CreateApiKeyRequest  # noqa: PLC0415

    never = CreateApiKeyRequest(name="k", expires_at=None)
    assert never.to_dict() == {"name": "k", "expires_at": None}
    assert CreateApiKeyRequest.from_dict({"name": "k", "expires_at": None}).expires_at is None
    assert CreateApiKeyRequest(name="k").to_dict() == {"name": "k"}  # left out: UNSET, not null
    assert CreateApiKeyRequest.from_dict({"name": "k"}).expires_at is UNSET
    assert _create_body_validator(spec).is_valid(never.to_dict())
    assert _FakeVerdicts().accepts(never.to_dict())
