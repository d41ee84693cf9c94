"""Do one piece of due work at most once across processes, and never lose it.

The scheduler is a clock; the database is the truth. Each piece of work is identified by
(kind, subject, due time) and claimed with a unique row before it is sent. A send that
certainly failed (Slack refused it, a 429) releases the claim, so a later tick retries it;
work found too late (past the grace period) is recorded as skipped instead of being sent late.

A send that may have gone through (a timeout, a broken connection, a 5xx: Slack may have
stored the message and then failed to answer) leaves the claim `unsure`. The next tick, at
least RECHECK_AFTER later, first asks `was_sent` whether the earlier attempt arrived (for a
Slack message: its delivery key in the channel's history) and records it as sent if it did;
only otherwise is it sent again. A claim left by a process that died mid-send is taken over
once it is older than STALE_CLAIM, and checked the same way.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from storage.claims import SENT, SKIPPED, claim, finish, release, set_aside, take_over
from storage.models import JobClaim

log = logging.getLogger(__name__)

GRACE = timedelta(hours=24)
STALE_CLAIM = timedelta(minutes=10)
# An unsure send is looked for no sooner than this: a request Slack was still working on
# when we gave up has landed by then.
RECHECK_AFTER = timedelta(minutes=1)
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class MaybeSent(Exception):
    """The send failed in a way that leaves open whether it went through."""


def wall_clock() -> datetime:
    """Slack's message timestamps are real time, whatever business time `now` stands for."""
    return datetime.now(UTC)


def deliver_once(
    services,
    *,
    kind: str,
    subject: str,
    due_at: datetime,
    now: datetime,
    send: Callable[[], None],
    grace: timedelta = GRACE,
    was_sent: Callable[[datetime], bool] | None = None,
) -> str:
    """Returns what happened: sent, found (an earlier attempt had arrived), skipped, failed,
    unsure (may have been sent: looked for on a later tick), taken (elsewhere or done) or
    not_due.

    `was_sent(since)` tells whether an attempt begun at `since` (wall clock) arrived, and
    raises when it cannot tell. Without it a send that may have gone through is retried
    blindly, like any failure.
    """
    if due_at > now:
        return "not_due"
    key = {"kind": kind, "subject": subject, "due_at": due_at}
    with services.db.session(write=True) as session:
        row, retry = _claim(session, now, key)
        if row is None:
            return "taken"
        late = now - due_at > grace
        check = retry and was_sent is not None
        if late and not check:
            return _skip(session, row, now)
        row_id, tried_at = row.id, row.tried_at
    if check:
        looked = _look_for_earlier(services, row_id, key, was_sent, tried_at, late)
        if looked is not None:
            return looked
    if late:  # an earlier attempt was looked for and had not arrived
        return _record_skipped(services, row_id)
    try:
        send()
    except MaybeSent as exc:
        if was_sent is None:
            return _released(services, row_id, key, exc)
        log.warning(
            "sending %s %s may have gone through (%s): will look before sending again",
            kind,
            subject,
            exc,
        )
        _set_aside(services, row_id)
        return "unsure"
    except Exception as exc:  # Slack refused or is rate limiting, or we failed before sending
        return _released(services, row_id, key, exc)
    _record_sent(services, row_id)
    return "sent"


def _claim(session, now: datetime, key: dict) -> tuple[JobClaim | None, bool]:
    """(the claim, whether an earlier attempt left it): new, unsure or of a dead process."""
    row = claim(session, owner=OWNER, now=now, tried_at=wall_clock(), **key)
    if row is not None:
        return row, False
    row = take_over(
        session,
        owner=OWNER,
        now=now,
        stale_before=now - STALE_CLAIM,
        unsure_before=now - RECHECK_AFTER,
        tried_at=wall_clock(),
        **key,
    )
    return row, True


def _look_for_earlier(services, row_id, key, was_sent, tried_at, late: bool) -> str | None:
    """found, unsure or skipped when that settles it; None when the earlier try did not arrive.

    Work past its grace period is still looked for, so the record says whether it went out.
    """
    kind, subject = key["kind"], key["subject"]
    try:
        arrived = was_sent(tried_at)
    except Exception as exc:
        if late:
            log.warning("could not check %s %s, past its grace period: %s", kind, subject, exc)
            return _record_skipped(services, row_id)
        # We cannot tell whether the earlier attempt arrived: sending now could show the
        # message twice, waiting costs one tick. Keep the claim unsure and look again.
        log.warning("could not check %s %s, will look again: %s", kind, subject, exc)
        _set_aside(services, row_id)
        return "unsure"
    if not arrived:
        return None
    log.info("%s %s had arrived after all: recorded as sent, not sent again", kind, subject)
    _record_sent(services, row_id)
    return "found"


def _skip(session, row: JobClaim, now: datetime) -> str:
    finish(session, row=row, now=now, status=SKIPPED)
    log.info("skipped %s %s due %s: past the grace period", row.kind, row.subject, row.due_at)
    return "skipped"


def _released(services, row_id: int, key: dict, exc: Exception) -> str:
    log.warning("sending %s %s failed, will retry: %s", key["kind"], key["subject"], exc)
    _change(services, row_id, lambda session, row: release(session, row=row))
    return "failed"


def _set_aside(services, row_id: int) -> None:
    _change(services, row_id, lambda session, row: set_aside(session, row=row))


def _record_sent(services, row_id: int) -> None:
    now = services.clock()
    _change(services, row_id, lambda session, row: finish(session, row=row, now=now, status=SENT))


def _record_skipped(services, row_id: int) -> str:
    now = services.clock()
    _change(services, row_id, lambda session, row: _skip(session, row, now))
    return "skipped"


def _change(services, row_id: int, change: Callable) -> None:
    with services.db.session(write=True) as session:
        row = session.get(JobClaim, row_id)
        if row is not None:
            change(session, row)
