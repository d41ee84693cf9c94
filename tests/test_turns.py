"""FairLimit: at most N inside, the waiting ones let in first come, first served."""

from __future__ import annotations

import threading
import time

from bot.turns import FairLimit


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
    limit, lock, inside, most = FairLimit(2), threading.Lock(), [0], [0]

    def work() -> None:
        for _ in range(50):
            with limit:
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.0005)
                with lock:
                    inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most[0] == 2 and inside[0] == 0
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
