"""Settings: CONTRACT.md's names and defaults, and one clear line for anything wrong."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.i18n import EN, SV
from bot.settings import SettingsError, explain, load_settings, parse_duration

CONTRACT_ENV = [
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL",
    "BEHOV_VOTING_CHANNEL", "BEHOV_DIGEST_CHANNEL", "BEHOV_ADMINS", "BEHOV_TIMEZONE",
    "BEHOV_DIGEST_CRON", "BEHOV_VOTE_DURATION", "BEHOV_TICK_SECONDS", "BEHOV_AUTO_MIGRATE",
]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in CONTRACT_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout


def test_defaults_match_the_contract():
    s = load_settings()
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.database_url == "sqlite:///behov.db"
    assert s.behov_timezone == "Europe/Stockholm"
    assert s.behov_digest_cron == "0 8 * * mon"
    assert s.vote_duration == timedelta(days=7)
    assert s.behov_tick_seconds == 60
    assert s.behov_admins == frozenset()
    assert s.behov_auto_migrate is True


def test_digest_channel_defaults_to_the_voting_channel(monkeypatch):
    monkeypatch.setenv("BEHOV_VOTING_CHANNEL", "CVOTE")
    assert load_settings().digest_channel == "CVOTE"
    monkeypatch.setenv("BEHOV_DIGEST_CHANNEL", "CDIGEST")
    assert load_settings().digest_channel == "CDIGEST"


def test_admins_are_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("BEHOV_ADMINS", " U1,U2 ,, U3")
    s = load_settings()
    assert s.behov_admins == {"U1", "U2", "U3"} and s.is_admin("U2") and not s.is_admin("U4")


def test_a_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("BEHOV_VOTING_CHANNEL=CFROMFILE\n", encoding="utf-8")
    assert load_settings().behov_voting_channel == "CFROMFILE"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BEHOV_VOTE_DURATION", "sju dagar"),
        ("BEHOV_VOTE_DURATION", "0d"),
        ("BEHOV_TIMEZONE", "Mars/Olympus"),
        ("BEHOV_DIGEST_CRON", "every monday"),
        ("BEHOV_TICK_SECONDS", "0"),
        ("BEHOV_TICK_SECONDS", "abc"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-wrong"),
        ("SLACK_API_URL", "slack.com/api"),
        ("DATABASE_URL", "mysql://x"),
        ("BEHOV_AUTO_MIGRATE", "kanske"),
    ],
)
def test_a_malformed_setting_is_named_in_one_line(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert name in message and "\n" not in message


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("36h", 129600), ("7d", 604800)]
)
def test_durations(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


def test_require_names_the_missing_setting():
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        load_settings(slack_bot_token="xoxb-1").require("slack_bot_token", "slack_signing_secret")


def run_cli(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_program_stops_with_one_line_and_no_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "BEHOV_VOTE_DURATION": "never", "HOME": str(tmp_path)}
    result = run_cli("db", "upgrade", env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "BEHOV_VOTE_DURATION" in result.stderr


def test_serve_without_a_token_names_it(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = run_cli("serve", env=env)
    assert result.returncode == 2 and "SLACK_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_socket_mode_without_an_app_token_names_it(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-1"}
    result = run_cli("socket", env=env)
    assert result.returncode == 2 and "SLACK_APP_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


BEHOV = str(Path(sys.executable).with_name("behov"))  # the console script of pyproject.toml
ROOT = str(Path(__file__).resolve().parent.parent)  # this checkout, wherever the venv points

# (setting, value, what `behov` says): one plain Swedish line for each kind of mistake.
BAD_VALUES = [
    ("BEHOV_TICK_SECONDS", "-1", "Inställningen BEHOV_TICK_SECONDS är ogiltig: ska vara minst 1."),
    ("BEHOV_TICK_SECONDS", "100000",
     "Inställningen BEHOV_TICK_SECONDS är ogiltig: ska vara högst 86400."),
    ("BEHOV_TICK_SECONDS", "abc",
     "Inställningen BEHOV_TICK_SECONDS är ogiltig: ska vara ett heltal."),
    ("BEHOV_TICK_SECONDS", "1.5",
     "Inställningen BEHOV_TICK_SECONDS är ogiltig: ska vara ett heltal."),
    ("BEHOV_VOTE_QUORUM", "0", "Inställningen BEHOV_VOTE_QUORUM är ogiltig: ska vara minst 1."),
    ("BEHOV_SLACK_TIMEOUT", "0",
     "Inställningen BEHOV_SLACK_TIMEOUT är ogiltig: ska vara större än 0."),
    ("BEHOV_SLACK_TIMEOUT", "121",
     "Inställningen BEHOV_SLACK_TIMEOUT är ogiltig: ska vara högst 120."),
    ("BEHOV_SLACK_TIMEOUT", "snabbt", "Inställningen BEHOV_SLACK_TIMEOUT är ogiltig: "
     "ska vara ett tal, till exempel 10 eller 2.5."),
    ("BEHOV_AUTO_MIGRATE", "kanske", "Inställningen BEHOV_AUTO_MIGRATE är ogiltig: "
     "ska vara 1 eller 0 (eller true/false, yes/no, on/off)."),
    ("BEHOV_LOG_FORMAT", "xml",
     "Inställningen BEHOV_LOG_FORMAT är ogiltig: ska vara json eller text."),
    ("BEHOV_LOG_LEVEL", "loud", "Inställningen BEHOV_LOG_LEVEL är ogiltig: "
     "ska vara DEBUG, INFO, WARNING eller ERROR."),
    ("BEHOV_TIMEZONE", "Mars/Olympus", "Inställningen BEHOV_TIMEZONE är ogiltig: "
     "ska vara en känd tidszon, till exempel Europe/Stockholm."),
    ("BEHOV_DIGEST_CRON", "every monday", "Inställningen BEHOV_DIGEST_CRON är ogiltig: "
     "ska vara ett cron-uttryck med fem fält, t.ex. 0 8 * * mon."),
    ("BEHOV_VOTE_DURATION", "0d", "Inställningen BEHOV_VOTE_DURATION är ogiltig: "
     "ska vara ett positivt tal följt av s, m, h eller d, till exempel 7d."),
    ("BEHOV_CPUS", "1-3", "Inställningen BEHOV_CPUS är ogiltig: "
     "ska vara processorkärnornas nummer, åtskilda med kommatecken, t.ex. 2,3."),
    ("SLACK_API_URL", "slack.com/api",
     "Inställningen SLACK_API_URL är ogiltig: ska vara en http(s)-adress."),
    ("DATABASE_URL", "mysql://behov:hemligt-lösen@db/behov",
     "Inställningen DATABASE_URL är ogiltig: "
     "ska vara en SQLite- eller PostgreSQL-adress (sqlite:///… eller postgresql+psycopg://…)."),
    ("SLACK_BOT_TOKEN", "xoxp-hemlig-123",
     "Inställningen SLACK_BOT_TOKEN är ogiltig: ska börja med xoxb-."),
    ("SLACK_APP_TOKEN", "xoxb-hemlig-456",
     "Inställningen SLACK_APP_TOKEN är ogiltig: ska börja med xapp-."),
]  # fmt: skip


@pytest.mark.parametrize("command", [("digest", "--preview"), ("serve",)])
@pytest.mark.parametrize(("name", "value", "line"), BAD_VALUES)
def test_behov_says_what_is_wrong_in_plain_swedish(tmp_path, command, name, value, line):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": ROOT, name: value}
    result = subprocess.run(
        [BEHOV, *command], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert (result.returncode, result.stderr, result.stdout) == (2, f"behov: {line}\n", "")
    assert "hemlig" not in result.stderr  # a token or a password in a URL is never echoed


def test_a_missing_setting_has_its_own_line():
    error = {"type": "missing", "loc": ("slack_signing_secret",), "msg": "Field required"}
    assert explain(error, SV) == "Inställningen SLACK_SIGNING_SECRET saknas."
    assert explain(error, EN) == "The setting SLACK_SIGNING_SECRET is missing."


@pytest.mark.parametrize(
    "error",
    [
        {"type": "dict_type", "loc": ("behov_admins",), "msg": "Input should be a valid dict"},
        {"type": "value_error", "loc": ("behov_timezone",), "msg": "Value error, bad",
         "ctx": {"error": ValueError("something in English")}},
        {"type": "greater_than_equal", "loc": ("behov_tick_seconds",), "msg": "Input should be"},
    ],
)  # fmt: skip
def test_anything_else_is_an_invalid_value_in_swedish_never_pydantics_english(error):
    name = error["loc"][0].upper()
    assert explain(error, SV) == f"Inställningen {name} har ett ogiltigt värde."


def test_the_catalogue_has_the_lines_in_english_too():
    error = {
        "type": "literal_error",
        "loc": ("behov_log_format",),
        "ctx": {"expected": "'json' or 'text'"},
    }
    assert explain(error, EN) == "The setting BEHOV_LOG_FORMAT is invalid: must be json or text."
