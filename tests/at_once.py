"""How many threads are inside a piece of code at the same time, and the most there were."""

from __future__ import annotations

import threading


class AtOnce:
    """`with at_once:` around the code watched; `most` is the highest count seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.inside = 0
        self.most = 0

    def __enter__(self) -> AtOnce:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self.inside -= 1
