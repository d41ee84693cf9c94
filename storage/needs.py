"""Queries and writes for needs and their history. Callers own the transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.history import PUBLIC_KINDS, EventKind
from domain.needs import Draft, content_hash
from domain.reference import Reference
from storage.driver import Driver, DriverStatement
from storage.models import Need, NeedEvent


def record_event(
    session: Session,
    *,
    need: Need,
    at: datetime,
    actor: str | None,
    kind: str,
    field: str | None = None,
    old: object = None,
    new: object = None,
    comment: str | None = None,
    public: bool | None = None,
) -> NeedEvent:
    """Append one entry to the need's history (never updated, never deleted).

    Whether the public page may show it follows from its kind unless said otherwise.
    """
    if public is None:
        public = kind in PUBLIC_KINDS
    event = NeedEvent(
        need_id=need.id,
        at=at,
        actor=actor,
        kind=kind,
        field=field,
        old_value=None if old is None else str(old),
        new_value=None if new is None else str(new),
        comment=comment,
        public=public,
    )
    session.add(event)
    return event


def create_need(
    session: Session,
    *,
    draft: Draft,
    ref: Reference,
    user_id: str,
    now: datetime,
    permalink: str | None = None,
) -> tuple[Need, bool]:
    """Store a new need in phase 1; the same text from the same person returns the first one."""
    digest = content_hash(draft.title, draft.description)
    existing = find_by_content(session, user_id=user_id, digest=digest)
    if existing is not None:
        return existing, False
    area = ref.area(draft.area)
    need = Need(
        title=draft.title,
        description=draft.description,
        origin=draft.origin or "",
        perspective=area[0].key if area else None,
        area=draft.area,
        target_groups=list(draft.target_groups),
        level=draft.level,
        organisation=draft.organisation,
        submitted_by=user_id,
        submitted_at=now,
        source_permalink=permalink,
        content_hash=digest,
        phase=1,
        phase_entered_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(need)
            session.flush()
    except IntegrityError:
        # A concurrent copy of the same submission won the race: answer with its need.
        existing = find_by_content(session, user_id=user_id, digest=digest)
        if existing is None:
            raise
        return existing, False
    record_event(session, need=need, at=now, actor=user_id, kind=EventKind.REGISTERED, new=1)
    return need, True


def change_phase(
    session: Session,
    *,
    need: Need,
    to_phase: int,
    actor: str | None,
    now: datetime,
    comment: str | None = None,
) -> None:
    """Move a need to another phase and record it. Whether the move is allowed is the
    caller's question (domain rules); this only writes it down consistently."""
    old = need.phase
    need.phase = to_phase
    need.phase_entered_at = now
    need.updated_at = now
    session.add(need)
    record_event(
        session,
        need=need,
        at=now,
        actor=actor,
        kind=EventKind.PHASE_CHANGED,
        field="phase",
        old=old,
        new=to_phase,
        comment=comment,
    )


def last_organisation(session: Session, *, user_id: str) -> str | None:
    """The organisation the person named on their latest need, for their next form."""
    query = select(Need.organisation).where(
        Need.submitted_by == user_id, col(Need.organisation).is_not(None)
    )
    return session.exec(query.order_by(col(Need.id).desc()).limit(1)).first()


def find_by_content(session: Session, *, user_id: str, digest: str) -> Need | None:
    return session.exec(
        select(Need).where(Need.submitted_by == user_id, Need.content_hash == digest)
    ).first()


def get_need(session: Session, *, need_id: int) -> Need | None:
    return session.get(Need, need_id)


_NEEDS = Need.__table__


def _by_number(columns) -> DriverStatement:
    names = ", ".join(f'"{c.name}"' for c in columns)
    return DriverStatement(
        f"SELECT {names} FROM need WHERE id = :need_id",  # noqa: S608 - the model's names
        columns=columns,
    )


_BY_NUMBER = _by_number(_NEEDS.columns)
# What a status answer shows (commands/render/needs.py `status_blocks`): the hottest read
# there is, without the description and lists it would otherwise convert.
STATUS_BY_NUMBER = _by_number(
    [
        _NEEDS.c[name]
        for name in (
            "id",
            "title",
            "phase",
            "outcome",
            "origin",
            "submitted_at",
            "phase_entered_at",
        )
    ]
)
_BY_NUMBERS = select(_NEEDS).where(_NEEDS.c.id.in_(bindparam("need_ids", expanding=True)))


def need_row(driver: Driver, *, need_id: int) -> tuple | None:
    """A need's columns without the ORM (read as `row.title`, like a Need): for hot reads."""
    return driver.first(_BY_NUMBER, need_id=need_id)


def status_row(driver: Driver, *, need_id: int) -> tuple | None:
    """The columns of a need that its status shows, as `row.title` …; None if none."""
    return driver.first(STATUS_BY_NUMBER, need_id=need_id)


def need_rows(conn: Connection, *, ids: Sequence[int]) -> dict[int, Row]:
    """Like `needs_by_ids`, as rows without the ORM."""
    if not ids:
        return {}
    return {row.id: row for row in conn.execute(_BY_NUMBERS, {"need_ids": list(ids)})}


def needs_by_ids(session: Session, *, ids: Sequence[int]) -> dict[int, Need]:
    if not ids:
        return {}
    rows = session.exec(select(Need).where(col(Need.id).in_(list(ids)))).all()
    return {need.id: need for need in rows}


def history(session: Session, *, need_id: int) -> list[NeedEvent]:
    return list(
        session.exec(
            select(NeedEvent).where(NeedEvent.need_id == need_id).order_by(col(NeedEvent.id))
        ).all()
    )


def set_permalink(session: Session, *, need_id: int, permalink: str) -> None:
    need = session.get(Need, need_id)
    if need is not None and not need.source_permalink:
        need.source_permalink = permalink
        session.add(need)


def change_marker(session: Session) -> tuple[int, datetime | None]:
    """(count, latest update): cheap to ask, changes whenever any need changes."""
    count, latest = session.exec(select(func.count(col(Need.id)), func.max(Need.updated_at))).one()
    return int(count or 0), latest


def changed_since(
    conn: Connection | Session, *, since: datetime | None, batch: int = 2000
) -> Iterator[tuple]:
    """(id, title, description, outcome, updated_at) of needs changed after `since`.

    In batches by number: loading 100,000 descriptions at once would take more memory for a
    moment than the whole index keeps.
    """
    query = select(Need.id, Need.title, Need.description, Need.outcome, Need.updated_at)
    if since is not None:
        query = query.where(Need.updated_at >= since)
    after = 0
    while True:
        rows = conn.execute(query.where(col(Need.id) > after).order_by(Need.id).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1][0]
