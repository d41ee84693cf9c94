"""Requests already acted on: a retried event or a replayed request is recognised by its key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, column, delete
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


def first_time_reading(
    driver: Driver, *, key: str, now: datetime, read: DriverStatement, **params
) -> tuple[bool, tuple | None]:
    """`first_time`, and the first row of `read` (a SELECT whose first column is never
    NULL), in one round trip on PostgreSQL: a request that reads one row before its ack
    then waits for the database once instead of twice."""
    if driver.dialect.name != "postgresql":  # no INSERT in a CTE; no network either
        return first_time(driver, key=key, now=now), driver.first(read, **params)
    row = driver.first(_recording(read), key=key[:120], seen_at=now, **params)
    values = row[1:]
    return row.fresh == 1, (read.row(*values) if values[0] is not None else None)


_FRESH = column("fresh", Integer)
_RECORDING: dict[DriverStatement, DriverStatement] = {}  # by read


def _recording(read: DriverStatement) -> DriverStatement:
    """`read` with the key recorded: one row, `fresh` (1 or 0) before the read's columns,
    which are NULL if it found no row."""
    statement = _RECORDING.get(read)
    if statement is None:
        statement = _RECORDING[read] = DriverStatement(
            f"WITH recorded AS ({_RECORD.sql} RETURNING 1) "  # noqa: S608 - our statements
            "SELECT (SELECT count(*) FROM recorded) AS fresh, ahead.* "
            f"FROM (SELECT 1) AS one LEFT JOIN ({read.sql}) AS ahead ON true",
            binds={**_RECORD.binds, **read.binds},
            columns=[_FRESH, *read.columns],
        )
    return statement


def forget_before(conn: Connection, *, before: datetime) -> int:
    """Drop keys old enough that Slack can no longer send their request again."""
    result = conn.execute(delete(ProcessedRequest).where(col(ProcessedRequest.seen_at) < before))
    return result.rowcount or 0
