"""A limit on how many threads do something at once, served first come, first served."""

from __future__ import annotations

import threading
from collections import deque


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
