"""Requests already acted on: a retried event or a replayed request is recognised by its key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from storage.models import ProcessedRequest


def first_time(session: Session, *, key: str, now: datetime) -> bool:
    """Record the key; False if it was recorded before (by this or another process)."""
    try:
        with session.begin_nested():
            session.add(ProcessedRequest(key=key[:120], seen_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def forget_before(session: Session, *, before: datetime) -> int:
    """Drop keys old enough that Slack can no longer send their request again."""
    result = session.exec(delete(ProcessedRequest).where(col(ProcessedRequest.seen_at) < before))
    return result.rowcount or 0
