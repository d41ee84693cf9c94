"""Exactly-once scheduled work: claim a (kind, subject, due time) row before sending.

A unique row per piece of work means two or three processes on one database send it once:
the first insert wins, the others see the conflict and move on. A failed send releases the
claim so a later tick retries it; a finished one stays as the record that it was done. A send
that may have gone through (a timeout, a 5xx) leaves the claim `unsure`: the next process to
take it over first looks in Slack for the earlier attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, literal, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import JobClaim
from storage.types import UTCDateTime

CLAIMED, SENT, SKIPPED, UNSURE = "claimed", "sent", "skipped", "unsure"


def claim(
    session: Session,
    *,
    kind: str,
    subject: str,
    due_at: datetime,
    owner: str,
    now: datetime,
    tried_at: datetime | None = None,
) -> JobClaim | None:
    """Take the work, or None if another process has it (or it is done already)."""
    row = JobClaim(
        kind=kind,
        subject=subject,
        due_at=due_at,
        status=CLAIMED,
        owner=owner,
        attempts=1,
        claimed_at=now,
        tried_at=tried_at,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def finish(session: Session, *, row: JobClaim, now: datetime, status: str = SENT) -> None:
    row.status = status
    row.finished_at = now
    session.add(row)


def release(session: Session, *, row: JobClaim) -> None:
    """The send failed: drop the claim so a later tick tries again."""
    session.delete(row)


def set_aside(session: Session, *, row: JobClaim) -> None:
    """The send may have gone through: leave the claim for a later tick to check and finish."""
    row.status = UNSURE
    session.add(row)


def take_over(
    session: Session,
    *,
    kind: str,
    subject: str,
    due_at: datetime,
    owner: str,
    now: datetime,
    stale_before: datetime,
    unsure_before: datetime,
    tried_at: datetime,
) -> JobClaim | None:
    """Atomically take a claim left unsure, or one whose owner has not finished it for too long.

    `tried_at` is kept when the row has one: the earliest attempt is where to start looking.
    """
    key = (JobClaim.kind == kind, JobClaim.subject == subject, JobClaim.due_at == due_at)
    result = session.execute(
        update(JobClaim)
        .where(
            *key,
            or_(
                and_(JobClaim.status == CLAIMED, JobClaim.claimed_at < stale_before),
                and_(JobClaim.status == UNSURE, JobClaim.claimed_at <= unsure_before),
            ),
        )
        .values(
            status=CLAIMED,
            owner=owner,
            claimed_at=now,
            attempts=JobClaim.attempts + 1,
            tried_at=func.coalesce(JobClaim.tried_at, literal(tried_at, UTCDateTime())),
        )
    )
    if result.rowcount != 1:
        return None
    return session.exec(select(JobClaim).where(*key)).one()


def done(session: Session, *, kind: str, subject: str, due_at: datetime) -> bool:
    row = session.exec(
        select(JobClaim).where(
            JobClaim.kind == kind, JobClaim.subject == subject, JobClaim.due_at == due_at
        )
    ).first()
    return row is not None and row.status in (SENT, SKIPPED)


def settled(session: Session, *, kinds: Sequence[str], since: datetime) -> set[tuple]:
    """(kind, subject, due_at) of work sent or skipped since `since`: one query per tick."""
    rows = session.exec(
        select(JobClaim.kind, JobClaim.subject, JobClaim.due_at).where(
            col(JobClaim.kind).in_(list(kinds)),
            JobClaim.due_at >= since,
            col(JobClaim.status).in_([SENT, SKIPPED]),
        )
    ).all()
    return {tuple(row) for row in rows}


def last_sent(
    session: Session, *, kind: str, subject: str, before: datetime | None = None
) -> datetime | None:
    """When the last work of this kind for this subject was due that was actually sent
    (before `before`, if given)."""
    where = [JobClaim.kind == kind, JobClaim.subject == subject, JobClaim.status == SENT]
    if before is not None:
        where.append(JobClaim.due_at < before)
    return session.exec(select(func.max(JobClaim.due_at)).where(*where)).one()
