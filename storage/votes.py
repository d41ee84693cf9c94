"""Votes, ballots and the cached voting-channel members. Callers own the transaction.

Every write to a vote locks its row first (SELECT … FOR UPDATE on PostgreSQL; on SQLite a
write session holds the database lock), so ballots, closing and the render bookkeeping of
one vote happen one after the other, across threads and processes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, func, or_, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.history import EventKind
from domain.phases import Phase
from domain.votes import Result, Tally, may_open, quorum_for, result
from storage.models import Ballot, ChannelMember, JobClaim, Need, Vote
from storage.needs import change_phase, record_event


class VoteError(Exception):
    """A vote action that the rules refuse; `key` names the catalogue message."""

    def __init__(self, key: str, **details: object):
        super().__init__(key)
        self.key = key
        self.details = details  # for the message, e.g. the channel or since when


# Tables for the plain (Core) statements of the live count (a click's are in casting.py).
_votes, _members = Vote.__table__, ChannelMember.__table__


# ---------------------------------------------------------------- opening

# A vote is opened in two short transactions with the post to Slack between them, so no
# transaction (and on SQLite no write lock) waits on Slack: `start_vote` stores it without a
# message (`message_ts` NULL: not posted yet), then `publish_vote` records the message and
# opens it, or `drop_unposted` removes it when the post failed. Until then it is no open vote:
# lists, counts, reminders, the deadline and the lifecycle rules see only votes with a
# message (OPEN), and a click on it is refused (storage/casting.py). Its row still holds the
# need's one place for an open vote (uq_vote_open_per_need), so two admins opening at once
# open one vote. If the process dies between the steps, it stays unposted: nothing counts it,
# nothing closes it, and once it is older than the opener's longest wait on Slack, a new vote
# on the need replaces it and the scheduler drops it (`abandoned`).
OPEN = and_(col(Vote.closed_at).is_(None), col(Vote.message_ts).is_not(None))
_UNPOSTED = and_(col(Vote.closed_at).is_(None), col(Vote.message_ts).is_(None))


def start_vote(
    session: Session,
    *,
    need: Need,
    channel: str,
    opened_by: str,
    now: datetime,
    duration: timedelta,
    eligible: int,
    abandoned_before: datetime,
) -> Vote:
    """Step one: the vote, not posted yet. Refused while the need has a vote (open, or being
    opened since `abandoned_before`) or may not be voted on; an older unposted one is replaced."""
    if not may_open(need.phase, need.outcome):
        raise VoteError("vote.not_votable")
    session.execute(
        delete(Vote).where(Vote.need_id == need.id, _UNPOSTED, Vote.opened_at < abandoned_before)
    )
    vote = Vote(
        need_id=need.id,
        channel=channel,
        opened_by=opened_by,
        opened_at=now,
        deadline=now + duration,
        eligible_count=eligible,
    )
    try:
        with session.begin_nested():
            session.add(vote)
            session.flush()
    except IntegrityError:  # uq_vote_open_per_need: one open vote per need
        other = open_vote_for(session, need_id=need.id, unposted=True)
        raise VoteError(refusal_for(other), opened_at=other.opened_at if other else now) from None
    return vote


def refusal_for(vote: Vote | None) -> str:
    """What an admin opening a vote is told while the need has one: open, or being opened."""
    being_opened = vote is not None and vote.message_ts is None
    return "vote.being_opened" if being_opened else "vote.already_open"


def publish_vote(session: Session, *, vote: Vote, ts: str, now: datetime) -> Vote:
    """Step two: the message `ts` of the vote `start_vote` made is in the channel, so the
    vote opens: a need in phase 1 moves to phase 2 and the history records the opening.
    Refused ("vote.gone") if the unposted vote was dropped meanwhile, or ("vote.not_votable")
    if the need was decided or closed while the message was posted: the caller then drops
    the vote."""
    opened_at = vote.opened_at
    vote = lock_vote(session, vote_id=vote.id)
    if not _still_unposted(vote, opened_at):
        raise VoteError("vote.gone")
    need = session.get(Need, vote.need_id, with_for_update=True, populate_existing=True)
    if not may_open(need.phase, need.outcome):
        raise VoteError("vote.not_votable")
    vote.message_ts = ts
    session.add(vote)
    if need.phase == Phase.IDENTIFIED:
        change_phase(
            session, need=need, to_phase=Phase.PRIORITISATION, actor=vote.opened_by, now=now
        )
    record_event(
        session, need=need, at=now, actor=vote.opened_by, kind=EventKind.VOTE_OPENED, new=vote.id
    )
    session.flush()  # open for the plain statements of this transaction too (casting.py)
    return vote


def drop_unposted(session: Session, *, vote: Vote) -> bool:
    """Undo step one: its message could not be posted or recorded. Nothing else was written
    for it. False if it was not there unposted (dropped as given up, or published)."""
    dropped = session.execute(
        delete(Vote).where(Vote.id == vote.id, Vote.opened_at == vote.opened_at, _UNPOSTED)
    )
    return dropped.rowcount > 0


def opened_with(session: Session, *, vote: Vote, ts: str) -> bool:
    """Is this very vote open with the message `ts`? Asked after `publish_vote`'s commit
    failed: the commit may have gone through all the same."""
    query = select(Vote.id).where(
        Vote.id == vote.id, Vote.opened_at == vote.opened_at, Vote.message_ts == ts
    )
    return session.exec(query).first() is not None


def _still_unposted(vote: Vote | None, opened_at: datetime) -> bool:
    """The very vote this opener stored, not posted yet. Its id alone does not tell: once
    dropped, SQLite may give the id to the next vote, opened at another time."""
    return (
        vote is not None
        and vote.opened_at == opened_at
        and vote.message_ts is None
        and vote.closed_at is None
    )


def abandoned(session: Session, *, before: datetime) -> list[int]:
    """Votes unposted since before `before`: their opener died or gave up between the steps."""
    return list(session.exec(select(Vote.id).where(_UNPOSTED, Vote.opened_at < before)))


def drop_abandoned(session: Session, *, vote_ids: list[int], before: datetime) -> None:
    """Remove these unposted votes (`abandoned`), unless posted meanwhile or no longer the
    same: a new opening may have replaced one since, and on SQLite the new vote may have
    its id."""
    stale = and_(col(Vote.id).in_(vote_ids), _UNPOSTED, Vote.opened_at < before)
    session.execute(delete(Vote).where(stale))


def open_vote_for(session: Session, *, need_id: int, unposted: bool = False) -> Vote | None:
    """The need's open vote; with `unposted`, also one still being opened."""
    where = col(Vote.closed_at).is_(None) if unposted else OPEN
    return session.exec(select(Vote).where(Vote.need_id == need_id, where)).first()


def vote_under_way(session: Session, *, need_id: int, abandoned_before: datetime) -> Vote | None:
    """The need's open vote, or one being opened since `abandoned_before` (an older unposted
    one is given up: `start_vote` replaces it). A look before asking Slack for anything;
    `start_vote` settles it."""
    under_way = or_(col(Vote.message_ts).is_not(None), Vote.opened_at >= abandoned_before)
    query = select(Vote).where(Vote.need_id == need_id, col(Vote.closed_at).is_(None), under_way)
    return session.exec(query).first()


def get_vote(session: Session, *, vote_id: int) -> Vote | None:
    return session.get(Vote, vote_id)


def lock_vote(session: Session, *, vote_id: int) -> Vote | None:
    """The vote, its row locked until the transaction ends (fresh from the database)."""
    return session.exec(
        select(Vote)
        .where(Vote.id == vote_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def open_votes(session: Session) -> list[Vote]:
    return list(session.exec(select(Vote).where(OPEN).order_by(col(Vote.id))))


def due_votes(session: Session, *, now: datetime) -> list[Vote]:
    """Open votes whose deadline has passed (an unposted one is never closed: no one could vote)."""
    query = select(Vote).where(OPEN, Vote.deadline <= now)
    return list(session.exec(query.order_by(col(Vote.deadline))))


def closed_since(session: Session, *, since: datetime) -> list[Vote]:
    query = select(Vote).where(col(Vote.closed_at).is_not(None), Vote.closed_at >= since)
    return list(session.exec(query.order_by(col(Vote.id))))


# ---------------------------------------------------------------- ballots


def set_reason(
    session: Session, *, vote_id: int, user_id: str, reason: str | None, now: datetime
) -> Ballot:
    """Add, change or (with None) remove the voter's short reason; only after voting."""
    _open_locked(session, vote_id=vote_id, now=now)
    ballot = _ballot(session, vote_id=vote_id, user_id=user_id)
    if ballot is None:
        raise VoteError("vote.reason.vote_first")
    ballot.reason = (reason or "").strip()[:500] or None
    ballot.updated_at = now
    session.add(ballot)
    return ballot


def ballot_of(session: Session, *, vote_id: int, user_id: str) -> Ballot | None:
    return _ballot(session, vote_id=vote_id, user_id=user_id)


def ballots(session: Session, *, vote_id: int) -> list[Ballot]:
    return list(
        session.exec(select(Ballot).where(Ballot.vote_id == vote_id).order_by(col(Ballot.id)))
    )


def voter_ids(session: Session, *, vote_id: int) -> set[str]:
    return set(session.exec(select(Ballot.user_id).where(Ballot.vote_id == vote_id)))


def reminded(session: Session, *, vote_id: int) -> set[str]:
    """Members already reminded of this vote (reminder subjects are `vote:<id>:<user>`)."""
    prefix = f"vote:{vote_id}:"
    query = select(JobClaim.subject).where(
        JobClaim.kind == "vote_reminder",
        col(JobClaim.subject).startswith(prefix),
        col(JobClaim.status).in_(["sent", "skipped"]),
    )
    return {subject.removeprefix(prefix) for subject in session.exec(query)}


def _ballot(session: Session, *, vote_id: int, user_id: str) -> Ballot | None:
    query = select(Ballot).where(Ballot.vote_id == vote_id, Ballot.user_id == user_id)
    return session.exec(query).first()


def clicked_message(vote, message_ts: str | None) -> None:
    """A click acts only on the vote whose message it came from. An orphan message (posted,
    but the vote was undone; on SQLite its id may now be another vote's) or a vote not
    posted yet is refused with the reason's key."""
    if vote is None or (vote.message_ts is not None and vote.message_ts != message_ts):
        raise VoteError("vote.message_gone")
    if vote.message_ts is None:
        raise VoteError("vote.not_ready")


def _open_locked(session: Session, *, vote_id: int, now: datetime) -> Vote:
    vote = lock_vote(session, vote_id=vote_id)
    if vote is None:
        raise VoteError("vote.not_found")
    if vote.closed_at is not None or now >= vote.deadline:
        raise VoteError("vote.closed")
    return vote


# ---------------------------------------------------------------- closing


def close_vote(
    session: Session,
    *,
    vote_id: int,
    now: datetime,
    closed_by: str | None,
    eligible: int,
    quorum_setting: int | None,
    message_ts: str | None = None,
) -> tuple[Vote, Result] | None:
    """Close the vote and record the result on the need; None if it was closed already.

    A vote closed at its deadline is dated at the deadline (`closed_by` None); one closed
    early by an admin is dated now. `message_ts`, for a click on the vote's message, must be
    that message (`clicked_message`).
    """
    vote = lock_vote(session, vote_id=vote_id)
    if message_ts is not None:
        clicked_message(vote, message_ts)
    if vote is None or vote.closed_at is not None:
        return None
    outcome = result(
        Tally.of(b.quadrant for b in ballots(session, vote_id=vote_id)),
        eligible=eligible,
        quorum=quorum_for(eligible, quorum_setting),
    )
    vote.closed_at = min(now, vote.deadline) if closed_by is None else now
    vote.closed_by = closed_by
    vote.eligible_count = eligible
    vote.quorum = outcome.quorum
    vote.ballots_count = outcome.tally.total
    vote.quorum_met = outcome.quorum_met
    vote.importance = outcome.importance
    vote.urgency = outcome.urgency
    vote.importance_share = outcome.importance_share
    vote.urgency_share = outcome.urgency_share
    vote.quadrant = outcome.quadrant
    session.add(vote)
    need = session.get(Need, vote.need_id)
    need.quadrant = outcome.quadrant
    need.importance_share = outcome.importance_share if outcome.quorum_met else None
    need.urgency_share = outcome.urgency_share if outcome.quorum_met else None
    need.updated_at = now
    session.add(need)
    record_event(
        session,
        need=need,
        at=vote.closed_at,
        actor=closed_by,
        kind=EventKind.VOTE_CLOSED,
        field="quadrant",
        new=str(outcome.verdict),
    )
    return vote, outcome


def result_of(vote: Vote, tally: Tally) -> Result:
    """The result of a closed vote as it was recorded (eligible and quorum at closing)."""
    return result(tally, eligible=vote.eligible_count, quorum=vote.quorum)


def tally_of(session: Session, *, vote_id: int) -> Tally:
    return Tally.of(b.quadrant for b in ballots(session, vote_id=vote_id))


# ---------------------------------------------------------------- coalesced message updates


_RENDER_STATE = (
    _votes.c.id,
    _votes.c.need_id,
    _votes.c.channel,
    _votes.c.message_ts,
    _votes.c.deadline,
    _votes.c.closed_at,
    _votes.c.ballots_count,
    _votes.c.tally_version,
    _votes.c.rendered_version,
    _votes.c.rendered_at,
)
_READ_RENDER = select(*_RENDER_STATE).where(_votes.c.id == bindparam("vote_id"))
_CLAIM = (
    update(_votes)
    .where(
        _votes.c.id == bindparam("vote_id"),
        _votes.c.closed_at.is_(None),
        _votes.c.rendered_version < _votes.c.tally_version,
        or_(_votes.c.rendered_at.is_(None), _votes.c.rendered_at <= bindparam("since")),
    )
    .values(rendered_version=_votes.c.tally_version, rendered_at=bindparam("now"))
    .returning(*_RENDER_STATE)
)
_FINISH = (
    update(_votes)
    .where(_votes.c.id == bindparam("vote_id"))
    .values(rendered_at=bindparam("at"))
    .returning(*_RENDER_STATE)
)


def render_state(conn: Connection, *, vote_id: int) -> Row | None:
    """The vote with its message bookkeeping (versions, last update), read without a lock."""
    return conn.execute(_READ_RENDER, {"vote_id": vote_id}).first()


def claim_render(
    conn: Connection, *, vote_id: int, now: datetime, interval: timedelta
) -> Row | None:
    """Take the right to update the vote's message now, or None if it is current or too soon.

    One conditional UPDATE: across processes only one wins, and only if the message is
    behind (`rendered_version < tally_version`) and was last updated `interval` ago or more.
    Returns the vote as of the claimed version (`rendered_version`).
    """
    return conn.execute(_CLAIM, {"vote_id": vote_id, "now": now, "since": now - interval}).first()


def finish_render(conn: Connection, *, vote_id: int, at: datetime) -> Row | None:
    """The update reached Slack at `at`: the next one waits a full interval from here.
    Returns the vote as it is now (closed meanwhile? behind again?)."""
    return conn.execute(_FINISH, {"vote_id": vote_id, "at": at}).first()


def undo_render(conn: Connection, *, vote_id: int, version: int) -> None:
    """The update failed: mark the message behind again so it is retried."""
    conn.execute(
        update(_votes)
        .where(_votes.c.id == vote_id, _votes.c.rendered_version == version)
        .values(rendered_version=version - 1, rendered_at=None)
    )


def next_render_at(state: Row | None, *, interval: timedelta) -> datetime | None:
    """When the behind message may be updated next; None if it is current or closed."""
    if state is None or state.closed_at is not None:
        return None
    if state.rendered_version >= state.tally_version:
        return None
    return state.rendered_at + interval if state.rendered_at else None


def behind(session: Session) -> list[int]:
    """Open votes whose message does not show the latest count."""
    query = select(Vote.id).where(OPEN, Vote.rendered_version < Vote.tally_version)
    return list(session.exec(query))


def bump_open_votes(session: Session, *, channel: str) -> list[int]:
    """The number of eligible voters changed: every open vote's message is behind."""
    ids = list(session.exec(select(Vote.id).where(Vote.channel == channel, OPEN)))
    if ids:
        session.execute(
            update(Vote).where(col(Vote.id).in_(ids)).values(tally_version=Vote.tally_version + 1)
        )
    return ids


# ---------------------------------------------------------------- channel members


def replace_members(session: Session, *, channel: str, users: Iterable[str], now: datetime) -> None:
    """The cache becomes exactly this list of members."""
    wanted = set(users)
    known = set(members(session, channel=channel))
    gone = known - wanted
    if gone:
        session.execute(
            delete(ChannelMember).where(
                ChannelMember.channel_id == channel, col(ChannelMember.user_id).in_(gone)
            )
        )
    for row in session.exec(select(ChannelMember).where(ChannelMember.channel_id == channel)):
        row.refreshed_at = now
        session.add(row)
    for user in wanted - known:
        session.add(ChannelMember(channel_id=channel, user_id=user, refreshed_at=now))
    session.flush()


def add_member(session: Session, *, channel: str, user: str, now: datetime) -> None:
    row = session.get(ChannelMember, (channel, user))
    if row is None:
        try:
            with session.begin_nested():
                session.add(ChannelMember(channel_id=channel, user_id=user, refreshed_at=now))
                session.flush()
        except IntegrityError:  # the same join arrived twice at once
            pass


def remove_member(session: Session, *, channel: str, user: str) -> None:
    session.execute(
        delete(ChannelMember).where(
            ChannelMember.channel_id == channel, ChannelMember.user_id == user
        )
    )


def members(session: Session, *, channel: str) -> list[str]:
    query = select(ChannelMember.user_id).where(ChannelMember.channel_id == channel)
    return sorted(session.exec(query))


_MEMBER_COUNT = select(func.count()).where(_members.c.channel_id == bindparam("channel"))


def member_count(conn: Connection, *, channel: str) -> int:
    """How many the cache lists: the eligible voters of a vote in that channel."""
    return conn.execute(_MEMBER_COUNT, {"channel": channel}).scalar_one()


def is_member(session: Session, *, channel: str, user: str) -> bool:
    return session.get(ChannelMember, (channel, user)) is not None


def members_refreshed_at(session: Session, *, channel: str) -> datetime | None:
    """When the cache was last filled from Slack (None: never)."""
    query = select(func.min(ChannelMember.refreshed_at)).where(ChannelMember.channel_id == channel)
    return session.exec(query).one()


def phase_two_needs(session: Session) -> list[tuple[Need, bool]]:
    """Open needs in phase 2 with whether a vote on them is open right now."""
    needs = session.exec(
        select(Need).where(Need.phase == 2, col(Need.outcome).is_(None)).order_by(col(Need.id))
    ).all()
    voting = set(session.exec(select(Vote.need_id).where(OPEN)))
    return [(need, need.id in voting) for need in needs]
