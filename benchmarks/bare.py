"""The floor for Slack requests: a slack-bolt app that only acknowledges, served like ours."""

from __future__ import annotations

from slack_bolt import App
from starlette.applications import Starlette
from starlette.routing import Route

from bot.executor import TrackedExecutor
from bot.slack_client import make_client
from bot.web import slack_endpoint


def bare_web_app(settings, *, process_before_response: bool) -> Starlette:
    """Same Bolt settings, same executor, same Starlette adapter and uvicorn; no work."""
    app = App(
        client=make_client(settings),
        signing_secret=settings.slack_signing_secret,
        process_before_response=process_before_response,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        listener_executor=TrackedExecutor(),
    )

    @app.command("/behov")
    def only_ack(ack):
        ack()

    @app.action({"type": "block_actions"})
    def only_ack_click(ack):
        ack()

    return Starlette(routes=[Route("/slack/events", slack_endpoint(app), methods=["POST"])])
