"""`BEHOV_CPUS`: each server process is kept to a core of its own (bot/cpu.py)."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.production_support import ServeProcess
from tests.test_serve import serve_env

ALLOWED = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
needs_two_cores = pytest.mark.skipif(
    len(ALLOWED) < 2, reason="keeping processes to cores apart needs at least two usable cores"
)


def cores_of(pid: int) -> set[str]:
    """The cores each thread of the process may run on, as Linux lists them ("1", "0-1")."""
    found = set()
    for thread in os.listdir(f"/proc/{pid}/task"):
        status = Path(f"/proc/{pid}/task/{thread}/status").read_text()
        found |= {line.split()[1] for line in status.splitlines() if "Cpus_allowed_list" in line}
    return found


def workers_of(pid: int) -> list[int]:
    """uvicorn's worker processes (not multiprocessing's resource tracker)."""
    children = []
    for thread in os.listdir(f"/proc/{pid}/task"):
        text = Path(f"/proc/{pid}/task/{thread}/children").read_text()
        children += [int(child) for child in text.split()]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def serve(tmp_path: Path, sqlite_template: Path, cpus: str, workers: int = 1) -> ServeProcess:
    path = tmp_path / "behov.db"
    shutil.copy(sqlite_template, path)
    env = {**serve_env(f"sqlite:///{path}"), "BEHOV_CPUS": cpus, "TMPDIR": str(tmp_path)}
    return ServeProcess(env, tmp_path / "serve.log", workers=workers)


def messages(server: ServeProcess) -> list[str]:
    return [line["message"] for line in server.log_lines()]


@needs_two_cores
def test_each_worker_takes_a_core_of_its_own_with_all_its_threads(tmp_path, sqlite_template):
    cpus = ALLOWED[-2:]
    server = serve(tmp_path, sqlite_template, ",".join(map(str, cpus)), workers=2)
    try:  # /healthz answered by one worker; the other may still be starting
        deadline = time.monotonic() + 60
        while len(taken_cores(server)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = workers_of(server.process.pid)
        assert len(workers) == 2
        held = sorted(sorted(cores_of(worker)) for worker in workers)
        assert held == [[str(cpus[0])], [str(cpus[1])]]  # one core each, every thread on it
    finally:
        assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    assert sorted(taken_cores(server)) == [f"running on CPU core {cpu}" for cpu in cpus]


def taken_cores(server: ServeProcess) -> list[str]:
    return [m for m in messages(server) if m.startswith("running on CPU core")]


@needs_two_cores
def test_a_core_held_by_another_behov_process_is_not_shared(tmp_path, sqlite_template):
    taken, free = ALLOWED[-1], ALLOWED[-2]
    with open(tmp_path / f"behov-cpu-{taken}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running Behov process holds it
        server = serve(tmp_path, sqlite_template, f"{taken},{free}")
        try:
            assert cores_of(server.process.pid) == {str(free)}
        finally:
            server.stop()
        server = serve(tmp_path, sqlite_template, str(taken))
        try:  # no free core listed: it runs (on any core) and says why
            assert cores_of(server.process.pid) == cores_of(os.getpid())
        finally:
            server.stop()
    assert any("every core in BEHOV_CPUS is taken" in m for m in messages(server))


def test_a_core_this_process_may_not_use_is_passed_over_and_said(tmp_path, sqlite_template):
    server = serve(tmp_path, sqlite_template, "4096")
    try:
        assert server.process.poll() is None
        assert cores_of(server.process.pid) == cores_of(os.getpid())
    finally:
        server.stop()
    said = messages(server)
    assert any("BEHOV_CPUS names cores this process may not use: [4096]" in m for m in said)


def test_unset_leaves_the_process_on_every_core(tmp_path, sqlite_template):
    server = serve(tmp_path, sqlite_template, "")
    try:
        assert cores_of(server.process.pid) == cores_of(os.getpid())
    finally:
        server.stop()
    assert not any("CPU" in m for m in messages(server))
