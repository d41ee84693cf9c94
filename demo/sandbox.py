"""What the sandbox page shows and does for one person, over the fake Slack's state.

Everything a person does goes to the bot through the fake's platform methods (signed HTTP
requests, exactly as Slack sends them); everything shown comes from the Web API calls the bot
made. The sandbox keeps only what Slack's client keeps: typed drafts and pending confirms.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

import yaml
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from bot.i18n import Texts, language_for
from demo import blocks, mrkdwn, people
from fakeslack import FakeSlack, UserActionError

STATIC = Path(__file__).with_name("static")
MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
COOKIE = "behov_demo_person"


def message_shortcuts() -> list[dict]:
    """The app's message shortcuts, from its manifest (name and callback_id)."""
    try:
        manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    except OSError:
        return [{"name": "Registrera som behov", "callback_id": "register_need"}]
    shortcuts = (manifest.get("features") or {}).get("shortcuts") or []
    return [s for s in shortcuts if s.get("type") == "message"]


class Sandbox:
    """State of the page that Slack keeps in the client: typed drafts, pending confirms, notes."""

    def __init__(self, fake: FakeSlack, bot_url: str, settle: Callable[[], None]):
        self.fake, self.bot_url, self.settle = fake, bot_url, settle
        self.drafts: dict[str, dict] = {}  # view_id -> what the person last typed
        self.confirms: dict[str, dict] = {}  # token -> the action waiting for "are you sure"
        self.notes: dict[str, list[str]] = {}  # user -> messages about what failed
        self.shortcuts = message_shortcuts()
        self.env = _environment()

    # ------------------------------------------------------------ who and what is seen

    def person(self, request: Request) -> str:
        chosen = request.cookies.get(COOKIE)
        return chosen if chosen in self.fake.users else people.STAFF

    def texts(self, user: str) -> Texts:
        return Texts(language_for(self.fake.users[user]["locale"]))

    def viewer(self, user: str) -> mrkdwn.Viewer:
        users = {u: info["real_name"] for u, info in self.fake.users.items()}
        users[self.fake.bot_user_id] = "Behov"
        channels = {c: info["name"] for c, info in self.fake.channels.items()}
        return mrkdwn.Viewer.of(self.fake.users.get(user), users, channels)

    def channels_of(self, user: str) -> list[dict]:
        with self.fake.lock:
            return [
                {"id": c["id"], "name": c["name"]}
                for c in self.fake.channels.values()
                if not c["is_im"] and user in c["members"]
            ]

    def version(self, user: str) -> str:
        """A digest of everything this person could see; the page reloads when it changes."""
        fake = self.fake
        with fake.lock:
            seen = [
                [(m["ts"], m.get("edited"), m.get("latest_reply")) for m in fake.messages(c)]
                for c, info in fake.channels.items()
                if user in info["members"]
            ]
            seen.append([e["ts"] for e in fake.ephemerals(user)])
            seen.append((fake.home(user) or {}).get("hash"))
            seen.append([(v["id"], v["hash"], v.get("errors")) for v in fake.modal_stack(user)])
        return hashlib.sha256(json.dumps(seen, default=str).encode()).hexdigest()[:16]

    def note(self, user: str, text: str) -> None:
        self.notes.setdefault(user, []).append(text)

    # ------------------------------------------------------------ pages

    def page(self, request: Request, user: str, *, channel=None, home=False, thread=None):
        fake, tx = self.fake, self.texts(user)
        viewer = self.viewer(user)
        messages, replies, channel_info = [], [], None
        if channel:
            channel_info = fake.channels[channel]
            messages = fake.messages(channel) + fake.ephemerals(user, channel)
            messages.sort(key=lambda m: float(m["ts"]))
            if thread:
                replies = fake.thread(channel, thread)
                parent = [m for m in messages if m["ts"] == thread]
                replies = parent + replies
        confirm = self.confirms.get(request.query_params.get("confirm", ""))
        stack = fake.modal_stack(user)
        top = stack[-1] if stack else None
        context = {
            "tx": tx,
            "lang": tx.lang,
            "me": fake.users[user],
            "people": people.PEOPLE,
            "channels": self.channels_of(user),
            "dm": fake.dm_channel(user),
            "channel": channel_info,
            "home": fake.home(user) if home else None,
            "is_home": home,
            "messages": messages,
            "thread": thread,
            "replies": replies,
            "modal": top,
            "stack_depth": len(stack),
            "draft": self.drafts.get(top["id"], {}) if top else {},
            "confirm": confirm,
            "notes": self.notes.pop(user, []),
            "problems": list(fake.problems),
            "viewer": viewer,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "back": request.url.path + (f"?thread={thread}" if thread else ""),
            "bot_url": self.bot_url,
            "shortcuts": self.shortcuts,
            "users": [
                (u, info["real_name"])
                for u, info in fake.users.items()
                if not info.get("is_bot") and not info.get("deleted")
            ],
            "version": self.version(user),
        }
        html = self.env.get_template("page.html").render(context)
        return Response(html, media_type="text/html; charset=utf-8")

    # ------------------------------------------------------------ the person acts

    def act(self, user: str, do: Callable[[], object]) -> None:
        """Do one thing as the person; what Slack would refuse becomes a note on the page."""
        try:
            do()
        except UserActionError as exc:
            self.note(user, str(exc))
        self.settle()

    def send(self, user: str, channel: str, text: str, thread: str | None) -> None:
        text = text.strip()
        if not text:
            return
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            self.act(
                user, lambda: self.fake.slash(user, rest.strip(), channel=channel, command=command)
            )
            return
        if self.fake.channels[channel]["is_im"]:
            self.note(user, self.texts(user)("demo.dm_read_only"))
            return
        self.fake.post_as_user(user, channel, text, thread_ts=thread or None)

    def click(self, user: str, form: dict, multi: list[str]) -> None:
        kind = form.get("kind", "button")
        picked = multi if kind.startswith("multi_") or kind == "checkboxes" else form.get("value")
        where: dict = {}
        if form.get("view_id"):
            where = {"view_id": form["view_id"], "home": form.get("home") == "1"}
            if where["home"]:
                where.pop("view_id")
        elif form.get("ephemeral") == "1":
            where = {
                "message": {"channel": form["channel"], "ts": form["ts"], "is_ephemeral": True}
            }
        else:
            where = {"channel": form["channel"], "ts": form["ts"]}
        if kind in blocks.SELECTED_KINDS or kind.startswith("multi_") or kind == "checkboxes":
            where["selected"] = picked
        else:
            where["value"] = picked or None
        self.act(
            user,
            lambda: self.fake.click(
                user, form["action_id"], block_id=form.get("block_id") or None, **where
            ),
        )

    def submit(self, user: str, view_id: str, form) -> None:
        view = next((v for v in self.fake.modal_stack(user) if v["id"] == view_id), None)
        if view is None:
            return
        values = blocks.submitted_values(view, form, self.suggest_first(user, view_id))
        self.drafts[view_id] = blocks.draft_of(view, form)
        self.act(user, lambda: self.fake.submit(user, values, view_id=view_id))
        if all(v["id"] != view_id for v in self.fake.modal_stack(user)):
            self.drafts.pop(view_id, None)

    def suggest_first(self, user: str, view_id: str):
        """For typed text without a picked option (no script): the first matching option."""

        def find(action_id: str, typed: str):
            options = self.suggest(user, view_id, action_id, typed)
            return next(
                (o for o in options if o["label"] == typed), options[0] if options else None
            )

        return find

    def suggest(self, user: str, view_id: str, action_id: str, typed: str) -> list[dict]:
        try:
            answer = self.fake.suggest(user, action_id, typed, view_id=view_id)
        except UserActionError:
            return []
        found = []
        for item in answer:
            group = item.get("label", {}).get("text") if "options" in item else None
            for option in item.get("options", [item]):
                found.append(
                    {"value": option["value"], "label": option["text"]["text"], "group": group}
                )
        return found


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("demo", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mrkdwn"] = lambda text, viewer: mrkdwn.render(text, viewer)
    env.filters["plain"] = lambda text: Markup.escape(mrkdwn.emojize(text or ""))
    env.filters["clock"] = lambda ts, viewer: mrkdwn.short_time(ts, viewer)
    env.filters["urlquote"] = lambda s: quote(str(s), safe="")
    env.globals.update(
        options_of=blocks.options_of,
        current=blocks.current,
        current_label=blocks.current_label,
        is_image=lambda f: (f.get("mimetype") or "").startswith("image/"),
        urlencode=urlencode,
        SELECTED_KINDS=blocks.SELECTED_KINDS,
    )
    return env
