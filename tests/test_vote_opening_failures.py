"""The database fails just when a vote's posted message is to be recorded: the message comes
down again and the admin is told to try again; a commit that went through all the same
opens the vote. End to end: the real bot over HTTP, the fake Slack, both databases, the
failure injected at the statement that records the message; on PostgreSQL also a real
outage through a proxy cut while Slack holds the post."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from storage.models import Need, Vote
from storage.needs import history
from tests.conftest import ADMIN, VOTING_CHANNEL
from tests.test_vote_opening import held_vote_post, vote_work, votes
from tests.test_votes_slack import add_need, last_ephemeral, open_vote

NOT_OPENED = "kunde inte öppnas eftersom databasen inte svarade. Försök igen om en stund."
RECORDING = "UPDATE vote SET message_ts"  # publish_vote's statement that opens the vote


def lost_connection(statement: str = RECORDING) -> OperationalError:
    return OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))


class RecordingFailure:
    """The database failing once when the vote's message is recorded: as the statement is
    sent, or (`commit_lost`) after the commit that follows it went through, as when the
    connection breaks before the server's answer to COMMIT arrives."""

    def __init__(self, engine, *, commit_lost: bool, then=None):
        self.engine, self.commit_lost, self.then = engine, commit_lost, then
        self.commit = engine.dialect.do_commit
        self.recording = self.failed = False

    def before_statement(self, conn, cursor, statement, *args):
        if statement.startswith(RECORDING) and not self.recording:
            self.recording = True
            if not self.commit_lost:
                self.failed = True
                raise lost_connection()

    def commit_then_fail(self, dbapi_connection):
        self.commit(dbapi_connection)
        if self.commit_lost and self.recording and not self.failed:
            self.failed = True
            if self.then is not None:
                self.then()
            raise lost_connection("COMMIT")


@contextmanager
def failing_recording(bot, monkeypatch, *, commit_lost: bool = False, then=None):
    failure = RecordingFailure(bot.db.engine, commit_lost=commit_lost, then=then)
    event.listen(failure.engine, "before_cursor_execute", failure.before_statement)
    monkeypatch.setattr(failure.engine.dialect, "do_commit", failure.commit_then_fail)
    try:
        yield failure
    finally:
        event.remove(failure.engine, "before_cursor_execute", failure.before_statement)


def vote_posts(fake_slack) -> list:
    return [c for c in fake_slack.calls("chat.postMessage") if c.args["channel"] == VOTING_CHANNEL]


def untouched(bot, number: int) -> bool:
    """No vote, still in phase 1, nothing in the history but the registration."""
    with bot.db.session() as s:
        kinds = [e.kind for e in history(s, need_id=number)]
        return votes(bot) == [] and s.get(Need, number).phase == 1 and kinds == ["registered"]


def test_a_message_whose_vote_could_not_be_recorded_comes_down(bot, fake_slack, ref, monkeypatch):
    number = add_need(bot, ref)
    with failing_recording(bot, monkeypatch) as failed:
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert failed.failed
    assert f"Omröstningen om #{number} {NOT_OPENED}" in last_ephemeral(fake_slack, ADMIN)
    [posted] = vote_posts(fake_slack)
    [deleted] = fake_slack.calls("chat.delete")
    assert deleted.args["channel"] == VOTING_CHANNEL
    assert deleted.args["ts"] == posted.response["ts"]
    assert fake_slack.messages(VOTING_CHANNEL) == []
    assert untouched(bot, number)

    message = open_vote(fake_slack, number)  # trying again works
    [vote] = votes(bot)
    assert vote.message_ts == message["ts"] and "har öppnats" in last_ephemeral(fake_slack, ADMIN)


def test_a_message_that_cannot_be_deleted_either_is_logged(
    bot, fake_slack, ref, monkeypatch, caplog
):
    number = add_need(bot, ref)
    fake_slack.fail("chat.delete", status=500, times=10)
    with caplog.at_level(logging.WARNING), failing_recording(bot, monkeypatch):
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert NOT_OPENED in last_ephemeral(fake_slack, ADMIN)
    [message] = fake_slack.messages(VOTING_CHANNEL)  # its buttons say it is no longer in use
    logged = [r.getMessage() for r in caplog.records]
    assert any(f"the message {message['ts']} of a vote not opened stays" in m for m in logged)
    assert untouched(bot, number)


def test_a_commit_that_went_through_although_it_failed_opens_the_vote(
    bot, fake_slack, ref, monkeypatch
):
    """The vote is open in the database: its message must stay, and the admin hears so."""
    number = add_need(bot, ref)
    with failing_recording(bot, monkeypatch, commit_lost=True) as failed:
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert failed.failed
    assert "har öppnats" in last_ephemeral(fake_slack, ADMIN)
    assert fake_slack.calls("chat.delete") == []
    [message] = fake_slack.messages(VOTING_CHANNEL)
    [vote] = votes(bot)
    assert vote.message_ts == message["ts"]
    with bot.db.session() as s:
        assert s.get(Need, number).phase == 2


def test_a_database_outage_while_the_message_is_posted_takes_it_down(
    bot_via_proxy,  # noqa: F811
    proxy,  # noqa: F811
    fake_slack,
    ref,
    clock,
):
    """PostgreSQL goes away while Slack holds the post: the vote cannot be recorded nor its
    first step undone. It was never published, so the message comes down; the unposted vote
    is dropped by the scheduler after the longest wait, and a new opening then works."""
    bot = bot_via_proxy
    number = add_need(bot, ref)
    with held_vote_post(fake_slack, number):
        proxy.cut()
    assert NOT_OPENED in last_ephemeral(fake_slack, ADMIN)
    assert fake_slack.messages(VOTING_CHANNEL) == []
    assert len(fake_slack.calls("chat.delete")) == 1

    proxy.restore()
    [stranded] = votes(bot)
    assert stranded.message_ts is None  # not open: nothing counts it, nothing closes it
    clock.advance(minutes=16)
    vote_work(bot)
    assert votes(bot) == []
    message = open_vote(fake_slack, number)
    [vote] = votes(bot)
    assert isinstance(vote, Vote) and vote.message_ts == message["ts"]


def test_an_outage_just_after_the_commit_leaves_the_message_of_the_open_vote(
    bot_via_proxy,  # noqa: F811
    proxy,  # noqa: F811
    fake_slack,
    ref,
    monkeypatch,
):
    """The commit went through, then PostgreSQL went away before anyone could tell: the
    vote may be open, so its message stays and the admin hears that the database is down
    (the message would be wrong to delete, and the vote is indeed open)."""
    bot = bot_via_proxy
    number = add_need(bot, ref)
    with failing_recording(bot, monkeypatch, commit_lost=True, then=proxy.cut) as failed:
        fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert failed.failed
    assert "Databasen svarar inte just nu" in last_ephemeral(fake_slack, ADMIN)
    assert fake_slack.calls("chat.delete") == []
    [message] = fake_slack.messages(VOTING_CHANNEL)

    proxy.restore()
    [vote] = votes(bot)
    assert vote.message_ts == message["ts"]
