"""Finding a scheduled post in Slack again, by the delivery key in its message metadata.

Every post of scheduled work carries `{"event_type": "behov_delivery", "event_payload":
{"key": ...}}`. When an earlier attempt may have gone through, the channel's history since
that attempt (`conversations.history`, or `conversations.replies` for a thread reply, with
`include_all_metadata`, without which Slack leaves the metadata out) says whether it did.
Reading history needs channels:history, groups:history and im:history.
"""

from __future__ import annotations

import logging
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


def marked(key: str) -> dict:
    """The message metadata that names one delivery."""
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


def find_post(
    client: WebClient, *, channel: str, key: str, since: datetime, thread_ts: str | None = None
) -> bool:
    """Whether a message with this delivery key was posted since `since` (wall clock).

    `channel` may be a user id (the app's DM with them). Raises when Slack cannot be asked;
    answers False, logged as an error, when the app may not read the conversation.
    """
    try:
        return _find(client, channel, key, since, thread_ts)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error not in NO_ACCESS:
            raise
        needed = exc.response.get("needed") or "channels:history, groups:history, im:history"
        log.error(
            "cannot read the history of %s to check whether %s was already posted (%s, needed: "
            "%s): posting it again without checking; add the scope or invite the app",
            channel, key, error, needed,
        )  # fmt: skip
        return False


def _find(client: WebClient, channel: str, key: str, since: datetime, thread_ts) -> bool:
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
        if any(_carries(message, key) for message in page.get("messages") or []):
            return True
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return False


def _conversation_id(client: WebClient, channel: str) -> str:
    """A user id (a DM sent by posting to the person) becomes the DM's conversation id."""
    if not channel.startswith(("U", "W")):
        return channel
    return client.conversations_open(users=channel)["channel"]["id"]


def _carries(message: dict, key: str) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key
