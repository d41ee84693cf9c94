"""Where the measured servers and the load generator run.

Every server measured (ours, the bare app, the floor) is kept to one core the way
production is advised to run (`BEHOV_CPUS`, bot/cpu.py), and the load generator to the
other cores, so that neither takes the other's core. Both apps of a comparison share the
core (each its own lock directory) and take turns, so they see the same machine.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager

from bot.cpu import move_threads

_LOCKS = tempfile.TemporaryDirectory(prefix="behov-bench-cpu-")  # removed when the run ends


def server_core() -> int | None:
    """The last core this process may use, or None on a single core."""
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return allowed[-1] if len(allowed) > 1 else None


def server_env(one_core: bool) -> dict[str, str]:
    """Settings that keep a server to the server core (or leave it on any core)."""
    core = server_core()
    if not one_core or core is None:
        return {"BEHOV_CPUS": ""}
    return {"BEHOV_CPUS": str(core), "TMPDIR": tempfile.mkdtemp(dir=_LOCKS.name)}


@contextmanager
def load_generator_apart():
    """This process's threads (the fake Slack, the clients) off the server core meanwhile."""
    core = server_core()
    if core is None:
        yield
        return
    allowed = os.sched_getaffinity(0)
    move_threads(allowed - {core})
    try:
        yield
    finally:
        move_threads(allowed)
