"""Carrying out the phase rules: each action re-reads the need, asks the domain rules, writes
the change and appends it to the history. Callers own the transaction (one action, one commit).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.history import EventKind
from domain.lifecycle import (
    Action,
    Refused,
    Situation,
    duplicate_refusal,
    require,
    require_decision,
)
from domain.mission import (
    AssessmentDraft,
    CompletionDraft,
    MissionDraft,
    completion_problems,
    format_milestones,
    mission_problems,
)
from domain.needs import Draft, content_hash, retired_hash
from domain.phases import Decision, Outcome, Phase
from domain.reference import Reference
from storage.models import (
    Assessment,
    Completion,
    Follower,
    Milestone,
    Mission,
    Need,
    NeedEvent,
    Vote,
)
from storage.needs import change_phase, record_event
from storage.votes import open_vote_for

# History kinds that tell the people concerned (followers, submitter, process leader).
NOTIFY_KINDS = frozenset(
    {
        EventKind.PHASE_CHANGED,
        EventKind.DECIDED,
        EventKind.CLOSED,
        EventKind.REPORTED,
        EventKind.COMPLETED,
    }
)


@dataclass
class Applied:
    """The need after an action, and the history entries the action appended."""

    need: Need
    events: list[NeedEvent] = field(default_factory=list)

    @property
    def notable(self) -> list[NeedEvent]:
        return [e for e in self.events if e.kind in NOTIFY_KINDS]


# A mission under way: prioritised, neither closed nor completed. Only its milestones are
# reminded of and listed in the digest; a parked or closed need's timetable rests.
LIVE_MISSION = and_(
    Need.decision == Decision.PRIORITISE.value,
    col(Need.outcome).is_(None),
    Need.phase < Phase.COMPLETED,
)


# ---------------------------------------------------------------- reading the situation


def lock_need(session: Session, *, need_id: int) -> Need:
    """The need, locked for this transaction (PostgreSQL); SQLite already holds the write lock."""
    need = session.get(Need, need_id, with_for_update=True, populate_existing=True)
    if need is None:
        raise Refused("lifecycle.refused.no_such_need")
    return need


def get_mission(session: Session, *, need_id: int) -> Mission | None:
    return session.get(Mission, need_id)


def milestones(session: Session, *, need_id: int) -> list[Milestone]:
    query = select(Milestone).where(Milestone.need_id == need_id)
    return list(session.exec(query.order_by(col(Milestone.due), col(Milestone.id))).all())


def mission_version(mission: Mission | None) -> str:
    """What a mission form remembers of the document it shows: when it was last saved."""
    return mission.updated_at.isoformat() if mission else ""


def reports_due(session: Session, *, need_id: int) -> list[Milestone]:
    """The milestones whose report is not handed in yet, soonest first."""
    return [m for m in milestones(session, need_id=need_id) if m.done_at is None]


def latest_assessment(session: Session, *, need_id: int) -> Assessment | None:
    query = select(Assessment).where(Assessment.need_id == need_id)
    return session.exec(query.order_by(col(Assessment.id).desc())).first()


def get_completion(session: Session, *, need_id: int) -> Completion | None:
    return session.get(Completion, need_id)


def latest_closed_vote(session: Session, *, need_id: int) -> Vote | None:
    query = select(Vote).where(Vote.need_id == need_id, col(Vote.closed_at).is_not(None))
    return session.exec(query.order_by(col(Vote.closed_at).desc(), col(Vote.id).desc())).first()


def _follow_choices(session: Session, *, need_id: int) -> dict[str, str]:
    """Each person's latest explicit follow/unfollow on this need (from the history)."""
    query = select(NeedEvent.actor, NeedEvent.kind).where(
        NeedEvent.need_id == need_id,
        col(NeedEvent.kind).in_([EventKind.FOLLOWED, EventKind.UNFOLLOWED]),
    )
    choices: dict[str, str] = {}
    for actor, kind in session.exec(query.order_by(col(NeedEvent.id))).all():
        if actor:
            choices[actor] = kind
    return choices


def _implicit_followers(session: Session, need: Need) -> set[str]:
    """The submitter and the process leader follow without asking."""
    mission = get_mission(session, need_id=need.id)
    people = {need.submitted_by}
    if mission is not None and mission.process_leader:
        people.add(mission.process_leader)
    return people


def followers(session: Session, *, need: Need) -> set[str]:
    """Everyone told when the need moves: followers, submitter and process leader, minus those
    who chose to stop following."""
    explicit = set(session.exec(select(Follower.user_id).where(Follower.need_id == need.id)).all())
    choices = _follow_choices(session, need_id=need.id)
    implicit = {
        u for u in _implicit_followers(session, need) if choices.get(u) != EventKind.UNFOLLOWED
    }
    return explicit | implicit


def situation(session: Session, *, need: Need, user_id: str) -> Situation:
    mission = get_mission(session, need_id=need.id)
    vote = open_vote_for(session, need_id=need.id)
    return Situation(
        phase=need.phase,
        outcome=need.outcome,
        decision=need.decision,
        submitted_by=need.submitted_by,
        has_mission=mission is not None,
        process_leader=mission.process_leader if mission else None,
        reports_due=bool(reports_due(session, need_id=need.id)),
        following=user_id in followers(session, need=need),
        vote_deadline=vote.deadline if vote else None,
    )


def _checked(
    session: Session, *, need_id: int, action: Action, actor: str, is_admin: bool
) -> tuple[Need, Situation]:
    need = lock_need(session, need_id=need_id)
    now_situation = situation(session, need=need, user_id=actor)
    require(action, now_situation, actor, is_admin)
    return need, now_situation


def _touch(session: Session, need: Need, now: datetime) -> None:
    need.updated_at = now
    session.add(need)


def _event(session: Session, need: Need, now: datetime, actor: str, kind: str, **kw) -> NeedEvent:
    return record_event(session, need=need, at=now, actor=actor, kind=kind, **kw)


def _phase(session: Session, need: Need, to: int, actor: str, now: datetime, comment) -> NeedEvent:
    change_phase(session, need=need, to_phase=to, actor=actor, now=now, comment=comment or None)
    session.flush()
    query = select(NeedEvent).where(NeedEvent.need_id == need.id)
    return session.exec(query.order_by(col(NeedEvent.id).desc())).first()


def _close(session: Session, need: Need, outcome: Outcome, actor: str, now: datetime, **kw):
    need.outcome = outcome.value
    need.closed_at = now
    need.content_hash = retired_hash(need.content_hash, need.id)
    _touch(session, need, now)
    return _event(session, need, now, actor, EventKind.CLOSED, **kw)


# ---------------------------------------------------------------- the actions


def take_up(
    session: Session, *, need_id: int, actor: str, is_admin: bool, now: datetime, comment=""
) -> Applied:
    """1 -> 2: VVG's presidium takes the need up for position-taking and prioritisation."""
    need, _ = _checked(
        session, need_id=need_id, action=Action.TAKE_UP, actor=actor, is_admin=is_admin
    )
    return Applied(need, [_phase(session, need, Phase.PRIORITISATION, actor, now, comment)])


def assess(
    session: Session,
    *,
    need_id: int,
    actor: str,
    is_admin: bool,
    now: datetime,
    draft: AssessmentDraft,
) -> Applied:
    """Record VVG's position-taking on the three questions (the latest one counts)."""
    need, _ = _checked(
        session, need_id=need_id, action=Action.ASSESS, actor=actor, is_admin=is_admin
    )
    if None in (draft.relevant, draft.person_centred, draft.trust):
        raise Refused("lifecycle.assess.error.answer")
    before = latest_assessment(session, need_id=need.id)
    answers = {
        "relevant": draft.relevant,
        "person_centred": draft.person_centred,
        "trust": draft.trust,
    }
    session.add(
        Assessment(need_id=need.id, comment=draft.comment or None, by=actor, at=now, **answers)
    )
    old = None
    if before is not None:
        old = json.dumps({k: getattr(before, k) for k in answers})
    _touch(session, need, now)
    event = _event(
        session,
        need,
        now,
        actor,
        EventKind.ASSESSED,
        field="assessment",
        old=old,
        new=json.dumps(answers),
        comment=draft.comment or None,
    )
    return Applied(need, [event])


def decide(
    session: Session,
    *,
    need_id: int,
    actor: str,
    is_admin: bool,
    now: datetime,
    decision: Decision,
    reason: str = "",
) -> Applied:
    """VVG's decision on the prioritisation; not prioritising (with a reason) closes the need.
    The decision the need already has is refused: nothing to record, nobody to tell."""
    need, now_situation = _checked(
        session, need_id=need_id, action=Action.DECIDE, actor=actor, is_admin=is_admin
    )
    decision = Decision(decision)
    require_decision(decision, now_situation)
    reason = (reason or "").strip()
    if decision is Decision.NOT_PRIORITISE and not reason:
        raise Refused("lifecycle.decide.error.reason")
    old = need.decision
    need.decision = decision.value
    _touch(session, need, now)
    events = [
        _event(
            session,
            need,
            now,
            actor,
            EventKind.DECIDED,
            field="decision",
            old=old,
            new=decision.value,
            comment=reason or None,
        )
    ]
    if decision is Decision.NOT_PRIORITISE:
        events.append(
            _close(
                session,
                need,
                Outcome.NOT_PRIORITISED,
                actor,
                now,
                field="outcome",
                new=Outcome.NOT_PRIORITISED.value,
                comment=reason,
            )
        )
    return Applied(need, events)


def save_mission(
    session: Session,
    *,
    need_id: int,
    actor: str,
    is_admin: bool,
    now: datetime,
    draft: MissionDraft,
    seen: str | None = None,
) -> Applied:
    """Write or change the mission document and its timetable; each changed part is recorded.
    `seen`: the `mission_version` the form was opened with; saved by someone else since, the
    form would undo their changes, so it is refused."""
    need, _ = _checked(
        session, need_id=need_id, action=Action.MISSION, actor=actor, is_admin=is_admin
    )
    if mission_problems(draft):
        raise Refused("lifecycle.refused.mission_incomplete")
    mission = get_mission(session, need_id=need.id)
    if seen is not None and seen != mission_version(mission):
        raise Refused("lifecycle.refused.mission_changed")
    created = mission is None
    if created:
        mission = Mission(
            need_id=need.id, description="", purpose_goals="", updated_by=actor, updated_at=now
        )
    events = []
    for name, new in _mission_values(draft).items():
        old = getattr(mission, name)
        if old != new and not (created and new in (None, "", [], False)):
            setattr(mission, name, new)
            events.append(
                _event(
                    session,
                    need,
                    now,
                    actor,
                    EventKind.MISSION_SAVED,
                    field=name,
                    old=None if created else _shown(old),
                    new=_shown(new),
                )
            )
    mission.updated_by, mission.updated_at = actor, now
    session.add(mission)
    session.flush()
    timetable = _replace_milestones(session, need, draft)
    if timetable is not None:
        old, new = timetable
        events.append(
            _event(
                session,
                need,
                now,
                actor,
                EventKind.MILESTONES_CHANGED,
                field="timetable",
                old=old or None,
                new=new or None,
            )
        )
    _touch(session, need, now)
    return Applied(need, events)


def _mission_values(draft: MissionDraft) -> dict[str, object]:
    return {
        "description": draft.description.strip(),
        "purpose_goals": draft.purpose_goals.strip(),
        "delimitations": draft.delimitations.strip() or None,
        "group_composition": draft.group_composition.strip() or None,
        "time_needed": draft.time_needed.strip() or None,
        "process_leader": draft.process_leader or None,
        "working_group": sorted(set(draft.working_group)),
        "external_members": draft.external_members.strip() or None,
        "resourcing": draft.resourcing.strip() or None,
        "state_grant": bool(draft.state_grant),
        "inform_sro": bool(draft.inform_sro),
    }


def _shown(value: object) -> str | None:
    """How a value is written into the history (lists as comma-separated, booleans as 1/0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def _replace_milestones(session: Session, need: Need, draft: MissionDraft):
    """Make the stored timetable equal the draft's, keeping rows that did not change (and
    their ids and done marks, which reminders rely on). Returns (old, new) text or None."""
    rows = milestones(session, need_id=need.id)
    old_text = format_milestones(rows)
    wanted = draft.milestones()
    if format_milestones(wanted) == old_text:
        return None
    keep = list(rows)
    fresh = []
    for item in wanted:
        same = next(
            (r for r in keep if (r.due, r.kind, r.title) == (item.due, item.kind, item.title)),
            None,
        )
        if same is not None:
            keep.remove(same)
        else:
            fresh.append(item)
    for item in fresh:
        row = keep.pop(0) if keep else Milestone(need_id=need.id, kind="", title="", due=item.due)
        row.due, row.kind, row.title, row.done_at = item.due, item.kind.value, item.title, None
        session.add(row)
    for row in keep:  # the timetable got shorter; the history keeps the old one
        session.delete(row)
    session.flush()
    return old_text, format_milestones(wanted)


def start_execution(
    session: Session, *, need_id: int, actor: str, is_admin: bool, now: datetime, comment=""
) -> Applied:
    """2 -> 3: allowed once VVG prioritised the need and its mission document is saved."""
    need, _ = _checked(
        session, need_id=need_id, action=Action.START, actor=actor, is_admin=is_admin
    )
    return Applied(need, [_phase(session, need, Phase.EXECUTION, actor, now, comment)])


def report(
    session: Session,
    *,
    need_id: int,
    actor: str,
    is_admin: bool,
    now: datetime,
    milestone_id: int,
    url: str | None,
) -> Applied:
    """A milestone's report handed in (phase 3, the process leader or an admin): its reminders
    stop, and the history and the followers hear of it."""
    need, _ = _checked(
        session, need_id=need_id, action=Action.REPORT, actor=actor, is_admin=is_admin
    )
    milestone = next((m for m in reports_due(session, need_id=need.id) if m.id == milestone_id),
                     None)  # fmt: skip
    if milestone is None:  # handed in meanwhile, or taken out of the timetable
        raise Refused("lifecycle.refused.report_gone")
    milestone.done_at, milestone.report_url = now, url or None
    session.add(milestone)
    _touch(session, need, now)
    event = _event(session, need, now, actor, EventKind.REPORTED, field=milestone.kind,
                   new=milestone.title, comment=url or None)  # fmt: skip
    return Applied(need, [event])


def complete(
    session: Session,
    *,
    need_id: int,
    actor: str,
    is_admin: bool,
    now: datetime,
    draft: CompletionDraft,
) -> Applied:
    """3 -> 4 with the final report, VVG's (and SRO's) position and the published product."""
    need, _ = _checked(
        session, need_id=need_id, action=Action.COMPLETE, actor=actor, is_admin=is_admin
    )
    if completion_problems(draft):
        raise Refused("lifecycle.refused.no_final_report")
    session.add(
        Completion(
            need_id=need.id,
            final_report_date=draft.final_report_date,
            final_report_url=draft.final_report_url,
            vvg_position=draft.vvg_position.strip(),
            sro_position=draft.sro_position.strip() or None,
            product_url=draft.product_url,
            completed_by=actor,
            completed_at=now,
        )
    )
    done = _event(
        session,
        need,
        now,
        actor,
        EventKind.COMPLETED,
        field="final_report",
        new=draft.final_report_url,
        comment=draft.vvg_position.strip(),
    )
    return Applied(need, [done, _phase(session, need, Phase.COMPLETED, actor, now, None)])


def withdraw(
    session: Session, *, need_id: int, actor: str, is_admin: bool, now: datetime, comment=""
) -> Applied:
    """The submitter (in phase 1) or an admin withdraws the need; it stays, marked återkallat."""
    need, _ = _checked(
        session, need_id=need_id, action=Action.WITHDRAW, actor=actor, is_admin=is_admin
    )
    event = _close(
        session,
        need,
        Outcome.WITHDRAWN,
        actor,
        now,
        field="outcome",
        new=Outcome.WITHDRAWN.value,
        comment=(comment or "").strip() or None,
    )
    return Applied(need, [event])


EDITABLE = ("title", "description", "origin", "area", "target_groups", "level", "organisation")


def edit_version(need: Need) -> str:
    """What an edit form remembers of the fields it shows, to tell whether they changed since."""
    values = json.dumps([getattr(need, name) for name in EDITABLE], ensure_ascii=False)
    return hashlib.sha256(values.encode()).hexdigest()[:16]


def edit(
    session: Session,
    *,
    need_id: int,
    actor: str,
    is_admin: bool,
    now: datetime,
    draft: Draft,
    ref: Reference,
    seen: str | None = None,
) -> Applied:
    """Change the registered fields; each changed field is recorded with old and new value.
    `seen`: the `edit_version` the form was opened with (changed since: refused, as the form
    would undo the other change)."""
    need, _ = _checked(session, need_id=need_id, action=Action.EDIT, actor=actor, is_admin=is_admin)
    if seen is not None and seen != edit_version(need):
        raise Refused("lifecycle.refused.edited_meanwhile")
    events = []
    for name in EDITABLE:
        old, new = getattr(need, name), getattr(draft, name)
        if name == "target_groups":
            new = list(new)
        if name == "origin":
            new = new or ""
        if old == new:
            continue
        setattr(need, name, new)
        events.append(
            _event(
                session,
                need,
                now,
                actor,
                EventKind.EDITED,
                field=name,
                old=_shown(old),
                new=_shown(new),
            )
        )
    if not events:
        return Applied(need, [])
    area = ref.area(need.area)
    need.perspective = area[0].key if area else None
    need.content_hash = content_hash(need.title, need.description)
    _touch(session, need, now)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Refused("lifecycle.edit.same_as_other") from exc
    return Applied(need, events)


def mark_duplicate(
    session: Session,
    *,
    need_id: int,
    original_id: int,
    actor: str,
    is_admin: bool,
    now: datetime,
    comment: str = "",
) -> Applied:
    """Close the need as merged into `original_id`; its followers move there. Both histories
    say so. Not while the need's own vote is open (`require`): closed first, its result stays
    in its history."""
    need, _ = _checked(
        session, need_id=need_id, action=Action.DUPLICATE, actor=actor, is_admin=is_admin
    )
    original = session.get(Need, original_id, with_for_update=True)
    problem = duplicate_refusal(need.id, original)
    if problem is None and original.merged_into is not None:
        problem = "lifecycle.duplicate.original_closed"
    if problem:
        raise Refused(problem)
    comment = (comment or "").strip() or None
    moving = followers(session, need=need)
    need.merged_into = original.id
    events = [
        _close(
            session,
            need,
            Outcome.MERGED,
            actor,
            now,
            field="merged_into",
            new=original.id,
            comment=comment,
        )
    ]
    _touch(session, original, now)
    events.append(
        _event(
            session,
            original,
            now,
            actor,
            EventKind.MERGED_IN,
            field="merged_from",
            new=need.id,
            comment=comment,
        )
    )
    if _move_followers(session, need, original, moving, now):
        for subject in (need, original):
            events.append(
                _event(
                    session,
                    subject,
                    now,
                    actor,
                    EventKind.MOVED,
                    field="followers",
                    old=need.id,
                    new=original.id,
                )
            )
    return Applied(need, events)


def _move_followers(session: Session, need: Need, original: Need, people: set[str], now) -> int:
    already = followers(session, need=original)
    rows = session.exec(select(Follower).where(Follower.need_id == need.id)).all()
    for row in rows:
        session.delete(row)
    moved = 0
    for user_id in sorted(people - already):
        session.add(Follower(need_id=original.id, user_id=user_id, since=now))
        moved += 1
    session.flush()
    return moved


def follow(session: Session, *, need_id: int, user_id: str, now: datetime) -> Applied:
    need, _ = _checked(
        session, need_id=need_id, action=Action.FOLLOW, actor=user_id, is_admin=False
    )
    if session.get(Follower, (need.id, user_id)) is None:
        session.add(Follower(need_id=need.id, user_id=user_id, since=now))
    return Applied(need, [_event(session, need, now, user_id, EventKind.FOLLOWED)])


def unfollow(session: Session, *, need_id: int, user_id: str, now: datetime) -> Applied:
    need, _ = _checked(
        session, need_id=need_id, action=Action.UNFOLLOW, actor=user_id, is_admin=False
    )
    row = session.get(Follower, (need.id, user_id))
    if row is not None:
        session.delete(row)
    return Applied(need, [_event(session, need, now, user_id, EventKind.UNFOLLOWED)])
