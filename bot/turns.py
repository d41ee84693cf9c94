"""Turns between threads: a limit served first come, first served; requests still to be
answered; work done one at a time, each key once."""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

log = logging.getLogger(__name__)


class FairLimit:
    """At most `places` threads inside at once; the others wait in the order they came.

    threading.Semaphore lets a newcomer take a freed place before a thread that has waited
    long, so under steady load a few unlucky waiters wait much longer than the rest. Here a
    leaving thread hands its place straight to the longest waiting one.
    """

    def __init__(self, places: int) -> None:
        self._free = places
        self._lock = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()

    def __enter__(self) -> FairLimit:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return self
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the thread that hands over its place
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1


class BackSeat:
    """Heavy work run on threads of its own, first come first served, at a lower CPU
    priority than the threads that acknowledge Slack.

    A fuzzy lookup scores titles without the GIL (`process.cdist`), so on the process's one
    core it competes with the acks at the operating system only: at the same priority it
    takes time slices from requests about to be acknowledged. `nice` steps lower, it runs
    when no ack is ready to. The caller waits for the result (its exceptions included); the
    work runs in the caller's contextvars (its request id).
    """

    def __init__(self, places: int, nice: int) -> None:
        self._nice = nice
        self._pool = ThreadPoolExecutor(
            max_workers=places, thread_name_prefix="heavy", initializer=self._lower_priority
        )

    def run(self, work: Callable[[], object]) -> object:
        return self._pool.submit(contextvars.copy_context().run, work).result()

    def _lower_priority(self) -> None:
        if not self._nice or not hasattr(os, "setpriority"):
            return
        thread = threading.get_native_id()  # on Linux a thread has a priority of its own
        try:
            lower = min(19, os.getpriority(os.PRIO_PROCESS, thread) + self._nice)
            os.setpriority(os.PRIO_PROCESS, thread, lower)
        except OSError:
            log.warning("could not lower the priority of the heavy work's thread")


class Unanswered:
    """The Slack requests of this process that have not had their answer yet.

    An ack must reach Slack within 3 s; what follows it (a confirmation, a count) has no
    such limit. So work after an empty ack first lets the requests still before their ack
    be answered, for a few ms at most: the GIL lets one thread run at a time, and it
    otherwise goes round all of them, acks and follow-up work alike.
    """

    def __init__(self) -> None:
        self._count = 0
        self._none = threading.Condition()

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Around one request, from its arrival until its answer is ready."""
        with self._none:
            self._count += 1
        try:
            yield
        finally:
            with self._none:
                self._count -= 1
                if not self._count:
                    self._none.notify_all()

    def wait_for_none(self, timeout: float) -> bool:
        """Wait until every request has its answer (or the timeout): whether they have."""
        with self._none:
            return self._none.wait_for(lambda: not self._count, timeout)


class OneAtATime:
    """Jobs run one after another on a pool's thread, each key's job at most once waiting.

    For work that a change asks of many people at once and that nobody waits for, such as
    publishing App Home tabs again (a vote opened: every voter; fifty first ballots in a
    burst: fifty tabs). Run by the listeners that asked, it was up to two heavy renders at
    a time holding the GIL beside every ack of the process: at 16 clicking voters, acks
    waited up to 100 ms behind the first ballots' tabs. Here one job runs at a time, after
    the requests still waiting for their answer (`quiet`, at most `QUIET_WAIT` per job),
    and a key asked for again while waiting keeps its place and runs the newest job.
    On the listener pool (`submit`), so shutdown and tests that wait for the listeners to
    finish wait for these too.
    """

    QUIET_WAIT = 0.05

    def __init__(
        self, submit: Callable[[Callable[[], None]], object], quiet: Unanswered | None = None
    ) -> None:
        self._submit = submit
        self._quiet = quiet
        self._jobs: dict[str, Callable[[], None]] = {}
        self._lock = threading.Lock()
        self._running = False

    def ask(self, jobs: dict[str, Callable[[], None]]) -> None:
        """Queue each key's job (replacing the one waiting for that key, if any)."""
        with self._lock:
            self._jobs.update(jobs)
            if self._running or not self._jobs:
                return
            self._running = True
        try:
            self._submit(self._run)
        except BaseException:  # the pool is shut down: nothing will run them
            with self._lock:
                self._running = False
            raise

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._running = False
                    return
                key = next(iter(self._jobs))
                job = self._jobs.pop(key)
            if self._quiet is not None:
                self._quiet.wait_for_none(self.QUIET_WAIT)
            try:
                job()
            except Exception:  # one failed job must not strand the others
                log.exception("a job for %s failed", key)
