"""OpenTelemetry's httpx instrumentation sees the SDK's own pool: one span for each attempt of a
call (a retried call shows each try), with no credential in any span."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import api_keys_client as sdk
from api_keys_client.testing import FakeApiKeys


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = HTTPXClientInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        yield exporter
    finally:
        instrumentor.uninstrument()


def _status(span: ReadableSpan) -> object:
    attributes = span.attributes or {}
    return attributes.get("http.response.status_code", attributes.get("http.status_code"))


def _no_secret(finished: tuple[ReadableSpan, ...], *secrets: str) -> None:
    text = repr([(span.name, dict(span.attributes or {}), span.events) for span in finished])
    for secret in secrets:
        assert secret not in text


def test_each_attempt_of_a_sync_call_is_a_span(
    spans: InMemorySpanExporter, sleeps: list[float]
) -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])
    with (
        fake.serve() as base_url,
        sdk.ApiKeysClient(base_url=base_url, token=token, workspace_id="ws_1") as client,
    ):
        fake.fail_next(2, status=503)
        client.api_keys.list()
        created = client.api_keys.create(name="traced")

    finished = spans.get_finished_spans()
    assert [(span.name, _status(span)) for span in finished] == [
        ("GET", 503),
        ("GET", 503),
        ("GET", 200),
        ("POST", 201),
    ]
    _no_secret(finished, token, created.raw_key)


def test_each_attempt_of_an_async_call_is_a_span(
    spans: InMemorySpanExporter, sleeps: list[float]
) -> None:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_1"])

    async def scenario(base_url: str) -> None:
        async with sdk.AsyncApiKeysClient(
            base_url=base_url, token=token, workspace_id="ws_1"
        ) as client:
            fake.fail_next(1, status=502)
            await client.api_keys.list()

    with fake.serve() as base_url:
        asyncio.run(scenario(base_url))

    finished = spans.get_finished_spans()
    assert [(span.name, _status(span)) for span in finished] == [("GET", 502), ("GET", 200)]
    _no_secret(finished, token)
