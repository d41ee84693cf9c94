"""Floors for Slack requests, served like ours (same uvicorn + Starlette adapter, same Bolt
settings and executor):

- `bare`: a slack-bolt app that only acknowledges;
- `floor`: the least a fuzzy `/behov status <text>` can do: acknowledge, then rapidfuzz's
  `process.extract` (same scorer and cutoff) over the titles held in a plain list, and post
  the best titles to the response_url the way ours posts (bot/hooks.py);
- `row`: the least a `/behov status #12` can do: the bare app plus the one statement every
  such request needs (the replay key recorded and the need's row read, as ours does them:
  one round trip on PostgreSQL), then an ack with the need's title. Against the bare app it
  says what that statement alone costs; against ours, what all the rest of ours costs.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process, utils
from slack_bolt import App
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.routing import Route

from bot.app import utc_now
from bot.executor import TrackedExecutor
from bot.slack_client import make_client, make_respond
from bot.turns import Unanswered
from bot.web import slack_endpoint
from commands.redelivery import request_key
from commands.status import read_ahead
from domain.matching import TITLE_MATCH_MIN
from storage.db import Database, make_engine
from storage.requests import first_time_reading


def bare_web_app(settings, *, process_before_response: bool) -> Starlette:
    """Same Bolt settings, same executor, same Starlette adapter and uvicorn; no work."""
    app = _app(settings, process_before_response)

    @app.command("/behov")
    def only_ack(ack):
        ack()

    return _served(app)


def floor_web_app(settings, *, process_before_response: bool) -> Starlette:
    """Acknowledge, then only the fuzzy match and the post of its answer."""
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        titles = [utils.default_process(t) for (t,) in conn.execute(text("SELECT title FROM need"))]
    engine.dispose()
    app = _app(settings, process_before_response)

    @app.command("/behov")
    def ack_then_match(ack, command):
        ack()
        query = utils.default_process(command["text"].removeprefix("status "))
        found = process.extract(
            query, titles, scorer=fuzz.WRatio, processor=None, limit=5, score_cutoff=TITLE_MATCH_MIN
        )
        answer = "\n".join(title for title, _, _ in found) or "-"
        make_respond(settings, command["response_url"])(text=answer, response_type="ephemeral")

    return _served(app)


def row_floor_web_app(settings, *, process_before_response: bool) -> Starlette:
    """The bare app's plumbing (Bolt's own ack), plus the key and the row in one statement."""
    db = Database.from_url(settings.database_url)
    app = _app(settings, process_before_response)

    @app.command("/behov")
    def key_row_then_ack(ack, request):
        key, ahead = request_key(request, request.body), read_ahead(request.body)  # as ours
        with db.driver(write=True) as driver:
            _, row = first_time_reading(
                driver, key=key, now=utc_now(), read=ahead.statement, **ahead.params
            )
        ack(text=row.title if row else "-")

    return _served(app)


def _app(settings, process_before_response: bool) -> App:
    app = App(
        client=make_client(settings),
        signing_secret=settings.slack_signing_secret,
        process_before_response=process_before_response,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        listener_executor=TrackedExecutor(),
    )

    @app.action(re.compile(".*"))
    def only_ack_click(ack):
        ack()

    return app


def _served(app: App) -> Starlette:
    return Starlette(
        routes=[Route("/slack/events", slack_endpoint(app, Unanswered()), methods=["POST"])]
    )


FLOORS = {"bare": bare_web_app, "floor": floor_web_app, "row": row_floor_web_app}  # by --app
