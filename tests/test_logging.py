"""The api_keys_client logger: what each attempt says, and that no secret ever reaches it."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import httpx
import pytest
import respx

import api_keys_client as sdk
from api_keys_client import _logs

from .conftest import CREATED_JSON, RAW_KEY, TOKEN, Driver


def _python_with_api_keys_log(code: str, setting: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter, where the SDK's logging is set up at import."""
    env = {**os.environ, "API_KEYS_LOG": setting}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )


def _sdk_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("api_keys_client")]


def test_each_attempt_is_logged(
    api: Driver, mock_api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    mock_api.get("/api-keys").side_effect = [
        httpx.Response(502, headers={"X-Request-ID": "req_a"}),
        httpx.Response(200, json=[], headers={"X-Request-ID": "req_b"}),
    ]

    with caplog.at_level(logging.DEBUG):
        api.list()

    attempts = [r.getMessage() for r in _sdk_records(caplog) if " -> " in r.getMessage()]
    assert len(attempts) == 2
    first, second = attempts
    assert first.startswith("GET /v1/api-keys -> 502 in ")
    assert "(attempt 1 of 3, request id req_a)" in first
    assert second.startswith("GET /v1/api-keys -> 200 in ")
    assert "(attempt 2 of 3, request id req_b)" in second
    assert " ms " in first


def test_transport_failures_are_logged(
    api: Driver, mock_api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    mock_api.get("/api-keys").side_effect = [
        httpx.ConnectError("refused"),
        httpx.Response(200, json=[]),
    ]

    with caplog.at_level(logging.INFO):
        api.list()

    messages = [r.getMessage() for r in _sdk_records(caplog)]
    assert any("-> ConnectError in" in m for m in messages), messages


def test_no_secret_at_any_level(
    api: Driver, mock_api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    mock_api.post("/api-keys").side_effect = [
        httpx.Response(429),
        httpx.Response(201, json=CREATED_JSON),
    ]
    mock_api.get("/api-keys").respond(401, json={"error": f"token {TOKEN} revoked"})

    with caplog.at_level(logging.DEBUG):  # every logger, httpx's and httpcore's included
        api.create()
        with pytest.raises(Exception, match="revoked"):
            api.list(api.client(max_retries=0))

    everything = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "POST /v1/api-keys" in everything
    assert TOKEN not in everything
    assert RAW_KEY not in everything


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc.def",
        "headers={'authorization': 'Bearer abc.def'}",
        '{"Authorization": "abc.def"}',
        "token bearer abc.def here",
    ],
)
def test_redacting_filter_masks_credentials(text: str) -> None:
    record = logging.LogRecord("api_keys_client", logging.INFO, __file__, 1, "%s", (text,), None)
    _logs.RedactingFilter().filter(record)
    assert "abc.def" not in record.getMessage()
    assert "[redacted]" in record.getMessage()


@pytest.mark.parametrize(
    ("setting", "level"),
    [
        ("debug", "DEBUG"),
        ("info", "INFO"),
        ("WARNING", "WARNING"),
        (" Info ", "INFO"),
        ("", "NOTSET"),
    ],
)
def test_api_keys_log_turns_logging_on_without_code(setting: str, level: str) -> None:
    code = (
        "import logging; from api_keys_client import ApiKeysClient;"
        "logger = logging.getLogger('api_keys_client');"
        "print(logging.getLevelName(logger.level), len(logger.handlers))"
    )
    result = _python_with_api_keys_log(code, setting)
    expected_handlers = "0" if setting == "" else "1"
    assert result.stdout.split() == [level, expected_handlers]


@pytest.mark.parametrize("setting", ["verbose", "1", "trace", "debug,info"])
def test_an_invalid_api_keys_log_is_reported(setting: str) -> None:
    code = "import api_keys_client._logs"
    result = _python_with_api_keys_log(code, setting)
    assert f"API_KEYS_LOG={setting!r} is not one of debug, info, warning" in result.stderr
    assert "RuntimeWarning" in result.stderr


def test_debug_shows_more_than_info_and_masks_credentials(
    api: Driver, mock_api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    mock_api.post("/api-keys").respond(
        201, json=CREATED_JSON, headers={"X-Request-ID": "req_\x1b]0;pwned\x07"}
    )
    client = api.client(headers={"X-Trace": "t-1"})

    with caplog.at_level(logging.INFO, logger="api_keys_client"):
        api.create(client)
    info = [r.getMessage() for r in _sdk_records(caplog)]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="api_keys_client"):
        api.create(client)
    debug = [r.getMessage() for r in _sdk_records(caplog)]

    assert len(debug) > len(info)
    request_line = next(m for m in debug if m.startswith("request headers: "))
    response_line = next(m for m in debug if m.startswith("response headers: "))
    assert "authorization: [redacted]" in request_line
    assert "x-trace: t-1" in request_line
    assert "x-workspace-id: ws_1" in request_line
    assert "content-type: application/json" in response_line
    # A header the server controls cannot drive the terminal that shows the log.
    assert "\x1b" not in response_line
    assert "x-request-id: req_\\x1b]0;pwned\\x07" in response_line
    everything = "\n".join(debug)
    assert TOKEN not in everything
    assert RAW_KEY not in everything  # bodies are never logged


def test_debug_logs_never_echo_the_token_a_server_sends_back(
    api: Driver, mock_api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    mock_api.get("/api-keys").respond(
        302, headers={"Location": f"https://elsewhere.test/x?t={TOKEN}", "X-Echo": TOKEN}
    )

    with (
        caplog.at_level(logging.DEBUG, logger="api_keys_client"),
        pytest.raises(sdk.APIStatusError),
    ):
        api.list()

    everything = "\n".join(r.getMessage() for r in _sdk_records(caplog))
    assert "response headers: " in everything
    assert "location: https://elsewhere.test/x?t=[redacted]" in everything
    assert TOKEN not in everything


def test_each_retry_is_one_line_saying_why_and_when(
    api: Driver, mock_api: respx.MockRouter, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    mock_api.get("/api-keys").side_effect = [
        httpx.Response(503, headers={"Retry-After": "0.25"}),
        httpx.ConnectError("refused"),
        httpx.Response(200, json=[]),
    ]

    with caplog.at_level(logging.INFO, logger="api_keys_client"):
        api.list()

    retries = [r.getMessage() for r in _sdk_records(caplog) if r.getMessage().startswith("retry")]
    assert retries == [
        "retrying list in 0.25 s after HTTP 503",
        f"retrying list in {sleeps[1]:.2f} s after ConnectError",
    ]
    assert all(r.levelno == logging.INFO for r in _sdk_records(caplog))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def", "Authorization: [redacted]"),
        ("token bearer abc.def here", "token bearer [redacted] here"),
        ('{"Authorization": "abc.def"}', '{"Authorization": "[redacted]"}'),
        ("x authorization=abc.def; y", "x authorization=[redacted]; y"),
    ],
)
def test_redaction_keeps_everything_but_the_credential(text: str, expected: str) -> None:
    assert _logs.redact(text) == expected


@pytest.mark.parametrize("setting", ["info", "debug"])
def test_api_keys_log_writes_one_readable_line_per_event_to_stderr(setting: str) -> None:
    code = (
        "from api_keys_client.testing import FakeApiKeys\n"
        "fake = FakeApiKeys(); token = fake.add_user(workspaces=['w'])\n"
        "with fake.client(token=token, workspace_id='w') as client: client.api_keys.list()\n"
    )
    result = _python_with_api_keys_log(code, setting)
    lines = result.stderr.splitlines()
    line = re.compile(
        r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} api_keys_client"
        r" (?P<level>INFO|DEBUG)\] (?P<text>.+)"
    )
    matches = [line.fullmatch(text) for text in lines]
    assert lines
    assert all(matches), lines
    levels = {m["level"] for m in matches if m}
    assert levels == ({"INFO", "DEBUG"} if setting == "debug" else {"INFO"})
    assert any(m and m["text"].startswith("GET /api-keys -> 200 in ") for m in matches)


def test_a_retry_names_the_operation(
    api: Driver, mock_api: respx.MockRouter, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    mock_api.delete("/api-keys/key_1").side_effect = [
        httpx.Response(503, headers={"Retry-After": "0"}),
        httpx.Response(204),
    ]
    mock_api.post("/api-keys").side_effect = [
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(201, json=CREATED_JSON),
    ]

    with caplog.at_level(logging.INFO, logger="api_keys_client"):
        api.revoke("key_1")
        api.run(api.default.api_keys.create(name="deploy"))

    retries = [r.getMessage() for r in _sdk_records(caplog) if r.getMessage().startswith("retry")]
    assert retries == [
        "retrying revoke in 0.00 s after HTTP 503",
        "retrying create in 0.00 s after HTTP 429",
    ]
