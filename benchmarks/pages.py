"""Pages over many needs: time and SQL statements per request, at two sizes.

The public page and its open data are served by the real web app (uvicorn in a thread of
this process, so a SQLAlchemy event listener can count the statements each request sends).
The weekly digest and the App Home are built in this process as the bot builds them (data
and Block Kit; the Web API call that posts them is not counted), with every seeded need
inside the digest's week and an admin who submitted some of them.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from datetime import timedelta

from sqlalchemy import event

from benchmarks import data, databases
from benchmarks.report import ms, table
from benchmarks.timing import percentile
from storage.db import Database

PAGES = [
    "/public/",
    "/public/?sida=100",
    "/public/?q=hemsjukv%C3%A5rd&sida=2",
    "/public/embed",
    "/public/needs.json",  # answered from the exports kept by ETag after the first
    "/public/needs.csv",
    "/public/needs.json (built anew)",  # the kept exports dropped before each request
    "/public/needs.csv (built anew)",
    "/public/needs.json (304)",  # revalidated with the ETag of the answer before
]
REVALIDATED = " (304)"
BUILT_ANEW = " (built anew)"
ADMIN = "U00001"  # submitted every 500th seeded need
SETTINGS = dict(
    slack_bot_token="xoxb-bench",
    slack_signing_secret="bench",
    slack_api_url="http://127.0.0.1:9/api/",
    behov_auto_migrate=False,
    behov_voting_channel="CBENCHVOTE",
    behov_admins=ADMIN,
)
DIGEST_DUE = data.START + timedelta(days=7)  # the first digest's week holds every seeded need


def weekly_digest(services) -> None:
    from bot.digest import gather
    from bot.i18n import SV
    from commands.render.digest import digest_message

    settings = services.settings
    with services.db.session() as session:
        found = gather(session, settings, channel=settings.digest_channel, due=DIGEST_DUE)
    digest_message(found, SV, DIGEST_DUE, settings.tz)


def app_home(services) -> None:
    from bot.i18n import SV
    from commands.home import render
    from storage.listing import HomePages

    render(services, SV, ADMIN, HomePages())


RENDERS = {"weekly digest (data + blocks)": weekly_digest, "App Home of an admin": app_home}


def measure(url: str, repeats: int) -> dict[str, tuple[float, int]]:
    """{page: (p50 seconds, statements per request)} against a fresh bot on `url`."""
    from bot.runtime import build_runtime
    from bot.server import ServerThread
    from bot.settings import load_settings

    runtime = build_runtime(
        load_settings(_env_file=None, database_url=url, **SETTINGS), scheduler=False
    )
    statements = [0]
    event.listen(
        runtime.services.db.engine,
        "before_cursor_execute",
        lambda *a: statements.__setitem__(0, statements[0] + 1),
    )
    server = ServerThread(runtime.web_app).start()
    found = {}

    def timed(name: str, work) -> None:
        work()  # warm
        times, counts = [], []
        for _ in range(repeats):
            statements[0] = 0
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
            counts.append(statements[0])
        found[name] = (percentile(times, 50), max(counts))

    try:
        exports = runtime.services.exports
        for page in PAGES:
            path = page.removesuffix(REVALIDATED).removesuffix(BUILT_ANEW)
            with urllib.request.urlopen(server.url + path, timeout=60) as warm:  # noqa: S310
                warm.read()
                revalidate = page.endswith(REVALIDATED)
                headers = {"If-None-Match": warm.headers["ETag"]} if revalidate else {}
            request = urllib.request.Request(server.url + path, headers=headers)  # noqa: S310
            drop = exports if page.endswith(BUILT_ANEW) else None
            timed(page, lambda request=request, drop=drop: _fetch(request, drop))
        for name, render in RENDERS.items():
            timed(name, lambda render=render: render(runtime.services))
    finally:
        server.stop()
        runtime.services.db.engine.dispose()
    return found


def _fetch(request: urllib.request.Request, drop_kept=None) -> None:
    """Read the whole answer; a 304 is an answer too. `drop_kept`: the export cache to empty
    first, so that the export is built anew."""
    if drop_kept is not None:
        drop_kept.clear()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as answer:
        if answer.code != 304:
            raise


def section(quick: bool = False) -> list[tuple[str, str]]:
    rows = []
    small, large = (100, 1_000) if quick else (1_000, 10_000)
    for kind in ("sqlite", "postgresql"):
        results = {}
        for size in (small, large):
            with databases.scratch(kind) as url:
                db = Database.from_url(url)
                data.seed_needs(db, size)
                db.engine.dispose()
                results[size] = measure(url, 3 if quick else 5)
        for page in [*PAGES, *RENDERS]:
            (_, q_small), (t_large, q_large) = results[small][page], results[large][page]
            rows.append(
                [
                    page,
                    kind,
                    f"{large:,}",
                    ms(t_large),
                    q_small,
                    q_large,
                    "yes" if t_large < 0.5 else "**no**",
                    "yes" if q_large == q_small else "**no**",
                ]
            )
        print(f"pages {kind} done", flush=True)
    text = table(
        [
            "page or message",
            "database",
            "needs",
            "p50 ms",
            f"SQL statements at {small:,}",
            f"at {large:,}",
            "< 500 ms",
            "statements constant",
        ],
        rows,
    )
    return [("Pages over many needs", text)]
