"""The built open-data exports are kept by ETag: a repeated download reads no need, every
change or other question gets a body of its own, 304s work as before, and the kept bodies
stay within their byte budget; on both databases, through the web app."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event

from bot.server import ServerThread
from domain.needs import Draft
from storage.lifecycle import edit
from storage.models import Need
from storage.public import hide_need
from tests.conftest import ADMIN
from tests.public_support import served_site
from web.export_cache import ExportCache

EXPORTS = [
    "/public/needs.json",
    "/public/needs.csv",
    "/public/needs.json?phase=2&limit=10&offset=5",
    "/public/needs.csv?q=behov&target_group=aldre",
]


@pytest.fixture
def site(database_url, clock):
    """The web app with the portfolio and 60 more needs; the base URL is the request's."""
    with served_site(database_url, clock, 60) as client:
        yield client


class Statements:
    """SQL statements the app sends, as text, while counting."""

    def __init__(self, engine):
        self.engine, self.sent = engine, []

    def _record(self, _conn, _cursor, statement, *_args):
        self.sent.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def record_reads(self) -> int:
        """Statements that read the needs' records (an export being built)."""
        return sum("LEFT OUTER JOIN completion" in s for s in self.sent)


def without_time(body: bytes) -> dict:
    document = json.loads(body)
    document.pop("generated_at")
    return document


@pytest.mark.parametrize("path", EXPORTS)
def test_a_repeated_download_reads_no_need(site, path):
    site.get(path)  # warm: the word index loads the titles
    site.services.exports.clear()
    engine = site.services.db.engine
    with Statements(engine) as first:
        built = site.get(path)
    site.services.clock.advance(minutes=5)
    with Statements(engine) as second:
        kept = site.get(path)
    assert first.record_reads == 1
    assert (second.record_reads, len(second.sent)) == (0, 1)  # the change marker only
    assert kept.headers["etag"] == built.headers["etag"]
    assert kept.headers["content-type"] == built.headers["content-type"]
    if ".csv" in path:
        assert kept.content == built.content
        return
    assert without_time(kept.content) == without_time(built.content)
    assert json.loads(kept.content)["generated_at"] == site.services.clock().isoformat()


def test_a_changed_need_is_in_the_next_download(site):
    services = site.services
    before = {path: site.get(path) for path in EXPORTS}
    number = next(n["number"] for n in site.get("/public/needs.json").json()["needs"])
    now = services.clock.advance(hours=1)
    with services.db.session(write=True) as s:
        need = s.get(Need, number)
        draft = Draft(
            title="Nytt namn på ett behov om behov", description=need.description,
            origin=need.origin, area=need.area, target_groups=list(need.target_groups),
            level=need.level, organisation=need.organisation,
        )  # fmt: skip
        edit(s, need_id=number, actor=ADMIN, is_admin=True, now=now, draft=draft, ref=services.ref)
    for path, old in before.items():
        new = site.get(path)
        assert new.headers["etag"] != old.headers["etag"], path
        assert site.get(path, headers={"If-None-Match": old.headers["etag"]}).status_code == 200
    records = site.get("/public/needs.json").json()["needs"]
    assert next(r for r in records if r["number"] == number)["title"].startswith("Nytt namn")
    assert "Nytt namn" in site.get("/public/needs.csv").text

    with services.db.session(write=True) as s:
        hide_need(s, need=s.get(Need, number), actor=ADMIN, reason="Fel", now=now)
    assert number not in [r["number"] for r in site.get("/public/needs.json").json()["needs"]]
    assert f"/public/needs/{number}," not in site.get("/public/needs.csv").text


def test_each_question_and_base_url_gets_its_own_body(site):
    answers = {}
    for host in ("behov.example.org", "oppna-data.example.se"):
        for path in ("/public/needs.json", "/public/needs.json?phase=3", "/public/needs.csv"):
            answers[host, path] = site.get(path, headers={"host": host})
    tags = {answer.headers["etag"] for answer in answers.values()}
    assert len(tags) == len(answers)
    for (host, path), first in answers.items():
        again = site.get(path, headers={"host": host})  # kept by now
        assert again.headers["etag"] == first.headers["etag"]
        body = again.text
        assert f"http://{host}/public/needs/" in body
        other = next(h for h, _ in answers if h != host)
        assert other not in body
        if "phase=3" in path:
            assert {n["phase"] for n in again.json()["needs"]} == {3}


def test_conditional_requests_answer_304_from_a_kept_export(site):
    engine = site.services.db.engine
    for path in EXPORTS:
        tag = site.get(path).headers["etag"]
        site.get(path)  # now kept
        with Statements(engine) as sent:
            same = site.get(path, headers={"If-None-Match": tag})
        assert same.status_code == 304 and same.content == b""
        assert len(sent.sent) == 1
        modified = site.get(path).headers["last-modified"]
        assert site.get(path, headers={"If-Modified-Since": modified}).status_code == 304


def test_the_kept_bodies_stay_within_the_budget(site):
    exports = site.services.exports
    exports.clear()
    whole = len(site.get("/public/needs.csv").content)
    exports.clear()
    exports.budget = whole + whole // 2  # the whole CSV fits, not two of its size
    paths = [
        "/public/needs.csv",
        "/public/needs.json",
        "/public/needs.csv?phase=2",
        "/public/needs.csv?phase=3",
        "/public/needs.json?target_group=aldre",
        "/public/needs.csv",
    ]
    built = {}
    for path in paths:
        answer = site.get(path)
        assert exports.size <= exports.budget
        built.setdefault(path, answer.content)
    with Statements(site.services.db.engine) as sent:
        assert site.get(paths[-1]).content == built[paths[-1]]
    assert sent.record_reads == 0  # the last body fitted, so it was kept
    for path, body in built.items():
        exports.clear()
        fresh = site.get(path).content
        assert fresh == body if ".csv" in path else without_time(fresh) == without_time(body)

    exports.clear()
    exports.budget = 100  # smaller than any export: nothing is kept, answers are still whole
    first = site.get("/public/needs.csv")
    assert len(exports) == 0 and exports.size == 0
    assert site.get("/public/needs.csv").content == first.content


def test_downloads_at_the_same_moment_build_the_export_once(site):
    server = ServerThread(site.runtime.web_app).start()
    services = site.services
    try:
        services.clock.advance(minutes=1)
        with services.db.session(write=True) as s:  # a change: nothing kept is current
            hide_need(s, need=s.get(Need, 2), actor=ADMIN, reason="Fel", now=services.clock())

        def download(_n):
            with urllib.request.urlopen(server.url + "/public/needs.json") as answer:  # noqa: S310
                return answer.read()

        with Statements(services.db.engine) as sent, ThreadPoolExecutor(8) as pool:
            bodies = list(pool.map(download, range(8)))
        assert sent.record_reads == 1
        assert len({json.dumps(without_time(b)) for b in bodies}) == 1
        assert 2 not in [n["number"] for n in json.loads(bodies[0])["needs"]]
    finally:
        server.stop()


# ---------------------------------------------------------------- the cache itself


def kept(cache: ExportCache, tag: str, marker, size: int) -> str:
    return cache.get_or_build(tag, marker, lambda: (f"body {tag}", size))


def test_the_least_recently_used_body_goes_first():
    cache = ExportCache(budget=12)
    kept(cache, "a", 1, 5)
    kept(cache, "b", 1, 5)
    assert kept(cache, "a", 1, 999) == "body a"  # kept: not built again
    kept(cache, "c", 1, 5)  # over the budget: b, used least recently, goes
    assert (len(cache), cache.size) == (2, 10)
    assert cache.get_or_build("b", 1, lambda: ("built again", 5)) == "built again"


def test_bodies_of_an_older_change_are_dropped_and_big_ones_never_kept():
    cache = ExportCache(budget=12)
    kept(cache, "a", 1, 5)
    kept(cache, "b", 1, 5)
    kept(cache, "c", 2, 5)  # something changed: a and b will never be asked for again
    assert (len(cache), cache.size) == (1, 5)
    assert kept(cache, "d", 2, 13) == "body d"  # answered, not kept
    assert (len(cache), cache.size) == (1, 5)


def test_a_failed_build_keeps_nothing_and_the_next_one_runs():
    cache = ExportCache(budget=12)

    def fails():
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get_or_build("a", 1, fails)
    assert len(cache) == 0
    assert kept(cache, "a", 1, 5) == "body a"
