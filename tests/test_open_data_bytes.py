"""The open data byte for byte: what the public pages serve over awkward text is pinned to
files written by the implementation before the exports were made fast (json.dumps, csv.writer
on every row, ORM rows), on both databases through the real HTTP server; and the faster
pieces are checked against what they replace on generated input.

`BEHOV_UPDATE_GOLDEN=1 python -m pytest tests/test_open_data_bytes.py` rewrites the files
(only for a deliberate change of the served bytes).
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import urllib.request
from pathlib import Path

import pytest

from bot.app import build_services
from bot.runtime import build_runtime
from bot.server import ServerThread
from domain.personal_data import USER_ID
from domain.publication import scrub
from tests.conftest import make_settings
from tests.public_support import build_awkward, build_portfolio
from web.export_cache import SPOOL_BYTES
from web.public import _json_bytes, _write_json_array
from web.records import FIELDS, _cell, csv_lines

GOLDEN = Path(__file__).with_name("golden") / "open_data"
PUBLIC_URL = "https://behov.example.org"


def served(database_url, clock, spool_bytes: int) -> dict[str, bytes]:
    """Every open-data answer (and the pages built from the same records) over the portfolio
    and the awkward needs, by golden file name; exports over `spool_bytes` kept on disk."""
    settings = make_settings(database_url, "http://127.0.0.1:9/", behov_public_url=PUBLIC_URL)
    services = build_services(settings, clock=clock)
    services.exports.spool_bytes = spool_bytes
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
        services.exports.clear()
        services.db.engine.dispose()


@pytest.mark.parametrize("spool_bytes", [SPOOL_BYTES, 1], ids=["in-memory", "on-disk"])
def test_the_exports_are_byte_for_byte_what_they_were(database_url, clock, spool_bytes):
    found = served(database_url, clock, spool_bytes)
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


# ---------------------------------------------------------------- the pieces, on generated input

_AWKWARD = [
    '"', ",", ";", "\r", "\n", "\r\n", "\t", " ", "'", "=", "+", "-", "@", "\\", "/", "\x00",
    "\x07", "\x1f", "\x7f", "\u2028", "\u00a0", "\ufeff", "å", "Ö", "é", "…", "–", "🚑", "𝄞",
    "U", "W", "0", "9", "A", "Z", "x", "<@", ">", "<!", "<#", "|", ".", "_", "a@b.se",
]  # fmt: skip


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_AWKWARD) for _ in range(rng.randint(0, 10)))


def _value(rng: random.Random):
    kind = rng.randrange(6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([0, 7, 12345, -3, 2**31 - 1])
    if kind == 2:
        return [_text(rng) for _ in range(rng.randint(0, 3))]
    return _text(rng)


def test_the_json_encoder_writes_what_json_dumps_wrote():
    rng = random.Random(4)
    for _ in range(3000):
        record = {name: _value(rng) for name in FIELDS}
        record[_text(rng)] = _value(rng)
        document = {"n": 1, "needs": [record, {}], "empty": [], "nested": {"x": None}}
        old = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        assert _json_bytes(document) == old


def test_records_encoded_in_batches_are_one_json_array():
    rng = random.Random(5)
    for count in (0, 1, 499, 500, 501, 1234):
        records = [{"number": n, "title": _text(rng)} for n in range(count)]
        old = json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        written = io.BytesIO()
        assert _write_json_array(iter(records), written) == count
        assert written.getvalue() == old


def _old_csv(records: list[dict]) -> str:
    """The CSV as it was written before: csv.writer over every row of _cell values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow([_cell(record[name]) for name in FIELDS])
    return out.getvalue()


def test_csv_lines_write_what_csv_writer_wrote():
    rng = random.Random(6)
    records = [{name: _value(rng) for name in FIELDS} for _ in range(3000)]
    plain = [{name: rng.choice(["abc", "", None, 5, ["x", "y"]]) for name in FIELDS}] * 600
    for batch in (records, plain, records[:1], []):
        assert "".join(csv_lines(batch)) == _old_csv(batch)


def test_scrub_skips_only_texts_without_user_ids():
    letters = ["U", "W", "u", "w", "A", "Z", "1", "9", "0", " ", "-", "_", "é", "Ü", ".", "x"]
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(letters) for _ in range(rng.randint(0, 24)))
        assert scrub(text, "[x]") == USER_ID.sub("[x]", text), text
    assert scrub("Fråga U012ABCDEF eller (W0123ABCD), inte xU012ABCDEF", "[x]") == (
        "Fråga [x] eller ([x]), inte xU012ABCDEF"
    )
