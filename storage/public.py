"""The published needs, their public history, and hiding a need from the public page."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import String, Text, and_, case, cast, false, func, or_, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from domain.history import PUBLIC_KINDS, EventKind
from domain.phases import Outcome
from domain.publication import PUBLISHED_FROM, PublicEvent, PublicQuery, public_event
from storage.models import Completion, Need, NeedEvent
from storage.needs import record_event

HIDDEN_REASON_MAX = 500


def _published(need=Need):
    return (
        need.phase >= int(PUBLISHED_FROM),
        need.public_hidden == false(),
        or_(need.outcome.is_(None), need.outcome != Outcome.WITHDRAWN.value),
    )


def _filters(query: PublicQuery) -> list:
    """The public page's filters in SQL (the text search is done by the word index)."""
    where = []
    if query.phase:
        where.append(col(Need.phase) == query.phase)
    if query.perspective:
        where.append(col(Need.perspective) == query.perspective)
    if query.target_group:
        # target_groups is a JSON list of keys, stored as JSON text on both databases.
        listed = cast(Need.target_groups, String)
        where.append(listed.contains(json.dumps(query.target_group), autoescape=True))
    return where


# What a public record is built from: the need's own columns, its product and whether the
# need it was merged into is published, in one query. The exports read thousands of these
# rows per request, so they are plain Core rows read by position (web.records.Recorder
# unpacks them in this order), and `target_groups` comes as its JSON text: the few distinct
# lists are decoded once per export instead of once per row.
_TARGET = aliased(Need)
RECORD_COLUMNS = (
    Need.id, Need.title, Need.description, Need.origin, Need.perspective, Need.area,
    cast(Need.target_groups, Text).label("target_groups"), Need.level, Need.phase,
    Need.phase_entered_at, Need.submitted_at, Need.decision, Need.quadrant, Need.outcome,
    Need.merged_into, Completion.product_url,
    and_(*_published(_TARGET)).label("merged_into_published"),
)  # fmt: skip
STREAM_BATCH = 2000  # rows an export holds at a time


def _records_query(where: Sequence):
    return (
        select(*RECORD_COLUMNS)
        .select_from(Need)
        .outerjoin(Completion, col(Completion.need_id) == col(Need.id))
        .outerjoin(_TARGET, _TARGET.id == col(Need.merged_into))
        .where(*_published(), *where)
        .order_by(col(Need.id))
    )


def published_counts(session: Session, query: PublicQuery) -> tuple[int, int]:
    """(all published needs, those passing the SQL filters) in one query."""
    where = _filters(query)
    passing = func.count(case((and_(*where), 1))) if where else func.count()
    total, shown = session.exec(select(func.count(), passing).where(*_published())).one()
    return int(total or 0), int(shown or 0)


def published_rows(
    session: Session, query: PublicQuery, *, limit: int | None = None, offset: int = 0
) -> list:
    """The published needs passing the SQL filters as record rows, by number; one page of
    them with `limit`."""
    statement = _records_query(_filters(query)).limit(limit)
    if offset:
        statement = statement.offset(offset)
    return list(session.connection().execute(statement).all())


def published_rows_of(session: Session, *, ids: Sequence[int]) -> list:
    """The record rows of these published needs (one page: a few numbers), by number."""
    if not ids:
        return []
    statement = _records_query([col(Need.id).in_(list(ids))])
    return list(session.connection().execute(statement).all())


def streamed_rows(
    session: Session, query: PublicQuery, *, limit: int | None = None, offset: int = 0
) -> Iterator:
    """The published needs passing the SQL filters as record rows, by number, fetched in
    batches (the exports); a window of them with `limit` or `offset`."""
    statement = _records_query(_filters(query)).limit(limit)
    if offset:
        statement = statement.offset(offset)
    yield from session.connection().execute(statement.execution_options(yield_per=STREAM_BATCH))


def published_numbers(session: Session, query: PublicQuery) -> tuple[int, list[int]]:
    """(all published needs, the numbers passing the SQL filters): a search narrows these."""
    where = _filters(query)
    passing = and_(*where) if where else true()
    rows = session.exec(select(Need.id, passing).where(*_published()).order_by(Need.id)).all()
    return len(rows), [number for number, ok in rows if ok]


def change_marker(session: Session) -> tuple:
    """(needs, latest update, latest history entry): changes with anything public; three
    index lookups. The open data's ETag and Last-Modified come from it."""
    statement = select(
        select(func.count()).select_from(Need).scalar_subquery(),
        select(func.max(Need.updated_at)).scalar_subquery(),
        select(func.max(NeedEvent.id)).scalar_subquery(),
        select(func.max(NeedEvent.at)).scalar_subquery(),
    )
    return tuple(session.exec(statement).one())


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
