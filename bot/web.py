"""The HTTP surface: Slack's requests, the health check and the public pages."""

from __future__ import annotations

import logging
import threading
import time

from slack_bolt import App
from slack_bolt.request import BoltRequest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.i18n import SV
from bot.logs import new_request_id, request_id
from bot.turns import Unanswered
from commands.context import ANSWER_SENT, UNANSWERED
from web.public import public_routes

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # Slack's requests are small; anything bigger is not from Slack


def slack_endpoint(bolt_app: App, unanswered: Unanswered):
    """`unanswered` counts the requests not answered yet: work after an ack lets them first."""

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response("payload too large", status_code=413)
        rid = new_request_id(request.headers.get("x-slack-request-timestamp"))
        request_id.set(rid)  # this request's task and the threads it hands work to
        started = time.perf_counter()
        sent = threading.Event()  # set once the answer has left: work after the ack waits
        try:
            bolt_request = BoltRequest(
                body=body.decode("utf-8", errors="replace"),
                query=request.url.query,
                headers={k: [v] for k, v in request.headers.items()},
                context={"request_id": rid, ANSWER_SENT: sent, UNANSWERED: unanswered},
            )
        except (ValueError, TypeError, AttributeError):  # not JSON, or not an object
            log.warning("malformed Slack request refused (%d bytes)", len(body))
            return Response("malformed request", status_code=400)
        # Bolt is synchronous: run it off the event loop so other requests keep flowing.
        with unanswered.waiting():
            bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        log.info(
            "slack %s answered %s in %.1f ms",
            _kind(bolt_request.body),
            bolt_response.status,
            (time.perf_counter() - started) * 1000,
        )
        headers = {k: v[0] for k, v in bolt_response.headers.items() if v}
        headers.pop("content-length", None)
        return Response(
            bolt_response.body,
            bolt_response.status,
            headers=headers,
            background=BackgroundTask(_set, sent),  # runs once the answer is written
        )

    return slack_events


async def _set(event: threading.Event) -> None:
    event.set()  # on the event loop: no thread of the pool taken for it


def _kind(body: dict) -> str:
    """What Slack sent, for the log: the payload type, the slash command or the event type."""
    if body.get("command"):
        return "command " + str(body["command"])
    event = body.get("event")
    if isinstance(event, dict):
        return "event " + str(event.get("type"))
    return str(body.get("type") or "request")


def health_endpoint(services):
    async def healthz(_request: Request) -> Response:
        if await run_in_threadpool(services.db.ping):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)

    return healthz


async def http_error(_request: Request, exc: HTTPException) -> Response:
    """An address or method nothing serves: a short Swedish text, not Starlette's English."""
    key = {404: "web.not_found", 405: "web.method_not_allowed"}.get(exc.status_code)
    text = SV(key) if key else str(exc.detail)
    return PlainTextResponse(text, exc.status_code, headers=exc.headers)


def create_web_app(services, bolt_app: App, *, lifespan=None) -> Starlette:
    routes = [
        Route("/slack/events", slack_endpoint(bolt_app, services.unanswered), methods=["POST"]),
        Route("/healthz", health_endpoint(services), methods=["GET"]),
        # The public page is all a person's browser finds here.
        Route("/", lambda _r: RedirectResponse("/public/", 307), methods=["GET"]),
        *public_routes(services),
    ]
    handlers = {404: http_error, 405: http_error}
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)
