"""Queries behind the milestone and stale-need reminders; bounded, one query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.phases import Phase
from storage.digest import Cut, NeedRef
from storage.lifecycle import LIVE_MISSION
from storage.models import Milestone, Mission, Need


@dataclass(frozen=True)
class MilestoneDue:
    id: int
    need: NeedRef
    kind: str
    title: str
    due: date
    process_leader: str | None


def milestones_between(session: Session, *, first: date, last: date) -> list[MilestoneDue]:
    """Open milestones dated first..last of live missions (`LIVE_MISSION`), with the process
    leader."""
    rows = session.exec(
        select(
            Milestone.id,
            Need.id,
            Need.title,
            Milestone.kind,
            Milestone.title,
            Milestone.due,
            Mission.process_leader,
        )
        .join(Need, col(Need.id) == col(Milestone.need_id))
        .join(Mission, col(Mission.need_id) == col(Milestone.need_id), isouter=True)
        .where(
            Milestone.due >= first,
            Milestone.due <= last,
            col(Milestone.done_at).is_(None),
            LIVE_MISSION,
        )
        .order_by(col(Milestone.due), col(Milestone.id))
    ).all()
    return [MilestoneDue(r[0], NeedRef(r[1], r[2]), r[3], r[4], r[5], r[6]) for r in rows]


@dataclass(frozen=True)
class StaleNeed:
    need: NeedRef
    waiting_since: datetime


def newly_stale(
    session: Session, *, entered_after: datetime | None, entered_until: datetime, limit: int = 25
) -> Cut:
    """Needs still in phase 1 that entered it in (entered_after, entered_until], oldest first."""
    query = select(Need.id, Need.title, Need.phase_entered_at, func.count().over()).where(
        Need.phase == Phase.IDENTIFIED,
        col(Need.outcome).is_(None),
        Need.phase_entered_at <= entered_until,
    )
    if entered_after is not None:
        query = query.where(Need.phase_entered_at > entered_after)
    rows = session.exec(query.order_by(col(Need.phase_entered_at), col(Need.id)).limit(limit)).all()
    return Cut([StaleNeed(NeedRef(r[0], r[1]), r[2]) for r in rows], rows[0][-1] if rows else 0)
