"""Load for the benchmarks: a closed loop (N clients, each sending its next request when the
last one is answered) and an open loop (requests at a fixed rate)."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from benchmarks.timing import percentile


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in the load generator while it measures.

    The fake Slack keeps every call it saw, so a full pass of the collector in this process
    stops every client thread for 100-150 ms (measured), a stall charged to whichever app
    happens to be measured then. Collected before each run instead.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def run(send: Callable[[int], float], *, clients: int, requests: int) -> dict:
    """`send(n)` does request n and returns its latency in seconds; p50, p99 and throughput."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    errors: list[BaseException] = []

    def client() -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                took = send(n)
            except BaseException as exc:  # reported after the run, not swallowed
                errors.append(exc)
                return
            with lock:
                latencies.append(took)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    with collector_paused():
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    return {
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "per_second": len(latencies) / wall,
        "count": len(latencies),
        "latencies": latencies,
    }


class PerThread:
    """Each client thread acts as its own person (the next name not taken), so what each
    person is shown can be told apart."""

    def __init__(self, names: list[str]) -> None:
        self._names = names
        self._mine: dict[int, str] = {}
        self._lock = threading.Lock()

    def me(self) -> str:
        thread = threading.get_ident()
        with self._lock:
            if thread not in self._mine:
                self._mine[thread] = self._names[len(self._mine)]
            return self._mine[thread]


def run_at_rate(
    send: Callable[[int], float], *, rate: float, requests: int, workers: int = 32
) -> dict:
    """Open loop: request n is due at start + n / rate, whatever became of those before it.

    Latency counts from when a request was due, not from when a worker got to send it, so
    a backlog (in the server, or workers all busy) shows in the numbers instead of hiding.
    `send` returns its own latency, unused here.
    """
    latencies: list[float] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        due = start + n / rate
        if (wait := due - time.perf_counter()) > 0:
            time.sleep(wait)
        send(n)
        took = time.perf_counter() - due
        with lock:
            latencies.append(took)

    with collector_paused(), ThreadPoolExecutor(max_workers=workers) as pool:
        start = time.perf_counter() + 0.05  # after the collection, before the first is due
        for future in [pool.submit(one, n) for n in range(requests)]:
            future.result()  # raises the first failure
    return {
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "per_second": len(latencies) / (time.perf_counter() - start),
        "count": len(latencies),
        "latencies": latencies,
    }
