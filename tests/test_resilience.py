"""`behov serve` killed with SIGKILL during an open vote and started again: no confirmed ballot
is lost, and the deadline closes the vote exactly once.

The server is a real subprocess on the real clock; instead of waiting out a vote, the test
moves the stored deadline to "now" once the clicks are done (bounded waits, no long sleeps).
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from commands import ids
from domain.history import EventKind
from domain.needs import Draft
from storage.db import Database
from storage.models import Ballot, NeedEvent, Vote
from storage.needs import create_need
from tests.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET, STAFF, VOTING_CHANNEL, wait_for
from tests.production_support import ServeProcess
from tests.test_votes_slack import add_voters

CHOICE = ids.VOTE_CAST
RESULT = "Resultat för #"  # the heading of the result reply in the vote's thread


def serve(database_url, fake_slack, tmp_path, name: str) -> ServeProcess:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        "BEHOV_VOTING_CHANNEL": VOTING_CHANNEL,
        "BEHOV_ADMINS": ADMIN,
        "BEHOV_VOTE_DURATION": "7d",
        "BEHOV_TICK_SECONDS": "1",
    }
    server = ServeProcess(env, tmp_path / f"{name}.log")
    fake_slack.app_url = server.url + "/slack/events"
    return server


def click(fake_slack, user: str, quadrant: str, ts: str, *, confirmed: bool) -> bool:
    """Vote; with `confirmed`, wait for the confirmation (sent after the ballot is stored)."""
    seen = len(fake_slack.ephemerals(user))
    result = fake_slack.click(user, CHOICE[quadrant], channel=VOTING_CHANNEL, ts=ts)
    assert result.status == 200
    if confirmed:
        assert fake_slack.wait_ephemerals(user, seen + 1, timeout=30)[seen:], user
    return len(fake_slack.ephemerals(user)) > seen


def test_a_killed_server_loses_no_confirmed_ballot_and_closes_the_vote_once(
    database_url, fake_slack, ref, tmp_path
):
    voters = add_voters(fake_slack, 5)
    db = Database.from_url(database_url)
    draft = Draft(
        title="Gemensam läkemedelslista",
        description="Alla huvudmän ska se samma läkemedelslista.",
        origin="gemensamt_utvecklingsarbete",
        area="fvm",
    )
    with db.session(write=True) as s:
        number = create_need(s, draft=draft, ref=ref, user_id=STAFF, now=datetime.now(UTC))[0].id

    first = serve(database_url, fake_slack, tmp_path, "first")
    try:
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
        posted = wait_for(lambda: fake_slack.messages(VOTING_CHANNEL), "the vote message", 60.0)
        ts = posted[-1]["ts"]
        confirmed = {}
        choices = ["gor_nu", "planera", "delegera", "gor_nu"]
        for user, quadrant in zip(voters[:4], choices, strict=True):
            click(fake_slack, user, quadrant, ts, confirmed=True)
            confirmed[user] = quadrant
        # The last voter's click is acknowledged, then the server dies at once.
        if click(fake_slack, voters[4], "avvakta", ts, confirmed=False):
            confirmed[voters[4]] = "avvakta"
    finally:
        first.stop(signal.SIGKILL)

    second = serve(database_url, fake_slack, tmp_path, "second")
    try:
        click(fake_slack, voters[0], "planera", ts, confirmed=True)  # a changed vote
        confirmed[voters[0]] = "planera"
        with db.session() as s:
            stored = {b.user_id: b.quadrant for b in s.exec(select(Ballot))}
        assert {u: stored.get(u) for u in confirmed} == confirmed

        with db.session(write=True) as s:  # the week is over
            vote = s.exec(select(Vote)).one()
            vote.deadline = datetime.now(UTC) - timedelta(seconds=1)
            s.add(vote)

        def result_replies():
            thread = fake_slack.thread(VOTING_CHANNEL, ts)
            return [m for m in thread if RESULT in fake_slack.visible_text(m)]

        wait_for(result_replies, "the result in the vote's thread", limit=60.0)
        time.sleep(2.5)  # two more ticks of the scheduler: a second close would show now
        assert len(result_replies()) == 1
        with db.session() as s:
            closed = s.exec(select(NeedEvent).where(NeedEvent.kind == EventKind.VOTE_CLOSED))
            assert len(closed.all()) == 1
            assert s.exec(select(Vote)).one().closed_at is not None
        shown = fake_slack.find_message(VOTING_CHANNEL, ts)
        buttons = [e.get("action_id") for b in shown["blocks"] for e in b.get("elements", [])]
        assert not set(CHOICE.values()) & set(buttons)  # the result replaced the buttons
    finally:
        second.stop()
        db.engine.dispose()
