"""Finding a post in Slack again, by the delivery key in its message metadata.

Every post of scheduled work, and every message a handler posts (bot.posting), carries
`{"event_type": "behov_delivery", "event_payload": {"key": ...}}` (a message with metadata of
its own carries the key in its payload, as "behov_delivery"). When an earlier attempt may
have gone through, the channel's history since that attempt (`conversations.history`, or
`conversations.replies` for a thread reply, with `include_all_metadata`, without which Slack
leaves the metadata out) says whether it did. Reading history needs channels:history,
groups:history and im:history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

EVENT_TYPE = "behov_delivery"
# Slack's clock and ours may differ a little: look this much further back than our clock says.
CLOCK_MARGIN = timedelta(minutes=5)
PAGE = 200
# The history cannot be read at all: the app lacks a scope or is not in the channel. Posting
# again may then show a message twice, which is better than never sending a digest.
NO_ACCESS = {"missing_scope", "not_in_channel"}


def delivery_key(kind: str, subject: str, due_at: datetime) -> str:
    return f"{kind}/{subject}/{due_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def marked(key: str, metadata: dict | None = None) -> dict:
    """The message metadata that names one delivery; the caller's own metadata, if any,
    keeps its event type and gets the key in its payload."""
    if metadata is None:
        return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}
    return {**metadata, "event_payload": {**metadata.get("event_payload", {}), EVENT_TYPE: key}}


def carrying(key: str) -> Callable[[dict], bool]:
    """Tells a message that carries this delivery key (see `marked`)."""

    def carries(message: dict) -> bool:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == EVENT_TYPE:
            return payload.get("key") == key
        return payload.get(EVENT_TYPE) == key

    return carries


def find_post(
    client: WebClient, *, channel: str, key: str, since: datetime, thread_ts: str | None = None
) -> bool:
    """Whether a message with this delivery key was posted since `since` (wall clock).

    `channel` may be a user id (the app's DM with them). Raises when Slack cannot be asked;
    answers False, logged as an error, when the app may not read the conversation.
    """
    found = find_message(
        client, channel=channel, since=since, matches=carrying(key), what=key, thread_ts=thread_ts
    )
    return found is not None


def find_message(
    client: WebClient,
    *,
    channel: str,
    since: datetime,
    matches: Callable[[dict], bool],
    what: str,
    thread_ts: str | None = None,
) -> dict | None:
    """A message posted since `since` (wall clock) that `matches`, or None.

    As `find_post`: raises when Slack cannot be asked, and answers None, logged as an error
    naming `what` was looked for, when the app may not read the conversation.
    """
    try:
        return _find(client, channel, matches, since, thread_ts)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error not in NO_ACCESS:
            raise
        needed = exc.response.get("needed") or "channels:history, groups:history, im:history"
        log.error(
            "cannot read the history of %s to check whether %s was already posted (%s, needed: "
            "%s): posting it again without checking; add the scope or invite the app",
            channel, what, error, needed,
        )  # fmt: skip
        return None


def _find(client: WebClient, channel: str, matches, since: datetime, thread_ts) -> dict | None:
    conversation = _conversation_id(client, channel)
    oldest = f"{(since - CLOCK_MARGIN).timestamp():.6f}"
    cursor = None
    while True:
        args = dict(channel=conversation, oldest=oldest, include_all_metadata=True, limit=PAGE)
        if cursor:
            args["cursor"] = cursor
        if thread_ts:
            page = client.conversations_replies(ts=thread_ts, **args)
        else:
            page = client.conversations_history(**args)
        found = next((m for m in page.get("messages") or [] if matches(m)), None)
        if found is not None:
            return found
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def _conversation_id(client: WebClient, channel: str) -> str:
    """A user id (a DM sent by posting to the person) becomes the DM's conversation id."""
    if not channel.startswith(("U", "W")):
        return channel
    return client.conversations_open(users=channel)["channel"]["id"]
