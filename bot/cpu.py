"""Keep a server process to one CPU core (`BEHOV_CPUS`).

Python runs one thread at a time (the GIL). When a request's threads sit on different
cores, every database call that lets go of the GIL hands it to a thread on another core and
back: under load that was 36 context switches per `/behov status` instead of 7, and a third
of the process's CPU (benchmarks/README.md). On one core the thread that let go usually
takes the GIL back before a woken one runs, so the hand-overs mostly do not happen.

Each process (`behov serve`, each of its `--workers`, `behov socket`) takes the first
listed core that no other Behov process on the machine holds: a lock file per core,
released by the operating system when the process ends, so a restarted worker takes its
core back.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
_held: list[int] = []  # the open lock file: kept for the life of the process


def keep_to_one_cpu(cpus: tuple[int, ...], lock_dir: Path | None = None) -> int | None:
    """Move this process and all its threads to a free core of `cpus`; the core, or None."""
    if not cpus:
        return None
    if not hasattr(os, "sched_setaffinity"):  # Linux only
        log.warning("BEHOV_CPUS is set, but this system cannot keep a process to a core")
        return None
    allowed = os.sched_getaffinity(0)
    usable = [cpu for cpu in cpus if cpu in allowed]
    if len(usable) < len(cpus):
        unusable = sorted(set(cpus) - allowed)
        log.warning("BEHOV_CPUS names cores this process may not use: %s", unusable)
    for cpu in usable:
        if _claim(cpu, lock_dir or Path(tempfile.gettempdir())):
            move_threads({cpu})
            log.info("running on CPU core %d", cpu)
            return cpu
    log.warning("every core in BEHOV_CPUS is taken by another Behov process: running on any core")
    return None


def _claim(cpu: int, lock_dir: Path) -> bool:
    import fcntl  # Unix only, like sched_setaffinity

    fd = os.open(lock_dir / f"behov-cpu-{cpu}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _held.append(fd)
    return True


def move_threads(cpus: set[int]) -> None:
    """Every thread of this process to `cpus` (sched_setaffinity moves one thread; threads
    started later inherit it from the thread that starts them)."""
    for thread in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(thread), cpus)
        except (ProcessLookupError, PermissionError):  # a thread that ended meanwhile
            continue
