"""Percentiles and interleaved timing, so both sides of a ratio see the same machine noise."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def interleaved(
    ours: Callable[[str], object], floor: Callable[[str], object], inputs: Sequence[str]
) -> tuple[list[float], list[float]]:
    """Time both on every input, alternating which goes first; seconds per call."""
    mine, theirs = [], []
    for n, item in enumerate(inputs):
        pair = [(ours, mine), (floor, theirs)]
        for function, samples in pair if n % 2 == 0 else reversed(pair):
            start = time.perf_counter()
            function(item)
            samples.append(time.perf_counter() - start)
    return mine, theirs
