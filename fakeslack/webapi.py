"""The Web API methods the fake implements, each checking arguments the way Slack does."""

from __future__ import annotations

import base64
import copy
import mimetypes
import time
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from fakeslack.blockkit import check_message, check_view
from fakeslack.state import SlackError, Workspace

METHODS = {}
PERMALINK_BASE = "https://fake.slack.test"


def method(name):
    """Register a handler under its Slack method name."""

    def register(handler):
        METHODS[name] = handler
        return handler

    return register


def need(args: dict, key: str, error: str = "invalid_arguments"):
    value = args.get(key)
    if value is None or value == "":
        raise SlackError(error)
    return value


def truthy(value) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def public(obj: dict) -> dict:
    """A copy without the fake's own bookkeeping keys."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if k not in ("errors", "content")}


def fill_ids(blocks: list, ws: Workspace) -> list:
    """Give blocks and elements without ids generated ones, as Slack does when it stores them."""
    blocks = copy.deepcopy(blocks)
    for block in blocks:
        block.setdefault("block_id", ws.new_id("b").lower())
        elements = list(block.get("elements") or []) if block["type"] == "actions" else []
        elements += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
        for element in elements:
            if element.get("type") not in ("image", None):
                element.setdefault("action_id", ws.new_id("a").lower())
    return blocks


def content(ws: Workspace, args: dict, required: bool = True) -> dict:
    """The text/blocks/attachments of a message, checked like chat.postMessage checks them."""
    text, blocks, attachments = args.get("text"), args.get("blocks"), args.get("attachments")
    if required and not text and not blocks and not attachments:
        raise SlackError("no_text")
    errors = check_message(text, blocks)
    if any(e.startswith("text:") for e in errors):
        raise SlackError("msg_too_long", errors=errors)
    if errors:
        raise SlackError("invalid_blocks", errors=errors)
    result = {}
    if text is not None:
        result["text"] = text
    if blocks is not None:
        result["blocks"] = fill_ids(blocks, ws)
    if attachments is not None:
        result["attachments"] = attachments
    return result


def bot_message(ws: Workspace, body: dict, args: dict) -> dict:
    message = {"type": "message", "user": ws.bot_user_id, "bot_id": ws.bot_id, "text": ""}
    message.update(app_id=ws.app_id, team=ws.team_id)
    message.update(body)
    for key in ("metadata", "unfurl_links", "unfurl_media", "reply_broadcast", "mrkdwn"):
        if key in args:
            message[key] = args[key]
    return message


def thread_root(ws: Workspace, channel: str, thread_ts) -> str | None:
    """The ts of the thread a reply goes to (a reply's ts counts as its thread)."""
    if not thread_ts:
        return None
    try:
        parent = ws.find_message(channel, thread_ts)
    except SlackError:
        raise SlackError("invalid_thread_ts") from None
    return parent.get("thread_ts") or parent["ts"]


# ---------------------------------------------------------------- auth, chat


@method("auth.test")
def auth_test(ws, args):
    bot = ws.users[ws.bot_user_id]
    return {
        "url": f"{PERMALINK_BASE}/",
        "team": "Fake Slack",
        "user": bot["name"],
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def check_metadata(args: dict) -> None:
    """Message metadata is {"event_type": "...", "event_payload": {...}}, or Slack refuses it."""
    if "metadata" not in args:
        return
    metadata = args["metadata"]
    ok = isinstance(metadata, dict) and isinstance(metadata.get("event_payload"), dict)
    if not ok or not isinstance(metadata.get("event_type"), str) or not metadata["event_type"]:
        raise SlackError("invalid_metadata_format")


@method("chat.postMessage")
def chat_post_message(ws, args):
    channel = ws.resolve_channel(need(args, "channel", "channel_not_found"))
    check_metadata(args)
    message = bot_message(ws, content(ws, args), args)
    root = thread_root(ws, channel, args.get("thread_ts"))
    if root:
        message["thread_ts"] = root
    stored = ws.store_message(channel, message)
    return {"channel": channel, "ts": stored["ts"], "message": public(stored)}


@method("chat.postEphemeral")
def chat_post_ephemeral(ws, args):
    channel = ws.channel(need(args, "channel", "channel_not_found"))
    user = ws.user(need(args, "user", "user_not_found"))["id"]
    if user not in channel["members"]:
        raise SlackError("user_not_in_channel")
    message = bot_message(ws, content(ws, args), args)
    if args.get("thread_ts"):
        message["thread_ts"] = args["thread_ts"]
    return {"message_ts": ws.add_ephemeral(channel["id"], user, message)["ts"]}


@method("chat.update")
def chat_update(ws, args):
    channel = ws.resolve_channel(need(args, "channel", "channel_not_found"))
    message = ws.find_message(channel, need(args, "ts", "message_not_found"))
    if message.get("bot_id") != ws.bot_id:
        raise SlackError("cant_update_message")
    message.update(content(ws, args))
    message["edited"] = {"user": ws.bot_user_id, "ts": ws.new_ts()}
    ws.update_times.setdefault((channel, message["ts"]), []).append(time.monotonic())
    return {
        "channel": channel,
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": public(message),
    }


@method("chat.delete")
def chat_delete(ws, args):
    channel = ws.resolve_channel(need(args, "channel", "channel_not_found"))
    message = ws.find_message(channel, need(args, "ts", "message_not_found"))
    if message.get("bot_id") != ws.bot_id:
        raise SlackError("cant_delete_message")
    ws.remove_message(channel, message["ts"])
    return {"channel": channel, "ts": message["ts"]}


@method("chat.getPermalink")
def chat_get_permalink(ws, args):
    channel = ws.resolve_channel(need(args, "channel", "channel_not_found"))
    message = ws.find_message(channel, need(args, "message_ts", "message_not_found"))
    return {"channel": channel, "permalink": permalink(channel, message)}


def permalink(channel: str, message: dict) -> str:
    link = f"{PERMALINK_BASE}/archives/{channel}/p{message['ts'].replace('.', '')}"
    thread = message.get("thread_ts")
    if thread and thread != message["ts"]:
        link += f"?thread_ts={thread}&cid={channel}"
    return link


# ---------------------------------------------------------------- conversations, users


@method("conversations.open")
def conversations_open(ws, args):
    if args.get("channel"):
        return {"channel": conversation(ws, ws.channel(args["channel"]))}
    users = need(args, "users", "users_list_not_supplied")
    users = users.split(",") if isinstance(users, str) else list(users)
    if len(users) != 1:
        raise SlackError("not_supported", detail="the fake opens one-person DMs only")
    channel = ws.channel(ws.dm_channel(users[0].strip()))
    if truthy(args.get("return_im")):
        return {"channel": conversation(ws, channel)}
    return {"channel": {"id": channel["id"]}}


def conversation(ws, channel: dict, num_members: bool = False) -> dict:
    info = {k: copy.deepcopy(v) for k, v in channel.items() if k != "members"}
    if num_members:
        info["num_members"] = len(channel["members"])
    return info


@method("conversations.info")
def conversations_info(ws, args):
    channel = ws.channel(need(args, "channel", "channel_not_found"))
    return {"channel": conversation(ws, channel, truthy(args.get("include_num_members")))}


@method("conversations.members")
def conversations_members(ws, args):
    members = ws.channel(need(args, "channel", "channel_not_found"))["members"]
    limit = _limit(args)
    start = 0
    if args.get("cursor"):
        try:
            start = members.index(base64.b64decode(args["cursor"]).decode().split(":", 1)[1])
        except (ValueError, IndexError, UnicodeDecodeError):
            raise SlackError("invalid_cursor") from None
    page, rest = members[start : start + limit], members[start + limit :]
    cursor = base64.b64encode(f"user:{rest[0]}".encode()).decode() if rest else ""
    return {"members": list(page), "response_metadata": {"next_cursor": cursor}}


def _limit(args: dict, default: int = 100) -> int:
    try:
        limit = int(args.get("limit") or default)
    except ValueError:
        raise SlackError("invalid_limit") from None
    if not 1 <= limit <= 1000:
        raise SlackError("invalid_limit")
    return limit


@method("conversations.history")
def conversations_history(ws, args):
    """Top-level messages newest first, within oldest/latest, a page at a time."""
    channel = ws.channel(need(args, "channel", "channel_not_found"))["id"]
    newest_first = list(reversed(ws.messages(channel)))
    return history_page(args, [m for m in newest_first if within(args, m["ts"])])


@method("conversations.replies")
def conversations_replies(ws, args):
    """The thread's parent, then its replies within oldest/latest, oldest first."""
    channel = ws.channel(need(args, "channel", "channel_not_found"))["id"]
    root = ws.find_message(channel, need(args, "ts", "thread_not_found"))
    replies = [m for m in ws.thread(channel, root["ts"]) if within(args, m["ts"])]
    return history_page(args, [root, *replies])


def within(args: dict, ts: str) -> bool:
    """Slack's oldest/latest window: exclusive unless `inclusive`; latest defaults to now."""
    at, inclusive = Decimal(ts), truthy(args.get("inclusive"))
    oldest, latest = bound(args, "oldest"), bound(args, "latest")
    if oldest is not None and (at < oldest or (at == oldest and not inclusive)):
        return False
    return latest is None or at < latest or (at == latest and inclusive)


def bound(args: dict, key: str) -> Decimal | None:
    value = args.get(key)
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise SlackError(f"invalid_ts_{key}") from None


def history_page(args: dict, messages: list[dict]) -> dict:
    """One page (`limit`, `cursor`); metadata only with include_all_metadata, as in Slack."""
    start = 0
    if args.get("cursor"):
        try:
            start = int(base64.b64decode(args["cursor"]).decode().split(":", 1)[1])
        except (ValueError, IndexError, UnicodeDecodeError):
            raise SlackError("invalid_cursor") from None
    end = start + _limit(args)
    with_metadata = truthy(args.get("include_all_metadata"))
    page = [shown(m, with_metadata) for m in messages[start:end]]
    cursor = base64.b64encode(f"next:{end}".encode()).decode() if end < len(messages) else ""
    more = {"has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}
    return {"messages": page, **more}


def shown(message: dict, with_metadata: bool) -> dict:
    message = public(message)
    if not with_metadata:
        message.pop("metadata", None)
    return message


@method("users.info")
def users_info(ws, args):
    user = copy.deepcopy(ws.user(need(args, "user", "user_not_found")))
    if not truthy(args.get("include_locale")):
        user.pop("locale", None)
    offset = datetime.now(ZoneInfo(user["tz"])).utcoffset()
    user.update(tz_label=user["tz"], tz_offset=int(offset.total_seconds()) if offset else 0)
    return {"user": user}


# ---------------------------------------------------------------- views


def checked_view(ws, args: dict, kind: str) -> dict:
    view = need(args, "view")
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", errors=["view: must be a JSON object"])
    errors = check_view(view)
    if not errors and view.get("type") != kind:
        errors = [f"view.type: must be {kind} here"]
    if errors:
        raise SlackError("invalid_arguments", errors=errors, response_metadata={"messages": errors})
    view = copy.deepcopy(view)
    view["blocks"] = fill_ids(view["blocks"], ws)
    return view


@method("views.open")
def views_open(ws, args):
    trigger = need(args, "trigger_id")
    view = checked_view(ws, args, "modal")
    user = ws.use_trigger(trigger)
    stored = ws.new_view(view)
    ws.stacks[user] = [stored]
    return {"view": public(stored)}


@method("views.push")
def views_push(ws, args):
    trigger = need(args, "trigger_id")
    view = checked_view(ws, args, "modal")
    user = ws.use_trigger(trigger)
    stack = ws.stacks.setdefault(user, [])
    if len(stack) >= 3:
        raise SlackError("push_limit_reached")
    stored = ws.new_view(view, previous=stack[-1]["id"] if stack else None)
    if stack:
        stored["root_view_id"] = stack[0]["id"]
    stack.append(stored)
    return {"view": public(stored)}


@method("views.update")
def views_update(ws, args):
    if not args.get("view_id") and not args.get("external_id"):
        raise SlackError("invalid_arguments")
    user, where, i = ws.find_view(args.get("view_id"), args.get("external_id"))
    old = ws.stacks[user][i] if where == "stack" else ws.homes[user]
    if args.get("hash") and args["hash"] != old["hash"]:
        raise SlackError("hash_conflict")
    stored = replace_view(ws, old, checked_view(ws, args, old["type"]))
    ws.set_view(user, where, i, stored)
    return {"view": public(stored)}


def replace_view(ws, old: dict, view: dict) -> dict:
    """The new content under the old view's id and place in the stack."""
    stored = ws.new_view(view, view_id=old["id"], previous=old["previous_view_id"])
    stored["root_view_id"] = old["root_view_id"]
    return stored


@method("views.publish")
def views_publish(ws, args):
    user = ws.user(need(args, "user_id", "user_not_found"))["id"]
    view = checked_view(ws, args, "home")
    old = ws.homes.get(user)
    if old and args.get("hash") and args["hash"] != old["hash"]:
        raise SlackError("hash_conflict")
    stored = replace_view(ws, old, view) if old else ws.new_view(view)
    ws.homes[user] = stored
    return {"view": public(stored)}


# ---------------------------------------------------------------- files


@method("files.getUploadURLExternal")
def files_get_upload_url(ws, args):
    name = need(args, "filename")
    try:
        length = int(need(args, "length"))
    except ValueError:
        raise SlackError("invalid_arguments") from None
    file_id = ws.new_id("F")
    ws.file_store[file_id] = {"id": file_id, "name": name, "title": name, "length": length}
    ws.file_store[file_id].update(content=None, channels=[], user=ws.bot_user_id)
    return {"upload_url": f"{ws.base_url}upload/{file_id}", "file_id": file_id}


@method("files.completeUploadExternal")
def files_complete_upload(ws, args):
    items = need(args, "files")
    if not isinstance(items, list) or not items:
        raise SlackError("invalid_arguments")
    channels = args.get("channel_id") or args.get("channels") or ""
    channels = [ws.resolve_channel(c.strip()) for c in channels.split(",") if c.strip()]
    done = []
    for item in items:
        record = ws.file_store.get(item.get("id"))
        if record is None or record["content"] is None:
            raise SlackError("file_not_found")
        record["title"] = item.get("title") or record["name"]
        record["channels"] += channels
        done.append(file_info(ws, record))
    for channel in channels:
        body = {"text": args.get("initial_comment") or "", "files": done, "upload": True}
        message = bot_message(ws, body, {})
        root = thread_root(ws, channel, args.get("thread_ts"))
        if root:
            message["thread_ts"] = root
        ws.store_message(channel, message)
    return {"files": [{"id": f["id"], "title": f["title"]} for f in done]}


def file_info(ws, record: dict) -> dict:
    info = public(record)
    info.pop("length", None)
    mimetype = mimetypes.guess_type(record["name"])[0] or "application/octet-stream"
    info.update(
        mimetype=mimetype,
        filetype=record["name"].rsplit(".", 1)[-1].lower() if "." in record["name"] else "",
        size=len(record["content"] or b""),
        url_private=f"{ws.base_url}files/{record['id']}",
        permalink=f"{PERMALINK_BASE}/files/{ws.bot_user_id}/{record['id']}",
    )
    return info


@method("files.info")
def files_info(ws, args):
    record = ws.file_store.get(need(args, "file", "file_not_found"))
    if record is None or record["content"] is None:
        raise SlackError("file_not_found")
    return {"file": file_info(ws, record)}
