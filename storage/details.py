"""Everything the details view shows about one need, read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.lifecycle import Situation
from storage import lifecycle
from storage.models import Assessment, Completion, Milestone, Mission, Need, NeedEvent, Vote
from storage.votes import open_vote_for


@dataclass
class NeedDetails:
    need: Need
    situation: Situation
    mission: Mission | None = None
    milestones: list[Milestone] = field(default_factory=list)
    assessment: Assessment | None = None
    completion: Completion | None = None
    open_vote: Vote | None = None
    closed_vote: Vote | None = None
    events: list[NeedEvent] = field(default_factory=list)  # one page, newest first
    event_count: int = 0


def load_details(
    session: Session, *, need_id: int, user_id: str, offset: int = 0, limit: int = 15
) -> NeedDetails | None:
    need = session.get(Need, need_id)
    if need is None:
        return None
    events = session.exec(
        select(NeedEvent)
        .where(NeedEvent.need_id == need_id)
        .order_by(col(NeedEvent.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    count = session.exec(select(func.count()).where(NeedEvent.need_id == need_id)).one()
    return NeedDetails(
        need=need,
        situation=lifecycle.situation(session, need=need, user_id=user_id),
        mission=lifecycle.get_mission(session, need_id=need_id),
        milestones=lifecycle.milestones(session, need_id=need_id),
        assessment=lifecycle.latest_assessment(session, need_id=need_id),
        completion=session.get(Completion, need_id),
        open_vote=open_vote_for(session, need_id=need_id),
        closed_vote=lifecycle.latest_closed_vote(session, need_id=need_id),
        events=list(events),
        event_count=int(count),
    )
