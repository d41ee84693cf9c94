"""Do one piece of due work at most once across processes, and never lose it.

The scheduler is a clock; the database is the truth. Each piece of work is identified by
(kind, subject, due time) and claimed with a unique row before it is sent. A send that fails
releases the claim, so a later tick retries it; work found too late (past the grace period)
is recorded as skipped instead of being sent late. A claim left by a process that died
mid-send is taken over once it is older than STALE_CLAIM.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from storage.claims import CLAIMED, SENT, SKIPPED, claim, finish, release
from storage.models import JobClaim

log = logging.getLogger(__name__)

GRACE = timedelta(hours=24)
STALE_CLAIM = timedelta(minutes=10)
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def deliver_once(
    services,
    *,
    kind: str,
    subject: str,
    due_at: datetime,
    now: datetime,
    send: Callable[[], None],
    grace: timedelta = GRACE,
) -> str:
    """Returns what happened: sent, skipped, failed, taken (elsewhere or done) or not_due."""
    if due_at > now:
        return "not_due"
    key = {"kind": kind, "subject": subject, "due_at": due_at}
    with services.db.session(write=True) as session:
        row = claim(session, owner=OWNER, now=now, **key) or _take_over_stale(session, now, key)
        if row is None:
            return "taken"
        if now - due_at > grace:
            finish(session, row=row, now=now, status=SKIPPED)
            log.info("skipped %s %s due %s: past the grace period", kind, subject, due_at)
            return "skipped"
        row_id = row.id
    try:
        send()
    except Exception as exc:  # Slack down, 5xx, network: release and retry on a later tick
        log.warning("sending %s %s failed, will retry: %s", kind, subject, exc)
        with services.db.session(write=True) as session:
            row = session.get(JobClaim, row_id)
            if row is not None:
                release(session, row=row)
        return "failed"
    with services.db.session(write=True) as session:
        row = session.get(JobClaim, row_id)
        if row is not None:
            finish(session, row=row, now=services.clock(), status=SENT)
    return "sent"


def _take_over_stale(session, now: datetime, key: dict) -> JobClaim | None:
    """Atomically take a claim whose owner has not finished it for too long."""
    result = session.execute(
        update(JobClaim)
        .where(
            JobClaim.kind == key["kind"],
            JobClaim.subject == key["subject"],
            JobClaim.due_at == key["due_at"],
            JobClaim.status == CLAIMED,
            JobClaim.claimed_at < now - STALE_CLAIM,
        )
        .values(owner=OWNER, claimed_at=now, attempts=JobClaim.attempts + 1)
    )
    if result.rowcount != 1:
        return None
    return session.exec(select(JobClaim).filter_by(**key)).one()
