"""Settings: CONTRACT.md's names and defaults, and one clear line for anything wrong."""

import subprocess
import sys
from datetime import timedelta

import pytest

from bot.settings import SettingsError, load_settings, parse_duration

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
