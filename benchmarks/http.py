"""Slack requests end to end: our bot against a bare Bolt app that only acknowledges.

All run as `python -m benchmarks.serve` processes (uvicorn + the same Starlette adapter +
the same Bolt settings), the fake Slack sends signed requests from this process with N
concurrent clients, and the apps take turns in rounds so they share the machine's noise.
Fuzzy lookups are also measured against the floor of their approach (benchmarks/bare.py
`floor_web_app`: ack, rapidfuzz over the titles in a list, post the answer), a status by
number against its own (`row_floor_web_app`: the bare app plus the key-and-row statement).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from functools import partial

from benchmarks import cores, data, databases, load
from benchmarks.report import ms, table
from storage.db import Database
from tests.production_support import free_port

SECRET, TOKEN = "bench-signing-secret", "xoxb-bench-token"
CHANNEL = "CBENCH1"
USERS = [f"UBENCH{i:02d}" for i in range(16)]
RATE_USERS = [f"URATE{i:02d}" for i in range(32)]  # one per worker of the open loop


@contextmanager
def served(app: str, pbr: bool, env: dict, *, one_core: bool = True):
    """(URL, process id) of the app while it runs, on the server core unless `one_core`
    is false (benchmarks/cores.py)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.serve",
            "--app",
            app,
            "--pbr",
            str(int(pbr)),
            "--port",
            str(port),
        ],
        env={**os.environ, **env, **cores.server_env(one_core)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        _wait_listening(port, process)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_listening(port: int, process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("benchmark server exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/slack/events", timeout=1)  # noqa: S310
        except urllib.error.HTTPError:
            return  # answering (405 for GET): it is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("benchmark server did not start")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches(pid: int) -> dict[str, int]:
    """{thread id: times it gave up the CPU so far} (waiting for the GIL, a lock, I/O)."""
    counts = {}
    for thread in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{thread}/status") as status:
                for line in status:
                    if line.startswith("voluntary_ctxt_switches"):
                        counts[thread] = int(line.split()[1])
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return counts


def switches_since(pid: int, before: dict[str, int]) -> int:
    """Context switches since `before`, of the threads alive now (a pool's thread that
    ended meanwhile takes its count with it: at least this many)."""
    return sum(n - before.get(thread, 0) for thread, n in context_switches(pid).items())


def measure(
    fake, apps: dict[str, tuple], texts: list[str], clients: int, requests: int, rounds: int
):
    """{app: load result}, the apps taking turns round by round, each warmed first (untimed,
    the same requests at the same concurrency), as a server that has been running is.

    Besides latency: the server process's CPU per request, which other work on the
    machine disturbs far less than it disturbs latency.
    """
    samples = {name: [] for name in apps}
    answers = {name: [] for name in apps}
    walls = {name: 0.0 for name in apps}
    cpu = {name: 0.0 for name in apps}
    switches = {name: 0 for name in apps}

    def send(n: int, name: str, users: load.PerThread, answered: list) -> float:
        user = users.me()
        seen = fake.ephemeral_count(user)
        started = time.time()
        result = fake.slash(user, texts[n % len(texts)], channel=CHANNEL)
        if result.status != 200:
            raise RuntimeError(f"HTTP {result.status}: {result.text[:200]}")
        if name != "bare":  # what the person sees: in the ack, or later at the response_url
            shown = fake.wait_ephemerals(user, seen + 1, timeout=30, start=seen)
            if not shown:
                raise RuntimeError(f"no answer for {user}")
            answered.append(float(shown[0]["ts"]) - started)
        return result.elapsed

    for name, (url, _pid) in apps.items():  # warm, untimed: connections opened, pools filled
        fake.app_url = url
        warming = partial(send, name=name, users=load.PerThread(USERS), answered=[])
        load.run(warming, clients=clients, requests=clients * 4)
    for _ in range(rounds):
        for name, (url, pid) in apps.items():
            fake.app_url = url
            started, used, gave_up = time.perf_counter(), cpu_seconds(pid), context_switches(pid)
            result = load.run(
                partial(send, name=name, users=load.PerThread(USERS), answered=answers[name]),
                clients=clients,
                requests=requests // rounds,
            )
            walls[name] += time.perf_counter() - started
            cpu[name] += cpu_seconds(pid) - used
            switches[name] += switches_since(pid, gave_up)
            samples[name].extend(result["latencies"])
    from benchmarks.timing import percentile

    return {
        name: {
            "p50": percentile(values, 50),
            "p99": percentile(values, 99),
            "answer_p50": percentile(answers[name] or values, 50),
            "answer_p99": percentile(answers[name] or values, 99),
            "per_second": len(values) / walls[name],
            "cpu_ms": cpu[name] / len(values) * 1000,
            "switches": switches[name] / len(values),
        }
        for name, values in samples.items()
    }


def measure_at_rate(fake, apps: dict[str, tuple], rate: float, requests: int, rounds: int):
    """{app: ack p50, p99 and CPU per request} of `/behov status #12` sent at a fixed rate,
    the apps taking turns round by round."""
    samples = {name: [] for name in apps}
    cpu = {name: 0.0 for name in apps}

    def send(n: int, users: load.PerThread) -> float:
        result = fake.slash(users.me(), "status #12", channel=CHANNEL)
        if result.status != 200:
            raise RuntimeError(f"HTTP {result.status}: {result.text[:200]}")
        return result.elapsed

    for url, _pid in apps.values():  # warm: connections opened, pools filled
        fake.app_url = url
        load.run_at_rate(
            partial(send, users=load.PerThread(RATE_USERS)),
            rate=rate,
            requests=len(RATE_USERS) * 4,
            workers=len(RATE_USERS),
        )
    for _ in range(rounds):
        for name, (url, pid) in apps.items():
            fake.app_url = url
            used = cpu_seconds(pid)
            result = load.run_at_rate(
                partial(send, users=load.PerThread(RATE_USERS)),
                rate=rate,
                requests=requests // rounds,
                workers=len(RATE_USERS),
            )
            cpu[name] += cpu_seconds(pid) - used
            samples[name].extend(result["latencies"])
    from benchmarks.timing import percentile

    return {
        name: {
            "p50": percentile(values, 50),
            "p99": percentile(values, 99),
            "cpu_ms": cpu[name] / len(values) * 1000,
        }
        for name, values in samples.items()
    }


def section(quick: bool = False) -> list[tuple[str, str]]:
    from fakeslack import FakeSlack

    rows, rate_rows = [], []
    n_c1, n_c16, rounds = (60, 160, 2) if quick else (300, 1600, 4)
    rates = {50: 200, 200: 400} if quick else {50: 1000, 200: 2000}  # requests/s: requests
    # Kept connections for both apps alike: the load generator measures the app, not its own
    # connection setup (and the app does not accept a connection per request).
    fake_slack = FakeSlack(signing_secret=SECRET, bot_token=TOKEN, keep_alive=True)
    with fake_slack as fake, cores.load_generator_apart():
        for user in USERS + RATE_USERS:
            fake.add_user(user, user.lower(), real_name=f"Bench {user}")
        fake.add_channel(CHANNEL, "bench", members=USERS + RATE_USERS)
        for kind in ("sqlite", "postgresql"):
            with databases.scratch(kind) as url:
                db = Database.from_url(url)
                titles = data.seed_needs(db, 1000)
                db.engine.dispose()
                env = {
                    "SLACK_BOT_TOKEN": TOKEN,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": fake.api_url,
                    "DATABASE_URL": url,
                    "BEHOV_AUTO_MIGRATE": "0",
                }
                # Both Bolt settings on one core; the chosen one also on any core, saturated.
                for pbr, one_core in ((False, True), (True, True), (False, False)):
                    with ExitStack() as stack:
                        apps = {
                            name: stack.enter_context(served(name, pbr, env, one_core=one_core))
                            for name in ("bare", "floor", "row", "behov")
                        }
                        asked = ["status " + q for q in data.queries(titles, 200)]
                        for what, texts, measured in (
                            ("/behov status #12", ["status #12"], ("bare", "row", "behov")),
                            ("/behov status <text>", asked, ("bare", "floor", "behov")),
                        ):
                            chosen = {name: apps[name] for name in measured}
                            for clients, count in ((1, n_c1), (16, n_c16)):
                                if not one_core and (clients == 1 or what != "/behov status #12"):
                                    continue
                                got = measure(fake, chosen, texts, clients, count, rounds)
                                where = "1" if one_core else "any"
                                rows.append([what, kind, str(pbr), where, clients, *_cells(got)])
                                print(f"http {what} {kind} {pbr} {where} c={clients}", flush=True)
                        if pbr or not one_core:
                            continue  # the chosen setting only
                        chosen = {name: apps[name] for name in ("bare", "behov")}
                        for rate, count in rates.items():
                            got = measure_at_rate(fake, chosen, rate, count, rounds)
                            rate_rows.append([kind, rate, *_rate_cells(got)])
                            print(f"http at {rate}/s {kind} done", flush=True)
        problems = list(fake.problems)
    text = table(
        [
            "request",
            "database",
            "process_before_response",
            "server cores",
            "clients",
            "bare ack p50 ms",
            "bare ack p99 ms",
            "ours ack p50 ms",
            "ours ack p99 ms",
            "ack p99 ratio (≤ 1.5×)",
            "ours answer p50 / p99 ms",
            "answer p99 / bare ack p99 (≤ 3×)",
            "floor ack p99 / answer p99 ms",
            "answer p99 / floor answer p99",
            "req/s bare / ours",
            "server CPU ms per request bare / floor / ours",
            "context switches per request bare / ours",
        ],
        rows,
    )
    if problems:
        text += "\n\nThe fake Slack reported: " + "; ".join(problems[:5])
    rate_text = table(
        [
            "database",
            "requests/s",
            "bare ack p50 / p99 ms",
            "ours ack p50 / p99 ms",
            "ack p99 ratio",
            "server CPU ms per request bare / ours",
        ],
        rate_rows,
    )
    return [
        ("Slack requests: acknowledgement and answer against a bare Bolt app", text),
        ("`/behov status #12` at a fixed rate (open loop)", rate_text),
    ]


def _rate_cells(got: dict) -> list[str]:
    bare, ours = got["bare"], got["behov"]
    return [
        f"{ms(bare['p50'])} / {ms(bare['p99'])}",
        f"{ms(ours['p50'])} / {ms(ours['p99'])}",
        f"**{ours['p99'] / bare['p99']:.2f}×**",
        f"{bare['cpu_ms']:.2f} / {ours['cpu_ms']:.2f}",
    ]


def _cells(got: dict) -> list[str]:
    """A row's measured cells; the floor is its request's (`floor` or `row`, bare.py)."""
    bare, ours = got["bare"], got["behov"]
    floor = got["floor"] if "floor" in got else got["row"]
    return [
        ms(bare["p50"]),
        ms(bare["p99"]),
        ms(ours["p50"]),
        ms(ours["p99"]),
        f"**{ours['p99'] / bare['p99']:.2f}×**",
        f"{ms(ours['answer_p50'])} / {ms(ours['answer_p99'])}",
        f"**{ours['answer_p99'] / bare['p99']:.2f}×**",
        f"{ms(floor['p99'])} / {ms(floor['answer_p99'])}",
        f"{ours['answer_p99'] / floor['answer_p99']:.2f}×",
        f"{bare['per_second']:.0f} / {ours['per_second']:.0f}",
        f"{bare['cpu_ms']:.2f} / {floor['cpu_ms']:.2f} / {ours['cpu_ms']:.2f}",
        f"{bare['switches']:.1f} / {ours['switches']:.1f}",
    ]
