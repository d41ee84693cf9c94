"""Read what the annual report is computed from: every need, its phase changes, completions."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from domain.history import EventKind
from domain.report import NeedFacts
from storage.models import Completion, Need, NeedEvent


def report_facts(session: Session) -> list[NeedFacts]:
    """One NeedFacts per need (all of them: the report is for admins, hidden ones count)."""
    changes: dict[int, list] = defaultdict(list)
    events = select(NeedEvent.need_id, NeedEvent.at, NeedEvent.new_value).where(
        NeedEvent.kind == EventKind.PHASE_CHANGED.value
    )
    for need_id, at, new_value in session.exec(events.order_by(col(NeedEvent.at))).all():
        if new_value and new_value.isdigit():
            changes[need_id].append((at, int(new_value)))
    completions = {c.need_id: c for c in session.exec(select(Completion)).all()}
    facts = []
    for need in session.exec(select(Need).order_by(col(Need.id))).all():
        completion = completions.get(need.id)
        facts.append(
            NeedFacts(
                number=need.id,
                title=need.title,
                origin=need.origin or None,
                perspective=need.perspective,
                target_groups=list(need.target_groups or []),
                level=need.level,
                submitted_at=need.submitted_at,
                phase=need.phase,
                phase_entered_at=need.phase_entered_at,
                outcome=need.outcome,
                closed_at=need.closed_at,
                phase_changes=changes.get(need.id, []),
                completed_at=completion.completed_at if completion else None,
                product_url=completion.product_url if completion else None,
            )
        )
    return facts
