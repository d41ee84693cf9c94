"""Votes in the database, on SQLite and PostgreSQL: opening, ballots, closing, render claims."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from domain.needs import Draft
from domain.phases import Quadrant
from storage.casting import cast_ballot, cast_in
from storage.driver import Driver
from storage.models import Ballot, Need, Vote
from storage.needs import create_need, history
from storage.votes import (
    VoteError,
    add_member,
    behind,
    claim_render,
    close_vote,
    due_votes,
    finish_render,
    is_member,
    member_count,
    members,
    members_refreshed_at,
    next_render_at,
    publish_vote,
    remove_member,
    render_state,
    replace_members,
    set_reason,
    start_vote,
    tally_of,
    undo_render,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
SECOND = timedelta(seconds=1)
TS = "1795424400.000100"  # the vote message's ts
ABANDONED_AFTER = timedelta(minutes=15)
G, P, D, A = Quadrant.DO_NOW, Quadrant.PLAN, Quadrant.DELEGATE, Quadrant.WAIT


def new_need(db, ref, title="Gemensam läkemedelslista") -> Need:
    draft = Draft(title=title, description="Beskrivning", origin="gemensamt_utvecklingsarbete")
    with db.session(write=True) as s:
        return create_need(s, draft=draft, ref=ref, user_id="USTAFF1", now=NOW)[0]


def unposted_vote(db, need, eligible=4, at=NOW) -> Vote:
    """Step one of opening: stored, its message not posted yet."""
    with db.session(write=True) as s:
        return start_vote(
            s,
            need=s.get(Need, need.id),
            channel="CVOTE",
            opened_by="UADMIN",
            now=at,
            duration=WEEK,
            eligible=eligible,
            abandoned_before=at - ABANDONED_AFTER,
        )


def posted(db, vote, ts=TS) -> Vote:
    """Step two: its message is in the channel."""
    with db.session(write=True) as s:
        return publish_vote(s, vote=vote, ts=ts, now=NOW)


def new_vote(db, need, eligible=4) -> Vote:
    return posted(db, unposted_vote(db, need, eligible))


def cast(db, vote, user, quadrant, at=NOW, **kw):
    kw.setdefault("message_ts", vote.message_ts)
    return cast_ballot(db, vote_id=vote.id, user_id=user, quadrant=quadrant, now=at, **kw)


def run_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def stored_vote(db, vote) -> Vote:
    with db.session() as s:
        return s.get(Vote, vote.id)


def test_opening_moves_the_need_to_phase_2_and_records_history(db, ref):
    need = new_need(db, ref)
    vote = new_vote(db, need)
    assert vote.deadline == NOW + WEEK and vote.closed_at is None
    with db.session() as s:
        assert s.get(Need, need.id).phase == 2
        kinds = [(e.kind, e.old_value, e.new_value) for e in history(s, need_id=need.id)]
    assert kinds == [
        ("registered", None, "1"),
        ("phase_changed", "1", "2"),
        ("vote_opened", None, str(vote.id)),
    ]


def test_a_second_open_vote_on_the_same_need_is_refused(db, ref):
    need = new_need(db, ref)
    new_vote(db, need)
    with pytest.raises(VoteError) as refused:
        new_vote(db, need)
    assert refused.value.key == "vote.already_open"
    with db.session() as s:
        assert len(s.exec(select(Vote)).all()) == 1


def test_a_new_vote_may_be_opened_once_the_first_is_closed(db, ref):
    need = new_need(db, ref)
    first = new_vote(db, need)
    with db.session(write=True) as s:
        close_vote(
            s, vote_id=first.id, now=NOW, closed_by="UADMIN", eligible=4, quorum_setting=None
        )
    second = new_vote(db, need)
    assert second.id != first.id
    with db.session() as s:  # still phase 2: opening again does not move it
        assert [e.kind for e in history(s, need_id=need.id)].count("phase_changed") == 1


def test_changing_a_vote_replaces_the_ballot(db, ref):
    vote = new_vote(db, new_need(db, ref))
    assert cast(db, vote, "U1", G).first
    assert cast(db, vote, "U2", A).first
    changed = cast(db, vote, "U1", P, at=NOW + SECOND)
    assert changed.quadrant == P and changed.counted and not changed.first
    updated = stored_vote(db, vote)
    assert updated.ballots_count == 2 and updated.tally_version == 3
    with db.session() as s:
        ballot = s.exec(select(Ballot).where(Ballot.user_id == "U1")).one()
    assert ballot.quadrant == P and ballot.cast_at == NOW and ballot.updated_at == NOW + SECOND
    with db.session() as s:
        tally = tally_of(s, vote_id=vote.id)
    assert (tally.count(G), tally.count(P), tally.count(A), tally.total) == (0, 1, 1, 2)


def test_a_reason_needs_a_ballot_and_can_be_removed(db, ref):
    vote = new_vote(db, new_need(db, ref))
    with pytest.raises(VoteError) as refused, db.session(write=True) as s:
        set_reason(s, vote_id=vote.id, user_id="U1", reason="Viktigt", now=NOW)
    assert refused.value.key == "vote.reason.vote_first"
    cast(db, vote, "U1", G)
    with db.session(write=True) as s:
        assert (
            set_reason(s, vote_id=vote.id, user_id="U1", reason=" Viktigt ", now=NOW).reason
            == "Viktigt"
        )
    with db.session(write=True) as s:
        assert set_reason(s, vote_id=vote.id, user_id="U1", reason="  ", now=NOW).reason is None


def test_closing_records_the_result_on_vote_need_and_history(db, ref):
    need = new_need(db, ref)
    vote = new_vote(db, need)
    for user, choice in [("U1", G), ("U2", P), ("U3", P), ("U4", A)]:
        cast(db, vote, user, choice)
    with db.session(write=True) as s:
        closed, outcome = close_vote(
            s,
            vote_id=vote.id,
            now=NOW + WEEK + SECOND,
            closed_by=None,
            eligible=6,
            quorum_setting=None,
        )
    assert outcome.quadrant is P and outcome.quorum == 3
    with db.session() as s:
        stored, need = s.get(Vote, vote.id), s.get(Need, need.id)
        last = history(s, need_id=need.id)[-1]
    assert stored.closed_at == NOW + WEEK  # dated at the deadline, not when the job ran
    assert (stored.quadrant, stored.importance, stored.urgency) == ("planera", "ja", "nej")
    assert (stored.ballots_count, stored.eligible_count, stored.quorum_met) == (4, 6, True)
    assert need.quadrant == "planera"
    assert need.importance_share == pytest.approx(0.75) and need.urgency_share == 0.25
    assert (last.kind, last.new_value, last.public, last.actor) == (
        "vote_closed",
        "planera",
        True,
        None,
    )


def test_closing_twice_closes_once(db, ref):
    vote = new_vote(db, new_need(db, ref))
    with db.session(write=True) as s:
        assert (
            close_vote(
                s, vote_id=vote.id, now=NOW, closed_by="UADMIN", eligible=4, quorum_setting=None
            )
            is not None
        )
    with db.session(write=True) as s:
        assert (
            close_vote(s, vote_id=vote.id, now=NOW, closed_by=None, eligible=4, quorum_setting=None)
            is None
        )


def test_a_vote_without_quorum_leaves_the_need_without_quadrant(db, ref):
    need = new_need(db, ref)
    vote = new_vote(db, need)
    cast(db, vote, "U1", G)
    with db.session(write=True) as s:
        _, outcome = close_vote(
            s, vote_id=vote.id, now=NOW, closed_by="UADMIN", eligible=10, quorum_setting=3
        )
    assert not outcome.quorum_met and outcome.quorum == 3
    with db.session() as s:
        stored = s.get(Need, need.id)
        assert (stored.quadrant, stored.importance_share) == (None, None)
        assert history(s, need_id=need.id)[-1].new_value == "ej_beslutfort"


def test_ballots_on_a_closed_or_overdue_vote_are_refused(db, ref):
    vote = new_vote(db, new_need(db, ref))
    with pytest.raises(VoteError) as late:
        cast(db, vote, "U1", G, at=NOW + WEEK)
    assert late.value.key == "vote.closed"
    with db.session(write=True) as s:
        close_vote(s, vote_id=vote.id, now=NOW, closed_by="UADMIN", eligible=4, quorum_setting=None)
    with pytest.raises(VoteError):
        cast(db, vote, "U1", G)
    with db.session() as s:
        assert s.exec(select(Ballot)).all() == []


def test_due_votes_are_the_open_ones_past_their_deadline(db, ref):
    vote = new_vote(db, new_need(db, ref))
    with db.session() as s:
        assert due_votes(s, now=NOW + WEEK - SECOND) == []
        assert [v.id for v in due_votes(s, now=NOW + WEEK)] == [vote.id]


def test_render_claims_coalesce_a_burst(db, ref):
    vote = new_vote(db, new_need(db, ref))
    with db.connection(write=True) as conn:
        assert claim_render(conn, vote_id=vote.id, now=NOW, interval=SECOND) is None  # current
    cast(db, vote, "U1", G)
    with db.connection(write=True) as conn:
        claimed = claim_render(conn, vote_id=vote.id, now=NOW, interval=SECOND)
    assert claimed.rendered_version == 1 and claimed.ballots_count == 1
    cast(db, vote, "U2", G)
    cast(db, vote, "U3", G)
    with db.connection(write=True) as conn:  # behind, but updated less than a second ago
        assert claim_render(conn, vote_id=vote.id, now=NOW + SECOND / 2, interval=SECOND) is None
        state = finish_render(conn, vote_id=vote.id, at=NOW + SECOND / 4)
    assert next_render_at(state, interval=SECOND) == NOW + SECOND * 5 / 4
    with db.session() as s:
        assert behind(s) == [vote.id]
    with db.connection(write=True) as conn:
        assert claim_render(conn, vote_id=vote.id, now=NOW + SECOND, interval=SECOND) is None
        claimed = claim_render(conn, vote_id=vote.id, now=NOW + SECOND * 5 / 4, interval=SECOND)
        assert next_render_at(render_state(conn, vote_id=vote.id), interval=SECOND) is None
    assert claimed.rendered_version == 3 and claimed.ballots_count == 3
    with db.connection(write=True) as conn:  # a failed update is retried later
        undo_render(conn, vote_id=vote.id, version=3)
    with db.session() as s:
        assert behind(s) == [vote.id]


def test_render_claims_are_won_by_one_thread(db, ref):
    vote = new_vote(db, new_need(db, ref))
    cast(db, vote, "U1", G)
    wins, barrier = [], threading.Barrier(6)

    def try_claim():
        barrier.wait()
        with db.connection(write=True) as conn:
            if claim_render(conn, vote_id=vote.id, now=NOW, interval=SECOND):
                wins.append(1)

    threads = [threading.Thread(target=try_claim) for _ in range(6)]
    run_all(threads)
    assert wins == [1]


def test_many_voters_at_once_lose_and_double_nothing(db, ref):
    """30 members vote at once, 10 of them change their vote at the same time."""
    vote = new_vote(db, new_need(db, ref), eligible=30)
    users = [f"U{i:02d}" for i in range(30)]
    barrier = threading.Barrier(40)
    errors = []

    def vote_as(user, choice):
        barrier.wait()
        try:
            cast(db, vote, user, choice)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    jobs = [(u, G) for u in users] + [(u, A) for u in users[:10]]
    threads = [threading.Thread(target=vote_as, args=job) for job in jobs]
    run_all(threads)
    assert errors == []
    with db.session() as s:
        stored = s.get(Vote, vote.id)
        rows = s.exec(select(Ballot).where(Ballot.vote_id == vote.id)).all()
    assert len(rows) == 30 and len({r.user_id for r in rows}) == 30
    assert stored.ballots_count == 30 and stored.tally_version == 40
    assert {r.quadrant for r in rows if r.user_id not in users[:10]} == {"gor_nu"}


def test_the_member_cache(db):
    with db.session(write=True) as s:
        assert members_refreshed_at(s, channel="C1") is None
        replace_members(s, channel="C1", users=["U1", "U2"], now=NOW)
    with db.session(write=True) as s:
        replace_members(s, channel="C1", users=["U2", "U3"], now=NOW + SECOND)
        add_member(s, channel="C1", user="U4", now=NOW + SECOND)
        add_member(s, channel="C1", user="U4", now=NOW + SECOND)
        remove_member(s, channel="C1", user="U3")
        add_member(s, channel="C2", user="U9", now=NOW)
    with db.session() as s:
        assert members(s, channel="C1") == ["U2", "U4"]
        assert member_count(s.connection(), channel="C1") == 2
        assert is_member(s, channel="C1", user="U2") and not is_member(s, channel="C1", user="U1")
        assert members_refreshed_at(s, channel="C1") == NOW + SECOND


def test_a_click_overtaken_by_a_later_one_changes_nothing(db, ref):
    vote = new_vote(db, new_need(db, ref))
    first, second = NOW + timedelta(milliseconds=10), NOW + timedelta(milliseconds=20)
    cast(db, vote, "U1", P, clicked_at=second)  # the later click is handled first
    overtaken = cast(db, vote, "U1", G, clicked_at=first)
    assert overtaken.quadrant == P and not overtaken.counted and not overtaken.first
    assert stored_vote(db, vote).tally_version == 1
    with db.session() as s:
        assert s.exec(select(Ballot)).one().quadrant == P


def test_slacks_click_time_is_read_to_the_microsecond():
    from commands.votes import click_time

    assert click_time("1700000000.000042") == datetime(2023, 11, 14, 22, 13, 20, 42, tzinfo=UTC)
    assert click_time("1700000000.5") == datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)
    assert click_time(None) is None and click_time("soon") is None


# ---------------------------------------------------------------- racing clicks and closing


def wait_until_blocked(db, thread) -> None:
    """Until the thread waits for a lock this test holds, or has finished.

    PostgreSQL shows the waiting statement; on SQLite the thread waits for the write lock,
    which it cannot pass before this test's transaction ends, so there is nothing to wait for.
    """
    if db.engine.dialect.name != "postgresql":
        return
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(3000):  # bounded: if it never blocks, the assertions after say why
        with db.connection() as conn:
            if conn.execute(waiting).scalar_one() or not thread.is_alive():
                return
        time.sleep(0.005)


def in_thread(work) -> tuple[threading.Thread, list]:
    outcome = []

    def run():
        try:
            outcome.append(work())
        except Exception as exc:  # the outcome the test asserts on
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def close_now(db, vote):
    with db.session(write=True) as s:
        return close_vote(
            s, vote_id=vote.id, now=NOW, closed_by="UADMIN", eligible=1, quorum_setting=None
        )


def test_concurrent_clicks_of_one_voter_leave_the_latest_choice(db, ref):
    vote = new_vote(db, new_need(db, ref))
    choices = [G, P, D, A] * 3
    clicks = [(NOW + timedelta(milliseconds=i), choice) for i, choice in enumerate(choices)]
    barrier = threading.Barrier(len(clicks))
    results, errors = [], []

    def click(at, choice):
        barrier.wait()
        try:
            results.append((at, cast(db, vote, "U1", choice, clicked_at=at)))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=click, args=c) for c in reversed(clicks)]
    run_all(threads)
    assert errors == []
    with db.session() as s:
        (ballot,) = s.exec(select(Ballot)).all()
        stored = s.get(Vote, vote.id)
    assert ballot.quadrant == choices[-1] and ballot.clicked_at == clicks[-1][0]
    counted = [done for _, done in results if done.counted]
    assert stored.ballots_count == 1 and stored.tally_version == len(counted)
    assert sum(done.first for _, done in results) == 1
    choice_at = dict(clicks)
    for at, done in results:  # each click confirms its own choice or a later click's
        assert any(done.quadrant == choice_at[t] for t in choice_at if t >= at)


def test_a_click_while_the_vote_closes_is_refused_and_not_stored(db, ref):
    vote = new_vote(db, new_need(db, ref))
    cast(db, vote, "U1", G)
    with db.session(write=True) as s:  # the close holds the vote until it commits
        close_vote(s, vote_id=vote.id, now=NOW, closed_by="UADMIN", eligible=4, quorum_setting=None)
        thread, outcome = in_thread(lambda: cast(db, vote, "U2", P))
        wait_until_blocked(db, thread)
    thread.join()
    assert isinstance(outcome[0], VoteError) and outcome[0].key == "vote.closed"
    with db.session() as s:
        assert [b.user_id for b in s.exec(select(Ballot))] == ["U1"]
        assert s.get(Vote, vote.id).ballots_count == 1


def test_a_vote_closing_during_a_click_counts_the_ballot(db, ref):
    need = new_need(db, ref)
    vote = new_vote(db, need)
    with db.transaction(write=True) as conn:  # the click holds the vote until it commits
        click = dict(vote_id=vote.id, user_id="U1", quadrant=P, now=NOW, message_ts=TS)
        assert cast_in(Driver.of(conn), **click).counted
        thread, outcome = in_thread(lambda: close_now(db, vote))
        wait_until_blocked(db, thread)
    thread.join()
    closed, result = outcome[0]
    assert result.tally.total == 1 and result.tally.count(P) == 1
    with db.session() as s:
        assert s.get(Vote, vote.id).ballots_count == 1
        assert s.get(Need, need.id).quadrant == "planera"


def test_only_cached_members_are_let_in_when_asked(db, ref):
    vote = new_vote(db, new_need(db, ref))
    with db.session(write=True) as s:
        replace_members(s, channel="CVOTE", users=["U1"], now=NOW)
    assert cast(db, vote, "U1", G, members_only=True).first
    with pytest.raises(VoteError) as refused:
        cast(db, vote, "U2", G, members_only=True)
    assert (refused.value.key, refused.value.details) == ("vote.not_eligible", {"channel": "CVOTE"})
    with pytest.raises(VoteError) as missing:
        cast(db, Vote(id=999), "U1", G, members_only=True)
    assert missing.value.key == "vote.message_gone"
    with db.session() as s:
        assert [b.user_id for b in s.exec(select(Ballot))] == ["U1"]
