"""The public pages and open data under /public: server-rendered, no JavaScript, no names."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from itertools import islice
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

import orjson
from babel.dates import format_date
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.i18n import SV
from domain.phases import Phase
from domain.publication import PublicQuery, parse_query
from storage.public import (
    change_marker,
    public_history,
    published_counts,
    published_numbers,
    published_rows,
    published_rows_of,
    streamed_rows,
)
from web.export_cache import Export
from web.openapi import LIMIT_MAX, openapi
from web.records import SCHEMA_VERSION, Recorder, csv_lines, short_description

STATIC = Path(__file__).with_name("static")
MAX_NUMBER = 2**31 - 1  # the largest need number an INTEGER column holds
PAGE_SIZE = 50  # needs per page of /public/
EMBED_PAGE_SIZE = 20  # needs per page of /public/embed (an iframe on another site)
PAGE_PARAM = "sida"
MAX_PAGE = 10**9
PUBLISHED_PHASES = [p for p in Phase if p >= Phase.PRIORITISATION]
# No scripts at all; the embed may be framed by any site, the other pages by none.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors {frames}"
)


def _long_date(day: date | str) -> str:
    """`2026-02-05` -> `5 februari 2026`."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return format_date(day, format="long", locale="sv")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["t"] = SV  # the public page is Swedish by contract; texts from the catalogue
    env.filters["long_date"] = _long_date
    env.filters["n"] = SV.number
    return env


def _page_number(params: dict[str, str]) -> int:
    """`?sida=3` -> 3; a page past the end is moved to the last one later; anything that is
    not a whole number from 1 up is the first page."""
    raw = (params.get(PAGE_PARAM) or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return max(1, min(int(raw[:12]), MAX_PAGE)) if len(raw) <= 12 else MAX_PAGE


@dataclass
class Listing:
    """One page of the public list: its records and where it sits among all matches."""

    records: list[dict]
    query: PublicQuery
    errors: dict[str, str]
    total: int  # published needs
    matched: int  # published needs passing the filters and the search
    page: int  # 1-based, already moved inside 1..pages
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.matched // self.size))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.size + 1 if self.records else 0

    @property
    def last(self) -> int:
        return self.first + len(self.records) - 1 if self.records else 0

    def link(self, action: str, page: int) -> str:
        """The address of another page with the same filters and search."""
        q = self.query
        params = {"q": q.q, "phase": q.phase or "", "perspective": q.perspective or "",
                  "target_group": q.target_group or ""}  # fmt: skip
        params = {k: v for k, v in params.items() if v}
        if page > 1:
            params[PAGE_PARAM] = page
        return f"{action}?{urlencode(params)}" if params else action

    def nav(self) -> list[int | None]:
        """Page numbers to link: the first, the last and two either side of this one;
        None is a gap."""
        shown = sorted(
            {1, self.pages, *range(self.page - 2, self.page + 3)} & set(range(1, self.pages + 1))
        )
        out: list[int | None] = []
        for number in shown:
            if out and number - out[-1] > 1:
                out.append(None)
            out.append(number)
        return out


class PublicSite:
    """Request handlers over the services (database, classification, settings)."""

    def __init__(self, services):
        self.svc = services
        self.env = _environment()

    # ------------------------------------------------------------ data

    def base_url(self, request: Request) -> str:
        configured = self.svc.settings.behov_public_url
        return (configured or str(request.base_url)).rstrip("/")

    def recorder(self, base_url: str) -> Recorder:
        return Recorder(self.svc.ref, self.svc.settings.tz, base_url)

    def listing(self, params: dict[str, str], base_url: str, size: int = PAGE_SIZE) -> Listing:
        """One page of the list: a count and one page of rows (a fixed number of queries,
        whatever the number of needs); a search narrows by the in-memory word index."""
        parsed = parse_query(params, self.svc.ref)
        query, wanted = parsed.query, _page_number(params)
        with self.svc.db.session() as session:
            if query.q:
                found = self.svc.titles.containing(session, query.q)
                total, numbers = published_numbers(session, query)
                numbers = [n for n in numbers if n in found]
                matched = len(numbers)
                page = min(wanted, max(1, -(-matched // size)))
                start = (page - 1) * size
                rows = published_rows_of(session, ids=numbers[start : start + size])
            else:
                total, matched = published_counts(session, query)
                page = min(wanted, max(1, -(-matched // size)))
                rows = published_rows(session, query, limit=size, offset=(page - 1) * size)
        make = self.recorder(base_url)
        records = [make(row) for row in rows]
        return Listing(records, query, parsed.errors, total, matched, page, size)

    def one(self, number: int, base_url: str) -> tuple[dict, list] | None:
        if not 0 < number <= MAX_NUMBER:
            return None  # beyond what the database can hold: no such need (found by fuzzing)
        with self.svc.db.session() as session:
            rows = published_rows_of(session, ids=[number])
            if not rows:
                return None
            events = public_history(session, need_id=number)
        return self.recorder(base_url)(rows[0]), events

    def export(self, params: dict[str, str], base_url: str, kind: str, headers: dict):
        """(status, the Download or None for 304, validators or errors) of the JSON or CSV
        export.

        The validators come from a change marker (a few index lookups) before anything is
        built: a client holding the current version gets 304 and nothing else is read. A
        body built for the same tag before is answered from the cache (web/export_cache.py);
        only `generated_at` is new in each answer."""
        parsed = parse_query(params, self.svc.ref)
        window = _window(params) if kind == "json" else (None, 0, {})
        errors = {**parsed.errors, **window[2]}
        if errors:
            return 400, None, errors
        query, (limit, offset, _) = parsed.query, window
        # The build reads in a session of its own, after this one: its body is never older
        # than the tag it is kept under, and a download waiting for a build holds no
        # connection.
        with self.svc.db.session() as session:
            marker = change_marker(session)
        tag = _etag(marker, kind, query, base_url, (limit, offset))
        modified = _last_modified(marker)
        validators = {"ETag": tag}
        if modified:
            validators["Last-Modified"] = format_datetime(modified, usegmt=True)
        if _not_modified(headers, tag, modified):
            return 304, None, validators
        export = self.svc.exports.get_or_build(
            tag, marker, lambda file: self._build(file, kind, query, limit, offset, base_url)
        )
        if kind == "csv":
            return 200, Download(b"", export, b""), validators
        count, total = export.info
        document = {
            "schema_version": SCHEMA_VERSION,
            "generated_at": self.svc.clock().astimezone(UTC).isoformat(),
            "count": count,
            "needs": orjson.Fragment(_NEEDS_HERE),
        }
        if limit is not None or offset:
            document.update(total=total, offset=offset, limit=limit)
        head, tail = _json_bytes(document).split(_NEEDS_HERE)
        return 200, Download(head, export, tail), validators

    def _build(self, file: IO[bytes], kind: str, query: PublicQuery, limit, offset, base_url):
        """Write the export to `file` a batch of records at a time: the CSV, or the JSON's
        needs as one array, to which each answer adds the rest; a JSON build returns
        (count, total).

        Builds run one at a time (services.builds): encoding every need holds the GIL
        long enough to delay acks. Apart from the heavy answers, so that people's fuzzy
        lookups and lists do not wait for a build over many needs."""
        with self.svc.builds, self.svc.db.session() as session:
            total, rows = self._export_rows(session, query, limit, offset)
            records = map(self.recorder(base_url), rows)
            if kind == "csv":
                for piece in csv_lines(records):
                    file.write(piece.encode("utf-8"))
                return None
            return _write_json_array(records, file), total

    def _export_rows(self, session, query: PublicQuery, limit: int | None, offset: int):
        """(needs matching in all, or None without a window; the rows of the window, read in
        batches): without a search the database cuts the window; a search filters the
        streamed rows by the word index."""
        windowed = limit is not None or bool(offset)
        if not query.q:
            total = published_counts(session, query)[1] if windowed else None
            return total, streamed_rows(session, query, limit=limit, offset=offset)
        found = self.svc.titles.containing(session, query.q)
        if windowed:
            numbers = [n for n in published_numbers(session, query)[1] if n in found]
            end = None if limit is None else offset + limit
            total, found = len(numbers), set(numbers[offset:end])
        else:
            total = None
        return total, (row for row in streamed_rows(session, query) if row[0] in found)

    # ------------------------------------------------------------ responses

    def _page(self, template: str, *, frames: str = "'none'", status: int = 200, **values):
        html = self.env.get_template(template).render(
            phases=PUBLISHED_PHASES,
            all_phases=list(Phase),
            ref=self.svc.ref,
            short=short_description,
            **values,
        )
        headers = {
            "Content-Security-Policy": CSP.format(frames=frames),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "public, max-age=60",
        }
        if frames == "'none'":
            headers["X-Frame-Options"] = "DENY"
        return Response(html, status, headers=headers, media_type="text/html; charset=utf-8")

    async def index(self, request: Request) -> Response:
        listing = await run_in_threadpool(
            self.listing, dict(request.query_params), self.base_url(request)
        )
        return self._page("index.html", listing=listing, embed=False, action="/public/")

    async def embed(self, request: Request) -> Response:
        listing = await run_in_threadpool(
            self.listing, dict(request.query_params), self.base_url(request), EMBED_PAGE_SIZE
        )
        return self._page(
            "embed.html", listing=listing, embed=True, frames="*", action="/public/embed"
        )

    async def need_page(self, request: Request) -> Response:
        found = await run_in_threadpool(
            self.one, request.path_params["number"], self.base_url(request)
        )
        if found is None:
            return self._page("not_found.html", status=404)
        record, events = found
        events = [(e, e.at.astimezone(self.svc.settings.tz).date()) for e in events]
        return self._page("need.html", need=record, events=events)

    async def missing_page(self, request: Request) -> Response:
        """Any other address under /public (such as /public/needs/abc): the Swedish not-found
        page, not Starlette's English plain text."""
        return self._page("not_found.html", status=404)

    async def missing_json(self, request: Request) -> Response:
        return _json({"error": "not found"}, 404)

    async def need_json(self, request: Request) -> Response:
        found = await run_in_threadpool(
            self.one, request.path_params["number"], self.base_url(request)
        )
        if found is None:
            return _json({"error": "not found"}, 404)
        record, events = found
        tz = self.svc.settings.tz
        record["history"] = [
            {"kind": e.kind, "date": e.at.astimezone(tz).date().isoformat(), "value": e.value}
            for e in events
        ]
        return _json(record)

    async def _export(
        self, request: Request, kind: str, media_type: str, extra: dict | None = None
    ) -> Response:
        status, body, found = await run_in_threadpool(
            self.export,
            dict(request.query_params),
            self.base_url(request),
            kind,
            dict(request.headers),
        )
        if status == 400:
            return _json({"error": "bad filter", "details": found}, 400)
        headers = {**OPEN_DATA_HEADERS, **found, **(extra or {})}
        if status == 304:
            return Response(status_code=304, headers=headers)
        headers["Content-Length"] = str(body.length)
        return _DownloadResponse(body, headers=headers, media_type=media_type)

    async def needs_json(self, request: Request) -> Response:
        return await self._export(request, "json", "application/json")

    async def needs_csv(self, request: Request) -> Response:
        disposition = {"Content-Disposition": 'attachment; filename="behov.csv"'}
        return await self._export(request, "csv", "text/csv", disposition)

    async def openapi_json(self, request: Request) -> Response:
        return _json(openapi(self.svc.ref, self.base_url(request)))


OPEN_DATA_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=60",
}


def _json_bytes(data: dict) -> bytes:
    """Compact UTF-8 JSON, keys in their order: the bytes of `json.dumps(data,
    ensure_ascii=False, separators=(",", ":")).encode()`, five to ten times faster."""
    return orjson.dumps(data)


JSON_BATCH = 500  # records encoded at a time: an export never holds all of them as dicts
# Where the needs go in a JSON answer: orjson writes no NUL byte of its own (it escapes
# control characters), so the document splits there into what comes before and after them.
_NEEDS_HERE = b"\x00"


def _write_json_array(records: Iterable[dict], file: IO[bytes]) -> int:
    """Write the records to `file` as one JSON array, encoded a batch at a time; how many."""
    count, records = 0, iter(records)
    file.write(b"[")
    while batch := list(islice(records, JSON_BATCH)):
        if count:
            file.write(b",")
        count += len(batch)
        file.write(memoryview(orjson.dumps(batch))[1:-1])  # the records without [ and ]
    file.write(b"]")
    return count


@dataclass
class Download:
    """One answer of an export: the kept bytes read in chunks, between a head and a tail of
    its own (a JSON answer's `generated_at`, count and window)."""

    head: bytes
    export: Export
    tail: bytes

    @property
    def length(self) -> int:
        return len(self.head) + self.export.size + len(self.tail)

    def pieces(self) -> Iterator[bytes]:
        with closing(self.export):
            yield self.head
            yield from self.export.chunks()
            yield self.tail


class _DownloadResponse(StreamingResponse):
    """A Download sent in chunks. When the client goes away before the end, Starlette
    leaves the chunks unread, and only the garbage collector would close the reader (and
    with it a temporary file the cache may have replaced): here it is closed at once."""

    def __init__(self, download: Download, **options) -> None:
        super().__init__(download.pieces(), **options)
        self.download = download

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.download.export.close()


def _json(data: dict, status: int = 200) -> Response:
    headers = {"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
    return Response(_json_bytes(data), status, headers=headers, media_type="application/json")


def _window(params: dict[str, str]) -> tuple[int | None, int, dict[str, str]]:
    """`limit` and `offset` of needs.json: (limit or None for all, offset, errors)."""
    errors, found = {}, {}
    for name, least, most in (("limit", 1, LIMIT_MAX), ("offset", 0, MAX_NUMBER)):
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        if raw.isascii() and raw.isdigit() and len(raw) <= 10 and least <= int(raw) <= most:
            found[name] = int(raw)
        else:
            errors[name] = f"{name} must be a whole number from {least} to {most}"
    return found.get("limit"), found.get("offset", 0), errors


def _etag(marker: tuple, kind: str, query: PublicQuery, base_url: str, window: tuple) -> str:
    """A weak tag (`generated_at` differs between equal versions) of everything the export
    depends on: the database's change marker, the format, the schema, the question asked
    (filters, window) and the base URL."""
    source = repr((marker, kind, SCHEMA_VERSION, query, window, base_url)).encode("utf-8")
    return f'W/"{hashlib.sha256(source).hexdigest()[:32]}"'


def _last_modified(marker: tuple) -> datetime | None:
    moments = [m for m in marker[1::2] if isinstance(m, datetime)]
    return max(moments).astimezone(UTC).replace(microsecond=0) if moments else None


def _not_modified(headers: dict, tag: str, modified: datetime | None) -> bool:
    """If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2); tags compare weakly."""
    if "if-none-match" in headers:
        offered = {t.strip().removeprefix("W/") for t in headers["if-none-match"].split(",")}
        return "*" in offered or tag.removeprefix("W/") in offered
    since = headers.get("if-modified-since")
    if since and modified:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
    return False


def public_routes(services) -> list[BaseRoute]:
    """Everything under /public, to add to the web app's routes."""
    site = PublicSite(services)
    return [
        Route("/public", lambda _r: RedirectResponse("/public/", 308), methods=["GET"]),
        Mount(
            "/public",
            routes=[
                Route("/", site.index, methods=["GET"]),
                Route("/embed", site.embed, methods=["GET"]),
                Route("/needs.json", site.needs_json, methods=["GET"]),
                Route("/needs.csv", site.needs_csv, methods=["GET"]),
                Route("/openapi.json", site.openapi_json, methods=["GET"]),
                Route("/needs/{number:int}.json", site.need_json, methods=["GET"]),
                Route("/needs/{number:int}", site.need_page, methods=["GET"]),
                Mount("/static", StaticFiles(directory=STATIC), name="public-static"),
                # Last: what no route above matched is not found, in the same shape.
                Route("/{rest:path}.json", site.missing_json, methods=["GET"]),
                Route("/{rest:path}", site.missing_page, methods=["GET"]),
            ],
        ),
    ]
