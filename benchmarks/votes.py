"""Vote clicks end to end, and the vote burst, against a bare Bolt app that only acknowledges.

A click is measured three ways: the acknowledgement (HTTP answer to the fake Slack), the
answer (the ephemeral confirmation reaching the fake Slack through the response_url), and
the live count (the first `chat.update` of the vote message that reached the fake Slack
after the click: throttled to one per second per message by design, so this one is about
the throttle, not about speed). Each client thread is one voter, so its confirmation
is told apart from the others'.

The burst: 50 eligible voters click 4 times each at random moments within 2 seconds; then
every stored ballot must be the voter's last choice and the message updates at least one
second apart, the last one showing the exact count.
"""

from __future__ import annotations

import random
import threading
import time
from contextlib import ExitStack

from sqlmodel import col, select

from benchmarks import cores, data, databases, load
from benchmarks.http import SECRET, TOKEN, context_switches, cpu_seconds, served, switches_since
from benchmarks.report import ms, table
from benchmarks.timing import percentile
from commands import ids
from storage.db import Database
from storage.models import Ballot, Vote

ADMIN, GENERAL, VOTING = "UBENCHADMIN", "CBENCHGEN", "CBENCHVOTE"
VOTERS = [f"UBVOTER{i:02d}" for i in range(50)]
CHOICES = list(ids.VOTE_CAST.values())
WAIT = 30.0  # seconds: the longest any bounded wait in here lasts before giving up


def _until(condition, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.005)
    raise RuntimeError(f"gave up waiting for {what}")


def open_vote(fake, number: int) -> str:
    """Open a vote on need `number` as the admin; the ts of its message."""
    before = len(fake.messages(VOTING))
    result = fake.slash(ADMIN, f"rösta {number}", channel=GENERAL)
    if result.status != 200:
        raise RuntimeError(f"opening the vote: HTTP {result.status}")
    return _until(lambda: fake.messages(VOTING)[before:], "the vote message")[0]["ts"]


def click(fake, user: str, ts: str, n: int):
    result = fake.click(user, CHOICES[n % 4], channel=VOTING, ts=ts)
    if result.status != 200:
        raise RuntimeError(f"HTTP {result.status}: {result.text[:200]}")
    return result


def measure(
    fake, apps: dict[str, tuple], ts: str, clients: int, requests: int, rounds: int, *, warm: str
):
    """{app: {ack: [...], answer: [...], update: [...], per_second, cpu_ms, switches}}, apps
    (URL, process id) taking turns; the server's CPU and context switches per click.

    Each app is warmed first, untimed, by the same clients clicking on another vote (`warm`,
    its message ts): connections opened, pools filled, threads started, as in a server that
    has been running. On another vote, so that the measured clicks still include each
    voter's first ballot (which publishes their App Home again).
    """
    found = {
        name: {"ack": [], "answer": [], "update": [], "wall": 0.0, "cpu": 0.0, "switched": 0}
        for name in apps
    }

    def clicks(name: str, ts: str, answered: list):
        voters = load.PerThread(VOTERS)

        def send(n: int) -> float:
            user = voters.me()
            seen = fake.ephemeral_count(user)
            started = time.time()
            result = click(fake, user, ts, n)
            if name != "bare":  # wait for the confirmation before the next click
                shown = fake.wait_ephemerals(user, seen + 1, timeout=WAIT, start=seen)
                if not shown:
                    raise RuntimeError(f"no confirmation for {user}")
                answered.append((started, float(shown[0]["ts"])))
            return result.elapsed

        return send

    for name, (url, _pid) in apps.items():
        fake.app_url = url
        load.run(clicks(name, warm, []), clients=clients, requests=clients * 4)
        _settled(fake)  # its App Home tabs and counts are not charged to the measured clicks
    for _ in range(rounds):
        for name, (url, pid) in apps.items():
            fake.app_url = url
            answered = []
            began, used, gave_up = time.perf_counter(), cpu_seconds(pid), context_switches(pid)
            result = load.run(
                clicks(name, ts, answered), clients=clients, requests=requests // rounds
            )
            found[name]["wall"] += time.perf_counter() - began
            found[name]["cpu"] += cpu_seconds(pid) - used
            found[name]["switched"] += switches_since(pid, gave_up)
            found[name]["ack"] += result["latencies"]
            found[name]["answer"] += [at - started for started, at in answered]
            if answered:
                latest = max(started for started, _ in answered)
                _until(lambda latest=latest: _updated_after(fake, latest), "the last chat.update")
                found[name]["update"] += [
                    _updated_after(fake, started) - started for started, _ in answered
                ]
    for values in found.values():
        values["per_second"] = len(values["ack"]) / values["wall"]
        values["cpu_ms"] = values["cpu"] / len(values["ack"]) * 1000
        values["switches"] = values["switched"] / len(values["ack"])
    return found


def _settled(fake, quiet: float = 1.2) -> None:
    """Wait until the fake Slack has had no Web API call for `quiet` seconds (longer than
    the live count's one update per second)."""

    def still() -> bool:
        calls = fake.calls()
        return not calls or time.time() - calls[-1].time >= quiet

    _until(still, "the bot to fall quiet")


def _updated_after(fake, moment: float) -> float | None:
    times = [c.time for c in fake.calls("chat.update") if c.ok and c.time >= moment]
    return min(times) if times else None


def burst(fake, db: Database, ts: str, vote_id: int, seed: int = 5) -> dict:
    """50 voters x 4 clicks within 2 s; what was stored and how the message was updated."""
    rng = random.Random(seed)
    plans = {user: sorted(rng.uniform(0, 2.0) for _ in range(4)) for user in VOTERS}
    last_choice, errors = {}, []
    updates_before = len(fake.calls("chat.update"))
    confirmed = {user: fake.ephemeral_count(user) for user in VOTERS}
    start = time.monotonic() + 0.2

    def voter(user: str) -> None:
        try:
            for n, offset in enumerate(plans[user]):
                time.sleep(max(0.0, start + offset - time.monotonic()))
                choice = rng_choice(user, n)
                fake.click(user, choice, channel=VOTING, ts=ts)
                last_choice[user] = choice
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=voter, args=(u,)) for u in VOTERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    clicking = time.monotonic() - start
    if errors:
        raise errors[0]
    _until(
        lambda: all(fake.ephemeral_count(u) >= confirmed[u] + 4 for u in VOTERS),
        "every confirmation",
    )
    exact = f"{len(VOTERS)} av {len(VOTERS) + 1} har röstat"
    _until(lambda: exact in fake.visible_text(fake.find_message(VOTING, ts)), "the exact count")
    time.sleep(1.2)  # a late update would show here; nothing after this is allowed to land
    quadrant_of = {action: q for q, action in ids.VOTE_CAST.items()}
    with db.session() as session:
        stored = {
            b.user_id: b.quadrant
            for b in session.exec(select(Ballot).where(Ballot.vote_id == vote_id))
        }
    right = sum(stored.get(u) == quadrant_of[last_choice[u]] for u in VOTERS)
    updates = [
        c.time
        for c in fake.calls("chat.update")[updates_before:]
        if c.ok and c.args.get("ts") == ts
    ]
    gaps = [b - a for a, b in zip(updates, updates[1:], strict=False)]
    return {
        "clicking": clicking,
        "right": right,
        "stored": len(stored),
        "updates": len(updates),
        "min_gap": min(gaps) if gaps else float("nan"),
        "final_exact": exact in fake.visible_text(fake.find_message(VOTING, ts)),
    }


def rng_choice(user: str, n: int) -> str:
    """Deterministic and different from one click to the next, so every click changes the vote."""
    return CHOICES[(int(user[-2:]) + n) % 4]


def section(quick: bool = False) -> list[tuple[str, str]]:
    from fakeslack import FakeSlack

    rows, burst_rows = [], []
    n_c1, n_c16, rounds = (40, 160, 2) if quick else (200, 800, 4)
    # Kept connections for both apps alike: the load generator measures the app, not its own
    # connection setup (and the app does not accept a connection per request).
    fake_slack = FakeSlack(signing_secret=SECRET, bot_token=TOKEN, keep_alive=True)
    with fake_slack as fake, cores.load_generator_apart():
        fake.add_user(ADMIN, "bench.admin")
        for n in range(10):  # submitters of the seeded needs voted on (told when a vote opens)
            fake.add_user(f"U{n:05d}", f"submitter{n}")
        for user in VOTERS:
            fake.add_user(user, user.lower())
        fake.add_channel(GENERAL, "allmant", members=[ADMIN])
        fake.add_channel(VOTING, "vvg-prioritering", members=[ADMIN, *VOTERS])
        for kind in ("sqlite", "postgresql"):
            with databases.scratch(kind) as url:
                db = Database.from_url(url)
                data.seed_needs(db, 1000)
                env = {
                    "SLACK_BOT_TOKEN": TOKEN,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": fake.api_url,
                    "DATABASE_URL": url,
                    "BEHOV_AUTO_MIGRATE": "0",
                    "BEHOV_ADMINS": ADMIN,
                    "BEHOV_VOTING_CHANNEL": VOTING,
                    "BEHOV_VOTE_DURATION": "7d",
                }
                with ExitStack() as stack:
                    apps = {
                        "bare": stack.enter_context(served("bare", False, env)),
                        "behov": stack.enter_context(served("behov", False, env)),
                    }
                    fake.app_url = apps["behov"][0]
                    ts = ts_first = open_vote(fake, 1)
                    warm = open_vote(fake, 9)  # clicked on first, untimed (see measure)
                    for clients, count in ((1, n_c1), (16, n_c16)):
                        got = measure(fake, apps, ts, clients, count, rounds, warm=warm)
                        rows.append(_row(kind, "1", clients, got["bare"], got["behov"]))
                        print(f"votes {kind} c={clients} done", flush=True)
                    fake.app_url = apps["behov"][0]
                    ts = open_vote(fake, 5)
                    vote_id = _until(lambda db=db: _vote_of(db, 5), "the vote to be stored")
                    result = burst(fake, db, ts, vote_id)
                    burst_rows.append(_burst_row(kind, result))
                    print(f"vote burst {kind} done", flush=True)
                with ExitStack() as stack:  # the same clicks, saturated, servers on any core
                    apps = {
                        name: stack.enter_context(served(name, False, env, one_core=False))
                        for name in ("bare", "behov")
                    }
                    got = measure(fake, apps, ts_first, 16, n_c16, rounds, warm=warm)
                    rows.append(_row(kind, "any", 16, got["bare"], got["behov"]))
                    print(f"votes {kind} any core c=16 done", flush=True)
                db.engine.dispose()
        problems = list(fake.problems)
    text = table(
        [
            "database",
            "server cores",
            "clients",
            "bare ack p50 / p99 ms",
            "ours ack p50 / p99 ms",
            "ack p99 ratio (≤ 1.5×)",
            "confirmation p50 / p99 ms",
            "confirmation p99 / bare ack p99 (≤ 3×)",
            "live count (chat.update) p50 / p99 ms",
            "clicks/s bare / ours",
            "server CPU ms per click bare / ours",
            "context switches per click bare / ours",
        ],
        rows,
    )
    burst_text = table(
        [
            "database",
            "clicks in",
            "final votes right",
            "chat.update calls",
            "shortest gap between updates",
            "last update shows the exact count",
        ],
        burst_rows,
    )
    if problems:
        text += "\n\nThe fake Slack reported: " + "; ".join(problems[:5])
    return [
        ("Vote clicks: acknowledgement, confirmation and live count", text),
        ("Vote burst: 50 voters, 4 clicks each within 2 seconds", burst_text),
    ]


def _vote_of(db: Database, number: int) -> int | None:
    """The vote's id once it is open: its message posted and recorded."""
    with db.session() as session:
        return session.exec(
            select(Vote.id).where(Vote.need_id == number, col(Vote.message_ts).is_not(None))
        ).first()


def _pair(values: list[float]) -> str:
    return f"{ms(percentile(values, 50))} / {ms(percentile(values, 99))}"


def _row(kind: str, where: str, clients: int, bare: dict, ours: dict) -> list:
    bare_p99 = percentile(bare["ack"], 99)
    return [
        kind,
        where,
        clients,
        _pair(bare["ack"]),
        _pair(ours["ack"]),
        f"**{percentile(ours['ack'], 99) / bare_p99:.2f}×**",
        _pair(ours["answer"]),
        f"**{percentile(ours['answer'], 99) / bare_p99:.2f}×**",
        _pair(ours["update"]),
        f"{bare['per_second']:.0f} / {ours['per_second']:.0f}",
        f"{bare['cpu_ms']:.2f} / {ours['cpu_ms']:.2f}",
        f"{bare['switches']:.1f} / {ours['switches']:.1f}",
    ]


def _burst_row(kind: str, result: dict) -> list:
    return [
        kind,
        f"{result['clicking']:.2f} s",
        f"{result['right']} of {len(VOTERS)} ({result['stored']} ballots stored)",
        result["updates"],
        f"{result['min_gap']:.3f} s",
        "yes" if result["final_exact"] else "**no**",
    ]
