"""Casting a ballot: the one write of a vote click, on the driver's connection (no ORM).

The guarantees: a ballot is stored only while the vote is open and only from its own message
(the clicked message's ts is the vote's `message_ts`: an orphan message whose vote was undone,
or a vote not posted yet, changes nothing), under the vote's row lock
(the write lock on SQLite), which closing takes too, so a click racing the close is either
in the tally or refused, never stored after it; of two clicks of one voter the later one
(Slack's `action_ts`, kept in `clicked_at`) wins, whichever is handled last; and the vote's
`ballots_count` and `tally_version` move with every stored change, for the live count.

PostgreSQL does it in one statement, which is a transaction by itself (one round trip);
SQLite, which has no writing WITH clauses, in three statements of one write transaction,
which holds its lock. Plain SQL on the driver's connection (storage/driver.py): a click is
the busiest write there is.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import column

from domain.phases import Quadrant
from storage.db import Database
from storage.driver import Driver, DriverStatement
from storage.types import UTCDateTime
from storage.votes import VoteError, clicked_message

_TIMES = {name: column(name, UTCDateTime()) for name in ("now", "clicked_at")}


def _columns(*names: str) -> list:
    """Result columns; the vote's times come back as aware UTC datetimes."""
    return [
        column(n, UTCDateTime() if n in ("deadline", "rendered_at", "closed_at") else None)
        for n in names
    ]


class Cast(NamedTuple):
    """What a click left stored."""

    vote: tuple  # id, need_id, channel, deadline, rendered_at: the open vote, as the click found it
    quadrant: str  # the voter's stored choice: this click's, or a later click's
    reason: str | None
    counted: bool  # False: a later click of the same voter was stored first; nothing changed
    first: bool  # the voter's first ballot in this vote


def cast_ballot(db: Database, **click) -> Cast:
    """Record or replace the member's choice, in a transaction of its own (`cast_in`)."""
    with db.driver(write=True) as driver:
        if driver.dialect.name == "postgresql":
            return cast_in(driver, **click)
        with driver.transaction(write=True):
            return cast_in(driver, **click)


def cast_in(
    driver: Driver,
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
    channel do not list is refused ("vote.not_eligible", with the channel). On SQLite, run
    it in a write transaction (`cast_ballot` does).
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
    if driver.dialect.name == "postgresql":
        return _in_one_statement(driver, values)
    return _in_three_statements(driver, values)


# The open vote the click is for, with the voter's cached membership when asked.
_OPEN_VOTE = """
    SELECT id, need_id, channel, deadline, rendered_at{more} FROM vote
    WHERE id = :vote_id AND message_ts = :message_ts AND closed_at IS NULL AND deadline > :now
        AND (NOT :members_only OR EXISTS (
            SELECT 1 FROM channel_member
            WHERE channel_member.channel_id = vote.channel
                AND channel_member.user_id = :user_id))"""

# ---------------------------------------------------------------- PostgreSQL

# The vote row is locked first (FOR UPDATE, re-checked as it is once the lock is free), then
# the ballot is upserted and the vote's counters moved in the same statement. Inserted or
# changed: a sequence value is drawn for every row offered for insertion, conflicting or
# not, so the stored row has this statement's value only if it was inserted.
_ONE_STATEMENT = DriverStatement(
    f"""
WITH open_vote AS ({_OPEN_VOTE.format(more="")}
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
""",  # noqa: S608 - built from constants
    binds=_TIMES,
    columns=_columns(
        "id", "need_id", "channel", "deadline", "rendered_at", "quadrant", "reason", "first"
    ),
)


def _in_one_statement(driver: Driver, values: dict) -> Cast:
    row = driver.first(_ONE_STATEMENT, **values)
    if row is None:
        raise _refusal(driver, values)
    if row.quadrant is None:  # overtaken by a later click: nothing changed
        return _overtaken(driver, row, values)
    return Cast(row, row.quadrant, row.reason, counted=True, first=row.first)


# ---------------------------------------------------------------- SQLite

_CHECK = DriverStatement(
    _OPEN_VOTE.format(more=", ballots_count"),
    binds=_TIMES,
    columns=_columns("id", "need_id", "channel", "deadline", "rendered_at", "ballots_count"),
)
_UPSERT = DriverStatement(
    """
INSERT INTO ballot (vote_id, user_id, quadrant, cast_at, updated_at, clicked_at)
VALUES (:vote_id, :user_id, :quadrant, :now, :now, :clicked_at)
ON CONFLICT (vote_id, user_id) DO UPDATE
SET quadrant = excluded.quadrant, updated_at = excluded.updated_at,
    clicked_at = coalesce(excluded.clicked_at, ballot.clicked_at)
WHERE excluded.clicked_at IS NULL OR ballot.clicked_at IS NULL
    OR ballot.clicked_at <= excluded.clicked_at
RETURNING quadrant, reason
""",
    binds=_TIMES,
    columns=_columns("quadrant", "reason"),
)
_COUNT = DriverStatement(
    """
UPDATE vote SET tally_version = tally_version + 1,
    ballots_count = (SELECT count(*) FROM ballot WHERE ballot.vote_id = vote.id)
WHERE id = :vote_id RETURNING ballots_count
"""
)


def _in_three_statements(driver: Driver, values: dict) -> Cast:
    """The caller's write transaction holds SQLite's write lock from the first to the last."""
    vote = driver.first(_CHECK, **values)
    if vote is None:
        raise _refusal(driver, values)
    stored = driver.first(_UPSERT, **values)
    if stored is None:  # overtaken by a later click: nothing changed
        return _overtaken(driver, vote, values)
    (count,) = driver.first(_COUNT, vote_id=values["vote_id"])
    return Cast(
        vote, stored.quadrant, stored.reason, counted=True, first=count > vote.ballots_count
    )


# ---------------------------------------------------------------- both

_STORED = DriverStatement(
    "SELECT quadrant, reason FROM ballot WHERE vote_id = :vote_id AND user_id = :user_id",
    columns=_columns("quadrant", "reason"),
)
_WHY_NOT = DriverStatement(
    "SELECT channel, message_ts, closed_at, deadline FROM vote WHERE id = :vote_id",
    columns=_columns("channel", "message_ts", "closed_at", "deadline"),
)


def _overtaken(driver: Driver, vote: tuple, values: dict) -> Cast:
    stored = driver.first(_STORED, vote_id=values["vote_id"], user_id=values["user_id"])
    return Cast(vote, stored.quadrant, stored.reason, counted=False, first=False)


def _refusal(driver: Driver, values: dict) -> VoteError:
    vote = driver.first(_WHY_NOT, vote_id=values["vote_id"])
    try:
        clicked_message(vote, values["message_ts"])
    except VoteError as refused:
        return refused
    if vote.closed_at is not None or values["now"] >= vote.deadline:
        return VoteError("vote.closed")
    return VoteError("vote.not_eligible", channel=vote.channel)
