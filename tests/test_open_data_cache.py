"""The built open-data exports are kept by ETag: a repeated download reads no need, every
change or other question gets a body of its own, 304s work as before, and the kept bodies
stay within their byte budget; on both databases, through the web app."""

from __future__ import annotations

import json
import os
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.server import ServerThread
from domain.needs import Draft
from storage.lifecycle import edit
from storage.models import Need
from storage.public import hide_need
from tests.conftest import ADMIN, wait_for
from tests.public_support import served_site
from web.export_cache import CHUNK_BYTES, ExportCache

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


def built(body: bytes):
    """A build writing `body`."""
    return lambda file: file.write(body) and None


def read(export) -> bytes:
    return b"".join(export.chunks())


def kept(cache: ExportCache, tag: str, marker, size: int) -> bytes:
    """The body answered for `tag`: kept, or built now as `size` times the tag."""
    return read(cache.get_or_build(tag, marker, built(tag.encode() * size)))


def test_the_least_recently_used_body_goes_first():
    cache = ExportCache(budget=12)
    kept(cache, "a", 1, 5)
    kept(cache, "b", 1, 5)
    assert kept(cache, "a", 1, 999) == b"aaaaa"  # kept: not built again
    kept(cache, "c", 1, 5)  # over the budget: b, used least recently, goes
    assert (len(cache), cache.size) == (2, 10)
    assert read(cache.get_or_build("b", 1, built(b"built again"))) == b"built again"


def test_bodies_of_an_older_change_are_dropped_and_big_ones_never_kept():
    cache = ExportCache(budget=12)
    kept(cache, "a", 1, 5)
    kept(cache, "b", 1, 5)
    kept(cache, "c", 2, 5)  # something changed: a and b will never be asked for again
    assert (len(cache), cache.size) == (1, 5)
    assert kept(cache, "d", 2, 13) == b"d" * 13  # answered, not kept
    assert (len(cache), cache.size) == (1, 5)


def test_a_failed_build_keeps_nothing_and_the_next_one_runs(tmp_path, monkeypatch):
    spool = spooled_in(tmp_path, monkeypatch)
    cache = ExportCache(budget=12, spool_bytes=4)

    def fails(file):
        file.write(b"half an export")  # on disk already
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get_or_build("a", 1, fails)
    assert len(cache) == 0
    assert open_files(spool) == []  # its file went with it
    assert kept(cache, "a", 1, 3) == b"aaa"


# ---------------------------------------------------------------- bodies in temporary files


def spooled_in(tmp_path, monkeypatch) -> Path:
    """Temporary files go to a folder of the test's own (as TMPDIR would say)."""
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    return spool


def open_files(folder: Path) -> list[str]:
    """The files in `folder` this process holds open, one per descriptor; an unnamed
    temporary file shows as `<folder>/#<inode> (deleted)` (Linux)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
        if target.startswith(f"{folder}/"):
            found.append(target)
    return sorted(found)


def test_a_big_export_is_kept_in_a_temporary_file_removed_when_a_newer_one_replaces_it(
    site, tmp_path, monkeypatch
):
    spool = spooled_in(tmp_path, monkeypatch)
    exports = site.services.exports
    exports.clear()
    exports.spool_bytes = 1024  # the whole exports go to disk, as at 100,000 needs
    first = site.get("/public/needs.json")
    [held] = open_files(spool)
    assert exports.disk_size > 1024 and exports.size == 0
    with Statements(site.services.db.engine) as sent:
        again = site.get("/public/needs.json")
    assert sent.record_reads == 0 and without_time(again.content) == without_time(first.content)
    assert open_files(spool) == [held]

    number = first.json()["needs"][0]["number"]
    services = site.services
    with services.db.session(write=True) as s:
        hide_need(s, need=s.get(Need, number), actor=ADMIN, reason="Fel", now=services.clock())
    newer = site.get("/public/needs.json")
    assert number not in [n["number"] for n in newer.json()["needs"]]
    [replacing] = open_files(spool)
    assert replacing != held  # the older file is closed, and so gone
    exports.clear()
    assert open_files(spool) == []


def test_a_download_the_client_leaves_early_leaves_no_file_open(site, tmp_path, monkeypatch):
    spool = spooled_in(tmp_path, monkeypatch)
    site.services.exports.clear()
    site.services.exports.spool_bytes = 1024
    server = ServerThread(site.runtime.web_app).start()
    try:
        # A HEAD request: the client goes after the headers, the server has more to send.
        for _ in range(2):  # the first builds the export, the second is answered from it
            url = server.url + "/public/needs.csv"
            headers_only = urllib.request.Request(url, method="HEAD")  # noqa: S310
            with urllib.request.urlopen(headers_only) as answer:  # noqa: S310
                assert answer.status == 200 and int(answer.headers["content-length"]) > 1024
            wait_for(lambda: len(open_files(spool)) == 1, "the download's descriptor closed")
    finally:
        server.stop()


def test_a_download_reads_to_the_end_a_file_dropped_meanwhile(tmp_path, monkeypatch):
    spool = spooled_in(tmp_path, monkeypatch)
    cache = ExportCache(spool_bytes=4)
    body = bytes(range(256)) * (CHUNK_BYTES // 128 + 1)  # three chunks
    download = cache.get_or_build("a", 1, built(body))
    chunks = download.chunks()
    start = next(chunks)
    assert kept(cache, "b", 2, 10) == b"b" * 10  # a newer change: a's file is dropped
    assert len(cache) == 1 and len(open_files(spool)) == 2  # b's, and a's read by the download
    assert start + b"".join(chunks) == body
    assert len(open_files(spool)) == 1  # a's went when its last reader was done
    cache.clear()
    assert open_files(spool) == []


def test_files_on_disk_stay_within_their_own_budget(tmp_path, monkeypatch):
    spool = spooled_in(tmp_path, monkeypatch)
    cache = ExportCache(budget=12, disk_budget=25, spool_bytes=4)
    kept(cache, "a", 1, 3)  # in memory
    kept(cache, "b", 1, 10)  # on disk
    kept(cache, "c", 1, 10)
    kept(cache, "d", 1, 10)  # over the disk budget: b, used least recently, goes
    assert (len(cache), cache.size, cache.disk_size) == (3, 3, 20)
    assert len(open_files(spool)) == 2
    assert kept(cache, "e", 1, 26) == b"e" * 26  # answered, not kept
    assert (len(cache), len(open_files(spool))) == (3, 2)
    cache.clear()
    assert open_files(spool) == []
