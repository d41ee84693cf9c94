"""Building an open-data export: it holds a batch of needs in memory, not the whole body, and
builds run one at a time (services.builds), apart from the heavy answers, while sending a
built export needs no place; on both databases."""

from __future__ import annotations

import json
import threading
import tracemalloc
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

import storage.public
import web.public
import web.records
from bot.app import BUILDS_AT_ONCE, HEAVY_AT_ONCE
from bot.server import ServerThread
from tests.conftest import wait_for
from tests.public_support import insert_published, served_site
from tests.test_open_data_cache import Statements, spooled_in
from web.public import PublicSite

MANY = 4000  # published needs: the body is some MB, a batch some kB


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_building_an_export_holds_a_batch_in_memory_not_the_body(
    database_url, clock, tmp_path, monkeypatch, kind
):
    spooled_in(tmp_path, monkeypatch)
    # Small batches, so that one batch is far from the body of a few thousand needs.
    monkeypatch.setattr(storage.public, "STREAM_BATCH", 100)
    monkeypatch.setattr(web.public, "JSON_BATCH", 50)
    monkeypatch.setattr(web.records, "CSV_BATCH", 50)
    path = f"/public/needs.{kind}"
    with served_site(database_url, clock, 0) as site:
        insert_published(site.services.db, MANY)
        site.services.exports.spool_bytes = 64 * 1024
        public = PublicSite(site.services)
        site.get(path)  # warm: statements compiled, classification read
        site.services.exports.clear()
        tracemalloc.start()
        try:
            status, answer, _ = public.export({}, "http://testserver", kind, {})
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        body = site.get(path).content  # the same export, kept (the clock stands still)
        assert status == 200 and body.count(b"/public/needs/") > MANY
        assert peak < len(body) // 5, f"{peak:,} bytes at the peak of building {len(body):,}"
        assert b"".join(answer.pieces()) == body


def download(server: ServerThread, path: str) -> bytes:
    with urllib.request.urlopen(server.url + path) as answer:  # noqa: S310
        return answer.read()


def test_an_export_build_waits_for_a_build_place_and_sending_one_takes_none(database_url, clock):
    with served_site(database_url, clock, 30) as site:
        services = site.services
        server = ServerThread(site.runtime.web_app).start()
        try:
            kept = download(server, "/public/needs.csv")  # built and kept
            with ThreadPoolExecutor(1) as pool, Statements(services.db.engine) as sent:
                with ExitStack() as busy:  # every place taken, as by other builds
                    for _ in range(BUILDS_AT_ONCE):
                        busy.enter_context(services.builds)
                    assert download(server, "/public/needs.csv") == kept  # sent, no place
                    built = pool.submit(download, server, "/public/needs.json")  # not kept
                    wait_for(lambda: len(services.builds._waiting) == 1, "a build in the queue")
                    assert sent.record_reads == 0 and not built.done()
                body = built.result(timeout=15)  # a place came free: built and sent
            assert sent.record_reads == 1
            assert json.loads(body)["count"] == len(site.get("/public/needs.json").json()["needs"])
        finally:
            server.stop()


def test_an_export_build_does_not_wait_for_the_heavy_answers(database_url, clock):
    with served_site(database_url, clock, 30) as site:
        server = ServerThread(site.runtime.web_app).start()
        try:
            busy, release = ThreadPoolExecutor(HEAVY_AT_ONCE), threading.Event()
            inside = threading.Semaphore(0)
            try:  # every heavy place taken, as by a fuzzy lookup
                for _ in range(HEAVY_AT_ONCE):
                    busy.submit(
                        site.services.heavy.run, lambda: (inside.release(), release.wait(15))
                    )
                for _ in range(HEAVY_AT_ONCE):
                    assert inside.acquire(timeout=5)
                with ThreadPoolExecutor(1) as pool:
                    body = pool.submit(download, server, "/public/needs.json").result(timeout=15)
            finally:
                release.set()
                busy.shutdown()
            assert json.loads(body)["count"] == len(site.get("/public/needs.json").json()["needs"])
        finally:
            server.stop()
