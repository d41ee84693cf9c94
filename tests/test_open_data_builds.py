"""Building an open-data export holds a batch of needs in memory, not the whole body; on both
databases."""

from __future__ import annotations

import tracemalloc

import pytest

import storage.public
import web.public
import web.records
from tests.public_support import insert_published, served_site
from tests.test_open_data_cache import spooled_in
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
