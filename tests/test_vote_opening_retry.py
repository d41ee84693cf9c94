"""A retry after an opening whose first step the database could not undo (it was away):
the attempt is over, so this process drops the unposted vote as soon as the database
answers, and the retry opens the vote at once, with one message in the channel. End to end
on both databases with the failures injected at the statements, and on PostgreSQL through a
real outage of the proxy."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from sqlalchemy import event

from commands import ids
from commands.vote_opening import unposted_limit
from storage.models import Need
from storage.needs import history
from tests.conftest import ADMIN, VOTING_CHANNEL
from tests.test_vote_opening import held_vote_post, strand_vote, vote_work, votes
from tests.test_vote_opening_failures import (
    NOT_OPENED,
    RecordingFailure,
    failing_recording,
    lost_connection,
    vote_posts,
)
from tests.test_votes_slack import add_need, add_voters, choose, last_ephemeral, open_vote

UNDO = "DELETE FROM vote WHERE vote.id = "  # drop_unposted's statement (not start_vote's)
DOWN = "Databasen svarar inte just nu"
NOT_IN_USE = "Det här röstmeddelandet används inte längre"


@contextmanager
def failing_undo(bot):
    """Every undo of an unposted vote fails while the block runs, as in a lasting outage."""
    failures = []

    def before_statement(conn, cursor, statement, *args):
        if statement.startswith(UNDO):
            failures.append(statement)
            raise lost_connection(statement)

    event.listen(bot.db.engine, "before_cursor_execute", before_statement)
    try:
        yield failures
    finally:
        event.remove(bot.db.engine, "before_cursor_execute", before_statement)


class CommitRefused(RecordingFailure):
    """The commit that records the message fails and nothing is committed: the opener
    cannot tell whether the vote opened, so its message stays."""

    def commit_then_fail(self, dbapi_connection):
        if self.recording and not self.failed:
            self.failed = True
            raise lost_connection("COMMIT")
        self.commit(dbapi_connection)


def opened_once(bot, fake_slack, number: int, message: dict) -> None:
    """The vote is open with this message, the only one in the channel, in phase 2."""
    assert "har öppnats" in last_ephemeral(fake_slack, ADMIN)
    [vote] = votes(bot)
    assert vote.message_ts == message["ts"]
    assert [m["ts"] for m in fake_slack.messages(VOTING_CHANNEL)] == [message["ts"]]
    with bot.db.session() as s:
        assert s.get(Need, number).phase == 2
        kinds = [e.kind for e in history(s, need_id=number)]
        assert kinds == ["registered", "phase_changed", "vote_opened"]


def test_a_retry_after_an_opening_that_could_not_be_undone_opens_the_vote(
    bot, fake_slack, ref, monkeypatch
):
    number = add_need(bot, ref)
    with failing_recording(bot, monkeypatch) as failed, failing_undo(bot) as undo:
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert failed.failed and undo
    assert f"Omröstningen om #{number} {NOT_OPENED}" in last_ephemeral(fake_slack, ADMIN)
    assert fake_slack.messages(VOTING_CHANNEL) == []  # its message came down
    [stranded] = votes(bot)
    assert stranded.message_ts is None

    message = open_vote(fake_slack, number)  # at once: not "håller på att öppnas"
    opened_once(bot, fake_slack, number, message)
    assert len(vote_posts(fake_slack)) == 2


def test_a_message_left_of_an_opening_given_up_is_not_in_use(bot, fake_slack, ref, monkeypatch):
    """Slack could not delete the message either: its buttons say it is no longer in use
    (not that the vote is still being opened), before and after the vote is dropped."""
    (voter,) = add_voters(fake_slack, 1)
    number = add_need(bot, ref)
    fake_slack.fail("chat.delete", status=500, times=10)
    with failing_recording(bot, monkeypatch), failing_undo(bot):
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert NOT_OPENED in last_ephemeral(fake_slack, ADMIN)
    [left] = fake_slack.messages(VOTING_CHANNEL)

    choose(fake_slack, voter, "gor_nu", left)
    assert NOT_IN_USE in last_ephemeral(fake_slack, voter)
    fake_slack.click(voter, ids.VOTE_REASON, channel=VOTING_CHANNEL, ts=left["ts"])
    assert NOT_IN_USE in last_ephemeral(fake_slack, voter)
    vote_id = next(e["value"] for b in left["blocks"] if b["type"] == "actions"
                   for e in b["elements"] if e["action_id"] == ids.VOTE_REASON)  # fmt: skip
    # An old message's close button (before it moved to the admins' details view)
    fake_slack.click(ADMIN, ids.VOTE_CLOSE, channel=VOTING_CHANNEL, ts=left["ts"], value=vote_id,
                     force=True)  # fmt: skip
    assert NOT_IN_USE in last_ephemeral(fake_slack, ADMIN)

    vote_work(bot)  # the next tick drops it, however young
    assert votes(bot) == []
    choose(fake_slack, voter, "gor_nu", left)
    assert NOT_IN_USE in last_ephemeral(fake_slack, voter)

    message = open_vote(fake_slack, number)
    choose(fake_slack, voter, "planera", message)
    assert "Din röst om" in last_ephemeral(fake_slack, voter)
    with bot.db.session() as s:
        assert s.get(Need, number).phase == 2


def test_a_message_left_because_the_vote_might_be_open_comes_down_on_the_retry(
    bot, fake_slack, ref, monkeypatch
):
    """The commit failed and the database could not tell whether it went through: the
    message stayed. The retry finds the vote never opened, takes the message down first and
    opens the vote with one message."""
    number = add_need(bot, ref)
    refused = CommitRefused(bot.db.engine, commit_lost=True)
    event.listen(bot.db.engine, "before_cursor_execute", refused.before_statement)
    monkeypatch.setattr(bot.db.engine.dialect, "do_commit", refused.commit_then_fail)
    try:
        with failing_undo(bot):
            fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    finally:
        event.remove(bot.db.engine, "before_cursor_execute", refused.before_statement)
    assert refused.failed
    assert DOWN in last_ephemeral(fake_slack, ADMIN)
    [left] = fake_slack.messages(VOTING_CHANNEL)
    assert votes(bot)[0].message_ts is None

    message = open_vote(fake_slack, number)
    [deleted] = fake_slack.calls("chat.delete")
    assert deleted.args["ts"] == left["ts"]
    opened_once(bot, fake_slack, number, message)


def test_an_opening_under_way_elsewhere_tells_when_a_retry_surely_works(
    bot, fake_slack, ref, clock
):
    """An unposted vote this process knows nothing of (another process's opening, or one
    that died): maybe under way, so no takeover; the admin hears until when at the latest."""
    number = add_need(bot, ref)
    strand_vote(bot, number, clock)
    fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    told = last_ephemeral(fake_slack, ADMIN)
    assert f"En omröstning om #{number} håller på att öppnas" in told
    assert "har försöket avbrutits: försök då igen" in told
    latest = clock() + unposted_limit(bot.services.settings)  # in each reader's zone in Slack
    assert f"Från och med <!date^{int(latest.timestamp())}^" in told and "> går det säkert." in told
    assert fake_slack.messages(VOTING_CHANNEL) == []


# ---------------------------------------------------------------- a real outage (PostgreSQL)


def test_after_a_real_outage_the_retry_opens_the_vote_at_once(
    bot_via_proxy,  # noqa: F811
    proxy,  # noqa: F811
    fake_slack,
    ref,
):
    bot = bot_via_proxy
    number = add_need(bot, ref)
    with held_vote_post(fake_slack, number):
        proxy.cut()
    assert NOT_OPENED in last_ephemeral(fake_slack, ADMIN)
    proxy.restore()
    [stranded] = votes(bot)
    assert stranded.message_ts is None

    message = open_vote(fake_slack, number)
    opened_once(bot, fake_slack, number, message)


def test_after_a_real_outage_the_next_tick_drops_the_vote_given_up(
    bot_via_proxy,  # noqa: F811
    proxy,  # noqa: F811
    fake_slack,
    ref,
    caplog,
):
    bot = bot_via_proxy
    number = add_need(bot, ref)
    with held_vote_post(fake_slack, number):
        proxy.cut()
    proxy.restore()
    with caplog.at_level(logging.WARNING):
        vote_work(bot)  # no time has passed: the longest wait is not what tells
    assert votes(bot) == []
    assert any("given up while the database was away" in r.getMessage() for r in caplog.records)
    message = open_vote(fake_slack, number)
    opened_once(bot, fake_slack, number, message)


def test_after_a_real_outage_a_vote_that_opened_after_all_keeps_its_message(
    bot_via_proxy,  # noqa: F811
    proxy,  # noqa: F811
    fake_slack,
    ref,
    monkeypatch,
):
    """The commit went through before the outage: the retry finds the vote open, keeps its
    message and says so."""
    bot = bot_via_proxy
    number = add_need(bot, ref)
    with failing_recording(bot, monkeypatch, commit_lost=True, then=proxy.cut):
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert DOWN in last_ephemeral(fake_slack, ADMIN)
    [message] = fake_slack.messages(VOTING_CHANNEL)
    proxy.restore()

    fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert "redan en öppen omröstning" in last_ephemeral(fake_slack, ADMIN)
    assert fake_slack.calls("chat.delete") == []
    assert fake_slack.messages(VOTING_CHANNEL) == [message]
    [vote] = votes(bot)
    assert vote.message_ts == message["ts"]
