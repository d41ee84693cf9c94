"""The open data byte for byte: what the public pages serve over awkward text is pinned to
files written by this implementation (json.dumps, csv.writer on every row, ORM rows), on
both databases through the real HTTP server.

`BEHOV_UPDATE_GOLDEN=1 python -m pytest tests/test_open_data_bytes.py` rewrites the files
(only for a deliberate change of the served bytes).
"""

from __future__ import annotations

import csv
import io
import json
import os
import urllib.request
from pathlib import Path

from bot.app import build_services
from bot.runtime import build_runtime
from bot.server import ServerThread
from tests.conftest import make_settings
from tests.public_support import build_awkward, build_portfolio
from web.records import FIELDS

GOLDEN = Path(__file__).with_name("golden") / "open_data"
PUBLIC_URL = "https://behov.example.org"


def served(database_url, clock) -> dict[str, bytes]:
    """Every open-data answer (and the pages built from the same records) over the portfolio
    and the awkward needs, by golden file name."""
    settings = make_settings(database_url, "http://127.0.0.1:9/", behov_public_url=PUBLIC_URL)
    services = build_services(settings, clock=clock)
    runtime = build_runtime(settings, services=services, scheduler=False)
    build_portfolio(services.db, services.ref)
    first = build_awkward(services.db, services.ref)[0]
    paths = {
        "needs.json": "/public/needs.json",
        "needs.csv": "/public/needs.csv",
        "needs-phase-3.json": "/public/needs.json?phase=3",
        "needs-window.json": "/public/needs.json?limit=3&offset=2",
        "needs-past-the-end.json": "/public/needs.json?offset=100",
        "needs-search.json": "/public/needs.json?q=citat",
        "needs-search-none.json": "/public/needs.json?q=zzzz",
        "needs-search-none.csv": "/public/needs.csv?q=zzzz",
        "needs-older-people.csv": "/public/needs.csv?target_group=aldre",
        "needs-phase-4.csv": "/public/needs.csv?phase=4",
        "one-need.json": f"/public/needs/{first}.json",
        "one-need.html": f"/public/needs/{first}",
        "list.html": "/public/",
        "openapi.json": "/public/openapi.json",
    }
    server = ServerThread(runtime.web_app).start()
    try:
        found = {}
        for name, path in paths.items():
            with urllib.request.urlopen(server.url + path) as answer:  # noqa: S310
                assert answer.status == 200, path
                found[name] = answer.read()
        return found
    finally:
        server.stop()
        services.db.engine.dispose()


def test_the_exports_are_byte_for_byte_what_they_were(database_url, clock):
    found = served(database_url, clock)
    if os.environ.get("BEHOV_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, body in found.items():
            (GOLDEN / name).write_bytes(body)
    for name, body in found.items():
        assert body == (GOLDEN / name).read_bytes(), name
    document = json.loads(found["needs.json"])
    assert document["generated_at"] == clock().isoformat()  # the time of the answer
    assert document["count"] == 12  # five of the portfolio, seven awkward
    text = found["needs.csv"].decode("utf-8")
    assert "\r\n" in text and "U0ABCDE12" not in text and "[borttaget]" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 13 and all(len(row) == len(FIELDS) for row in rows)
