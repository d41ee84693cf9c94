"""FairLimit: at most N inside, the waiting ones let in first come, first served.
OneAtATime: jobs one after another on a pool, each key once, after the unanswered requests.
BackSeat: heavy work on threads of its own at a lower priority, the caller given its result."""

from __future__ import annotations

import contextvars
import os
import threading
import time

import pytest

from bot.executor import TrackedExecutor
from bot.turns import BackSeat, FairLimit, OneAtATime, Unanswered
from tests.at_once import AtOnce


def wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.001)


def test_waiting_threads_get_in_in_the_order_they_came():
    limit, entered, release = FairLimit(1), [], threading.Event()

    def holder() -> None:
        with limit:
            release.wait(5)

    def waiter(n: int) -> None:
        with limit:
            entered.append(n)

    first = threading.Thread(target=holder)
    first.start()
    wait_until(lambda: limit._free == 0)
    waiters = []
    for n in range(8):  # each queued before the next comes
        thread = threading.Thread(target=waiter, args=(n,))
        thread.start()
        waiters.append(thread)
        wait_until(lambda n=n: len(limit._waiting) == n + 1)
    release.set()
    for thread in [first, *waiters]:
        thread.join(5)
    assert entered == list(range(8))
    assert limit._free == 1 and not limit._waiting


def test_never_more_inside_than_places_and_every_place_comes_back():
    limit, at_once = FairLimit(2), AtOnce()

    def work() -> None:
        for _ in range(50):
            with limit, at_once:
                time.sleep(0.0005)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert at_once.most == 2 and at_once.inside == 0
    assert limit._free == 2 and not limit._waiting


def test_a_place_comes_back_when_the_work_inside_fails():
    limit = FairLimit(1)
    try:
        with limit:
            raise ValueError("the work failed")
    except ValueError:
        pass
    with limit:  # would block for ever if the place were lost
        assert limit._free == 0
    assert limit._free == 1


def blocked_queue():
    """A OneAtATime on a real pool whose first job holds until `release` is set."""
    pool, release, ran = TrackedExecutor(4), threading.Event(), []
    queue = OneAtATime(pool.submit)
    queue.ask({"first": lambda: (release.wait(5), ran.append("first"))})
    wait_until(lambda: not queue._jobs)  # the first job has begun
    return pool, queue, release, ran


def test_jobs_run_one_at_a_time_in_the_order_asked_and_the_pool_knows():
    pool, queue, release, ran = blocked_queue()
    at_once = AtOnce()

    def job(name: str):
        def run() -> None:
            with at_once:
                time.sleep(0.001)
            ran.append(name)

        return run

    for n in range(6):  # from several threads, as listeners ask
        threading.Thread(target=queue.ask, args=({f"U{n}": job(f"U{n}")},)).start()
        wait_until(lambda n=n: len(queue._jobs) == n + 1)
    assert not pool.wait_idle(timeout=0.05)  # waiting jobs count as the pool's work
    release.set()
    assert pool.wait_idle(timeout=5)
    assert ran == ["first", *(f"U{n}" for n in range(6))]
    assert at_once.most == 1 and not queue._running


def test_a_key_asked_again_while_waiting_runs_once_with_the_newest_job_in_its_place():
    pool, queue, release, ran = blocked_queue()
    queue.ask({"UA": lambda: ran.append("UA old"), "UB": lambda: ran.append("UB")})
    queue.ask({"UA": lambda: ran.append("UA new")})
    release.set()
    assert pool.wait_idle(timeout=5)
    assert ran == ["first", "UA new", "UB"]


def test_a_key_asked_again_while_its_job_runs_runs_again_after_it():
    pool, queue, release, ran = blocked_queue()
    queue.ask({"first": lambda: ran.append("first again")})
    release.set()
    assert pool.wait_idle(timeout=5)
    assert ran == ["first", "first again"]


def test_a_failing_job_is_logged_and_the_others_still_run(caplog):
    pool, queue, release, ran = blocked_queue()

    def fails() -> None:
        raise RuntimeError("database gone")

    queue.ask({"UA": fails, "UB": lambda: ran.append("UB")})
    release.set()
    assert pool.wait_idle(timeout=5)
    assert ran == ["first", "UB"]
    assert "a job for UA failed" in caplog.text and "database gone" in caplog.text
    queue.ask({"UC": lambda: ran.append("UC")})  # and the queue still takes work
    assert pool.wait_idle(timeout=5) and ran[-1] == "UC"


def test_each_job_waits_for_the_unanswered_requests_but_not_longer_than_its_limit(monkeypatch):
    monkeypatch.setattr(OneAtATime, "QUIET_WAIT", 5.0)
    pool, unanswered, ran = TrackedExecutor(2), Unanswered(), []
    queue = OneAtATime(pool.submit, quiet=unanswered)
    answered = threading.Event()

    def request() -> None:
        with unanswered.waiting():
            answered.wait(5)

    waiting = threading.Thread(target=request)
    waiting.start()
    wait_until(lambda: unanswered._count == 1)
    queue.ask({"UA": lambda: ran.append("UA")})
    time.sleep(0.05)
    assert ran == []  # a request is still before its answer
    answered.set()
    assert pool.wait_idle(timeout=5) and ran == ["UA"]
    waiting.join(5)

    monkeypatch.setattr(OneAtATime, "QUIET_WAIT", 0.01)
    with unanswered.waiting():  # never answered while the job waits: it goes on anyway
        queue.ask({"UB": lambda: ran.append("UB")})
        assert pool.wait_idle(timeout=5) and ran == ["UA", "UB"]


def test_a_shut_pool_refuses_and_the_queue_takes_work_again_later():
    pool = TrackedExecutor(1)
    pool.shutdown()
    queue = OneAtATime(pool.submit)
    with pytest.raises(RuntimeError):
        queue.ask({"UA": lambda: None})
    assert not queue._running  # a later ask on a working pool would start a run


REQUEST = contextvars.ContextVar("request", default=None)


def priority_of_this_thread() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are Unix only")
def test_back_seat_work_runs_niced_on_its_own_thread_with_the_callers_context():
    seat, mine = BackSeat(1, nice=5), priority_of_this_thread()
    REQUEST.set("req-1")
    ran = seat.run(lambda: (threading.get_ident(), priority_of_this_thread(), REQUEST.get()))
    thread, priority, request = ran
    assert thread != threading.get_ident()
    assert priority == min(19, mine + 5)
    assert request == "req-1"
    assert priority_of_this_thread() == mine  # the caller's own priority is untouched


def test_back_seat_gives_the_caller_the_works_exception():
    def fails():
        raise ValueError("trasig")

    with pytest.raises(ValueError, match="trasig"):
        BackSeat(1, nice=0).run(fails)


def test_back_seat_runs_no_more_at_once_than_its_places():
    seat, at_once = BackSeat(2, nice=0), AtOnce()

    def work(n: int) -> int:
        with at_once:
            time.sleep(0.02)
        return n * n

    results = {}
    threads = [
        threading.Thread(target=lambda n=n: results.update({n: seat.run(lambda: work(n))}))
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert results == {n: n * n for n in range(8)}
    assert at_once.most == 2
