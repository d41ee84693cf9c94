"""Heavy answers after the ack (fuzzy lookups, lists, searches) run two at a time per
process, so the acks of other requests do not wait for the GIL behind a crowd of them."""

from __future__ import annotations

import threading
import time

from bot.app import HEAVY_AT_ONCE
from commands import status
from fakeslack import visible_text
from tests.conftest import Bot, make_settings

PEOPLE = [f"UHEAVY{i}" for i in range(6)]


def test_heavy_answers_run_two_at_a_time_and_everyone_gets_theirs(
    database_url, fake_slack, clock, monkeypatch
):
    for person in PEOPLE:
        fake_slack.add_user(person, person.lower())
    fake_slack.add_channel("CHEAVY", "tunga-svar", members=PEOPLE)
    running = Bot(make_settings(database_url, fake_slack.api_url), clock)
    fake_slack.app_url = running.url + "/slack/events"  # no settling: requests overlap

    lock, inside, most = threading.Lock(), [0], [0]
    real_answer = status.answer

    def slow_answer(svc, tx, argument):  # the real answer, as long as one over many needs
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            time.sleep(0.3)
            return real_answer(svc, tx, argument)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(status, "answer", slow_answer)
    acks = {}

    def ask(person: str) -> None:
        acks[person] = fake_slack.slash(person, "status trygg hemgång", channel="CHEAVY")

    try:
        threads = [threading.Thread(target=ask, args=(p,)) for p in PEOPLE]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        answers = {p: fake_slack.wait_ephemerals(p, 1, timeout=15) for p in PEOPLE}
    finally:
        running.settle()
        running.stop()
    assert all(result.status == 200 for result in acks.values())
    assert most[0] == HEAVY_AT_ONCE == 2
    for person in PEOPLE:
        [answer] = answers[person]
        assert "Hittade inget behov vars titel liknar ”trygg hemgång”" in visible_text(answer)
