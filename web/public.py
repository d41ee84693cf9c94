"""The public pages and open data under /public: server-rendered, no JavaScript, no names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.i18n import SV
from domain.phases import Phase
from domain.publication import PublicQuery, matches, parse_query
from storage.public import (
    product_urls,
    public_history,
    published_ids,
    published_need,
    published_needs,
)
from web.openapi import openapi
from web.records import SCHEMA_VERSION, public_record, short_description, to_csv

STATIC = Path(__file__).with_name("static")
MAX_NUMBER = 2**31 - 1  # the largest need number an INTEGER column holds
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
    return env


@dataclass
class Listing:
    records: list[dict]
    query: PublicQuery
    errors: dict[str, str]
    total: int


class PublicSite:
    """Request handlers over the services (database, classification, settings)."""

    def __init__(self, services):
        self.svc = services
        self.env = _environment()

    # ------------------------------------------------------------ data

    def base_url(self, request: Request) -> str:
        configured = self.svc.settings.behov_public_url
        return (configured or str(request.base_url)).rstrip("/")

    def _records(self, session, needs, base_url: str) -> list[dict]:
        numbers = [n.id for n in needs]
        products = product_urls(session, ids=numbers)
        targets = published_ids(session, ids=[n.merged_into for n in needs if n.merged_into])
        return [
            public_record(
                need,
                self.svc.ref,
                self.svc.settings.tz,
                base_url=base_url,
                product_url=products.get(need.id),
                merged_into_published=need.merged_into in targets,
            )
            for need in needs
        ]

    def listing(self, params: dict[str, str], base_url: str) -> Listing:
        parsed = parse_query(params, self.svc.ref)
        with self.svc.db.session() as session:
            every = published_needs(session)
            chosen = [need for need in every if matches(need, parsed.query)]
            records = self._records(session, chosen, base_url)
        return Listing(records, parsed.query, parsed.errors, len(every))

    def one(self, number: int, base_url: str) -> tuple[dict, list] | None:
        if not 0 < number <= MAX_NUMBER:
            return None  # beyond what the database can hold: no such need (found by fuzzing)
        with self.svc.db.session() as session:
            need = published_need(session, need_id=number)
            if need is None:
                return None
            record = self._records(session, [need], base_url)[0]
            events = public_history(session, need_id=number)
        return record, events

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
        return self._page("index.html", listing=listing, embed=False)

    async def embed(self, request: Request) -> Response:
        listing = await run_in_threadpool(
            self.listing, dict(request.query_params), self.base_url(request)
        )
        return self._page("embed.html", listing=listing, embed=True, frames="*")

    async def need_page(self, request: Request) -> Response:
        found = await run_in_threadpool(
            self.one, request.path_params["number"], self.base_url(request)
        )
        if found is None:
            return self._page("not_found.html", status=404)
        record, events = found
        events = [(e, e.at.astimezone(self.svc.settings.tz).date()) for e in events]
        return self._page("need.html", need=record, events=events)

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

    async def needs_json(self, request: Request) -> Response:
        listing = await run_in_threadpool(
            self.listing, dict(request.query_params), self.base_url(request)
        )
        if listing.errors:
            return _json({"error": "bad filter", "details": listing.errors}, 400)
        return _json(
            {
                "schema_version": SCHEMA_VERSION,
                "generated_at": self.svc.clock().astimezone(UTC).isoformat(),
                "count": len(listing.records),
                "needs": listing.records,
            }
        )

    async def needs_csv(self, request: Request) -> Response:
        listing = await run_in_threadpool(
            self.listing, dict(request.query_params), self.base_url(request)
        )
        if listing.errors:
            return _json({"error": "bad filter", "details": listing.errors}, 400)
        headers = {
            "Content-Disposition": 'attachment; filename="behov.csv"',
            "Access-Control-Allow-Origin": "*",
        }
        return Response(to_csv(listing.records), headers=headers, media_type="text/csv")

    async def openapi_json(self, request: Request) -> Response:
        return _json(openapi(self.svc.ref, self.base_url(request)))


def _json(data: dict, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
    return Response(body, status, headers=headers, media_type="application/json")


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
            ],
        ),
    ]
