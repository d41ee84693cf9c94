"""Exactly-once delivery of due work, on both databases."""

import threading
from datetime import timedelta

from sqlmodel import select

from bot.due import GRACE, RECHECK_AFTER, STALE_CLAIM, MaybeSent, deliver_once
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


# ---------------------------------------------------------------- sends that may have gone through


class Attempts:
    """A send that may reach Slack and fail to say so, and a history that can be asked."""

    def __init__(self, fail_first: Exception | None = None):
        self.sent, self.fail_first, self.asked = [], fail_first, []
        self.history: list | Exception = []

    def send(self):
        self.sent.append(1)
        if self.fail_first is not None and len(self.sent) == 1:
            raise self.fail_first

    def was_sent(self, since):
        self.asked.append(since)
        if isinstance(self.history, Exception):
            raise self.history
        return bool(self.history)


def attempt(svc, clock, due, work: Attempts, **kwargs) -> str:
    return deliver_once(
        svc,
        kind="k",
        subject="s",
        due_at=due,
        now=clock.now,
        send=work.send,
        was_sent=work.was_sent,
        **kwargs,
    )


def statuses(db) -> list[str]:
    with db.session() as s:
        return s.exec(select(JobClaim.status)).all()


def test_a_send_that_went_through_is_found_and_not_repeated(db, clock):
    svc, work, due = Svc(db, clock), Attempts(MaybeSent("timed out")), clock.now
    assert attempt(svc, clock, due, work) == "unsure"
    assert statuses(db) == ["unsure"]
    assert attempt(svc, clock, due, work) == "taken"  # not looked for at once: it may land yet
    assert work.asked == []
    clock.advance(seconds=RECHECK_AFTER.total_seconds())
    work.history = ["the earlier attempt"]
    assert attempt(svc, clock, due, work) == "found"
    assert len(work.sent) == 1 and len(work.asked) == 1 and statuses(db) == ["sent"]
    assert attempt(svc, clock, due, work) == "taken"


def test_a_send_that_did_not_go_through_is_sent_on_a_later_tick(db, clock):
    svc, work, due = Svc(db, clock), Attempts(MaybeSent("500")), clock.now
    assert attempt(svc, clock, due, work) == "unsure"
    clock.advance(minutes=1)
    assert attempt(svc, clock, due, work) == "sent"
    assert len(work.sent) == 2 and statuses(db) == ["sent"]


def test_while_slack_cannot_be_asked_nothing_is_sent_and_the_claim_stays(db, clock):
    svc, work, due = Svc(db, clock), Attempts(MaybeSent("timed out")), clock.now
    attempt(svc, clock, due, work)
    work.history = ConnectionError("history unreachable")
    for _ in range(3):
        clock.advance(minutes=1)
        assert attempt(svc, clock, due, work) == "unsure"
    assert len(work.sent) == 1 and statuses(db) == ["unsure"]
    first_try = work.asked[0]
    assert work.asked == [first_try] * 3  # always from the first attempt on
    work.history = []
    clock.advance(minutes=1)
    assert attempt(svc, clock, due, work) == "sent"
    assert len(work.sent) == 2


def test_a_clean_failure_is_released_without_looking(db, clock):
    svc, work, due = Svc(db, clock), Attempts(RuntimeError("channel_not_found")), clock.now
    assert attempt(svc, clock, due, work) == "failed"
    assert statuses(db) == []
    assert attempt(svc, clock, due, work) == "sent"
    assert work.asked == []


def test_without_a_way_to_look_a_maybe_sent_is_retried_as_before(db, clock):
    svc, sent = Svc(db, clock), []

    def send():
        sent.append(1)
        if len(sent) == 1:
            raise MaybeSent("timed out")

    def once() -> str:
        return deliver_once(svc, kind="k", subject="s", due_at=clock.now, now=clock.now, send=send)

    assert (once(), once(), len(sent)) == ("failed", "sent", 2)


def test_the_claim_of_a_process_that_died_mid_send_is_looked_for(db, clock):
    svc, work, due = Svc(db, clock), Attempts(), clock.now
    tried = clock.now - timedelta(seconds=5)
    with db.session(write=True) as s:
        claim(s, kind="k", subject="s", due_at=due, owner="dead", now=clock.now, tried_at=tried)
    clock.advance(seconds=STALE_CLAIM.total_seconds() + 1)
    work.history = ["posted before the process died"]
    assert attempt(svc, clock, due, work) == "found"
    assert work.sent == [] and work.asked == [tried]


def test_past_the_grace_period_an_unsure_send_is_recorded_as_slack_shows_it(db, clock):
    svc, due = Svc(db, clock), clock.now - GRACE + timedelta(seconds=30)
    went, lost = Attempts(MaybeSent("timed out")), Attempts(MaybeSent("timed out"))
    assert attempt(svc, clock, due, went) == "unsure"
    assert deliver_once(svc, kind="k", subject="t", due_at=due, now=clock.now,
                        send=lost.send, was_sent=lost.was_sent) == "unsure"  # fmt: skip
    clock.advance(minutes=1)
    went.history = ["arrived"]
    assert attempt(svc, clock, due, went) == "found"
    assert deliver_once(svc, kind="k", subject="t", due_at=due, now=clock.now,
                        send=lost.send, was_sent=lost.was_sent) == "skipped"  # fmt: skip
    assert len(went.sent) == len(lost.sent) == 1
    assert sorted(statuses(db)) == ["sent", "skipped"]
