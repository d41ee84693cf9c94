"""The workspace the fake Slack simulates: users, channels, messages, views, files, all locked."""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time

from fakeslack.text import composed, visible_text


class SlackError(Exception):
    """An `ok: false` answer of the Web API, with Slack's error code."""

    def __init__(self, error: str, **extra):
        super().__init__(error)
        self.error = error
        self.extra = extra


class Workspace:
    """Thread-safe state plus the query helpers tests assert on (copies, never live objects)."""

    trigger_ttl = 3.0
    response_url_uses = 5
    response_url_ttl = 30 * 60.0

    def __init__(self, team_id: str = "T0001", bot_user_id: str = "UBOT"):
        self.lock = threading.RLock()
        self.team_id, self.bot_user_id = team_id, bot_user_id
        self.bot_id, self.app_id, self.team_domain = "B0001", "A0001", "fake"
        self.users: dict[str, dict] = {}
        self.channels: dict[str, dict] = {}
        self.stacks: dict[str, list[dict]] = {}
        self.homes: dict[str, dict] = {}
        self.triggers: dict[str, dict] = {}
        self.response_urls: dict[str, dict] = {}
        self.file_store: dict[str, dict] = {}
        self.update_times: dict[tuple[str, str], list[float]] = {}
        self._messages: dict[str, list[dict]] = {}
        # Per person, oldest first: load tests ask about one person among thousands of answers.
        self._ephemerals: dict[str, list[dict]] = {}
        self._ephemeral_added: dict[str, threading.Condition] = {}  # only that person's waiters
        self._last_us = 0
        self._stamps: set[int] = set()  # every ts given out, so a stamp in the past is unique too
        self._ids = itertools.count(1)
        self.add_user(bot_user_id, "behov-bot", real_name="Bot", is_bot=True)

    # ------------------------------------------------------------ setup

    def add_user(self, id, name, real_name=None, locale="sv-SE", tz="Europe/Stockholm", **extra):
        """A workspace member, shaped like users.info's `user`."""
        with self.lock:
            self.users[id] = {
                "id": id,
                "team_id": self.team_id,
                "name": name,
                "real_name": real_name or name,
                "deleted": False,
                "is_bot": extra.pop("is_bot", False),
                "tz": tz,
                "locale": locale,
                "profile": {"real_name": real_name or name, "display_name": name},
                **extra,
            }
        return self.users[id]

    def add_channel(self, id, name, members=(), is_private=False):
        with self.lock:
            self.channels[id] = {
                "id": id,
                "name": name,
                "is_channel": not is_private,
                "is_group": False,
                "is_im": False,
                "is_private": is_private,
                "is_member": True,
                "created": int(time.time()),
                "members": list(members),
            }
            self._messages.setdefault(id, [])
        return self.channels[id]

    def join(self, channel, user):
        with self.lock:
            members = self.channel(channel)["members"]
            if user not in members:
                members.append(user)

    def leave(self, channel, user):
        with self.lock:
            members = self.channel(channel)["members"]
            if user in members:
                members.remove(user)

    # ------------------------------------------------------------ queries

    def messages(self, channel) -> list[dict]:
        """Top-level messages of a channel (thread replies only when broadcast), oldest first."""
        with self.lock:
            return copy.deepcopy(
                [
                    m
                    for m in self._messages.get(channel, [])
                    if m.get("thread_ts") in (None, m["ts"]) or m.get("reply_broadcast")
                ]
            )

    def thread(self, channel, ts) -> list[dict]:
        """The replies in the thread under `ts`, oldest first (the parent not included)."""
        with self.lock:
            return copy.deepcopy(
                [
                    m
                    for m in self._messages.get(channel, [])
                    if m.get("thread_ts") == ts and m["ts"] != ts
                ]
            )

    def ephemerals(self, user, channel=None, start: int = 0) -> list[dict]:
        """What only `user` saw (slash answers, postEphemeral, response_url), oldest first;
        from the `start`th on (copies of the rest only: load tests ask often)."""
        with self.lock:
            mine = self._ephemerals.get(user, [])
            if channel is not None:
                mine = [e for e in mine if e["channel"] == channel]
            return copy.deepcopy(mine[start:])

    def ephemeral_count(self, user) -> int:
        with self.lock:
            return len(self._ephemerals.get(user, ()))

    def dm_messages(self, user) -> list[dict]:
        """Messages in the bot's direct-message channel with `user`."""
        return self.messages(self.dm_channel(user))

    def top_view(self, user) -> dict | None:
        """The modal the user is looking at (with "errors" when the app answered errors)."""
        with self.lock:
            stack = self.stacks.get(user) or []
            return copy.deepcopy(stack[-1]) if stack else None

    def modal_stack(self, user) -> list[dict]:
        with self.lock:
            return copy.deepcopy(self.stacks.get(user) or [])

    def home(self, user) -> dict | None:
        """The user's App Home tab as last published."""
        with self.lock:
            return copy.deepcopy(self.homes.get(user))

    @property
    def files(self) -> list[dict]:
        """Uploaded files with their bytes under "content"."""
        with self.lock:
            return copy.deepcopy(list(self.file_store.values()))

    def updates(self, channel, ts) -> list[float]:
        """time.monotonic() of every chat.update of one message, to check update frequency."""
        with self.lock:
            return list(self.update_times.get((channel, ts), []))

    visible_text = staticmethod(visible_text)

    def post_as_user(self, user, channel, text, thread_ts=None) -> str:
        """A person writes a message (no event is sent unless the caller sends one); its ts.
        `text` is as Slack stores it, already encoded; `type_message` encodes typed text."""
        with self.lock:
            self.user(user)
            message = {"type": "message", "user": user, "text": text, "team": self.team_id}
            if thread_ts:
                message["thread_ts"] = thread_ts
            return self.store_message(self.resolve_channel(channel), message)["ts"]

    def type_message(self, user, channel, typed: str) -> str:
        """A person types `typed` in the composer; stored encoded as Slack does. Its ts."""
        with self.lock:
            return self.post_as_user(user, channel, composed(typed, self.users, self.channels))

    # ------------------------------------------------------------ internals for the API

    def new_ts(self, at: float | None = None, after: str | None = None) -> str:
        """A unique "seconds.micros" timestamp like Slack's message ts: now, later than any
        given out; or, with `at`, the moment Slack got the request (stamped where Slack stamps,
        not after the fake's own checks), moved on just past `after` (the newest ts where the
        message goes) so each channel's and each person's messages stay in increasing order."""
        with self.lock:
            if at is None:
                us = max(int(time.time() * 1_000_000), self._last_us + 1)
            else:
                us = int(at * 1_000_000)
                if after is not None:
                    seconds, _, micros = after.partition(".")
                    us = max(us, int(seconds) * 1_000_000 + int(micros) + 1)
                while us in self._stamps:
                    us += 1
            self._stamps.add(us)
            self._last_us = max(self._last_us, us)
            return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def user(self, id) -> dict:
        with self.lock:
            if id not in self.users:
                raise SlackError("user_not_found")
            return self.users[id]

    def channel(self, id) -> dict:
        with self.lock:
            if id not in self.channels:
                raise SlackError("channel_not_found")
            return self.channels[id]

    def dm_channel(self, user) -> str:
        """The DM channel id of the bot and `user`, opened on first use like Slack does."""
        with self.lock:
            self.user(user)
            id = "D" + user.lstrip("UW")
            if id not in self.channels:
                self.add_channel(id, user, members=[user, self.bot_user_id], is_private=True)
                self.channels[id].update(is_channel=False, is_im=True, user=user)
            return id

    def resolve_channel(self, id) -> str:
        """A channel id, or a user id meaning the DM with that user."""
        with self.lock:
            if id in self.users:
                return self.dm_channel(id)
            return self.channel(id)["id"]

    def store_message(self, channel, message: dict, at: float | None = None) -> dict:
        """Add a message to the channel; `at`: when Slack got it (see new_ts)."""
        with self.lock:
            stored = self._messages.setdefault(channel, [])
            ts = self.new_ts(at, stored[-1]["ts"] if stored else None)
            message = dict(message, ts=ts, channel=channel)
            stored.append(message)
            parent = message.get("thread_ts")
            if parent:
                root = self.find_message(channel, parent)
                root.update(thread_ts=parent, latest_reply=message["ts"])
                root["reply_count"] = root.get("reply_count", 0) + 1
            return message

    def find_message(self, channel, ts) -> dict:
        with self.lock:
            for message in self._messages.get(channel, []):
                if message["ts"] == ts:
                    return message
            raise SlackError("message_not_found")

    def remove_message(self, channel, ts) -> None:
        with self.lock:
            self._messages[channel].remove(self.find_message(channel, ts))

    def add_ephemeral(self, channel, user, message: dict, at: float | None = None) -> dict:
        """Show a message to `user` only; `at`: when Slack got it (see new_ts)."""
        with self.lock:
            mine = self._ephemerals.setdefault(user, [])
            ts = self.new_ts(at, mine[-1]["ts"] if mine else None)
            ephemeral = dict(message, ts=ts, channel=channel, user=user)
            ephemeral["is_ephemeral"] = True
            mine.append(ephemeral)
            waiting = self._ephemeral_added.get(user)
            if waiting is not None:
                waiting.notify_all()
            return ephemeral

    def wait_ephemerals(
        self, user, count: int, timeout: float = 10.0, start: int = 0
    ) -> list[dict]:
        """Block (at most `timeout` s) until `user` has seen `count` ephemerals; what they saw
        (from the `start`th on).

        For load tests and benchmarks: no polling, no copies while waiting, and a waiter is
        woken only by its own person's ephemerals.
        """
        with self.lock:
            added = self._ephemeral_added.setdefault(user, threading.Condition(self.lock))
            added.wait_for(lambda: len(self._ephemerals.get(user, ())) >= count, timeout)
            return self.ephemerals(user, start=start)

    def find_ephemeral(self, user, ts) -> dict:
        with self.lock:
            for ephemeral in self._ephemerals.get(user, ()):
                if ephemeral["ts"] == ts:
                    return ephemeral
            raise SlackError("message_not_found")

    def remove_ephemeral(self, user, ts) -> None:
        with self.lock:
            self._ephemerals[user].remove(self.find_ephemeral(user, ts))

    def new_trigger(self, user) -> str:
        """A trigger_id that views.open/push accept once within trigger_ttl seconds."""
        with self.lock:
            trigger = f"{int(time.time())}.{next(self._ids)}.{secrets.token_hex(16)}"
            self.triggers[trigger] = {"user": user, "at": time.monotonic(), "used": False}
            return trigger

    def use_trigger(self, trigger_id) -> str:
        """The user the trigger belongs to; it is spent afterwards."""
        with self.lock:
            trigger = self.triggers.get(trigger_id)
            if trigger is None:
                raise SlackError("invalid_trigger_id")
            if trigger["used"] or time.monotonic() - trigger["at"] > self.trigger_ttl:
                raise SlackError("expired_trigger_id")
            trigger["used"] = True
            return trigger["user"]

    def new_response_url(self, base_url: str, **origin) -> str:
        """A response_url; origin says who asked (user, channel) and about which message."""
        with self.lock:
            token = secrets.token_urlsafe(12)
            self.response_urls[token] = dict(origin, uses=0, at=time.monotonic())
            return f"{base_url}response/{token}"

    def new_view(self, view: dict, view_id=None, previous=None) -> dict:
        """A stored view: the app's fields plus the ones Slack adds (id, hash, state…)."""
        view_id = view_id or self.new_id("V")
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": None,
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": previous,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        stored.update(copy.deepcopy(view))
        stored.update(id=view_id, state={"values": {}})
        return stored

    def find_view(self, view_id=None, external_id=None) -> tuple[str, str, int]:
        """(user, "stack" or "home", index in stack) of a view shown to someone."""
        with self.lock:
            wanted = {view_id, external_id} - {None, ""}
            for user, stack in self.stacks.items():
                for i, view in enumerate(stack):
                    if wanted & {view["id"], view["external_id"]}:
                        return user, "stack", i
            for user, view in self.homes.items():
                if wanted & {view["id"], view["external_id"]}:
                    return user, "home", 0
            raise SlackError("not_found")

    def get_view(self, view_id) -> dict:
        with self.lock:
            user, where, i = self.find_view(view_id)
            return self.stacks[user][i] if where == "stack" else self.homes[user]

    def set_view(self, user, where, i, view) -> None:
        with self.lock:
            if where == "stack":
                self.stacks[user][i] = view
            else:
                self.homes[user] = view
