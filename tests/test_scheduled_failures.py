"""Scheduled posts through Slack failures: each message arrives exactly once.

A post that Slack stored and then answered with a 500, or answered too late, is found again in
the channel's history by the delivery key in its message metadata, and not posted a second
time. The jobs run as the scheduler runs them, against the fake Slack, on both databases.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.app import build_services
from bot.scheduler import run_due_work
from bot.sent_check import EVENT_TYPE, delivery_key
from storage.models import JobClaim
from tests.conftest import ADMIN, IMPATIENT_TIMEOUT, VOTING_CHANNEL, make_settings
from tests.scheduler_support import add_need, days
from tests.test_votes_slack import add_need as add_need_via_bot
from tests.test_votes_slack import add_voters, choose, open_vote, vote_message

TZ = ZoneInfo("Europe/Stockholm")
DIGEST_CHANNEL = "CGENERAL"
TIMEOUT = IMPATIENT_TIMEOUT  # BEHOV_SLACK_TIMEOUT of `impatient_bot`

FAILURES = {
    "timeout, stored": dict(delay=3 * TIMEOUT, processed=True),
    "500 after storing": dict(status=500, processed=True),
    "500 before storing": dict(status=500),
    "429 Retry-After": dict(status=429, retry_after=1),
}
STORED = {"timeout, stored", "500 after storing"}


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


@pytest.fixture
def svc(database_url, fake_slack, clock):
    settings = make_settings(
        database_url,
        fake_slack.api_url,
        behov_digest_channel=DIGEST_CHANNEL,
        behov_slack_timeout=TIMEOUT,
    )
    services = build_services(settings, clock=clock)
    yield services
    services.db.engine.dispose()
    assert fake_slack.problems == [], fake_slack.problems


def ticks(svc, clock, count: int = 3) -> None:
    """The first tick, then more a minute apart (as BEHOV_TICK_SECONDS=60 would)."""
    run_due_work(svc)
    for _ in range(count - 1):
        clock.advance(minutes=1)
        run_due_work(svc)


def statuses(db, kind: str) -> list[str]:
    with db.session() as s:
        return s.exec(select(JobClaim.status).where(JobClaim.kind == kind)).all()


def digest_monday(svc, clock, ref) -> datetime:
    """Monday 30 November 08:00: the digest is due, and nothing else."""
    clock.now = local(2026, 11, 30, 8, 0)
    add_need(svc.db, ref, title="Mobila team i Fyrbodal", at=clock.now - days(2))
    return clock.now


def stale_tuesday(svc, clock, ref) -> datetime:
    """Tuesday 1 December 09:00: the stale-needs DM to the admin is due (Monday's digest is
    past its grace period, so it is skipped, not posted)."""
    clock.now = local(2026, 12, 1, 9, 0)
    add_need(svc.db, ref, title="Väntar länge", at=clock.now - days(40))
    return local(2026, 12, 1, 8, 0)


SCENARIOS = {
    # name: (set-up, kind, subject, where the message appears)
    "digest": (digest_monday, "digest", DIGEST_CHANNEL, lambda fs: fs.messages(DIGEST_CHANNEL)),
    "stale reminder": (stale_tuesday, "stale_needs", ADMIN, lambda fs: fs.dm_messages(ADMIN)),
}


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
@pytest.mark.parametrize("scenario", SCENARIOS, ids=list(SCENARIOS))
def test_a_scheduled_post_arrives_exactly_once_through_a_failure(
    svc, fake_slack, clock, ref, scenario, failure
):
    set_up, kind, subject, shown = SCENARIOS[scenario]
    due = set_up(svc, clock, ref)
    fake_slack.fail("chat.postMessage", **FAILURES[failure])
    ticks(svc, clock)
    [message] = shown(fake_slack)
    assert message["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"key": delivery_key(kind, subject, due)},
    }
    assert statuses(svc.db, kind) == ["sent"]
    posts = fake_slack.calls("chat.postMessage")
    assert len(posts) == (1 if failure in STORED else 2) and not posts[0].ok
    looked = fake_slack.calls("conversations.history")
    assert len(looked) == (0 if failure == "429 Retry-After" else 1)  # a 429 did nothing
    if looked:
        assert looked[0].args["include_all_metadata"] in ("1", "true", True)


def test_an_unsure_post_is_not_looked_for_before_a_minute_has_passed(svc, fake_slack, clock, ref):
    digest_monday(svc, clock, ref)
    fake_slack.fail("chat.postMessage", status=500, processed=True)
    for _ in range(3):
        run_due_work(svc)  # the same moment: Slack may still be storing a slow post
    assert fake_slack.calls("conversations.history") == []
    assert statuses(svc.db, "digest") == ["unsure"]
    assert len(fake_slack.messages(DIGEST_CHANNEL)) == 1


@pytest.mark.parametrize("stored", [True, False], ids=["stored", "not stored"])
def test_while_the_history_cannot_be_read_nothing_is_posted(svc, fake_slack, clock, ref, stored):
    digest_monday(svc, clock, ref)
    fake_slack.fail("chat.postMessage", status=500, processed=stored)
    fake_slack.fail("conversations.history", status=503)
    fake_slack.fail("conversations.history", delay=3 * TIMEOUT)
    ticks(svc, clock, 3)
    assert len(fake_slack.messages(DIGEST_CHANNEL)) == (1 if stored else 0)
    assert len(fake_slack.calls("chat.postMessage")) == 1
    assert statuses(svc.db, "digest") == ["unsure"]
    clock.advance(minutes=1)
    run_due_work(svc)
    assert len(fake_slack.messages(DIGEST_CHANNEL)) == 1
    assert statuses(svc.db, "digest") == ["sent"]


@pytest.mark.parametrize("error", ["missing_scope", "not_in_channel"])
@pytest.mark.parametrize("stored", [True, False], ids=["stored", "not stored"])
def test_without_access_to_the_history_the_post_is_sent_again_and_logged(
    svc, fake_slack, clock, ref, caplog, error, stored
):
    """A possible duplicate is better than a missing digest; the log says what to fix."""
    digest_monday(svc, clock, ref)
    fake_slack.fail("chat.postMessage", status=500, processed=stored)
    fake_slack.fail("conversations.history", error=error)
    with caplog.at_level(logging.WARNING):
        ticks(svc, clock)
    assert len(fake_slack.messages(DIGEST_CHANNEL)) == (2 if stored else 1)
    assert statuses(svc.db, "digest") == ["sent"]
    [logged] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error in logged.getMessage() and "posting it again" in logged.getMessage()


# ---------------------------------------------------------------- votes


STORED_FAILURES = {name: FAILURES[name] for name in sorted(STORED)}


@pytest.mark.parametrize("failure", STORED_FAILURES, ids=list(STORED_FAILURES))
def test_a_vote_reminder_arrives_once(impatient_bot, fake_slack, clock, ref, failure):
    bot = impatient_bot
    voters = add_voters(fake_slack, 2)
    message = open_vote(fake_slack, add_need_via_bot(bot, ref))
    choose(fake_slack, voters[0], "gor_nu", message)
    clock.advance(days=6)  # 24 hours before the deadline
    fake_slack.fail("chat.postMessage", **STORED_FAILURES[failure])
    ticks(bot.services, clock)
    for user in (voters[1], ADMIN):
        assert len(fake_slack.dm_messages(user)) == 1, user
    assert fake_slack.dm_messages(voters[0]) == []
    assert statuses(bot.db, "vote_reminder") == ["sent", "sent"]


@pytest.mark.parametrize("failure", STORED_FAILURES, ids=list(STORED_FAILURES))
def test_the_result_of_a_vote_is_replied_once(impatient_bot, fake_slack, clock, ref, failure):
    bot = impatient_bot
    voters = add_voters(fake_slack, 2)
    message = open_vote(fake_slack, add_need_via_bot(bot, ref))
    for voter in voters:
        choose(fake_slack, voter, "planera", message)
    clock.advance(days=7, minutes=-1)
    run_due_work(bot.services)  # the reminder and the weekly digest go out before the deadline
    fake_slack.fail("chat.postMessage", **STORED_FAILURES[failure])
    clock.advance(minutes=1)
    ticks(bot.services, clock)
    assert len(fake_slack.thread(VOTING_CHANNEL, message["ts"])) == 1
    assert "Resultat: Planera" in fake_slack.visible_text(vote_message(fake_slack))
    assert statuses(bot.db, "vote_result") == ["sent"]
    assert fake_slack.calls("conversations.replies")
