"""The published needs, their public history, and hiding a need from the public page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import false, or_
from sqlmodel import Session, col, select

from domain.history import PUBLIC_KINDS, EventKind
from domain.phases import Outcome
from domain.publication import PUBLISHED_FROM, PublicEvent, public_event
from storage.models import Completion, Need, NeedEvent
from storage.needs import record_event

HIDDEN_REASON_MAX = 500


def _published():
    return (
        col(Need.phase) >= int(PUBLISHED_FROM),
        col(Need.public_hidden) == false(),
        or_(col(Need.outcome).is_(None), col(Need.outcome) != Outcome.WITHDRAWN.value),
    )


def published_needs(session: Session) -> list[Need]:
    """Every published need, by number (see domain.publication for the rule)."""
    return list(session.exec(select(Need).where(*_published()).order_by(col(Need.id))).all())


def published_need(session: Session, *, need_id: int) -> Need | None:
    return session.exec(select(Need).where(Need.id == need_id, *_published())).first()


def published_ids(session: Session, *, ids: Sequence[int]) -> set[int]:
    """Which of these numbers are published (to link a merged need to its target or not)."""
    if not ids:
        return set()
    query = select(Need.id).where(col(Need.id).in_(list(ids)), *_published())
    return set(session.exec(query).all())


def product_urls(session: Session, *, ids: Sequence[int]) -> dict[int, str]:
    """The published final product of completed missions, by need number."""
    if not ids:
        return {}
    query = select(Completion.need_id, Completion.product_url).where(
        col(Completion.need_id).in_(list(ids)), col(Completion.product_url).is_not(None)
    )
    return dict(session.exec(query).all())


def public_history(session: Session, *, need_id: int) -> list[PublicEvent]:
    """The need's history as the public may see it, oldest first."""
    query = (
        select(NeedEvent)
        .where(
            NeedEvent.need_id == need_id,
            col(NeedEvent.public).is_(True),
            col(NeedEvent.kind).in_([str(k) for k in PUBLIC_KINDS]),
        )
        .order_by(col(NeedEvent.at), col(NeedEvent.id))
    )
    events = (public_event(event) for event in session.exec(query).all())
    return [event for event in events if event is not None]


def hide_need(session: Session, *, need: Need, actor: str, reason: str, now: datetime) -> bool:
    """Hide a need from the public page with a reason; False if it was hidden already."""
    reason = reason.strip()[:HIDDEN_REASON_MAX]
    if not reason:
        raise ValueError("a reason is required to hide a need")
    if need.public_hidden:
        return False
    need.public_hidden = True
    need.hidden_reason = reason
    need.updated_at = now
    session.add(need)
    record_event(
        session, need=need, at=now, actor=actor, kind=EventKind.HIDDEN, field="public_hidden",
        old=False, new=True, comment=reason,
    )  # fmt: skip
    return True


def show_need(session: Session, *, need: Need, actor: str, now: datetime) -> bool:
    """Show a hidden need on the public page again; False if it was not hidden."""
    if not need.public_hidden:
        return False
    need.public_hidden = False
    need.hidden_reason = None
    need.updated_at = now
    session.add(need)
    record_event(
        session, need=need, at=now, actor=actor, kind=EventKind.SHOWN, field="public_hidden",
        old=True, new=False,
    )  # fmt: skip
    return True
