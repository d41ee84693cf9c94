"""Slack's side of the conversation: signed requests to the app, and the effects of its acks."""

from __future__ import annotations

import copy
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fakeslack import forms
from fakeslack.blockkit import check_message
from fakeslack.forms import UserActionError
from fakeslack.signing import signed_headers
from fakeslack.state import SlackError
from fakeslack.webapi import bot_message, fill_ids, public

FORM = "application/x-www-form-urlencoded"
ACK_DEADLINE = 3.0


@dataclass
class Result:
    """The app's HTTP answer to one request from Slack."""

    status: int
    body: bytes
    headers: dict = field(default_factory=dict)
    json: Any = None
    elapsed: float = 0.0
    arrived: float | None = None  # time.time() when the answer was in: when Slack stamps a reply

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Platform:
    """Mixed into FakeSlack: signed requests to app_url and what their acks do."""

    request_timeout = 10.0

    # ------------------------------------------------------------ raw access

    def sign(self, body: bytes, timestamp=None) -> dict:
        """X-Slack-Signature and X-Slack-Request-Timestamp for `body`."""
        return signed_headers(self.signing_secret, body, timestamp)

    def post_raw(self, body: bytes, headers: dict) -> Result:
        """POST exactly these bytes and headers to the app (for signature/replay tests)."""
        if not self.app_url:
            raise RuntimeError("set FakeSlack.app_url to the app's /slack/events URL first")
        started = time.monotonic()
        if self.keep_alive:
            status, data, got = self.connections.post(self.app_url, body, headers)
        else:
            status, data, got = self._post_once(body, headers)
        arrived, elapsed = time.time(), time.monotonic() - started
        parsed = None
        if "json" in (got.get("Content-Type") or "") and data:
            parsed = json.loads(data)
        return Result(status, data, dict(got), parsed, elapsed, arrived)

    def _post_once(self, body: bytes, headers: dict):
        """(status, body, headers) over a connection of its own, closed afterwards."""
        request = urllib.request.Request(self.app_url, body, headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.request_timeout) as response:  # noqa: S310
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def _send(self, what: str, body: bytes, content_type: str, extra=None) -> Result:
        headers = {"Content-Type": content_type, **self.sign(body), **(extra or {})}
        result = self.post_raw(body, headers)
        if result.status != 200:
            self.problem(f"{what}: the app answered HTTP {result.status} {result.text[:200]}")
        if result.elapsed > ACK_DEADLINE:
            self.problem(f"{what}: acknowledged after {result.elapsed:.1f} s (Slack waits 3 s)")
        return result

    def _send_payload(self, payload: dict) -> Result:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send(payload["type"], body, FORM)

    # ------------------------------------------------------------ payload parts

    def _team(self) -> dict:
        return {"id": self.team_id, "domain": self.team_domain}

    def _user_ref(self, user: str) -> dict:
        name = self.user(user)["name"]
        return {"id": user, "username": name, "name": name, "team_id": self.team_id}

    def _channel_ref(self, channel: str) -> dict:
        info = self.channel(channel)
        return {"id": channel, "name": "directmessage" if info["is_im"] else info["name"]}

    def _envelope(self, kind: str, user: str, **fields) -> dict:
        return {
            "type": kind,
            "token": "fake-verification-token",
            "team": self._team(),
            "user": self._user_ref(user),
            "api_app_id": self.app_id,
            "enterprise": None,
            "is_enterprise_install": False,
            **fields,
        }

    def _visible(self, user: str, channel: str) -> dict:
        """The channel, if `user` can see it (member, or their own DM)."""
        try:
            info = self.channel(channel)
        except SlackError:
            raise UserActionError(f"there is no channel {channel}") from None
        if user not in info["members"]:
            raise UserActionError(f"{user} is not a member of {channel}")
        return info

    # ------------------------------------------------------------ slash commands, shortcuts

    def slash(self, user, text, *, channel, command="/behov") -> Result:
        """The person types `command text` in `channel`; a non-empty ack becomes a reply."""
        info = self._visible(user, channel)
        fields = {
            "token": "fake-verification-token",
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel,
            "channel_name": "directmessage" if info["is_im"] else info["name"],
            "user_id": user,
            "user_name": self.user(user)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": self.new_response_url(self.base_url, user=user, channel=channel),
            "trigger_id": self.new_trigger(user),
        }
        result = self._send("slash command", urlencode(fields).encode(), FORM)
        if result.status == 200 and result.body.strip():
            self._reply_from_ack(user, channel, result)
        return result

    def _reply_from_ack(self, user: str, channel: str, result: Result) -> None:
        body = result.json if isinstance(result.json, dict) else {"text": result.text}
        message = {k: body[k] for k in ("text", "blocks") if k in body}
        errors = check_message(message.get("text"), message.get("blocks"))
        if not message:
            errors.append("the ack has neither text nor blocks")
        if errors:
            self.problem(f"slash command ack: invalid_blocks {errors}")
            return
        if message.get("blocks"):
            message["blocks"] = fill_ids(message["blocks"], self)
        message = bot_message(self, message, {})
        # Stamped when the ack arrived, as Slack does, not after the fake's checks above.
        if body.get("response_type") == "in_channel":
            self.store_message(channel, message, at=result.arrived)
        else:
            self.add_ephemeral(channel, user, message, at=result.arrived)

    def message_shortcut(self, user, *, channel, ts, callback_id) -> Result:
        """The person picks a message shortcut on the message `ts` in `channel`."""
        self._visible(user, channel)
        try:
            message = public(self.find_message(channel, ts))
        except SlackError:
            raise UserActionError(f"there is no message {ts} in {channel}") from None
        payload = self._envelope(
            "message_action",
            user,
            callback_id=callback_id,
            action_ts=self.new_ts(),
            channel=self._channel_ref(channel),
            message_ts=ts,
            message=message,
            trigger_id=self.new_trigger(user),
            response_url=self.new_response_url(self.base_url, user=user, channel=channel),
        )
        payload["user"] = {"id": user, "name": self.user(user)["name"]}
        return self._send_payload(payload)

    def global_shortcut(self, user, callback_id) -> Result:
        """The person picks a global shortcut from the shortcuts menu."""
        payload = self._envelope(
            "shortcut",
            user,
            callback_id=callback_id,
            action_ts=self.new_ts(),
            trigger_id=self.new_trigger(user),
        )
        return self._send_payload(payload)

    # ------------------------------------------------------------ clicks

    def click(
        self,
        user,
        action_id,
        *,
        channel=None,
        ts=None,
        view_id=None,
        home=False,
        block_id=None,
        value=None,
        selected=None,
        message=None,
        response_of=None,
        force=False,
    ) -> Result:
        """The person clicks or picks in an element they can see; block_actions is sent.

        Where: `channel`+`ts` (a message), `message` (alias `response_of`: a dict returned by
        messages()/ephemerals()/dm_messages()), `view_id`, `home=True`, or else the top modal.
        `value` picks a button by value or an option by value; `selected` is for multi-selects,
        user/channel pickers and dates. `force=True` crafts the action even if not shown, on
        any message, even in a channel the person is not in (a forged request).
        """
        message = message or response_of
        choice = selected if selected is not None else value
        with self.lock:
            payload, blocks = self._click_surface(user, channel, ts, view_id, home, message, force)
        found = forms.clickable(blocks, action_id, block_id)
        found = [(b, e) for b, e in found if forms.matches(e, choice)]
        if found:
            block, element = found[0]
            entry = forms.action(block, element, choice, self.new_ts())
        elif force:
            entry = {"type": "button", "block_id": block_id or "forged", "action_id": action_id}
            entry.update(value=value, action_ts=self.new_ts())
        else:
            raise UserActionError(f"{user} sees no {action_id!r} (value {value!r}) there")
        payload["actions"] = [entry]
        return self._send_payload(payload)

    def _click_surface(
        self, user, channel, ts, view_id, home, message, forged=False
    ) -> tuple[dict, list]:
        """The block_actions payload without `actions`, and the blocks the person sees."""
        payload = self._envelope("block_actions", user, trigger_id=self.new_trigger(user))
        if message is not None or channel:
            channel = channel or message["channel"]
            ts = ts or message["ts"]
            ephemeral = bool(message and message.get("is_ephemeral"))
            if not forged:
                self._visible(user, channel)
            try:
                shown = (
                    self.find_ephemeral(user, ts) if ephemeral else self.find_message(channel, ts)
                )
            except SlackError:
                raise UserActionError(f"{user} sees no message {ts} in {channel}") from None
            container = {"type": "message", "message_ts": ts, "channel_id": channel}
            container["is_ephemeral"] = ephemeral
            if shown.get("thread_ts"):
                container["thread_ts"] = shown["thread_ts"]
            payload.update(container=container, channel=self._channel_ref(channel))
            if not ephemeral:
                payload["message"] = public(shown)
            payload["state"] = {"values": {}}
            payload["response_url"] = self.new_response_url(
                self.base_url, user=user, channel=channel, message_ts=ts, ephemeral=ephemeral
            )
            return payload, shown.get("blocks") or []
        view = self._view_for(user, view_id, home)
        shown = public(view)
        shown["state"] = forms.view_state(view)
        payload.update(container={"type": "view", "view_id": view["id"]}, view=shown)
        return payload, view.get("blocks") or []

    def _view_for(self, user, view_id=None, home=False) -> dict:
        """A view the person has in front of them: the home tab, a given modal, or the top one."""
        if home:
            view = self.homes.get(user)
        elif view_id:
            stack = self.stacks.get(user) or []
            homes = [self.homes[user]] if user in self.homes else []
            view = next((v for v in stack + homes if v["id"] == view_id), None)
        else:
            view = (self.stacks.get(user) or [None])[-1]
        if view is None:
            where = "home tab" if home else f"view {view_id}" if view_id else "modal"
            raise UserActionError(f"{user} has no {where} open")
        return view

    # ------------------------------------------------------------ events

    def event(self, event: dict, *, retry_num=None, retry_reason="http_timeout", event_id=None):
        """Deliver an Events API event in its event_callback envelope."""
        envelope = {
            "token": "fake-verification-token",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": copy.deepcopy(event),
            "type": "event_callback",
            "event_id": event_id or self.new_id("Ev"),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": self.new_id("EC"),
        }
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        body = json.dumps(envelope).encode()
        return self._send(f"event {event.get('type')}", body, "application/json", extra)

    def app_home_opened(self, user) -> Result:
        """The person opens the app's Home tab."""
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.dm_channel(user),
            "tab": "home",
            "event_ts": self.new_ts(),
        }
        if user in self.homes:
            event["view"] = public(self.homes[user])
        return self.event(event)

    def join(self, channel, user):
        super().join(channel, user)
        if self.emit_events and self.app_url:
            self.event(self._membership("member_joined_channel", channel, user))

    def leave(self, channel, user):
        super().leave(channel, user)
        if self.emit_events and self.app_url:
            self.event(self._membership("member_left_channel", channel, user))

    def _membership(self, kind: str, channel: str, user: str) -> dict:
        channel_type = "G" if self.channel(channel)["is_private"] else "C"
        event = {"type": kind, "user": user, "channel": channel, "channel_type": channel_type}
        return dict(event, team=self.team_id, event_ts=self.new_ts())
