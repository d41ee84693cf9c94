"""manifest.yml is a valid Slack app manifest and covers everything the code registers."""

import json
from pathlib import Path

import pytest
import yaml

from commands import register_all

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


class Recorder:
    """Stands in for a Bolt App and notes what each surface registers."""

    def __init__(self):
        self.seen: dict[str, list] = {}

    def __getattr__(self, kind):
        def register(matcher=None, *args, **kwargs):
            self.seen.setdefault(kind, []).append(matcher if matcher is not None else kwargs)
            return lambda handler: handler

        return register


@pytest.fixture(scope="module")
def registered() -> dict:
    recorder = Recorder()
    register_all(recorder)
    return recorder.seen


def test_valid_against_slacks_schema(manifest):
    if not SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema is not beside the checkout ({SCHEMA})")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(manifest, json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_request_urls_end_in_slack_events(manifest):
    settings = manifest["settings"]
    urls = [c["url"] for c in manifest["features"]["slash_commands"]]
    urls += [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)


def test_every_registered_command_shortcut_and_event_is_in_the_manifest(manifest, registered):
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    shortcuts = {s["callback_id"] for s in manifest["features"]["shortcuts"]}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert set(registered.get("command", [])) <= commands
    assert set(registered.get("shortcut", [])) <= shortcuts
    assert set(registered.get("event", [])) <= events
    assert manifest["settings"]["interactivity"]["is_enabled"]


def test_the_contract_surfaces_are_there(manifest):
    assert {c["command"] for c in manifest["features"]["slash_commands"]} == {"/behov"}
    shortcut = manifest["features"]["shortcuts"][0]
    assert (shortcut["callback_id"], shortcut["type"]) == ("register_need", "message")
    assert manifest["features"]["app_home"]["home_tab_enabled"]


def test_scopes_are_only_those_the_code_needs(manifest):
    from tests.scopes import scopes_used

    assert set(manifest["oauth_config"]["scopes"]["bot"]) == scopes_used(ROOT)


def test_the_usage_hint_names_every_subcommand(manifest):
    """Slack shows the hint as the person types `/behov`: every subcommand, the admins' too
    (their answer says who may use them)."""
    from commands.slash import ROUTES
    from domain.commands import ALIASES

    hint = manifest["features"]["slash_commands"][0]["usage_hint"]
    words = {part.split()[0] for part in hint.split(" | ")}
    assert {ALIASES[word] for word in words} >= set(ROUTES)
    assert "bevaka <nr>" in hint and "rapport [år]" in hint
