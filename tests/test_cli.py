"""The `api-keys` command line, in process against the fake served on 127.0.0.1: what each command
prints, its exit code, and what it refuses before sending anything."""

from __future__ import annotations

import datetime
import importlib.util
import io
import json
import os
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from api_keys_client._cli import main
from api_keys_client._cli._parser import build_parser
from api_keys_client._text import display_width
from api_keys_client.testing import FakeApiKeys

from .faultserver import refused_url

UTC = datetime.UTC


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err
        assert "Traceback" not in err
        assert "Traceback" not in out


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApiKeys]:
    fake = FakeApiKeys()
    token = fake.add_user(workspaces=["ws_cli", "ws_two", "ws_three"])
    with fake.serve() as base_url:
        monkeypatch.setenv("API_KEYS_BASE_URL", base_url)
        monkeypatch.setenv("API_KEYS_TOKEN", token)
        monkeypatch.setenv("API_KEYS_WORKSPACE_ID", "ws_cli")
        yield fake


def cli(*argv: str, stdin: str = "") -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, stdin=io.StringIO(stdin))
    return Run(code, out.getvalue(), err.getvalue())


def created_key(*argv: str) -> dict[str, Any]:
    run = cli("create", *argv, "--json")
    assert run.code == 0, run.err
    created: dict[str, Any] = json.loads(run.out)
    return created


# -- create and list ---------------------------------------------------------------------------


def test_create_prints_the_raw_key_first_then_what_it_is(served: FakeApiKeys) -> None:
    run = cli("create", "deploy")

    assert run.code == 0
    first, details, notice = run.out.splitlines()
    assert first.startswith("ak_")
    assert run.out.count(first) == 1
    assert details.startswith("Created API key key_")
    assert "('deploy', prefix ak_" in details
    assert details.endswith("expires never).")
    assert first.startswith(details.split("prefix ")[1].split(",")[0])
    assert notice.startswith("This is the only time the raw key is shown: store it now")


def test_create_json_is_snake_case_like_list_json(served: FakeApiKeys) -> None:
    run = cli("create", "deploy", "--expires-in", "30d", "--json")
    assert run.code == 0
    created = json.loads(run.out)
    assert run.out.startswith('{\n  "id": "key_')  # indented by two, one field a line
    assert set(created) == {"id", "name", "key_prefix", "raw_key", "created_at", "expires_at"}
    assert created["raw_key"].startswith(created["key_prefix"])
    expires = datetime.datetime.fromisoformat(created["expires_at"])
    assert created["expires_at"].endswith("Z")
    expected = datetime.datetime.now(UTC) + datetime.timedelta(days=30)
    assert abs((expires - expected).total_seconds()) < 60
    assert "store it now" in run.err  # the reminder stays off stdout

    (listed,) = json.loads(cli("list", "--json").out)
    # One naming convention for both, whatever the two wire schemas say.
    assert set(created) - {"raw_key"} <= set(listed)
    assert {k: listed[k] for k in set(created) - {"raw_key"}} == {
        k: v for k, v in created.items() if k != "raw_key"
    }
    assert set(listed) == {
        "id", "name", "key_prefix", "status", "created_at", "updated_at", "expires_at",
        "last_used_at", "revoked_at", "user_id", "workspace_id", "scopes",
    }  # fmt: skip
    assert (listed["status"], listed["revoked_at"], listed["scopes"]) == ("active", None, None)
    assert listed["updated_at"] == listed["created_at"]  # the fake sets both at creation
    assert listed["last_used_at"] is None
    assert listed["user_id"].startswith("user_")
    assert listed["workspace_id"] == "ws_cli"


def test_list_table(served: FakeApiKeys) -> None:
    assert cli("list").out == "No API keys in this workspace.\n"
    cli("create", "alpha", "--expires-at", "2099-01-02")
    cli("create", "beta")

    table = cli("list").out.splitlines()
    assert table[0].split() == [
        "ID",
        "NAME",
        "PREFIX",
        "STATUS",
        "CREATED",
        "EXPIRES",
        "LAST",
        "USED",
    ]
    assert [line.split()[1] for line in table[1:]] == ["beta", "alpha"]
    assert "2099-01-02 00:00 UTC" in table[2]
    listed = json.loads(cli("list", "--json").out)
    assert [k["name"] for k in listed] == ["beta", "alpha"]
    assert "raw_key" not in listed[0]


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("", 0),
        ("abc", 3),
        ("\u65e5\u672c", 4),  # wide (W): two columns each
        ("\uff21", 2),  # fullwidth (F)
        ("e\u0301", 1),  # a combining accent takes no column
        ("\u00e9", 1),  # ambiguous-width (A) letters count as narrow
        ("a\u200bb", 2),  # a zero-width space (Cf) takes no column
        ("a\u034fb", 2),  # a nonspacing mark (Mn) of combining class 0 takes none either
        ("a\u20ddb", 2),  # nor does an enclosing mark (Me)
    ],
)
def test_display_width_counts_terminal_columns(text: str, columns: int) -> None:
    assert display_width(text) == columns


class _Clock:
    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now


def test_list_table_lines_up_every_column_and_shows_each_date_in_utc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fake's clock runs two hours behind, so that every date is in the CLI's past.
    start = datetime.datetime.now(UTC).replace(second=0, microsecond=0) - datetime.timedelta(
        hours=2
    )
    clock = _Clock(start)
    fake = FakeApiKeys(clock=clock)
    token = fake.add_user(workspaces=["ws"])
    minutes = datetime.timedelta(minutes=1)
    with fake.client(token=token, workspace_id="ws") as client:
        used = client.api_keys.create(name="alpha", expires_at=start + 90 * 24 * 60 * minutes)
        clock.now += 5 * minutes
        never = client.api_keys.create(name="a much longer name")
        clock.now += 5 * minutes
        gone = client.api_keys.create(name="gone")
        client.api_keys.revoke(gone.id)
        clock.now += 5 * minutes
        lapsed = client.api_keys.create(name="lapsed", expires_at=clock.now + 60 * minutes)
    clock.now = start + 70 * minutes
    with fake.client(token=used.raw_key, workspace_id="ws") as as_the_key:
        as_the_key.api_keys.list()  # sets last_used_at
    # Dates are shown in UTC whatever the machine's zone is.
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        with fake.serve() as base_url:
            run = cli("list", "--base-url", base_url, "--token", token, "--workspace", "ws")
    finally:
        monkeypatch.undo()
        time.tzset()

    assert run.code == 0
    header, *lines = run.out.splitlines()
    titles = ["ID", "NAME", "PREFIX", "STATUS", "CREATED", "EXPIRES", "LAST USED"]
    starts = [header.index(title) for title in titles]
    ends = [*starts[1:], None]
    rows = [[line[a:b].strip() for a, b in zip(starts, ends, strict=True)] for line in lines]

    def when(moment: datetime.datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M UTC")

    assert rows == [
        [lapsed.id, "lapsed", lapsed.key_prefix, "expired", when(start + 15 * minutes),
         when(start + 75 * minutes), "never"],
        [gone.id, "gone", gone.key_prefix, "revoked", when(start + 10 * minutes), "never", "never"],
        [never.id, "a much longer name", never.key_prefix, "active", when(start + 5 * minutes),
         "never", "never"],
        [used.id, "alpha", used.key_prefix, "active", when(start),
         when(start + 90 * 24 * 60 * minutes), when(start + 70 * minutes)],
    ]  # fmt: skip
    with fake.serve() as base_url:
        as_json = cli(
            "list", "--json", "--base-url", base_url, "--token", token, "--workspace", "ws"
        )
    last_used = {key["id"]: key["last_used_at"] for key in json.loads(as_json.out)}
    stamp = (start + 70 * minutes).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert last_used == {lapsed.id: None, gone.id: None, never.id: None, used.id: stamp}
    # Left-aligned, two spaces between columns, no trailing blanks.
    assert starts[0] == 0
    for line in [header, *lines]:
        assert line == line.rstrip()
        assert all(line[start] != " " and line[start - 2 : start] == "  " for start in starts[1:])


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),  # clear screen, colour
        ("\x1b]0;owned\x07title", "\\x1b]0;owned\\x07title"),  # OSC: set the window title
        ("over\rwrite", "over\\rwrite"),
        ("two\nlines", "two\\nlines"),
        ("tab\tbed", "tab\\tbed"),
        ("\u202eevil.exe", "\\u202eevil.exe"),  # right-to-left override
        ("csi\x9b31m", "csi\\x9b31m"),  # a one-byte CSI
        ("line\u2028sep", "line\\u2028sep"),  # Unicode's line separator (Zl)
        ("para\u2029sep", "para\\u2029sep"),  # and paragraph separator (Zp)
    ],
)
def test_server_controlled_text_is_escaped_in_human_output_and_exact_in_json(
    served: FakeApiKeys, name: str, shown: str
) -> None:
    created = created_key(name)
    assert created["name"] == name  # JSON stays exact

    table = cli("list").out
    assert shown in table
    assert not any(char in table.replace("\n", "") for char in "\x1b\x07\r\t\x9b\u202e")
    assert len(table.splitlines()) == 2  # a newline in a name cannot break the table

    human = cli("create", name).out
    assert shown in human
    assert "\x1b" not in human
    assert json.loads(cli("list", "--json").out)[0]["name"] == name


def test_wide_characters_line_up(served: FakeApiKeys) -> None:
    cli("create", "日本語のキー")
    cli("create", "emoji 🔑 key")
    cli("create", "plain")

    lines = cli("list").out.splitlines()
    starts = {display_width(line[: line.index("ak_")]) for line in lines[1:]}
    assert len(starts) == 1  # every PREFIX cell starts at the same terminal column
    assert display_width(lines[0][: lines[0].index("PREFIX")]) in starts


def test_revoke_then_list_shows_revoked(served: FakeApiKeys) -> None:
    key_id = created_key("old")["id"]
    assert cli("revoke", key_id).out == f"Revoked API key {key_id}.\n"
    assert json.loads(cli("revoke", key_id, "--json").out) == {"revoked": key_id}
    assert " revoked " in cli("list").out


def test_global_flags_go_before_or_after_the_command(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    created_key("k")
    token = os.environ["API_KEYS_TOKEN"]
    monkeypatch.delenv("API_KEYS_TOKEN")
    monkeypatch.setenv("API_KEYS_WORKSPACE_ID", "ws_two")

    before = cli("--json", "--token", token, "--workspace", "ws_cli", "--timeout", "5", "list")
    after = cli("list", "--json", "--token", token, "--workspace", "ws_cli")
    mixed = cli("--token", token, "list", "--workspace", "ws_cli", "--json")

    assert before.code == after.code == mixed.code == 0
    assert json.loads(before.out) == json.loads(after.out) == json.loads(mixed.out)
    assert len(json.loads(before.out)) == 1
    # A flag after the command wins over the same flag before it.
    assert (
        json.loads(
            cli(
                "--workspace", "ws_cli", "list", "--workspace", "ws_two", "--json", "--token", token
            ).out
        )
        == []
    )


def test_version(served: FakeApiKeys) -> None:
    from api_keys_client import __version__  # noqa: PLC0415

    run = cli("--version")
    assert (run.code, run.out) == (0, f"api-keys {__version__} (api-keys-client)\n")


@pytest.mark.parametrize(
    ("command", "explained"),
    [
        ("create", "NAME a name to recognise the key by"),
        ("revoke", "ID the key's id, as `api-keys list` shows it"),
        ("rotate", "ID the id of the key to replace"),
    ],
)
def test_positionals_have_help(command: str, explained: str) -> None:
    run = cli(command, "--help")
    assert run.code == 0
    assert explained in " ".join(run.out.split())


def test_the_cli_reference_page_is_the_clis_own_help() -> None:
    """docs/cli-reference.md is what every --help prints (scripts/cli-reference rewrites it).
    Compared word for word: argparse wraps usage lines differently from one Python to another."""
    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location(
        "_cli_reference", root / "scripts/_cli_reference.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    fresh = module.render()
    committed = (root / "docs/cli-reference.md").read_text(encoding="utf-8")

    assert committed.split() == fresh.split(), (
        "docs/cli-reference.md is stale: run scripts/cli-reference"
    )
    assert fresh.count("\n## api-keys") == 8  # the program and its seven commands


def test_duration_units_are_documented_and_m_is_unmistakable() -> None:
    help_text = " ".join(cli("create", "--help").out.split())
    assert "s, min, h, d, w" in help_text
    assert "'m' is refused as ambiguous: use 'min' for minutes" in help_text


# -- refused before anything is sent -----------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create", "x", "--expires-in", "soon"], "'soon' is not a duration"),
        (["create", "x", "--expires-in", "0d"], "'0d' is not a positive duration"),
        (["create", "x", "--expires-in", "3m"], "'m' is ambiguous (minutes or months?)"),
        (["create", "x", "--expires-in", "2 months"], "'months' is ambiguous"),
        (["create", "x", "--expires-in", "5 fortnights"], "unknown unit 'fortnights'"),
        (["create", "x", "--expires-in", "1d2"], "'1d2' is not a duration"),
        (["create", "x", "--expires-in", "99999999d"], "is too long: it reaches past the years"),
        (["create", "x", "--expires-in", "9" * 30 + "s"], "is too long"),
        (["create", "x", "--expires-at", "someday"], "'someday' is not an ISO 8601 date"),
        (["create", "x", "--expires-at", "2020-01-01"], "'2020-01-01' is in the past"),
        (["create", "x", "--expires-at", "10000-01-01"], "is not an ISO 8601 date"),
        (["--timeout", "nan", "list"], "'nan' is not a number of seconds above 0"),
        (["list", "--timeout", "inf"], "'inf' is not a number of seconds above 0"),
        (["list", "--timeout", "-1"], "'-1' is not a number of seconds above 0"),
        (["list", "--timeout", "0"], "'0' is not a number of seconds above 0"),
        (["list", "--timeout", "1e999"], "'1e999' is not a number of seconds above 0"),
        (["list", "--timeout", "86401"], "at most 86400 (a day)"),
        (["list", "--timeout", "soon"], "'soon' is not a number of seconds"),
        (["serve-fake", "--port", "70000"], "'70000' is not a port (0-65535"),
        (["serve-fake", "--port", "65536"], "'65536' is not a port (0-65535"),
        (["serve-fake", "--port", "http"], "'http' is not a port number"),
        (["serve-fake", "--port", "-1"], "'-1' is not a port"),
        (["identify", "ak_secret_on_the_command_line"], "no secret on the command line"),
        (["create", "x", "--expires-at", "9999-12-31T23:00:00-05:00"], "past the year 9999 in UTC"),
        (["audit"], "choose at least one rule"),
        (["audit", "--idle-for", "1m"], "'m' is ambiguous"),
    ],
)
def test_bad_values_are_usage_errors(served: FakeApiKeys, argv: list[str], message: str) -> None:
    run = cli(*argv)
    assert run.code == 2
    assert message in run.err
    assert run.out == ""
    assert served.requests_handled == 0


def test_no_command_is_a_usage_error(served: FakeApiKeys) -> None:
    run = cli()
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith("usage: api-keys ")
    assert run.err.endswith("api-keys: error: the following arguments are required: COMMAND\n")
    assert served.requests_handled == 0


def test_serve_fake_listens_on_8765_unless_told_otherwise() -> None:
    parser = build_parser(io.StringIO(), io.StringIO())
    assert parser.parse_args(["serve-fake"]).port == 8765
    assert parser.parse_args(["serve-fake", "--port", "0"]).port == 0


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2099-01-01T00:00+02:00", "2098-12-31T22:00:00Z"),
        ("2099-01-01T00:00:00-05:30", "2099-01-01T05:30:00Z"),
        ("2099-01-01T00:00Z", "2099-01-01T00:00:00Z"),
        ("2099-01-01", "2099-01-01T00:00:00Z"),  # no offset: UTC, as the README says
    ],
)
def test_expires_at_keeps_the_offset_it_is_given(
    served: FakeApiKeys, given: str, stored: str
) -> None:
    created = created_key("offset", "--expires-at", given)
    assert created["expires_at"] == stored


def test_a_secret_on_the_command_line_is_refused_and_not_echoed(served: FakeApiKeys) -> None:
    run = cli("identify", "ak_secret_on_the_command_line", "--json")
    assert run.code == 2
    assert "ak_secret" not in run.err
    assert "identify takes no secret on the command line" in run.err
    assert served.requests_handled == 0
    # Other commands still name what they did not understand: a typo, not a secret.
    assert "--colour" in cli("list", "--colour").err


def test_every_missing_setting_is_named_with_the_clis_flags(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = cli("list")
    assert run.code == 2
    assert run.err == (
        "api-keys: error: missing settings: --base-url (or API_KEYS_BASE_URL);"
        " --token or --token-file (or API_KEYS_TOKEN or API_KEYS_TOKEN_FILE);"
        " --workspace (or API_KEYS_WORKSPACE_ID)\n"
    )
    monkeypatch.setenv("API_KEYS_TOKEN", "t")
    assert cli("list").err == (
        "api-keys: error: missing settings: --base-url (or API_KEYS_BASE_URL);"
        " --workspace (or API_KEYS_WORKSPACE_ID)\n"
    )


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--token", "tok\u201cen", "--token (or API_KEYS_TOKEN) contains U+201C"),
        ("--workspace", "ws\x1b", "--workspace (or API_KEYS_WORKSPACE_ID) contains U+001B"),
        ("--base-url", "ftp://x", "--base-url (or API_KEYS_BASE_URL) must be an absolute http"),
    ],
)
def test_bad_settings_name_the_flag(served: FakeApiKeys, flag: str, value: str, named: str) -> None:
    run = cli("list", flag, value)
    assert run.code == 2
    assert named in run.err
    if flag != "--base-url":
        assert value not in run.err


def test_insecure_transport_warning_is_one_readable_line(monkeypatch: pytest.MonkeyPatch) -> None:
    run = cli(
        "list",
        "--base-url",
        "http://api.example.invalid",
        "--token",
        "t",
        "--workspace",
        "w",
        "--timeout",
        "0.5",
    )
    warning = [line for line in run.err.splitlines() if "warning" in line]
    assert warning == [
        "api-keys: warning: the API token is sent over plain http to api.example.invalid;"
        " use https://"
    ]


# -- errors from the service -------------------------------------------------------------------


def test_api_error_prints_server_message_and_exits_1(served: FakeApiKeys) -> None:
    run = cli("list", "--workspace", "ws_nope")
    assert (run.code, run.out) == (1, "")
    assert run.err == (
        "api-keys: not a member of this workspace (HTTP 401); the workspace sent was 'ws_nope',"
        " from --workspace (or API_KEYS_WORKSPACE_ID)\n"
    )


def test_a_401_about_the_token_names_no_workspace(served: FakeApiKeys) -> None:
    run = cli("list", "--token", "tok_unknown")
    assert (run.code, run.out, run.err) == (1, "", "api-keys: invalid token (HTTP 401)\n")


UNKNOWN_KEY = (
    "api-keys: error: api key not found: key_nope is not one of your keys in workspace ws_cli;"
    " nothing was changed\n"
)


@pytest.mark.parametrize(
    "argv",
    [
        ["revoke", "key_nope"],
        ["revoke", "key_nope", "--force"],  # no listing first: the service's 400 says it
        ["rotate", "key_nope"],
        ["rotate", "key_nope", "--output-file", "{tmp}/new.key"],
        ["--json", "revoke", "key_nope"],
        ["--json", "rotate", "key_nope"],
    ],
)
def test_revoke_and_rotate_of_an_unknown_key_agree(
    served: FakeApiKeys, tmp_path: Path, argv: list[str]
) -> None:
    run = cli(*(arg.format(tmp=tmp_path) for arg in argv))

    assert (run.code, run.out, run.err) == (2, "", UNKNOWN_KEY)
    assert cli("list").out == "No API keys in this workspace.\n"  # nothing was created
    assert list(tmp_path.iterdir()) == []  # the reserved file was given back


def test_someone_elses_key_is_unknown_too(served: FakeApiKeys) -> None:
    other = served.add_user(workspaces=["ws_cli"])
    with served.client(token=other, workspace_id="ws_cli") as client:
        theirs = client.api_keys.create(name="theirs").id

    for command in ("revoke", "rotate"):
        run = cli(command, theirs)
        assert (run.code, run.err) == (2, UNKNOWN_KEY.replace("key_nope", theirs))


def test_flags_override_the_environment(served: FakeApiKeys) -> None:
    run = cli("list", "--token", "wrong")
    assert run.code == 1
    assert "invalid token (HTTP 401)" in run.err


def test_connection_failure_names_the_host_and_exits_1() -> None:
    run = cli(
        "list", "--base-url", refused_url(), "--token", "t", "--workspace", "w", "--timeout", "1"
    )
    assert run.code == 1
    assert "ConnectError" in run.err
    assert "(host 127.0.0.1; timeouts: connect 1 s, read 1 s)" in run.err
    assert "after 3 attempts" in run.err


def test_server_text_in_errors_is_escaped(served: FakeApiKeys) -> None:
    with respx.mock(assert_all_called=False) as mock:
        mock.get(url__startswith=os.environ["API_KEYS_BASE_URL"]).respond(
            401, json={"error": "no\x1b]0;owned\x07pe"}
        )
        run = cli("list")
    assert run.code == 1
    assert run.err == "api-keys: no\\x1b]0;owned\\x07pe (HTTP 401)\n"


# -- never lose a raw key ----------------------------------------------------------------------


def test_a_created_key_whose_answer_fails_validation_still_gets_its_raw_key_out(
    served: FakeApiKeys,
) -> None:
    raw = "ak_live_onlycopySECRET"
    with respx.mock(assert_all_called=False) as mock:
        mock.post(url__startswith=os.environ["API_KEYS_BASE_URL"]).respond(
            201,
            json={
                "id": "key_9",
                "name": "x",
                "keyPrefix": "ak_live_only",
                "rawKey": raw,
                "createdAt": "yesterday",
            },
        )
        run = cli("create", "x")
    assert run.code == 1
    assert run.out == raw + "\n"
    assert run.err.startswith(
        "api-keys: key key_9 was created and its raw key is above, shown this once, but the"
        " server's answer did not validate: ApiKeyCreated.createdAt is not a valid RFC 3339"
    )


def test_a_lost_create_response_says_the_key_may_exist_and_shows_candidates(
    served: FakeApiKeys,
) -> None:
    older = created_key("deploy")  # an older key of the same name: not a candidate
    served.lose_next_response()

    run = cli("create", "deploy")

    assert run.code == 1
    assert run.out == ""
    keys = json.loads(cli("list", "--json").out)
    (new,) = (key for key in keys if key["id"] != older["id"])
    lines = run.err.splitlines()
    assert "Server disconnected without sending a response" in lines[0]
    assert "the key may have been created anyway: look for a key named 'deploy'" in lines[0]
    assert lines[1].startswith("api-keys: looking for the key it may have made (created since")
    assert lines[2] == "api-keys: candidates (their raw keys cannot be shown again):"
    candidates = [line for line in lines if line.startswith("api-keys:   key_")]
    assert len(candidates) == 2
    (found,) = (line for line in candidates if new["id"] in line)
    assert new["key_prefix"] in found
    assert "before the call began" not in found
    # A key of the same name made in the minute before is shown (the server's clock may be
    # behind this one's), but marked as older than the call.
    (earlier,) = (line for line in candidates if older["id"] in line)
    assert earlier.endswith("(before the call began, by this machine's clock)")
    assert lines[-1].endswith("Nothing was revoked.")
    assert all(key["status"] == "active" for key in keys)  # the CLI revoked nothing


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_on_create_says_the_key_may_exist(served: FakeApiKeys, status: int) -> None:
    served.fail_next(1, status=status)

    run = cli("create", "maybe")

    assert run.code == 1
    assert "the key may have been created anyway" in run.err
    assert "none found, so it was most likely not created" in run.err


def test_a_4xx_on_create_does_not_cry_wolf(served: FakeApiKeys) -> None:
    run = cli("create", "x" * 101)
    assert run.code == 1
    assert "may have been created" not in run.err
    assert run.err == "api-keys: name must be at most 100 characters (HTTP 400)\n"


def test_ctrl_c_during_a_create_says_the_key_may_exist(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api_keys_client._client as client_module  # noqa: PLC0415

    original = client_module.ApiKeysClient._send

    def interrupted(self: Any, state: Any, http_client: httpx.Client, token: str) -> Any:
        if state.request.method == "POST":
            raise KeyboardInterrupt
        return original(self, state, http_client, token)

    monkeypatch.setattr(client_module.ApiKeysClient, "_send", interrupted)
    run = cli("create", "interrupted")

    assert run.code == 130
    assert "looking for the key it may have made" in run.err
    assert "none found, so it was most likely not created" in run.err
    assert run.err.endswith("api-keys: interrupted\n")


# -- output files ------------------------------------------------------------------------------


def test_output_file_gets_the_secret_with_mode_0600(served: FakeApiKeys, tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"

    run = cli("create", "deploy", "--output-file", str(path))

    assert run.code == 0
    raw = path.read_text()
    assert raw.startswith("ak_")
    assert raw.endswith("\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert raw.strip() not in run.out + run.err
    assert f"Its raw key is in {path} (mode 0600)." in run.out
    (key,) = json.loads(cli("list", "--json").out)
    assert key["id"] in run.out
    assert key["key_prefix"] in run.out


def test_output_file_with_json_names_the_file_not_the_secret(
    served: FakeApiKeys, tmp_path: Path
) -> None:
    path = tmp_path / "k"
    shown = json.loads(cli("create", "deploy", "--output-file", str(path), "--json").out)
    assert shown["raw_key"] is None
    assert shown["raw_key_file"] == str(path)
    assert path.read_text().strip().startswith(shown["key_prefix"])


@pytest.mark.parametrize("existing", ["file", "dangling-symlink", "directory"])
def test_an_existing_output_file_is_refused_before_anything_is_created(
    served: FakeApiKeys, tmp_path: Path, existing: str
) -> None:
    path = tmp_path / "secret.txt"
    if existing == "file":
        path.write_text("precious")
    elif existing == "dangling-symlink":
        path.symlink_to(tmp_path / "elsewhere")
    else:
        path.mkdir()

    run = cli("create", "deploy", "--output-file", str(path))

    assert run.code == 2
    assert f"--output-file {path} already exists: nothing was created" in run.err
    assert served.requests_handled == 0
    if existing == "file":
        assert path.read_text() == "precious"
    assert not (tmp_path / "elsewhere").exists()


def test_a_failed_create_leaves_no_output_file(served: FakeApiKeys, tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    run = cli("create", "x" * 101, "--output-file", str(path))
    assert run.code == 1
    assert not path.exists()


# -- revoke guard ------------------------------------------------------------------------------


def test_revoking_the_key_you_authenticate_with_needs_force(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = created_key("me")
    monkeypatch.setenv("API_KEYS_TOKEN", own["raw_key"])

    refused = cli("revoke", own["id"])
    assert refused.code == 2
    assert refused.err == (
        f"api-keys: error: refusing to revoke {own['id']}: it is the key this command"
        " authenticates with (--token or API_KEYS_TOKEN), so revoking it would lock you out;"
        " pass --force to revoke it anyway\n"
    )
    assert json.loads(cli("list", "--json").out)[0]["status"] == "active"

    other = created_key("other")
    assert cli("revoke", other["id"]).code == 0  # any other key: no question asked
    assert cli("revoke", own["id"], "--force").code == 0
    assert cli("list").code == 1  # locked out, as it said


# -- rotate ------------------------------------------------------------------------------------


def test_rotate_prints_the_new_raw_key_first_and_revokes_the_old(served: FakeApiKeys) -> None:
    old = created_key("deploy", "--expires-in", "90d")

    run = cli("rotate", old["id"])

    assert run.code == 0
    first, details, _ = run.out.splitlines()
    assert first.startswith("ak_")
    assert details.startswith(f"Rotated API key {old['id']} (now revoked): its successor is key_")
    keys = {key["id"]: key for key in json.loads(cli("list", "--json").out)}
    assert keys[old["id"]]["status"] == "revoked"
    (new,) = (key for key in keys.values() if key["status"] == "active")
    assert new["name"] == "deploy"
    assert first.startswith(new["key_prefix"])


def test_rotate_takes_an_expiry_at_an_instant(served: FakeApiKeys) -> None:
    old = created_key("deploy", "--expires-in", "90d")

    shown = json.loads(
        cli("rotate", old["id"], "--expires-at", "2099-06-01T08:00+02:00", "--json").out
    )

    assert shown["expires_at"] == "2099-06-01T06:00:00Z"
    (new,) = [key for key in json.loads(cli("list", "--json").out) if key["status"] == "active"]
    assert new["expires_at"] == "2099-06-01T06:00:00Z"


def test_a_reserved_output_file_that_vanished_is_discarded_quietly(tmp_path: Path) -> None:
    from api_keys_client._cli._console import (  # noqa: PLC0415
        discard_output_file,
        reserve_output_file,
    )

    path = tmp_path / "new.key"
    descriptor = reserve_output_file(str(path))
    path.unlink()  # someone else cleaned up first

    discard_output_file(descriptor, str(path))  # raises nothing

    with pytest.raises(OSError, match="Bad file descriptor"):
        os.fstat(descriptor)  # and the descriptor is closed


def test_rotate_json_and_output_file(served: FakeApiKeys, tmp_path: Path) -> None:
    old = created_key("deploy")
    path = tmp_path / "new.key"

    shown = json.loads(
        cli(
            "rotate",
            old["id"],
            "--name",
            "deploy-2",
            "--expires-in",
            "7d",
            "--output-file",
            str(path),
            "--json",
        ).out
    )

    assert (shown["replaces"], shown["name"], shown["raw_key"]) == (old["id"], "deploy-2", None)
    assert path.read_text().startswith(shown["key_prefix"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_rotate_refuses_an_unknown_key_and_creates_nothing(served: FakeApiKeys) -> None:
    run = cli("rotate", "key_nope")
    assert run.code == 2
    assert "key_nope is not one of your keys in workspace ws_cli; nothing was changed" in run.err
    assert cli("list").out == "No API keys in this workspace.\n"


def test_rotate_of_a_revoked_key_keeps_its_own_words(served: FakeApiKeys) -> None:
    old = created_key("deploy")["id"]
    assert cli("revoke", old).code == 0

    run = cli("rotate", old)

    assert (run.code, run.err) == (
        2,
        f"api-keys: error: key {old} is already revoked: nothing was created\n",
    )


def test_rotate_whose_revoke_fails_keeps_the_new_key_and_says_so(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = created_key("deploy")
    import api_keys_client._resources as resources  # noqa: PLC0415

    original = resources.ApiKeys.revoke

    def failing_revoke(self: Any, key_id: str, **options: Any) -> None:
        served.fail_next(3, status=503, retry_after=0)
        original(self, key_id, **options)

    monkeypatch.setattr(resources.ApiKeys, "revoke", failing_revoke)
    run = cli("rotate", old["id"])

    assert run.code == 1
    raw = run.out.splitlines()[0]
    assert raw.startswith("ak_")  # the new secret is out
    assert "the successor key_" in run.err
    assert "raw key is above, shown this once; but revoking" in run.err
    assert f"{old['id']} is still active: revoke it once the cause is fixed" in run.err
    listed = json.loads(cli("list", "--json").out)
    assert sorted(key["status"] for key in listed) == ["active", "active"]
    (new,) = [key for key in listed if key["id"] != old["id"]]
    assert raw.startswith(new["key_prefix"])
    assert f"the successor {new['id']} (prefix {new['key_prefix']}) was created" in run.err


# -- audit -------------------------------------------------------------------------------------


def test_audit_exits_0_when_nothing_matches(served: FakeApiKeys) -> None:
    created_key("fresh", "--expires-in", "90d")
    run = cli("audit", "--expiring-within", "7d")
    assert (run.code, run.out) == (0, "")
    assert run.err == "api-keys: 0 finding(s) in 1 workspace\n"


def test_audit_with_findings_exits_3_across_workspaces(served: FakeApiKeys) -> None:
    created_key("soon", "--expires-in", "2d")
    created_key("forever", "--workspace", "ws_two")
    created_key("later", "--expires-in", "60d", "--workspace", "ws_three")

    run = cli(
        "audit",
        "--workspace",
        "ws_cli",
        "--workspace",
        "ws_two",
        "--workspace",
        "ws_three",
        "--expiring-within",
        "7d",
        "--no-expiry",
    )

    assert run.code == 3
    rows = [line.split("  ") for line in run.out.splitlines()]
    assert run.out.splitlines()[0].split() == ["WORKSPACE", "ID", "NAME", "PREFIX", "FINDINGS"]
    found = {(row[0], [c for c in row if c][2]) for row in rows[1:]}
    assert found == {("ws_cli", "soon"), ("ws_two", "forever")}
    assert "expires in 1 day" in run.out or "expires in 2 days" in run.out
    assert "never expires" in run.out
    assert run.err == "api-keys: 2 finding(s) in 3 workspaces\n"

    as_json = json.loads(cli("audit", "--workspace", "ws_two", "--no-expiry", "--json").out)
    assert [(f["workspace_id"], f["name"], f["reasons"]) for f in as_json] == [
        ("ws_two", "forever", ["never expires"])
    ]


def test_audit_uses_one_connection_pool(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools: list[httpx.AsyncClient] = []
    original = httpx.AsyncClient.__init__

    def counting(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        pools.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counting)
    run = cli(
        "audit",
        "--workspace",
        "ws_cli",
        "--workspace",
        "ws_two",
        "--workspace",
        "ws_three",
        "--idle-for",
        "1d",
    )
    assert run.code == 0
    assert len(pools) == 1


def test_audit_reports_an_unreachable_workspace_and_exits_1(served: FakeApiKeys) -> None:
    run = cli("audit", "--workspace", "ws_cli", "--workspace", "ws_not_mine", "--no-expiry")
    assert run.code == 1
    assert "workspace ws_not_mine: GET" in run.err
    assert "not a member of this workspace" in run.err


# -- identify ----------------------------------------------------------------------------------


def test_identify_reads_the_secret_from_stdin(served: FakeApiKeys) -> None:
    leaked = created_key("leaked")
    created_key("other")

    run = cli("identify", stdin=leaked["raw_key"] + "\n")

    assert run.code == 0
    assert run.out.startswith(f"The secret belongs to API key {leaked['id']} ('leaked', prefix")
    assert leaked["raw_key"] not in run.out + run.err
    shown = json.loads(cli("identify", "--json", stdin=leaked["raw_key"]).out)
    assert (shown["id"], shown["status"], shown["revoked_now"]) == (leaked["id"], "active", False)


def test_identify_revoke(served: FakeApiKeys) -> None:
    leaked = created_key("leaked")
    run = cli("identify", "--revoke", stdin=leaked["raw_key"])
    assert run.code == 0
    assert f"Revoked API key {leaked['id']}." in run.out
    again = cli("identify", "--revoke", stdin=leaked["raw_key"])
    assert "It was already revoked." in again.out


def test_identify_of_an_unknown_secret_exits_1(served: FakeApiKeys) -> None:
    created_key("mine")
    run = cli("identify", stdin="ak_nothing_of_mine\n")
    assert run.code == 1
    assert run.err == (
        "api-keys: no key in workspace ws_cli has a prefix found in this secret (compared here:"
        " the secret was not sent)\n"
    )
    assert "ak_nothing" not in run.err


def test_identify_with_nothing_on_stdin_is_a_usage_error(served: FakeApiKeys) -> None:
    run = cli("identify", stdin="\n\n")
    assert run.code == 2
    assert "no secret on stdin" in run.err


# -- never lose a raw key: the failure paths ---------------------------------------------------

BAD_CREATE = {
    "id": "key_9",
    "name": "x",
    "keyPrefix": "ak_live_only",
    "rawKey": "ak_live_onlycopySECRET",
    "createdAt": "yesterday",
}


def _bad_create_answers(mock: respx.MockRouter) -> None:
    """The served fake answers everything, except creates: a 201 that does not validate."""
    base = os.environ["API_KEYS_BASE_URL"]
    mock.post(url__startswith=base).respond(201, json=BAD_CREATE)
    mock.route(url__startswith=base).pass_through()


def test_create_json_whose_answer_fails_validation_prints_the_secret_as_json(
    served: FakeApiKeys,
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        _bad_create_answers(mock)
        run = cli("create", "x", "--json")

    assert run.code == 1
    shown = json.loads(run.out)
    assert shown["raw_key"] == BAD_CREATE["rawKey"]
    assert (shown["id"], shown["key_prefix"]) == ("key_9", "ak_live_only")
    assert "createdAt" in shown["validation_error"]
    assert "its raw key is in the JSON above, shown this once" in run.err


@pytest.mark.parametrize("as_json", [False, True])
def test_rotate_whose_create_answer_fails_validation_still_delivers_the_secret(
    served: FakeApiKeys, as_json: bool
) -> None:
    old = created_key("deploy")
    with respx.mock(assert_all_called=False) as mock:
        _bad_create_answers(mock)
        run = cli("rotate", old["id"], *(["--json"] if as_json else []))

    assert run.code == 1
    if as_json:
        assert json.loads(run.out)["raw_key"] == BAD_CREATE["rawKey"]
    else:
        assert run.out == BAD_CREATE["rawKey"] + "\n"
    assert "key key_9 was created and its raw key is" in run.err
    assert f"{old['id']} was not revoked and is still active" in run.err
    assert json.loads(cli("list", "--json").out)[0]["status"] == "active"


def test_rotate_whose_create_answer_fails_validation_fills_the_output_file(
    served: FakeApiKeys, tmp_path: Path
) -> None:
    old = created_key("deploy")
    path = tmp_path / "new.key"
    with respx.mock(assert_all_called=False) as mock:
        _bad_create_answers(mock)
        run = cli("rotate", old["id"], "--output-file", str(path))

    assert run.code == 1
    assert path.read_text() == BAD_CREATE["rawKey"] + "\n"
    assert f"its raw key is in {path}" in run.err
    assert BAD_CREATE["rawKey"] not in run.out + run.err


def _revoke_fails(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch, failure: BaseException | None
) -> None:
    import api_keys_client._resources as resources  # noqa: PLC0415

    original = resources.ApiKeys.revoke

    def revoke(self: Any, key_id: str, **options: Any) -> None:
        if failure is not None:
            raise failure
        served.fail_next(3, status=503, retry_after=0)
        original(self, key_id, **options)

    monkeypatch.setattr(resources.ApiKeys, "revoke", revoke)


def test_rotate_json_whose_revoke_fails_keeps_the_secret_in_its_json(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = created_key("deploy")
    _revoke_fails(served, monkeypatch, None)

    run = cli("rotate", old["id"], "--json")

    assert run.code == 1
    shown = json.loads(run.out)
    assert shown["raw_key"].startswith(shown["key_prefix"])
    assert shown["replaces"] == old["id"]
    assert (
        f"raw key is in the JSON above, shown this once; but revoking {old['id']} failed" in run.err
    )
    assert f"{old['id']} is still active: revoke it once the cause is fixed" in run.err
    assert ".created" not in run.err  # the library's words for a library user, not here


@pytest.mark.parametrize("as_json", [False, True])
def test_rotate_interrupted_during_the_revoke_has_already_delivered(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    old = created_key("deploy")
    _revoke_fails(served, monkeypatch, KeyboardInterrupt())

    run = cli("rotate", old["id"], *(["--json"] if as_json else []))

    assert run.code == 130
    raw = json.loads(run.out)["raw_key"] if as_json else run.out.strip()
    assert raw.startswith("ak_")
    assert (
        f"interrupted after the new key's secret was written: {old['id']} may still be active"
        in run.err
    )
    assert "candidates" not in run.err  # the key is not lost: no hunt for it


def test_an_ambiguous_rotate_looks_for_the_successor_not_the_old_key(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = created_key("deploy")
    created_key("other")
    served.lose_next_response() if False else None
    import api_keys_client._resources as resources  # noqa: PLC0415

    original = resources.ApiKeys.create

    def create(self: Any, **arguments: Any) -> Any:
        served.lose_next_response()
        return original(self, **arguments)

    monkeypatch.setattr(resources.ApiKeys, "create", create)
    run = cli("rotate", old["id"])

    assert run.code == 1
    candidates = [line for line in run.err.splitlines() if line.startswith("api-keys:   key_")]
    assert len(candidates) == 1
    assert "'deploy'" in candidates[0]  # the successor takes the old key's name
    assert old["id"] not in candidates[0]
    assert f"{old['id']} was not revoked and is still active" in run.err


@pytest.mark.parametrize("as_json", [False, True])
def test_an_output_file_that_cannot_be_written_falls_back_to_stdout_honestly(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, as_json: bool
) -> None:
    import api_keys_client._cli._delivery as delivery  # noqa: PLC0415
    from api_keys_client._cli._console import OutputFailed  # noqa: PLC0415

    def full(descriptor: int, raw_key: str) -> None:
        os.close(descriptor)
        raise OutputFailed("File too large")

    monkeypatch.setattr(delivery, "write_output_file", full)
    path = tmp_path / "k"

    run = cli("create", "deploy", "--output-file", str(path), *(["--json"] if as_json else []))

    assert run.code == 0
    assert not path.exists()
    assert f"could not write the raw key to {path} (File too large)" in run.err
    if as_json:
        shown = json.loads(run.out)  # one JSON object, not a bare line before it
        assert shown["raw_key"].startswith(shown["key_prefix"])
        assert "raw_key_file" not in shown
    else:
        assert run.out.splitlines()[0].startswith("ak_")
        assert "Its raw key is in" not in run.out


def test_a_usage_error_after_reserving_leaves_no_file(served: FakeApiKeys, tmp_path: Path) -> None:
    path = tmp_path / "k"
    run = cli("create", "x", "--output-file", str(path), "--base-url", "ftp://nowhere")
    assert run.code == 2
    assert not path.exists()
    run = cli("create", "bad\udcff", "--output-file", str(path))
    assert run.code == 2
    assert not path.exists()
    assert served.requests_handled == 0


def test_a_closed_stdout_refuses_to_make_a_secret(served: FakeApiKeys) -> None:
    from api_keys_client._cli._console import ClosedStream  # noqa: PLC0415

    err = io.StringIO()
    code = main(["create", "nowhere"], out=ClosedStream(), err=err, stdin=io.StringIO())
    assert code == 2
    assert "stdout is closed, so a new raw key would have nowhere to go" in err.getvalue()
    assert served.requests_handled == 0


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (
            ["create", "bad\udcff"],
            "NAME has a character UTF-8 cannot encode (U+DCFF) at position 3",
        ),
        (["revoke", "\udcff", "--force"], "ID has a character UTF-8 cannot encode (U+DCFF)"),
        (
            ["list", "--base-url", "http://xn--a.com"],
            "--base-url (or API_KEYS_BASE_URL) is not a valid URL",
        ),
        (["list", "--base-url", "http://a.test:99999"], "port 99999 is not a TCP port"),
    ],
)
def test_text_no_request_can_carry_is_a_usage_error(
    served: FakeApiKeys, argv: list[str], named: str
) -> None:
    run = cli(*argv)
    assert run.code == 2
    assert named in run.err
    assert served.requests_handled == 0


def test_identify_finds_a_secret_pasted_with_its_surroundings(served: FakeApiKeys) -> None:
    leaked = created_key("leaked")
    raw = leaked["raw_key"]
    for pasted in (
        f"\ufeff{raw}\r\n",  # a byte-order mark and a Windows line end
        f"  {raw}\u200b  ",
        f'API_KEY="{raw}"',
        f"2026-11-27 ERROR request failed, token={raw} expired",
    ):
        run = cli("identify", "--json", stdin=pasted)
        assert run.code == 0, (pasted, run.err)
        assert json.loads(run.out)["id"] == leaked["id"]


def test_identify_with_stdin_closed_is_a_usage_error(
    served: FakeApiKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # what Python makes of a closed descriptor 0
    out, err = io.StringIO(), io.StringIO()
    code = main(["identify"], out=out, err=err)
    assert code == 2
    assert "no secret on stdin (it is closed)" in err.getvalue()


def test_audit_json_names_the_audited_workspace_when_the_listing_does_not(
    served: FakeApiKeys,
) -> None:
    key = {k: v for k, v in created_key("forever").items() if k != "raw_key"}
    listed = {
        "id": key["id"],
        "name": "forever",
        "key_prefix": key["key_prefix"],
        "created_at": key["created_at"],
        "expires_at": None,
    }
    with respx.mock(assert_all_called=False) as mock:
        mock.get(url__startswith=os.environ["API_KEYS_BASE_URL"]).respond(200, json=[listed])
        run = cli("audit", "--no-expiry", "--json")
    assert run.code == 3
    (finding,) = json.loads(run.out)
    assert finding["workspace_id"] == "ws_cli"
    assert finding["status"] == "active"


def test_a_write_failure_without_a_reason_is_named_by_its_type() -> None:
    from api_keys_client._cli._console import OutputClosed, OutputFailed, output_error  # noqa: PLC0415

    failed = output_error(OSError())
    assert isinstance(failed, OutputFailed)
    assert failed.reason == "OSError"
    full = output_error(OSError(28, "No space left on device"))
    assert isinstance(full, OutputFailed)
    assert full.reason == "No space left on device"
    assert isinstance(output_error(BrokenPipeError()), OutputClosed)


def test_an_output_file_that_cannot_be_created_is_refused_before_creating(
    served: FakeApiKeys, tmp_path: Path
) -> None:
    path = tmp_path / "no-such-directory" / "new.key"

    run = cli("create", "deploy", "--output-file", str(path))

    assert run.code == 2
    assert (
        f"--output-file {path} cannot be created (No such file or directory): nothing was created"
        in run.err
    )
    assert served.requests_handled == 0
