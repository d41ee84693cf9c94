"""Reading needs in pages: lists, search results and the App Home, at a cost that does not
grow with the number of needs (counts with GROUP BY, pages with LIMIT/OFFSET, a fixed number
of queries). Callers own the session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import Session, col, exists, select

from domain.phases import Phase
from storage.models import Ballot, ChannelMember, Mission, Need, Vote
from storage.needs import needs_by_ids
from storage.title_index import TitleIndex
from storage.votes import OPEN, is_member

CLOSED = 0  # the bucket of needs that ended without (or before) execution, beside phases 1-4
BUCKETS = (*(int(p) for p in Phase), CLOSED)


@dataclass(frozen=True)
class Row:
    """One need in a list, with the vote that matters for this list when there is one."""

    need: Need
    vote: Vote | None = None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    number: int  # 0-based, already moved inside 0..pages-1
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def needs(self) -> list[Need]:
        return [row.need for row in self.rows]


def clamp(page: int, total: int, size: int) -> int:
    """A page number that exists (a stale button may ask for one past the end)."""
    last = max(0, -(-total // size) - 1)
    return min(max(0, page), last)


def _bucket(bucket: int | None) -> list:
    """WHERE clauses for one list: all needs (None), open needs in a phase, or closed ones."""
    if bucket is None:
        return []
    if bucket == CLOSED:
        return [col(Need.outcome).is_not(None)]
    return [Need.phase == bucket, col(Need.outcome).is_(None)]


def _paged(session: Session, query, count_query, *, page: int, size: int) -> Page:
    total = int(session.exec(count_query).one() or 0)
    number = clamp(page, total, size)
    found = session.exec(query.limit(size).offset(number * size)).all() if total else []
    rows = [Row(item) if isinstance(item, Need) else Row(*item) for item in found]
    return Page(rows=rows, total=total, number=number, size=size)


def _count(*where) -> object:
    return select(func.count()).select_from(Need).where(*where)


# ---------------------------------------------------------------- lists and search


def bucket_counts(session: Session) -> dict[int, int]:
    """Needs per phase (open ones) and closed, in one GROUP BY: {1: n, 2: n, 3: n, 4: n, 0: n}."""
    closed = col(Need.outcome).is_not(None)
    rows = session.exec(select(Need.phase, closed, func.count()).group_by(Need.phase, closed)).all()
    counts = dict.fromkeys(BUCKETS, 0)
    for phase, is_closed, count in rows:
        key = CLOSED if is_closed else int(phase)
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def needs_page(session: Session, *, bucket: int | None, page: int, size: int) -> Page:
    """One page of all needs (`bucket=None`), a phase's open needs, or closed ones; newest first."""
    where = _bucket(bucket)
    query = select(Need).where(*where).order_by(col(Need.id).desc())
    return _paged(session, query, _count(*where), page=page, size=size)


def search_page(session: Session, *, titles: TitleIndex, query: str, page: int, size: int) -> Page:
    """One page of the needs whose title or description holds the query's words, best first."""
    matches = titles.search(session, query)
    number = clamp(page, len(matches), size)
    wanted = [m.need_id for m in matches[number * size : (number + 1) * size]]
    found = needs_by_ids(session, ids=wanted)
    rows = [Row(found[i]) for i in wanted if i in found]
    return Page(rows=rows, total=len(matches), number=number, size=size)


# ---------------------------------------------------------------- the App Home


def submitted_by(session: Session, *, user_id: str, page: int, size: int) -> Page:
    """The needs a person registered, newest first."""
    where = [Need.submitted_by == user_id]
    query = select(Need).where(*where).order_by(col(Need.id).desc())
    return _paged(session, query, _count(*where), page=page, size=size)


def awaiting_vote(session: Session, *, user_id: str, now: datetime, page: int, size: int) -> Page:
    """Open votes the person may cast (a member of the vote's channel) and has not: soonest
    deadline first. Each row carries its vote."""
    member = exists().where(
        ChannelMember.channel_id == Vote.channel, ChannelMember.user_id == user_id
    )
    voted = exists().where(Ballot.vote_id == Vote.id, Ballot.user_id == user_id)
    where = [
        OPEN,
        Vote.deadline > now,
        col(Need.outcome).is_(None),
        member,
        ~voted,
    ]
    query = (
        select(Need, Vote)
        .join(Vote, col(Vote.need_id) == col(Need.id))
        .where(*where)
        .order_by(col(Vote.deadline), col(Vote.id))
    )
    count = (
        select(func.count())
        .select_from(Vote)
        .join(Need, col(Need.id) == col(Vote.need_id))
        .where(*where)
    )
    return _paged(session, query, count, page=page, size=size)


def led_by(session: Session, *, user_id: str, page: int, size: int) -> Page:
    """Open needs whose mission document names the person as process leader."""
    where = [
        Mission.process_leader == user_id,
        col(Need.outcome).is_(None),
        Need.phase < int(Phase.COMPLETED),
    ]
    query = (
        select(Need)
        .join(Mission, col(Mission.need_id) == col(Need.id))
        .where(*where)
        .order_by(col(Need.id).desc())
    )
    count = (
        select(func.count())
        .select_from(Need)
        .join(Mission, col(Mission.need_id) == col(Need.id))
        .where(*where)
    )
    return _paged(session, query, count, page=page, size=size)


def not_taken_up(session: Session, *, page: int, size: int) -> Page:
    """Admins: open needs still in phase 1, oldest first (they have waited longest)."""
    where = _bucket(int(Phase.IDENTIFIED))
    query = select(Need).where(*where).order_by(col(Need.id))
    return _paged(session, query, _count(*where), page=page, size=size)


def awaiting_decision(session: Session, *, page: int, size: int) -> Page:
    """Admins: open phase-2 needs without VVG's decision, oldest first, each with its latest
    vote (open, closed, or none yet)."""
    where = [*_bucket(int(Phase.PRIORITISATION)), col(Need.decision).is_(None)]
    query = select(Need).where(*where).order_by(col(Need.id))
    found = _paged(session, query, _count(*where), page=page, size=size)
    votes = latest_votes(session, need_ids=[row.need.id for row in found.rows])
    rows = [Row(row.need, votes.get(row.need.id)) for row in found.rows]
    return Page(rows=rows, total=found.total, number=found.number, size=found.size)


def latest_votes(session: Session, *, need_ids: Sequence[int]) -> dict[int, Vote]:
    """The most recent vote of each need (posted: one being opened is no vote yet), in one
    query."""
    if not need_ids:
        return {}
    latest = (
        select(Vote.need_id, func.max(Vote.id).label("vote_id"))
        .where(col(Vote.need_id).in_(list(need_ids)), col(Vote.message_ts).is_not(None))
        .group_by(Vote.need_id)
        .subquery()
    )
    votes = session.exec(
        select(Vote).join(
            latest, and_(col(Vote.need_id) == latest.c.need_id, col(Vote.id) == latest.c.vote_id)
        )
    ).all()
    return {vote.need_id: vote for vote in votes}


@dataclass(frozen=True)
class HomePages:
    """Which page of each App Home list to show (0-based); `bucket` is the phase tab."""

    bucket: int = int(Phase.IDENTIFIED)
    all: int = 0
    mine: int = 0
    vote: int = 0
    lead: int = 0
    new: int = 0
    decide: int = 0


@dataclass(frozen=True)
class Home:
    """Everything one person's App Home shows."""

    counts: dict[int, int]
    bucket: int
    all: Page
    mine: Page
    vote: Page
    lead: Page
    new: Page | None = None  # admins only
    decide: Page | None = None  # admins only
    voter: bool = True  # a member of the voting channel (else the votes list is left out)


def home(
    session: Session,
    *,
    user_id: str,
    admin: bool,
    now: datetime,
    pages: HomePages,
    size: int,
    all_size: int,
    voting_channel: str | None = None,
) -> Home:
    """The App Home of one person in a fixed number of queries, whatever the number of needs.
    With `voting_channel`, whether the person votes there (the cached membership)."""
    bucket = pages.bucket if pages.bucket in BUCKETS else int(Phase.IDENTIFIED)
    vote = awaiting_vote(session, user_id=user_id, now=now, page=pages.vote, size=size)
    voter = (
        bool(vote.total)
        or voting_channel is None
        or is_member(session, channel=voting_channel, user=user_id)
    )
    return Home(
        counts=bucket_counts(session),
        bucket=bucket,
        all=needs_page(session, bucket=bucket, page=pages.all, size=all_size),
        mine=submitted_by(session, user_id=user_id, page=pages.mine, size=size),
        vote=vote,
        lead=led_by(session, user_id=user_id, page=pages.lead, size=size),
        new=not_taken_up(session, page=pages.new, size=size) if admin else None,
        decide=awaiting_decision(session, page=pages.decide, size=size) if admin else None,
        voter=voter,
    )
