"""The environment the SDK's own pool is built from: a bad CA bundle variable or proxy variable
is an InvalidArgumentError naming the variable (never a secret in its value), from either
client's constructor, and exit 2 from the CLI; a plain-http proxy that would carry the token in
clear text gives InsecureTransportWarning; trust_env=False ignores it all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import api_keys_client as sdk

SECRET = "hunter2-in-the-proxy-url"


@pytest.fixture(autouse=True)
def _no_proxies_or_ca_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
            monkeypatch.delenv(name)


def _build(flavour: str, base_url: str = "https://api.test", **options: object) -> object:
    client_class = sdk.ApiKeysClient if flavour == "sync" else sdk.AsyncApiKeysClient
    return client_class(base_url=base_url, token="tok_" + "x" * 20, workspace_id="ws", **options)  # type: ignore[arg-type] # options are the test's


FLAVOURS = ["sync", "async"]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "HTTP_PROXY",
            f"ftp://user:{SECRET}@proxy.test",
            "HTTP_PROXY (from the environment) is a ftp:// proxy, which httpx cannot send through",
        ),
        (
            "https_proxy",
            f"http://user:{SECRET}@[::1",
            "https_proxy (from the environment) is not a valid proxy URL",
        ),
        (
            "ALL_PROXY",
            f"socks5://user:{SECRET}@127.0.0.1:1080",
            "ALL_PROXY (from the environment) is a SOCKS proxy, which needs the socksio package",
        ),
        (
            "SSL_CERT_FILE",
            f"/nonexistent/{SECRET}.pem",
            "SSL_CERT_FILE (from the environment) does not name a readable file",
        ),
        (
            "SSL_CERT_DIR",
            f"/nonexistent/{SECRET}",
            "SSL_CERT_DIR (from the environment) does not name a directory",
        ),
    ],
)
def test_a_bad_variable_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, flavour: str, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(sdk.InvalidArgumentError) as caught:
        _build(flavour)

    assert message in caught.value.message
    assert SECRET not in repr(caught.value) + str(caught.value.args)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_ca_bundle_that_is_no_certificate_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, flavour: str
) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("this is not a certificate\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))

    with pytest.raises(sdk.InvalidArgumentError) as caught:
        _build(flavour)

    assert caught.value.message.startswith(
        "SSL_CERT_FILE (from the environment) cannot be loaded as CA certificates (SSLError)"
    )
    assert str(bundle) not in caught.value.message


def test_the_lower_case_variable_is_the_one_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib (and so httpx) takes http_proxy over HTTP_PROXY: that is the one at fault."""
    monkeypatch.setenv("HTTP_PROXY", "http://fine.test:3128")
    monkeypatch.setenv("http_proxy", "gopher://wrong.test")

    with pytest.raises(sdk.InvalidArgumentError, match=r"^http_proxy \(from the environment\)"):
        _build("sync")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_trust_env_false_ignores_the_environment(
    monkeypatch: pytest.MonkeyPatch, flavour: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "ftp://x")
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent.pem")

    client = _build(flavour, base_url="http://127.0.0.1:9", trust_env=False)

    assert isinstance(client, sdk.ApiKeysClient | sdk.AsyncApiKeysClient)


@pytest.mark.parametrize("value", ["no", 1, None])
def test_trust_env_must_be_a_bool(value: object) -> None:
    with pytest.raises(sdk.InvalidArgumentError, match="trust_env must be True or False"):
        _build("sync", trust_env=value)


def test_the_cli_exits_2_with_the_variable_named(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "API_KEYS_BASE_URL": "https://api.test",
        "API_KEYS_TOKEN": "tok_" + "x" * 20,
        "API_KEYS_WORKSPACE_ID": "ws",
        "HTTPS_PROXY": f"ftp://user:{SECRET}@proxy.test",
    }
    result = subprocess.run(
        [sys.executable, "-m", "api_keys_client", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith(
        "api-keys: error: HTTPS_PROXY (from the environment) is a ftp:// proxy"
    )
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr + result.stdout


# -- a proxy that would carry the token in clear text ------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_plain_http_proxy_elsewhere_warns(monkeypatch: pytest.MonkeyPatch, flavour: str) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://user:{SECRET}@proxy.example:3128")

    with pytest.warns(sdk.InsecureTransportWarning) as caught:
        _build(flavour, base_url="http://127.0.0.1:8080")

    message = str(caught[0].message)
    assert message == (
        "the API token is sent in clear text through the http:// proxy at proxy.example (from"
        " HTTP_PROXY): use an https:// base_url, or add 127.0.0.1 to NO_PROXY"
    )
    assert caught[0].filename == __file__  # points at the caller's line


@pytest.mark.parametrize(
    ("environment", "base_url"),
    [
        ({"HTTP_PROXY": "http://proxy.example:3128"}, "https://api.test"),  # a TLS tunnel
        ({"HTTPS_PROXY": "http://proxy.example:3128"}, "http://127.0.0.1:8080"),  # not for http
        ({"HTTP_PROXY": "https://proxy.example:3128"}, "http://127.0.0.1:8080"),
        ({"HTTP_PROXY": "http://127.0.0.1:3128"}, "http://127.0.0.1:8080"),  # on this machine
        ({"HTTP_PROXY": "http://proxy.example", "NO_PROXY": "127.0.0.1"}, "http://127.0.0.1:8080"),
        ({"ALL_PROXY": "http://proxy.example", "no_proxy": "*"}, "http://localhost:8080"),
    ],
)
def test_no_warning_when_nothing_goes_in_clear_text(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], base_url: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    _build("sync", base_url=base_url)  # filterwarnings = error: a warning would fail this


def test_all_proxy_counts_for_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALL_PROXY", "http://proxy.example:3128")

    with pytest.warns(sdk.InsecureTransportWarning, match=r"\(from ALL_PROXY\)"):
        _build("sync", base_url="http://localhost:8080")
