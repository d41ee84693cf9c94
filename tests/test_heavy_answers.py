"""Heavy answers after the ack (fuzzy lookups, lists, searches, App Home tabs) run one at a
time per process, so the acks of other requests do not wait for the GIL behind them."""

from __future__ import annotations

import threading
import time

from bot.app import HEAVY_AT_ONCE
from commands import home, status
from fakeslack import visible_text
from tests.at_once import AtOnce
from tests.conftest import Bot, make_settings

PEOPLE = [f"UHEAVY{i}" for i in range(6)]


def slowed(monkeypatch, module, name: str) -> AtOnce:
    """Make module.name (the real one, called) take as long as it would over many needs;
    what is returned counts the most calls that were running at once."""
    at_once, real = AtOnce(), getattr(module, name)

    def slow(*args, **kwargs):
        with at_once:
            time.sleep(0.3)
            return real(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)
    return at_once


def start_bot(database_url, fake_slack, clock) -> Bot:
    for person in PEOPLE:
        fake_slack.add_user(person, person.lower())
    fake_slack.add_channel("CHEAVY", "tunga-svar", members=PEOPLE)
    running = Bot(make_settings(database_url, fake_slack.api_url), clock)
    fake_slack.app_url = running.url + "/slack/events"  # no settling: requests overlap
    return running


def all_at_once(work, people) -> dict:
    results = {}
    threads = [threading.Thread(target=lambda p=p: results.update({p: work(p)})) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_heavy_answers_run_one_at_a_time_and_everyone_gets_theirs(
    database_url, fake_slack, clock, monkeypatch
):
    running = start_bot(database_url, fake_slack, clock)
    at_once = slowed(monkeypatch, status, "answer")
    try:
        acks = all_at_once(
            lambda p: fake_slack.slash(p, "status trygg hemgång", channel="CHEAVY"), PEOPLE
        )
        answers = {p: fake_slack.wait_ephemerals(p, 1, timeout=15) for p in PEOPLE}
    finally:
        running.settle()
        running.stop()
    assert all(result.status == 200 for result in acks.values())
    assert at_once.most == HEAVY_AT_ONCE == 1
    for person in PEOPLE:
        [answer] = answers[person]
        assert "Inget behov har en titel som liknar ”trygg hemgång”" in visible_text(answer)


def test_app_home_tabs_are_rendered_one_at_a_time_and_everyone_gets_theirs(
    database_url, fake_slack, clock, monkeypatch
):
    running = start_bot(database_url, fake_slack, clock)
    at_once = slowed(monkeypatch, home, "render")
    try:
        acks = all_at_once(fake_slack.app_home_opened, PEOPLE)
    finally:
        running.settle()
        running.stop()
    assert all(result.status == 200 for result in acks.values())
    assert at_once.most == HEAVY_AT_ONCE
    for person in PEOPLE:
        assert "Behov" in visible_text(fake_slack.home(person))
