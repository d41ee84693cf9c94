"""Fuzzy lookup and duplicate detection against rapidfuzz's own floor, over the same titles.

Ours: `TitleIndex.lookup` / `.similar` as the handlers call them (one small change query to
the database, then rapidfuzz over titles kept in memory). Floor: `process.extract` with the
same scorer over the same preprocessed titles in a plain list, nothing else.

Also measured: the longest time another thread of the process (as an ack would be) waits
to run while lookups go on, ours against the floor's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process, utils

from benchmarks import data
from benchmarks.timing import interleaved, percentile
from domain import matching
from storage.db import Database
from storage.title_index import TitleIndex


def run(url: str, titles: list[str], rounds: int) -> list[dict]:
    db = Database.from_url(url)
    index = TitleIndex()
    prepared = [utils.default_process(t) for t in titles]
    asks = data.queries(titles, rounds)
    rows = []
    with db.session() as session:
        index.refresh(session)  # the first query of a process loads the titles once

        def lookup(query: str) -> object:
            return index.lookup(session, query)

        def lookup_floor(query: str) -> object:
            return process.extract(
                utils.default_process(query),
                prepared,
                scorer=fuzz.WRatio,
                processor=None,
                limit=5,
                score_cutoff=matching.TITLE_MATCH_MIN,
            )

        def similar(query: str) -> object:
            return index.similar(session, query, "Gäller äldre; i dag saknas gemensamma rutiner.")

        def similar_floor(query: str) -> object:
            return process.extract(
                utils.default_process(query),
                prepared,
                scorer=fuzz.token_set_ratio,
                processor=None,
                limit=10,
            )

        for name, ours, floor in (
            ("fuzzy lookup (`/behov status <text>`)", lookup, lookup_floor),
            ("duplicate detection (registration)", similar, similar_floor),
        ):
            mine, theirs = interleaved(ours, floor, asks)
            stalls = longest_wait(ours, asks[:20]), longest_wait(floor, asks[:20])
            rows.append(
                dict(
                    what=name,
                    needs=len(titles),
                    ours_p50=percentile(mine, 50),
                    ours_p99=percentile(mine, 99),
                    floor_p99=percentile(theirs, 99),
                    ratio=percentile(mine, 99) / percentile(theirs, 99),
                    ours_stall=stalls[0],
                    floor_stall=stalls[1],
                )
            )
    db.engine.dispose()
    return rows


def longest_wait(function: Callable[[str], object], inputs: Sequence[str]) -> float:
    """Seconds: the longest another thread, waking every 0.2 ms, went without running while
    `function` ran over the inputs (a lookup that holds the GIL holds up every request)."""
    done, gaps = threading.Event(), [0.0]

    def other() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.0002)
            now = time.perf_counter()
            gaps[0], last = max(gaps[0], now - last), now

    thread = threading.Thread(target=other)
    thread.start()
    try:
        for item in inputs:
            function(item)
    finally:
        done.set()
        thread.join()
    return gaps[0]
