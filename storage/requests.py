"""Requests already acted on: a retried event or a replayed request is recognised by its key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Connection
from sqlmodel import col

from storage.driver import Driver, DriverStatement
from storage.models import ProcessedRequest

# Runs on every request before the ack: one statement on the driver's connection, the same
# SQL on SQLite and PostgreSQL; `seen_at` is converted by its column's type, like every
# timestamp.
_RECORD = DriverStatement(
    "INSERT INTO processed_request (key, seen_at) VALUES (:key, :seen_at) "
    "ON CONFLICT (key) DO NOTHING",
    binds={"seen_at": ProcessedRequest.__table__.c.seen_at},
)


def first_time(driver: Driver, *, key: str, now: datetime) -> bool:
    """Record the key; False if it was recorded before (by this or another process)."""
    return driver.changed(_RECORD, key=key[:120], seen_at=now) == 1


def forget_before(conn: Connection, *, before: datetime) -> int:
    """Drop keys old enough that Slack can no longer send their request again."""
    result = conn.execute(delete(ProcessedRequest).where(col(ProcessedRequest.seen_at) < before))
    return result.rowcount or 0
