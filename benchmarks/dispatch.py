"""Single-thread in-process dispatch of `/behov status <arg>` (process_before_response=True).

Run from the worktree: `.venv/bin/python -m benchmarks.dispatch sqlite|postgresql 7 3000 [prof
[cumulative|tottime]]`. Without `prof` it also runs the bare app (benchmarks/bare.py) on the
same requests; `taskset -c 1` in front keeps it to one core, as `BEHOV_CPUS` does.
"""

import cProfile
import logging
import pstats
import sys
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from slack_bolt import BoltRequest

from bot.app import build_bolt_app, build_services
from bot.settings import load_settings
from domain.needs import Draft
from domain.reference import load_reference
from fakeslack.signing import signed_headers
from storage.db import Database, make_engine
from storage.needs import create_need

logging.basicConfig(level=logging.WARNING)
kind, arg = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
prof = len(sys.argv) > 4
if kind == "sqlite":
    url = f"sqlite:////tmp/behov_dispatch_{uuid.uuid4().hex[:6]}.db"
else:
    name = f"perfbench_{uuid.uuid4().hex[:6]}"
    admin = make_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        isolation_level="AUTOCOMMIT",
        pool_size=1,
    )
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
Database.from_url(url).upgrade()
from fakeslack import FakeSlack  # noqa: E402

fs = FakeSlack(signing_secret="s", bot_token="xoxb-t")
fs.start()
fs.add_user("USTAFF1", "anna")
settings = load_settings(
    slack_bot_token="xoxb-t",
    slack_signing_secret="s",
    slack_api_url=fs.api_url,
    database_url=url,
    behov_voting_channel="CVOTE",
    behov_admins="UADMIN",
    behov_auto_migrate=False,
    _env_file=None,
)
svc = build_services(settings)
svc.languages._known["USTAFF1"] = ("sv", "Staff", time.monotonic() + 1e6)
ref = load_reference()
now = datetime.now(UTC)
with svc.db.session(write=True) as s:
    for i in range(50):
        create_need(
            s,
            draft=Draft(
                title=f"Behov nummer {i} om journalsystem {i * 7}",
                description="beskrivning " * 5,
                origin=None,
            ),
            ref=ref,
            user_id="USTAFF1",
            now=now,
        )
app = build_bolt_app(svc, process_before_response=True)


def req(i):
    body = urlencode(
        {
            "token": "x",
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "USTAFF1",
            "user_name": "a",
            "command": "/behov",
            "text": f"status {arg}",
            "api_app_id": "A1",
            "response_url": "http://127.0.0.1:9/r",
            "trigger_id": f"t{i}",
        }
    ).encode()
    h = signed_headers("s", body)
    return BoltRequest(
        body=body.decode(),
        headers={k.lower(): [v] for k, v in h.items()}
        | {"content-type": ["application/x-www-form-urlencoded"]},
    )


reqs = [req(i) for i in range(N + 200)]
for r in reqs[:200]:
    resp = app.dispatch(r)
    assert resp.status == 200, (resp.status, resp.body)
print(resp.body[:120])
reqs = reqs[200:]
if prof:
    p = cProfile.Profile()
    p.enable()
t, cpu = time.perf_counter(), time.process_time()
for r in reqs:
    resp = app.dispatch(r)
el, cpu = time.perf_counter() - t, time.process_time() - cpu
if prof:
    p.disable()
    pstats.Stats(p).sort_stats(sys.argv[5] if len(sys.argv) > 5 else "cumulative").print_stats(60)
assert resp.status == 200
print(f"{kind} status {arg!r}: {N / el:.0f} req/s", end=" ")
print(f"({el / N * 1e3:.3f} ms/req, CPU {cpu / N * 1e3:.3f})")
if not prof:  # the bare app (same Bolt settings, only acks) on the same requests
    from benchmarks.bare import _app

    bare = _app(settings, True)
    bare.command("/behov")(lambda ack: ack())
    fresh = [req(N + 200 + i) for i in range(N)]
    t, cpu = time.perf_counter(), time.process_time()
    for r in fresh:
        assert bare.dispatch(r).status == 200
    el, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"bare: {el / N * 1e3:.3f} ms/req, CPU {cpu / N * 1e3:.3f}")
svc.db.engine.dispose()
fs.stop()
if kind != "sqlite":
    with admin.connect() as c:
        c.execute(sa.text(f"DROP DATABASE {name}"))
