"""Exactly-once delivery of due work, on both databases."""

import threading
from datetime import timedelta

from sqlmodel import select

from bot.due import STALE_CLAIM, deliver_once
from storage.claims import claim
from storage.models import JobClaim


class Svc:
    def __init__(self, db, clock):
        self.db, self.clock = db, clock


def test_sent_once_even_when_asked_twice(db, clock):
    svc, sent = Svc(db, clock), []
    due = clock.now - timedelta(minutes=1)
    first = deliver_once(
        svc, kind="k", subject="s", due_at=due, now=clock.now, send=lambda: sent.append(1)
    )
    again = deliver_once(
        svc, kind="k", subject="s", due_at=due, now=clock.now, send=lambda: sent.append(2)
    )
    assert (first, again, sent) == ("sent", "taken", [1])


def test_not_due_yet_does_nothing(db, clock):
    sent = []
    result = deliver_once(
        Svc(db, clock),
        kind="k",
        subject="s",
        due_at=clock.now + timedelta(seconds=1),
        now=clock.now,
        send=lambda: sent.append(1),
    )
    assert result == "not_due" and sent == []


def test_a_failed_send_is_retried_later(db, clock):
    svc, attempts = Svc(db, clock), []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("Slack is down")

    due = clock.now
    assert (
        deliver_once(svc, kind="k", subject="s", due_at=due, now=clock.now, send=flaky) == "failed"
    )
    clock.advance(minutes=1)
    assert deliver_once(svc, kind="k", subject="s", due_at=due, now=clock.now, send=flaky) == "sent"
    assert len(attempts) == 2
    with db.session() as s:
        rows = s.exec(select(JobClaim)).all()
    assert [(r.status, r.kind) for r in rows] == [("sent", "k")]


def test_work_past_the_grace_period_is_skipped_not_sent(db, clock):
    sent = []
    due = clock.now - timedelta(hours=25)
    result = deliver_once(
        Svc(db, clock),
        kind="k",
        subject="s",
        due_at=due,
        now=clock.now,
        send=lambda: sent.append(1),
    )
    assert result == "skipped" and sent == []
    with db.session() as s:
        assert s.exec(select(JobClaim.status)).all() == ["skipped"]


def test_a_claim_left_by_a_dead_process_is_taken_over(db, clock):
    due = clock.now
    with db.session(write=True) as s:
        claim(s, kind="k", subject="s", due_at=due, owner="dead", now=clock.now)
    sent = []
    svc = Svc(db, clock)
    assert (
        deliver_once(
            svc, kind="k", subject="s", due_at=due, now=clock.now, send=lambda: sent.append(1)
        )
        == "taken"
    )
    clock.advance(seconds=STALE_CLAIM.total_seconds() + 1)
    assert (
        deliver_once(
            svc, kind="k", subject="s", due_at=due, now=clock.now, send=lambda: sent.append(1)
        )
        == "sent"
    )
    assert sent == [1]


def test_racing_processes_send_once(db, clock):
    sent, barrier = [], threading.Barrier(3)
    svc = Svc(db, clock)

    def worker():
        barrier.wait()
        deliver_once(
            svc,
            kind="race",
            subject="x",
            due_at=clock.now,
            now=clock.now,
            send=lambda: sent.append(1),
        )

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sent == [1]
