"""response_url answers: ephemeral or in-channel replies, or replacing/deleting the original."""

from __future__ import annotations

import time

from fakeslack.state import SlackError, Workspace
from fakeslack.webapi import bot_message, content, thread_root, truthy


def answer(ws: Workspace, token: str, body: dict, at: float | None = None) -> dict:
    """Apply one POST to a response_url that arrived `at` (its stamp); raises SlackError like
    Slack's hooks endpoint."""
    # The message is checked before the lock is taken: the checks are the slow part, and
    # other requests need not wait for them. Its errors still come after the url's own.
    checked, invalid = None, None
    if isinstance(body, dict) and not truthy(body.get("delete_original")):
        try:
            checked = content(ws, body)
        except SlackError as exc:
            invalid = exc
    with ws.lock:
        origin = ws.response_urls.get(token)
        if origin is None:
            raise SlackError("no_service")
        if time.monotonic() - origin["at"] > ws.response_url_ttl:
            raise SlackError("expired_url")
        if origin["uses"] >= ws.response_url_uses:
            raise SlackError("used_url")
        if not isinstance(body, dict):
            raise SlackError("invalid_payload")
        origin["uses"] += 1
        if invalid is not None:
            raise invalid
        if truthy(body.get("delete_original")):
            _delete_original(ws, origin)
        elif truthy(body.get("replace_original")):
            _replace_original(ws, origin, checked)
        elif body.get("response_type") == "in_channel":
            message = bot_message(ws, checked, body)
            root = thread_root(ws, origin["channel"], body.get("thread_ts"))
            if root:
                message["thread_ts"] = root
            ws.store_message(origin["channel"], message, at)
        else:
            message = bot_message(ws, checked, body)
            ws.add_ephemeral(origin["channel"], origin["user"], message, at)
        return {"ok": True}


def _original(ws: Workspace, origin: dict) -> dict:
    ts = origin.get("message_ts")
    if not ts:
        raise SlackError("no_original_message")
    if origin.get("ephemeral"):
        return ws.find_ephemeral(origin["user"], ts)
    return ws.find_message(origin["channel"], ts)


def _delete_original(ws: Workspace, origin: dict) -> None:
    message = _original(ws, origin)
    if origin.get("ephemeral"):
        ws.remove_ephemeral(origin["user"], message["ts"])
    else:
        ws.remove_message(origin["channel"], message["ts"])


def _replace_original(ws: Workspace, origin: dict, body: dict) -> None:
    message = _original(ws, origin)
    if not origin.get("ephemeral") and message.get("bot_id") != ws.bot_id:
        raise SlackError("cant_update_message")
    message.pop("blocks", None)
    message["text"] = ""
    message.update(body)
    if not origin.get("ephemeral"):
        message["edited"] = {"user": ws.bot_user_id, "ts": ws.new_ts()}
