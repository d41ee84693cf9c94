"""Requests already acted on: a retried event or a replayed request is recognised by its key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from storage.models import ProcessedRequest

_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def first_time(session: Session, *, key: str, now: datetime) -> bool:
    """Record the key; False if it was recorded before (by this or another process).

    One `INSERT … ON CONFLICT DO NOTHING` statement: it runs on every request before the
    ack, so no savepoint and no ORM flush.
    """
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = (
        insert(ProcessedRequest)
        .values(key=key[:120], seen_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(col(ProcessedRequest.key))
    )
    return session.execute(statement).first() is not None


def forget_before(session: Session, *, before: datetime) -> int:
    """Drop keys old enough that Slack can no longer send their request again."""
    result = session.exec(delete(ProcessedRequest).where(col(ProcessedRequest.seen_at) < before))
    return result.rowcount or 0
