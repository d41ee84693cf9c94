"""Requests already acted on: a retried event or a replayed request is recognised by its key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, text
from sqlalchemy.engine import Connection
from sqlmodel import col

from storage.models import ProcessedRequest

# Runs on every request before the ack: one statement, built once, the same SQL on SQLite
# and PostgreSQL; `seen_at` keeps the column's type so it is stored like every timestamp.
_RECORD = text(
    "INSERT INTO processed_request (key, seen_at) VALUES (:key, :seen_at) "
    "ON CONFLICT (key) DO NOTHING RETURNING key"
).bindparams(bindparam("seen_at", type_=ProcessedRequest.__table__.c.seen_at.type))


def first_time(conn: Connection, *, key: str, now: datetime) -> bool:
    """Record the key; False if it was recorded before (by this or another process)."""
    return conn.execute(_RECORD, {"key": key[:120], "seen_at": now}).first() is not None


def forget_before(conn: Connection, *, before: datetime) -> int:
    """Drop keys old enough that Slack can no longer send their request again."""
    result = conn.execute(delete(ProcessedRequest).where(col(ProcessedRequest.seen_at) < before))
    return result.rowcount or 0
