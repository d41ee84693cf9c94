"""Opening a vote in two steps, in the database (SQLite and PostgreSQL): a vote without its
message is not open; two openers at once open one vote; one left behind is replaced or
dropped; a click acts only from the vote's own message."""

import threading

import pytest
from sqlmodel import select

from storage import lifecycle
from storage.models import Ballot, Need, Vote
from storage.needs import change_phase, history
from storage.votes import (
    VoteError,
    abandoned,
    behind,
    close_vote,
    drop_abandoned,
    drop_unposted,
    due_votes,
    open_vote_for,
    open_votes,
    opened_with,
    vote_under_way,
)
from tests.test_votes_storage import (
    ABANDONED_AFTER,
    NOW,
    SECOND,
    TS,
    WEEK,
    G,
    P,
    cast,
    new_need,
    new_vote,
    posted,
    run_all,
    stored_vote,
    unposted_vote,
)

ORPHAN_TS = "1795424399.000200"  # a message Slack stored for a vote that was then undone


def refusal(work) -> str:
    with pytest.raises(VoteError) as refused:
        work()
    return refused.value.key


def close(db, vote_id, message_ts):
    with db.session(write=True) as s:
        return close_vote(
            s,
            vote_id=vote_id,
            now=NOW,
            closed_by="UADMIN",
            eligible=4,
            quorum_setting=None,
            message_ts=message_ts,
        )


def test_a_vote_is_open_only_once_its_message_is_posted(db, ref):
    need = new_need(db, ref)
    vote = unposted_vote(db, need)
    with db.session() as s:  # no phase change, no history, in no list, never due
        assert s.get(Need, need.id).phase == 1
        assert [e.kind for e in history(s, need_id=need.id)] == ["registered"]
        assert open_votes(s) == [] and behind(s) == []
        assert due_votes(s, now=NOW + 2 * WEEK) == []
        assert open_vote_for(s, need_id=need.id) is None
        assert not lifecycle.situation(s, need=s.get(Need, need.id), user_id="UADMIN").vote_open
    assert refusal(lambda: cast(db, vote, "U1", G, message_ts=TS)) == "vote.not_ready"
    assert refusal(lambda: close(db, vote.id, TS)) == "vote.not_ready"

    posted(db, vote)
    with db.session() as s:
        assert s.get(Need, need.id).phase == 2
        kinds = [e.kind for e in history(s, need_id=need.id)]
        assert kinds == ["registered", "phase_changed", "vote_opened"]
        assert [v.id for v in due_votes(s, now=NOW + WEEK)] == [vote.id]
    assert cast(db, stored_vote(db, vote), "U1", G).first


def test_two_openers_at_once_open_one_vote(db, ref):
    need = new_need(db, ref)
    start, outcomes = threading.Barrier(2), []

    def open_it():
        start.wait()
        try:
            outcomes.append(unposted_vote(db, need))
        except VoteError as refused:
            outcomes.append(refused.key)

    run_all([threading.Thread(target=open_it) for _ in range(2)])
    [vote] = [o for o in outcomes if isinstance(o, Vote)]
    assert [o for o in outcomes if isinstance(o, str)] == ["vote.being_opened"]
    posted(db, vote)
    assert refusal(lambda: unposted_vote(db, need)) == "vote.already_open"
    with db.session() as s:
        assert len(s.exec(select(Vote)).all()) == 1


def test_a_vote_left_unposted_is_replaced_or_dropped_after_the_longest_wait(db, ref):
    """Its opener died between the steps: until the longest wait is over it may still be
    under way; after that a new vote replaces it, and the scheduler's sweep removes it."""
    need, other = new_need(db, ref), new_need(db, ref, title="Mobila team")
    stranded = unposted_vote(db, need)
    late = NOW + ABANDONED_AFTER - SECOND
    assert refusal(lambda: unposted_vote(db, need, at=late)) == "vote.being_opened"

    replacement = unposted_vote(db, need, at=NOW + ABANDONED_AFTER + SECOND)
    # Its opener, back too late, neither opens nor drops the replacement (on SQLite it may
    # have the same id).
    assert refusal(lambda: posted(db, stranded)) == "vote.gone"
    with db.session(write=True) as s:
        drop_unposted(s, vote=stranded)
    posted(db, replacement)
    with db.session() as s:
        assert [v.id for v in s.exec(select(Vote))] == [replacement.id]

    forgotten = unposted_vote(db, other)
    with db.session() as s:
        assert abandoned(s, before=NOW) == []
        found = abandoned(s, before=NOW + SECOND)
    assert found == [forgotten.id]
    with db.session(write=True) as s:
        drop_abandoned(s, vote_ids=[*found, replacement.id], before=NOW + SECOND)  # posted: kept
    with db.session() as s:
        assert [v.id for v in s.exec(select(Vote))] == [replacement.id]


def test_the_sweep_spares_a_vote_that_replaced_an_abandoned_one_meanwhile(db, ref):
    """The scheduler finds the abandoned vote, then a new opening replaces it before the
    sweep deletes: the new vote stays (on SQLite it has the abandoned one's id)."""
    need = new_need(db, ref)
    stranded = unposted_vote(db, need)
    before = NOW + ABANDONED_AFTER + SECOND
    with db.session() as s:
        found = abandoned(s, before=before)
    assert found == [stranded.id]
    replacement = unposted_vote(db, need, at=before)
    if db.engine.dialect.name == "sqlite":
        assert replacement.id == stranded.id  # what made the sweep dangerous
    with db.session(write=True) as s:
        drop_abandoned(s, vote_ids=found, before=before)
    posted(db, replacement)
    with db.session() as s:
        assert [v.id for v in s.exec(select(Vote))] == [replacement.id]


def test_a_vote_under_way_is_one_open_or_being_opened_within_the_longest_wait(db, ref):
    """What an opener looks for before asking Slack for the channel's members: the answer
    `start_vote` would give, without its write."""
    need = new_need(db, ref)

    def under_way(at):
        with db.session() as s:
            found = vote_under_way(s, need_id=need.id, abandoned_before=at - ABANDONED_AFTER)
            return found and found.id

    assert under_way(NOW) is None
    vote = unposted_vote(db, need)
    assert under_way(NOW) == vote.id
    assert under_way(NOW + ABANDONED_AFTER) == vote.id
    assert under_way(NOW + ABANDONED_AFTER + SECOND) is None  # given up: it would be replaced
    posted(db, vote)
    assert under_way(NOW + 2 * WEEK) == vote.id  # open, however old
    close(db, vote.id, TS)
    assert under_way(NOW) is None


def test_after_a_failed_publish_the_opener_learns_whether_the_vote_opened(db, ref):
    """Dropping step one says whether there was one to drop; a vote published all the same
    (its commit went through though it failed) is found with its message."""
    need, other = new_need(db, ref), new_need(db, ref, title="Mobila team")
    failed, published = unposted_vote(db, need), new_vote(db, other)
    with db.session(write=True) as s:
        assert drop_unposted(s, vote=failed) is True
        assert drop_unposted(s, vote=failed) is False
        assert drop_unposted(s, vote=published) is False
        assert opened_with(s, vote=published, ts=TS)
        assert not opened_with(s, vote=published, ts=ORPHAN_TS)
        assert not opened_with(s, vote=failed, ts=TS)
    with db.session() as s:
        assert [v.id for v in s.exec(select(Vote))] == [published.id]


def test_a_need_decided_while_its_vote_was_posted_gets_no_vote(db, ref):
    need = new_need(db, ref)
    vote = unposted_vote(db, need)
    with db.session(write=True) as s:
        change_phase(s, need=s.get(Need, need.id), to_phase=3, actor="UADMIN", now=NOW)
    assert refusal(lambda: posted(db, vote)) == "vote.not_votable"
    with db.session(write=True) as s:
        drop_unposted(s, vote=vote)
        assert s.exec(select(Vote)).all() == []


def test_a_click_acts_only_from_the_votes_own_message(db, ref):
    """The orphan: Slack stored the message of a vote that was then undone. On SQLite the
    next vote may take the same id, which the orphan's buttons carry."""
    orphaned = unposted_vote(db, new_need(db, ref))
    with db.session(write=True) as s:
        drop_unposted(s, vote=orphaned)
    vote = new_vote(db, new_need(db, ref, title="Mobila team"))
    if db.engine.dialect.name == "sqlite":
        assert vote.id == orphaned.id
    clicked = Vote(id=orphaned.id)
    assert refusal(lambda: cast(db, clicked, "U1", G, message_ts=ORPHAN_TS)) == "vote.message_gone"
    assert refusal(lambda: cast(db, vote, "U1", G, message_ts=None)) == "vote.message_gone"
    assert refusal(lambda: close(db, orphaned.id, ORPHAN_TS)) == "vote.message_gone"
    with db.session() as s:
        assert s.exec(select(Ballot)).all() == []
        assert s.get(Vote, vote.id).closed_at is None and s.get(Vote, vote.id).tally_version == 0

    assert cast(db, vote, "U1", P).first
    closed, outcome = close(db, vote.id, TS)
    assert closed.closed_at == NOW and outcome.tally.total == 1
