"""Posting scheduled messages: to a channel, in a thread, or as a direct message from the app.

Scheduled work retries on the next tick (see bot.due), so the client here does not retry
or sleep inside a tick: a failed call raises, and the claim is released or, when the post may
have gone through, left for the next tick to look for in Slack (bot.sent_check).
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from bot.due import MaybeSent
from bot.sent_check import delivery_key, find_post, marked
from bot.slack_client import make_client, maybe_carried_out


def scheduled_client(services) -> WebClient:
    return make_client(services.settings, retries=False)


def post(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: list[dict],
    metadata: dict | None = None,
    thread_ts: str | None = None,
) -> None:
    """A message in a channel; a user id as `channel` posts in the app's DM with that person."""
    client.chat_postMessage(
        channel=channel,
        text=text,
        blocks=blocks,
        unfurl_links=False,
        unfurl_media=False,
        metadata=metadata,
        thread_ts=thread_ts,
    )


class ScheduledPost:
    """One message of scheduled work, carrying its delivery key so it can be found again.

    Give `deliver_once` the message's `send` and this post's `was_sent`.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        channel: str,
        kind: str,
        subject: str,
        due_at: datetime,
        thread_ts: str | None = None,
    ):
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.key = delivery_key(kind, subject, due_at)

    def send(self, *, text: str, blocks: list[dict]) -> None:
        try:
            post(
                self.client,
                channel=self.channel,
                text=text,
                blocks=blocks,
                metadata=marked(self.key),
                thread_ts=self.thread_ts,
            )
        except Exception as exc:
            if maybe_carried_out(exc):
                raise MaybeSent(f"chat.postMessage: {exc}") from exc
            raise

    def was_sent(self, since: datetime) -> bool:
        return find_post(
            self.client, channel=self.channel, key=self.key, since=since, thread_ts=self.thread_ts
        )
