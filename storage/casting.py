"""Casting a ballot: the one write of a vote click, on plain statements (no ORM).

The guarantees: a ballot is stored only while the vote is open and only from its own message
(the clicked message's ts is the vote's `message_ts`: an orphan message whose vote was undone,
or a vote not posted yet, changes nothing), under the vote's row lock
(the write lock on SQLite), which closing takes too, so a click racing the close is either
in the tally or refused, never stored after it; of two clicks of one voter the later one
(Slack's `action_ts`, kept in `clicked_at`) wins, whichever is handled last; and the vote's
`ballots_count` and `tally_version` move with every stored change, for the live count.

PostgreSQL does it in one statement (one round trip); SQLite, which has no writing WITH
clauses, in three statements of the caller's write transaction, which holds its lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, exists, func, or_, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Row

from domain.phases import Quadrant
from storage.models import Ballot, ChannelMember, Vote
from storage.types import UTCDateTime
from storage.votes import VoteError, clicked_message

_votes, _ballots, _members = Vote.__table__, Ballot.__table__, ChannelMember.__table__


class Cast(NamedTuple):
    """What a click left stored."""

    vote: Row  # id, need_id, channel, deadline, rendered_at: the open vote, as the click found it
    quadrant: str  # the voter's stored choice: this click's, or a later click's
    reason: str | None
    counted: bool  # False: a later click of the same voter was stored first; nothing changed
    first: bool  # the voter's first ballot in this vote


def cast_ballot(
    conn: Connection,
    *,
    vote_id: int,
    user_id: str,
    quadrant: Quadrant,
    now: datetime,
    message_ts: str | None,
    clicked_at: datetime | None = None,
    members_only: bool = False,
) -> Cast:
    """Record or replace the member's choice; refused once the vote is closed or past due,
    and unless `message_ts` (of the clicked message) is the vote's message.

    A click older than the one that set the stored choice changes nothing: the result then
    holds the newer choice. With `members_only`, someone the cached members of the vote's
    channel do not list is refused ("vote.not_eligible", with the channel). Run it in a
    write transaction (`Database.transaction(write=True)`).
    """
    values = {
        "vote_id": vote_id,
        "user_id": user_id,
        "message_ts": message_ts,
        "quadrant": str(quadrant),
        "now": now,
        "clicked_at": clicked_at,
        "members_only": members_only,
    }
    if conn.dialect.name == "postgresql":
        return _in_one_statement(conn, values)
    return _in_three_statements(conn, values)


# ---------------------------------------------------------------- PostgreSQL

# The vote row is locked first (FOR UPDATE, re-checked as it is once the lock is free), then
# the ballot is upserted and the vote's counters moved in the same statement. Inserted or
# changed: a sequence value is drawn for every row offered for insertion, conflicting or
# not, so the stored row has this statement's value only if it was inserted.
_ONE_STATEMENT = (
    text("""
WITH open_vote AS (
    SELECT id, need_id, channel, deadline, rendered_at FROM vote
    WHERE id = :vote_id AND message_ts = :message_ts AND closed_at IS NULL AND deadline > :now
        AND (NOT :members_only OR EXISTS (
            SELECT 1 FROM channel_member
            WHERE channel_member.channel_id = vote.channel
                AND channel_member.user_id = :user_id))
    FOR UPDATE
), stored AS (
    INSERT INTO ballot AS b (vote_id, user_id, quadrant, cast_at, updated_at, clicked_at)
    SELECT id, :user_id, :quadrant, :now, :now, :clicked_at FROM open_vote
    ON CONFLICT (vote_id, user_id) DO UPDATE
    SET quadrant = excluded.quadrant, updated_at = excluded.updated_at,
        clicked_at = coalesce(excluded.clicked_at, b.clicked_at)
    WHERE excluded.clicked_at IS NULL OR b.clicked_at IS NULL
        OR b.clicked_at <= excluded.clicked_at
    RETURNING b.quadrant, b.reason,
        b.id = currval(pg_get_serial_sequence('ballot', 'id')) AS first
), counted AS (
    UPDATE vote SET tally_version = tally_version + 1,
        ballots_count = ballots_count + (SELECT count(*) FROM stored WHERE first)
    WHERE id = :vote_id AND EXISTS (SELECT 1 FROM stored)
    RETURNING id
)
SELECT open_vote.*, stored.quadrant, stored.reason, stored.first
FROM open_vote LEFT JOIN stored ON true
""")
    .bindparams(bindparam("now", type_=UTCDateTime()), bindparam("clicked_at", type_=UTCDateTime()))
    .columns(deadline=UTCDateTime(), rendered_at=UTCDateTime())
)


def _in_one_statement(conn: Connection, values: dict) -> Cast:
    row = conn.execute(_ONE_STATEMENT, values).first()
    if row is None:
        raise _refusal(conn, values)
    if row.quadrant is None:  # overtaken by a later click: nothing changed
        return _overtaken(conn, row, values)
    return Cast(row, row.quadrant, row.reason, counted=True, first=row.first)


# ---------------------------------------------------------------- SQLite

_OPEN_VOTE = select(
    _votes.c.id,
    _votes.c.need_id,
    _votes.c.channel,
    _votes.c.deadline,
    _votes.c.rendered_at,
    _votes.c.ballots_count,
).where(
    _votes.c.id == bindparam("vote_id"),
    _votes.c.message_ts == bindparam("message_ts"),
    _votes.c.closed_at.is_(None),
    _votes.c.deadline > bindparam("now"),
)
_OPEN_VOTE_OF_MEMBER = _OPEN_VOTE.where(
    exists().where(
        _members.c.channel_id == _votes.c.channel, _members.c.user_id == bindparam("user_id")
    )
)


def _upsert():
    statement = sqlite_insert(_ballots)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_ballots.c.vote_id, _ballots.c.user_id],
        set_={
            "quadrant": new.quadrant,
            "updated_at": new.updated_at,
            "clicked_at": func.coalesce(new.clicked_at, _ballots.c.clicked_at),
        },
        where=or_(  # not over the choice of a later click
            new.clicked_at.is_(None),
            _ballots.c.clicked_at.is_(None),
            _ballots.c.clicked_at <= new.clicked_at,
        ),
    ).returning(_ballots.c.quadrant, _ballots.c.reason)


_UPSERT = _upsert()
_COUNT = (
    update(_votes)
    .where(_votes.c.id == bindparam("vote_id"))
    .values(
        tally_version=_votes.c.tally_version + 1,
        ballots_count=select(func.count())
        .where(_ballots.c.vote_id == _votes.c.id)
        .scalar_subquery(),
    )
    .returning(_votes.c.ballots_count)
)


def _in_three_statements(conn: Connection, values: dict) -> Cast:
    """The caller's write transaction holds SQLite's write lock from the first to the last."""
    check = _OPEN_VOTE_OF_MEMBER if values["members_only"] else _OPEN_VOTE
    vote = conn.execute(check, values).first()
    if vote is None:
        raise _refusal(conn, values)
    ballot = {k: values[k] for k in ("vote_id", "user_id", "quadrant", "clicked_at")}
    ballot.update(cast_at=values["now"], updated_at=values["now"])
    stored = conn.execute(_UPSERT, ballot).first()
    if stored is None:  # overtaken by a later click: nothing changed
        return _overtaken(conn, vote, values)
    first = conn.execute(_COUNT, values).scalar_one() > vote.ballots_count
    return Cast(vote, stored.quadrant, stored.reason, counted=True, first=first)


# ---------------------------------------------------------------- both

_STORED = select(_ballots.c.quadrant, _ballots.c.reason).where(
    _ballots.c.vote_id == bindparam("vote_id"), _ballots.c.user_id == bindparam("user_id")
)
_WHY_NOT = select(
    _votes.c.channel, _votes.c.message_ts, _votes.c.closed_at, _votes.c.deadline
).where(_votes.c.id == bindparam("vote_id"))


def _overtaken(conn: Connection, vote: Row, values: dict) -> Cast:
    stored = conn.execute(_STORED, values).one()
    return Cast(vote, stored.quadrant, stored.reason, counted=False, first=False)


def _refusal(conn: Connection, values: dict) -> VoteError:
    vote = conn.execute(_WHY_NOT, values).first()
    try:
        clicked_message(vote, values["message_ts"])
    except VoteError as refused:
        return refused
    if vote.closed_at is not None or values["now"] >= vote.deadline:
        return VoteError("vote.closed")
    return VoteError("vote.not_eligible", channel=vote.channel)
