"""Opening a vote talks to Slack outside any transaction, and a click acts only from the
vote's own message. End to end: the real bot over HTTP, the fake Slack, both databases.

The vote message's post is held in the fake Slack (`hold`) while other requests come in: on
SQLite a transaction open during the post would hold the process's write lock, and every
other request's replay key would wait behind it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlmodel import select

from commands import ids
from commands.vote_jobs import VOTE_JOBS
from fakeslack import FakeSlack, visible_text
from storage.models import Ballot, Need, Vote
from storage.needs import history
from storage.votes import open_vote_for, start_vote
from tests.conftest import ADMIN, VOTING_CHANNEL, Bot, connect, make_settings, wait_for
from tests.test_votes_slack import add_need, add_voters, choose, last_ephemeral, open_vote

SECOND_ADMIN = "UADMIN2"


@contextmanager
def held_vote_post(fake_slack, number: int, *, processed: bool = False):
    """`/behov rösta` whose chat.postMessage Slack keeps waiting; yields the hold once the
    post has arrived. The command's request, with the bot's work after it, runs in a thread
    and is over when the block ends."""
    hold = fake_slack.hold("chat.postMessage", processed=processed)
    opener = threading.Thread(
        target=fake_slack.slash, args=(ADMIN, f"rösta {number}"), kwargs={"channel": "CGENERAL"}
    )
    opener.start()
    try:
        assert hold.arrived.wait(15), "the vote message was never posted"
        yield hold
    finally:
        hold.release()
        opener.join()


@contextmanager
def unsettled(fake_slack):
    """Requests in this block get their answer without waiting for the bot's work after the
    ack (`connect` waits for all of it, and the held opening is part of it)."""
    settling = fake_slack.post_raw
    fake_slack.post_raw = lambda body, headers: FakeSlack.post_raw(fake_slack, body, headers)
    try:
        yield
    finally:
        fake_slack.post_raw = settling


def votes(bot) -> list[Vote]:
    with bot.db.session() as s:
        return list(s.exec(select(Vote).order_by(Vote.id)))


def ballots(bot) -> list[tuple[str, str]]:
    with bot.db.session() as s:
        return [(b.user_id, b.quadrant) for b in s.exec(select(Ballot).order_by(Ballot.id))]


def vote_work(bot) -> None:
    """The scheduler's vote jobs as of the bot's clock (deadlines, results, dropping)."""
    for job in VOTE_JOBS:
        job(bot.services, bot.services.clock())


def ephemeral_count(fake_slack, user) -> int:
    return len(fake_slack.ephemerals(user))


def next_ephemeral(fake_slack, user, seen: int) -> str:
    """The first answer `user` gets after the `seen` they had."""
    wait_for(lambda: ephemeral_count(fake_slack, user) > seen, f"an answer to {user}")
    return visible_text(fake_slack.ephemerals(user)[seen])


# ---------------------------------------------------------------- no transaction during the post


def strand_vote(bot, number: int, clock) -> None:
    """A vote stored but never posted: what an opener that died before the post leaves."""
    with bot.db.session(write=True) as s:
        start_vote(
            s,
            need=s.get(Need, number),
            channel=VOTING_CHANNEL,
            opened_by=ADMIN,
            now=clock(),
            duration=bot.services.settings.vote_duration,
            eligible=1,
            abandoned_before=clock(),
        )


def test_other_requests_are_answered_while_the_vote_message_is_posted(bot, fake_slack, ref):
    """While Slack keeps the post waiting, a voter's click on another vote is acknowledged,
    stored and confirmed: nothing of the opening holds the database."""
    (voter,) = add_voters(fake_slack, 1)
    earlier = open_vote(fake_slack, add_need(bot, ref, title="Mobila team", phase=2))
    number = add_need(bot, ref)
    with held_vote_post(fake_slack, number) as hold:
        seen = ephemeral_count(fake_slack, voter)
        with unsettled(fake_slack):
            answer = choose(fake_slack, voter, "planera", earlier)
        assert answer.status == 200
        assert "Din röst om" in next_ephemeral(fake_slack, voter, seen)
        assert not hold.released  # all of it while the vote message was still on its way
        assert ballots(bot) == [(voter, "planera")]
    assert "har öppnats" in last_ephemeral(fake_slack, ADMIN)
    [_, opened] = votes(bot)
    assert opened.need_id == number
    assert opened.message_ts == fake_slack.messages(VOTING_CHANNEL)[-1]["ts"]


def test_a_click_before_the_message_is_recorded_changes_nothing_and_says_so(bot, fake_slack, ref):
    """Slack has shown the message but the bot has not heard back yet: the vote is not open."""
    (voter,) = add_voters(fake_slack, 1)
    number = add_need(bot, ref)
    with held_vote_post(fake_slack, number, processed=True):
        [message] = fake_slack.messages(VOTING_CHANNEL)
        seen = ephemeral_count(fake_slack, voter)
        with unsettled(fake_slack):
            choose(fake_slack, voter, "gor_nu", message)
        assert "håller fortfarande på att öppnas" in next_ephemeral(fake_slack, voter, seen)
        assert ballots(bot) == []
        with bot.db.session() as s:  # not open yet: no phase change, no opening in the history
            assert s.get(Need, number).phase == 1
            assert [e.kind for e in history(s, need_id=number)] == ["registered"]
    assert "har öppnats" in last_ephemeral(fake_slack, ADMIN)
    choose(fake_slack, voter, "gor_nu", message)
    assert "Din röst om" in last_ephemeral(fake_slack, voter)
    assert ballots(bot) == [(voter, "gor_nu")]


@pytest.fixture
def two_admins_bot(database_url, fake_slack, clock):
    fake_slack.add_user(SECOND_ADMIN, "ulla.presidium")
    fake_slack.channel("CGENERAL")["members"].append(SECOND_ADMIN)
    admins = f"{ADMIN},{SECOND_ADMIN}"
    settings = make_settings(database_url, fake_slack.api_url, behov_admins=admins)
    running = connect(fake_slack, Bot(settings, clock))
    yield running
    running.stop()
    assert fake_slack.problems == [], fake_slack.problems


def test_two_admins_opening_the_same_vote_at_once_open_one(two_admins_bot, fake_slack, ref):
    """The second admin is told at once: the vote under way is found before the channel's
    members (a paginated, possibly slow conversations.members) are asked for."""
    number = add_need(two_admins_bot, ref)
    with held_vote_post(fake_slack, number):
        seen = ephemeral_count(fake_slack, SECOND_ADMIN)
        asked = len(fake_slack.calls("conversations.members"))
        with unsettled(fake_slack):
            fake_slack.slash(SECOND_ADMIN, f"rösta {number}", channel="CGENERAL")
        told = next_ephemeral(fake_slack, SECOND_ADMIN, seen)
        assert f"En omröstning om #{number} håller på att öppnas" in told
        assert len(fake_slack.calls("conversations.members")) == asked
    assert "har öppnats" in last_ephemeral(fake_slack, ADMIN)
    assert len(fake_slack.messages(VOTING_CHANNEL)) == 1
    posts = [c for c in fake_slack.calls("chat.postMessage") if c.args["channel"] == VOTING_CHANNEL]
    assert len(posts) == 1
    [vote] = votes(two_admins_bot)
    assert vote.message_ts == fake_slack.messages(VOTING_CHANNEL)[0]["ts"]
    fake_slack.slash(SECOND_ADMIN, f"rösta {number}", channel="CGENERAL")
    assert "redan en öppen omröstning" in last_ephemeral(fake_slack, SECOND_ADMIN)


# ---------------------------------------------------------------- between the two steps


def test_a_vote_whose_opener_died_before_posting_is_never_open_and_then_replaced(
    bot, fake_slack, ref, clock
):
    """The process died after storing the vote and before posting it (or recording the
    post): no one sees it open, the deadline does not close it, and once the opener's
    longest wait is over a new vote replaces it and the scheduler drops what is left."""
    number = add_need(bot, ref)
    strand_vote(bot, number, clock)  # step one, as the dead opener left it
    fake_slack.slash(ADMIN, f"rösta {number}", channel="CGENERAL")
    assert "håller på att öppnas" in last_ephemeral(fake_slack, ADMIN)
    assert fake_slack.calls("conversations.members") == []  # told before asking Slack
    assert fake_slack.messages(VOTING_CHANNEL) == []
    with bot.db.session() as s:
        assert open_vote_for(s, need_id=number) is None

    clock.advance(days=8)  # well past its deadline: nothing to close, nothing to announce
    vote_work(bot)
    bot.settle()
    assert fake_slack.messages(VOTING_CHANNEL) == []
    assert votes(bot) == []  # and, older than the longest wait, it was dropped
    with bot.db.session() as s:
        assert [e.kind for e in history(s, need_id=number)] == ["registered"]

    message = open_vote(fake_slack, number)
    [vote] = votes(bot)
    assert vote.message_ts == message["ts"] and "har öppnats" in last_ephemeral(fake_slack, ADMIN)


def test_a_new_vote_replaces_one_stranded_longer_than_the_longest_wait(bot, fake_slack, ref, clock):
    number = add_need(bot, ref)
    strand_vote(bot, number, clock)
    clock.advance(minutes=16)  # the scheduler has not run: the opening itself replaces it
    message = open_vote(fake_slack, number)
    [vote] = votes(bot)
    assert vote.message_ts == message["ts"]
    with bot.db.session() as s:
        assert s.get(Need, number).phase == 2


def test_a_vote_dropped_while_slack_was_slow_takes_its_message_down(bot, fake_slack, ref, clock):
    """Slack took longer than the longest wait: the scheduler dropped the vote meanwhile, so
    the message, once posted, would open nothing. It is deleted and the admin told."""
    number = add_need(bot, ref)
    with held_vote_post(fake_slack, number, processed=True):
        assert len(fake_slack.messages(VOTING_CHANNEL)) == 1
        clock.advance(hours=1)
        vote_work(bot)
        assert votes(bot) == []
    assert "Slack svarade inte som väntat" in last_ephemeral(fake_slack, ADMIN)
    assert fake_slack.messages(VOTING_CHANNEL) == []
    with bot.db.session() as s:
        assert s.get(Need, number).phase == 1


# ---------------------------------------------------------------- orphan messages


def test_an_orphan_vote_message_does_nothing_and_says_it_is_not_in_use(bot, fake_slack, ref):
    """Slack stored the vote message but the bot could neither hear so nor read the history:
    the vote was undone and the message stayed. On SQLite the next vote may get the same id,
    which the orphan's buttons carry; they still act on nothing."""
    (voter,) = add_voters(fake_slack, 1)
    first = add_need(bot, ref)
    fake_slack.fail("chat.postMessage", status=500, processed=True)
    fake_slack.fail("conversations.history", status=503, times=20)
    fake_slack.slash(ADMIN, f"rösta {first}", channel="CGENERAL")
    assert "Slack svarade inte som väntat" in last_ephemeral(fake_slack, ADMIN)
    [orphan] = fake_slack.messages(VOTING_CHANNEL)
    assert votes(bot) == []

    second = add_need(bot, ref, title="Mobila team", phase=2)
    message = open_vote(fake_slack, second)
    [vote] = votes(bot)
    if bot.db.engine.dialect.name == "sqlite":  # what made the orphan dangerous
        buttons = [e for b in orphan["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert buttons[0]["value"] == str(vote.id)

    choose(fake_slack, voter, "gor_nu", orphan)
    assert "Det här röstmeddelandet används inte längre" in last_ephemeral(fake_slack, voter)
    fake_slack.click(voter, ids.VOTE_REASON, channel=VOTING_CHANNEL, ts=orphan["ts"])
    assert "används inte längre" in last_ephemeral(fake_slack, voter)
    # An old message's close button (before it moved to the details view), clicked by an admin
    fake_slack.click(ADMIN, ids.VOTE_CLOSE, channel=VOTING_CHANNEL, ts=orphan["ts"],
                     value=str(vote.id), force=True)  # fmt: skip
    assert "används inte längre" in last_ephemeral(fake_slack, ADMIN)
    assert ballots(bot) == []
    assert votes(bot)[0].closed_at is None
    assert "0 av 2 har röstat" in fake_slack.visible_text(fake_slack.messages(VOTING_CHANNEL)[-1])

    choose(fake_slack, voter, "planera", message)
    assert "Din röst om" in last_ephemeral(fake_slack, voter)
    assert ballots(bot) == [(voter, "planera")]
    with bot.db.session() as s:
        assert s.get(Need, first).phase == 1  # the undone vote changed nothing


def open_from_details(fake_slack, number: int, *, trigger_ttl: float = 3.0) -> dict:
    """`/behov status <nr>` → "Visa detaljer" → "Öppna omröstning"; the details view.
    `trigger_ttl` is how long Slack then accepts the click's trigger_id."""
    fake_slack.slash(ADMIN, f"status {number}", channel="CGENERAL")
    fake_slack.click(ADMIN, ids.DETAILS, message=fake_slack.ephemerals(ADMIN)[-1])
    details = fake_slack.top_view(ADMIN)
    fake_slack.trigger_ttl = trigger_ttl
    fake_slack.click(ADMIN, ids.OPEN_VOTE, value=str(number))
    return details


def test_an_admin_opens_a_vote_from_the_details_and_is_told_over_them(bot, fake_slack, ref):
    add_voters(fake_slack, 2)
    number = add_need(bot, ref)
    details = open_from_details(fake_slack, number)
    [vote] = votes(bot)
    assert vote.message_ts == fake_slack.messages(VOTING_CHANNEL)[-1]["ts"]
    notice = visible_text(fake_slack.top_view(ADMIN))
    assert f"Omröstningen om #{number} har öppnats i <#{VOTING_CHANNEL}>." in notice
    refreshed = fake_slack.modal_stack(ADMIN)[-2]  # the details, under the notice
    assert refreshed["id"] == details["id"] and "Stäng omröstningen" in visible_text(refreshed)
    assert fake_slack.problems == []


def test_an_opening_slower_than_the_trigger_is_told_by_direct_message(bot, fake_slack, ref):
    add_voters(fake_slack, 2)
    number = add_need(bot, ref)
    open_from_details(fake_slack, number, trigger_ttl=0.0)  # expired when the vote is posted
    assert len(votes(bot)) == 1
    [dm] = fake_slack.dm_messages(ADMIN)
    assert f"Omröstningen om #{number} har öppnats" in visible_text(dm)
    assert fake_slack.problems == ["views.push: expired_trigger_id"]  # tried first, as Slack
    fake_slack.problems.clear()
