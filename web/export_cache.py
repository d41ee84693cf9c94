"""The open-data exports last built, by ETag: a repeated download is answered without reading
or encoding a single need, until something public changes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from bot.turns import FairLimit

T = TypeVar("T")

# At most this many bytes of bodies are kept. A process must stay under 300 MB, and at
# 100,000 needs it already holds about 225 MB (benchmarks/README.md, memory) while one JSON
# export of all needs is about 70 MB (CSV about 35 MB): such bodies are not kept, every
# download builds them anew. At 10,000 needs the whole JSON (about 6 MB), the whole CSV
# (about 3 MB) and a few filtered exports fit.
BUDGET_BYTES = 32 * 1024 * 1024


class ExportCache(Generic[T]):
    """Built exports by ETag, least recently used first out, within a byte budget.

    The tag covers everything an export depends on (the database's change marker, format,
    filters, window, base URL), so a kept body is exactly what a build would give now. Only
    bodies of the latest change marker are kept: after a change the old ones are never asked
    for again. One export is built at a time, first come first served: downloads that arrive
    together after a change wait for the first build instead of each building the same body
    (and each holding its memory); two builds at once would not finish sooner (one GIL).
    """

    def __init__(self, budget: int = BUDGET_BYTES) -> None:
        self.budget = budget
        self._bodies: OrderedDict[str, tuple[object, T, int]] = OrderedDict()
        self._lock = threading.Lock()  # guards _bodies; held for dict work only
        self._building = FairLimit(1)  # one build at a time, waiting downloads in turn

    def get_or_build(self, tag: str, marker: object, build: Callable[[], tuple[T, int]]) -> T:
        """The body kept for `tag`, or `build()`'s (body, size in bytes), kept if it fits."""
        found = self._get(tag)
        if found is not None:
            return found
        with self._building:
            found = self._get(tag)  # built by the download this one waited for
            if found is not None:
                return found
            body, size = build()
            self._put(tag, marker, body, size)
            return body

    def _get(self, tag: str) -> T | None:
        with self._lock:
            entry = self._bodies.get(tag)
            if entry is None:
                return None
            self._bodies.move_to_end(tag)
            return entry[1]

    def _put(self, tag: str, marker: object, body: T, size: int) -> None:
        with self._lock:
            for old in [t for t, (m, _, _) in self._bodies.items() if m != marker]:
                del self._bodies[old]
            if size > self.budget:
                return
            self._bodies[tag] = (marker, body, size)
            while self.size > self.budget:
                self._bodies.popitem(last=False)

    @property
    def size(self) -> int:
        """Bytes of the bodies kept."""
        return sum(size for _, _, size in self._bodies.values())

    def __len__(self) -> int:
        return len(self._bodies)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
