"""Posting scheduled messages: to a channel, or as a direct message from the app.

Scheduled work retries on the next tick (see bot.due), so the client here does not retry
or sleep inside a tick: a failed call raises, the claim is released and tried again later.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.slack_client import make_client


def scheduled_client(services) -> WebClient:
    return make_client(services.settings, timeout=10, retries=False)


def post(client: WebClient, *, channel: str, text: str, blocks: list[dict]) -> None:
    """A message in a channel; a user id as `channel` posts in the app's DM with that person."""
    client.chat_postMessage(
        channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )
