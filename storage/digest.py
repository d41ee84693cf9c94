"""What the weekly digest reports, in a fixed number of bounded queries (any number of needs).

Each list is cut at `limit` rows and carries its full count (a window count in the same
query), so the digest stays small and the database work stays constant as needs grow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.history import EventKind
from storage.lifecycle import LIVE_MISSION
from storage.models import Milestone, Need, NeedEvent, Vote
from storage.votes import OPEN

# History entries the digest reports as phase changes and decisions.
CHANGE_KINDS = (
    EventKind.PHASE_CHANGED,
    EventKind.DECIDED,
    EventKind.CLOSED,
    EventKind.COMPLETED,
)


@dataclass(frozen=True)
class NeedRef:
    id: int
    title: str


@dataclass(frozen=True)
class Change:
    need: NeedRef
    kind: str
    old: str | None
    new: str | None
    at: datetime


@dataclass(frozen=True)
class OpenVote:
    need: NeedRef
    deadline: datetime


@dataclass(frozen=True)
class ComingMilestone:
    need: NeedRef
    kind: str
    title: str
    due: date


@dataclass(frozen=True)
class Cut:
    """The first rows of a list and how many there are in all."""

    items: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class DigestData:
    since: datetime
    until: datetime
    new_needs: Cut
    changes: Cut
    open_votes: Cut
    milestones: Cut
    per_phase: dict[int, int]  # needs still open (no outcome), by phase
    closed: int  # needs that ended without execution

    @property
    def nothing_new(self) -> bool:
        return not (
            self.new_needs.total
            or self.changes.total
            or self.open_votes.total
            or self.milestones.total
        )


def _cut(rows: list, make) -> Cut:
    """Rows end with the window count of the whole list (the same on every row)."""
    return Cut([make(row) for row in rows], rows[0][-1] if rows else 0)


def digest_data(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    today: date,
    horizon: date,
    limit: int = 8,
) -> DigestData:
    """Needs registered and changes made in [since, until); votes open and milestones of live
    missions due from `today` to `horizon` as they stand now; open needs per phase. Six
    queries."""
    total = func.count().over()
    new_rows = session.exec(
        select(Need.id, Need.title, total)
        .where(Need.submitted_at >= since, Need.submitted_at < until)
        .order_by(col(Need.id))
        .limit(limit)
    ).all()
    change_rows = session.exec(
        select(
            NeedEvent.need_id,
            Need.title,
            NeedEvent.kind,
            NeedEvent.old_value,
            NeedEvent.new_value,
            NeedEvent.at,
            total,
        )
        .join(Need, col(Need.id) == col(NeedEvent.need_id))
        .where(
            col(NeedEvent.kind).in_([str(kind) for kind in CHANGE_KINDS]),
            NeedEvent.at >= since,
            NeedEvent.at < until,
        )
        .order_by(col(NeedEvent.at), col(NeedEvent.id))
        .limit(limit)
    ).all()
    vote_rows = session.exec(
        select(Need.id, Need.title, Vote.deadline, total)
        .join(Need, col(Need.id) == col(Vote.need_id))
        .where(OPEN)
        .order_by(col(Vote.deadline), col(Vote.id))
        .limit(limit)
    ).all()
    milestone_rows = session.exec(
        select(Need.id, Need.title, Milestone.kind, Milestone.title, Milestone.due, total)
        .join(Need, col(Need.id) == col(Milestone.need_id))
        .where(
            Milestone.due >= today,
            Milestone.due <= horizon,
            col(Milestone.done_at).is_(None),
            LIVE_MISSION,
        )
        .order_by(col(Milestone.due), col(Milestone.id))
        .limit(limit)
    ).all()
    per_phase, closed = phase_counts(session)
    return DigestData(
        since=since,
        until=until,
        new_needs=_cut(new_rows, lambda r: NeedRef(r[0], r[1])),
        changes=_cut(change_rows, lambda r: Change(NeedRef(r[0], r[1]), r[2], r[3], r[4], r[5])),
        open_votes=_cut(vote_rows, lambda r: OpenVote(NeedRef(r[0], r[1]), r[2])),
        milestones=_cut(
            milestone_rows, lambda r: ComingMilestone(NeedRef(r[0], r[1]), r[2], r[3], r[4])
        ),
        per_phase=per_phase,
        closed=closed,
    )


def phase_counts(session: Session) -> tuple[dict[int, int], int]:
    """(open needs per phase, needs closed without execution), in one grouped query."""
    rows = session.exec(
        select(Need.phase, Need.outcome, func.count()).group_by(Need.phase, Need.outcome)
    ).all()
    per_phase = dict.fromkeys(range(1, 5), 0)
    closed = 0
    for phase, outcome, count in rows:
        if outcome:
            closed += count
        else:
            per_phase[phase] = per_phase.get(phase, 0) + count
    return per_phase, closed
