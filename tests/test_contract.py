"""Contract: schemathesis drives openapi.yaml against FakeApiKeys served over real HTTP, and every
response must conform: a documented status, the documented content type, the documented schema."""

from __future__ import annotations

import datetime
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api_keys_client.testing import FakeApiKeys

ROOT = Path(__file__).resolve().parent.parent
schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
WORKSPACE = "ws_contract"
checked: Counter[tuple[str, int]] = Counter()


class Service:
    def __init__(self, fake: FakeApiKeys, base_url: str) -> None:
        self.fake = fake
        self.base_url = base_url
        self.token = fake.add_user(workspaces=[WORKSPACE])
        self.client = fake.client(token=self.token, workspace_id=WORKSPACE)
        # schemathesis runs GET first: give the listings content, in every state a key can be in.
        self.client.api_keys.create(name="plain")
        expiry = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
        used = self.client.api_keys.create(name="expiring and used", expires_at=expiry)
        with fake.client(token=used.raw_key, workspace_id=WORKSPACE) as as_key:
            as_key.api_keys.list()
        self.client.api_keys.revoke(self.client.api_keys.create(name="revoked").id)


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    fake = FakeApiKeys()
    with fake.serve() as base_url:
        service = Service(fake, base_url)
        yield service
        service.client.close()
    summary = ", ".join(f"{op} {status}: {n}" for (op, status), n in sorted(checked.items()))
    print(f"\ncontract: {sum(checked.values())} responses checked ({summary})", file=sys.stderr)


@schema.parametrize()
@settings(
    max_examples=150,
    deadline=None,
    # The module-scoped service is shared by design; the autouse fixtures hold no per-example state.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_fake_conforms_to_the_spec(case: schemathesis.Case[Any], service: Service) -> None:
    headers = case.headers  # case-insensitive, edited in place
    generated_workspace = str(headers.get("X-Workspace-ID", ""))
    bucket = len(generated_workspace) % 8
    # Steer most cases to the paths that succeed; keep what schemathesis generated in the rest
    # (no auth, a workspace the user is not in, an empty workspace) so errors are checked too.
    if bucket not in (3, 7):
        headers["X-Workspace-ID"] = WORKSPACE
        headers["Authorization"] = f"Bearer {service.token}"
        if case.method == "DELETE" and bucket % 2:
            case.path_parameters = {"id": service.client.api_keys.create(name="to revoke").id}
    elif bucket == 3:
        headers["Authorization"] = f"Bearer {service.token}"
        headers["X-Workspace-ID"] = ""

    response = case.call_and_validate(base_url=service.base_url, checks=CHECKS)

    checked[(f"{case.method} {case.operation.path}", response.status_code)] += 1
