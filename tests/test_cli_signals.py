"""SIGTERM and SIGHUP (timeout, systemd, Kubernetes, CI cancellation, a closed terminal) are
handled like Ctrl-C by the real `api-keys` process: after a create that may have happened it says
so and how to find the key, an --output-file that never got a secret is removed, and the exit
code is 128 plus the signal's number. While a secret is written, a signal waits for it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api_keys_client._cli._signals import Interrupted, deferred, signals_as_interrupts
from api_keys_client.testing import FakeApiKeys

CLI = [sys.executable, "-m", "api_keys_client"]


class Served:
    def __init__(self, fake: FakeApiKeys, base_url: str, token: str) -> None:
        self.fake = fake
        self.env = {
            **os.environ,
            "API_KEYS_BASE_URL": base_url,
            "API_KEYS_TOKEN": token,
            "API_KEYS_WORKSPACE_ID": "ws_sig",
        }
        self.env.pop("API_KEYS_LOG", None)
        self.token = token

    def names(self) -> list[str]:
        with self.fake.client(token=self.token, workspace_id="ws_sig") as client:
            return [key.name for key in client.api_keys.list()]


@pytest.fixture
def served() -> Iterator[Served]:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_sig"])
    with fake.serve() as base_url:
        yield Served(fake, base_url, token)


def _hold_the_next_request(fake: FakeApiKeys, *, after_handling: bool) -> threading.Event:
    """The next request waits (up to 20 s) before it is handled, or after: the fake has then
    made the key and the answer is what is late. The event says the request has arrived."""
    arrived = threading.Event()
    release = threading.Event()
    handle = fake.handle

    def held(*args: Any) -> Any:
        if arrived.is_set():
            return handle(*args)
        arrived.set()
        if after_handling:
            answer = handle(*args)
            release.wait(20)
            return answer
        release.wait(20)
        return handle(*args)

    fake.handle = held  # type: ignore[method-assign,assignment] # a test's hold on one request
    return arrived


def _signal_mid_call(
    served: Served, argv: list[str], signum: int, *, after_handling: bool = False
) -> tuple[int, str, str]:
    arrived = _hold_the_next_request(served.fake, after_handling=after_handling)
    process = subprocess.Popen(
        [*CLI, *argv, "--timeout", "60"],
        env=served.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert arrived.wait(timeout=30), "the request never reached the fake"
        time.sleep(0.3)  # the CLI is now waiting for the answer
        process.send_signal(signum)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "Traceback" not in err, err
    return process.returncode, out, err


@pytest.mark.parametrize(
    ("signum", "code", "words"),
    [
        (signal.SIGTERM, 143, "terminated (SIGTERM)"),
        (signal.SIGHUP, 129, "hung up (SIGHUP)"),
        (signal.SIGINT, 130, "interrupted"),
    ],
)
def test_a_signal_during_a_listing_exits_128_plus_its_number(
    served: Served, signum: int, code: int, words: str
) -> None:
    returncode, out, err = _signal_mid_call(served, ["list"], signum)

    assert returncode == code
    assert err.endswith(f"api-keys: {words}\n")
    assert out == ""


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_during_a_create_that_made_the_key_says_how_to_find_it(
    served: Served, tmp_path: Path, signum: int, code: int
) -> None:
    secret_file = tmp_path / "deploy.key"

    returncode, out, err = _signal_mid_call(
        served,
        ["create", "sigterm-key", "--output-file", str(secret_file)],
        signum,
        after_handling=True,
    )

    assert returncode == code
    assert "looking for the key it may have made (created since" in err
    assert "candidates (their raw keys cannot be shown again):" in err
    assert "'sigterm-key'" in err
    assert "its secret is lost: revoke it (api-keys revoke ID)" in err
    assert not secret_file.exists()  # it never received the secret: removed, a rerun can use it
    assert out == ""
    assert served.names() == ["sigterm-key"]


def test_a_sigterm_before_the_create_was_handled_finds_no_key(
    served: Served, tmp_path: Path
) -> None:
    secret_file = tmp_path / "deploy.key"

    returncode, _, err = _signal_mid_call(
        served, ["create", "early", "--output-file", str(secret_file)], signal.SIGTERM
    )

    assert returncode == 143
    assert "none found, so it was most likely not created" in err
    assert err.endswith("api-keys: terminated (SIGTERM)\n")
    assert not secret_file.exists()


def test_a_signal_waits_for_the_secret_to_be_written() -> None:
    """A signal that comes while a secret is written (deferred) ends the command only after."""
    written: list[str] = []
    before = signal.getsignal(signal.SIGTERM)  # coverage, when it measures, has its own
    with signals_as_interrupts():

        def write_a_secret() -> None:
            with deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)  # the handler has run by now, and waited
                written.append("the whole secret")

        with pytest.raises(Interrupted) as caught:
            write_a_secret()
        assert caught.value.signum == signal.SIGTERM
        assert written == ["the whole secret"]

        def wait_outside() -> None:
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(1)

        with pytest.raises(Interrupted):  # outside a deferred section: at once
            wait_outside()
    assert signal.getsignal(signal.SIGTERM) is before  # the previous handlers are back
