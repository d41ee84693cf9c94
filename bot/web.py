"""The HTTP surface: Slack's requests, the health check and the public pages."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.request import BoltRequest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from web.public import public_routes

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # Slack's requests are small; anything bigger is not from Slack


def slack_endpoint(bolt_app: App):
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response("payload too large", status_code=413)
        try:
            bolt_request = BoltRequest(
                body=body.decode("utf-8", errors="replace"),
                query=request.url.query,
                headers={k: [v] for k, v in request.headers.items()},
            )
        except ValueError:  # a payload that is not JSON: not something Slack sends
            return Response("malformed request", status_code=400)
        # Bolt is synchronous: run it off the event loop so other requests keep flowing.
        bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        headers = {k: v[0] for k, v in bolt_response.headers.items() if v}
        headers.pop("content-length", None)
        return Response(bolt_response.body, bolt_response.status, headers=headers)

    return slack_events


def health_endpoint(services):
    async def healthz(_request: Request) -> Response:
        if await run_in_threadpool(services.db.ping):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)

    return healthz


def create_web_app(services, bolt_app: App, *, lifespan=None) -> Starlette:
    routes = [
        Route("/slack/events", slack_endpoint(bolt_app), methods=["POST"]),
        Route("/healthz", health_endpoint(services), methods=["GET"]),
        *public_routes(services),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
