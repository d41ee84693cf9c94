"""Slack mrkdwn to safe HTML, as a person sees it in Slack.

No maintained Python library renders Slack's mrkdwn to HTML (PyPI has converters from Markdown
*to* mrkdwn, and two unmaintained 2020 ones the other way), so this is a small one: `<…>`
tokens are lifted out first, the rest is HTML-escaped, and only then are `*bold*`, `_italic_`,
`~strike~`, `` `code` ``, ``` ```blocks``` ```, quotes and lists turned into tags.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import emoji
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from markupsafe import Markup

TOKEN = re.compile(r"<([^<>\n]+)>")
PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
CODE_BLOCK = re.compile(r"```\n?(.+?)\n?```", re.S)
INLINE = [
    (re.compile(r"`([^`\n]+)`"), "code"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "del"),
]
BULLET = re.compile(r"^(?:[•◦▪\-*]|\d+[.)])\s+")
SAFE_SCHEMES = ("http://", "https://", "mailto:")
PRETTY = {
    "sv": {0: "i dag", -1: "i går", 1: "i morgon"},
    "en": {0: "today", -1: "yesterday", 1: "tomorrow"},
}


@dataclass
class Viewer:
    """Who reads: names for mentions, their time zone and language for dates."""

    users: dict[str, str] = field(default_factory=dict)  # id -> shown name
    channels: dict[str, str] = field(default_factory=dict)  # id -> name
    tz: tzinfo = UTC
    lang: str = "sv"
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    channel_url: Callable[[str], str] = lambda id: f"/c/{id}"

    @classmethod
    def of(cls, user: dict | None, users, channels, **kw) -> Viewer:
        tz = ZoneInfo((user or {}).get("tz") or "Europe/Stockholm")
        lang = "en" if ((user or {}).get("locale") or "").startswith("en") else "sv"
        return cls(users=users, channels=channels, tz=tz, lang=lang, **kw)


def render(text: str | None, viewer: Viewer | None = None) -> Markup:
    """mrkdwn -> HTML; everything not produced here is escaped."""
    viewer = viewer or Viewer()
    pieces: list[str] = []

    def lift(match: re.Match) -> str:
        pieces.append(_token(match.group(1), viewer))
        return f"\x00{len(pieces) - 1}\x00"

    lifted = TOKEN.sub(lift, text or "")
    escaped = emojize(html.escape(html.unescape(lifted), quote=False))
    blocks: list[str] = []

    def code_block(match: re.Match) -> str:
        blocks.append(f"<pre>{match.group(1)}</pre>")
        pieces.append(blocks[-1])
        return f"\x00{len(pieces) - 1}\x00"

    body = _lines(CODE_BLOCK.sub(code_block, escaped))
    # Safe: every piece of the person's text went through html.escape above.
    return Markup(PLACEHOLDER.sub(lambda m: pieces[int(m.group(1))], body))  # noqa: S704


def emojize(text: str) -> str:
    """`:white_check_mark:` -> ✅, as Slack shows shortcodes."""
    return emoji.emojize(text, language="alias")


def _inline(text: str) -> str:
    for pattern, tag in INLINE:
        text = pattern.sub(rf"<{tag}>\1</{tag}>", text)
    return text


def _lines(text: str) -> str:
    """Quotes and lists become blocks; other lines are joined with <br>."""
    out: list[str] = []
    open_tag = None
    for line in text.split("\n"):
        kind, content = None, line
        if line.startswith("&gt; ") or line == "&gt;":
            kind, content = "blockquote", line[5:]
        elif BULLET.match(line):
            kind, content = "ul", BULLET.sub("", line, count=1)
        if kind != open_tag and open_tag:
            out.append(f"</{open_tag}>")
            open_tag = None
        if kind and kind != open_tag:
            out.append(f"<{kind}>")
            open_tag = kind
        if kind == "ul":
            out.append(f"<li>{_inline(content)}</li>")
        elif kind == "blockquote":
            out.append(f"{_inline(content)}<br>")
        else:
            out.append(_inline(content) + "\n")
    if open_tag:
        out.append(f"</{open_tag}>")
    joined = "".join(out).rstrip("\n")
    return joined.replace("\n", "<br>")


def _token(inner: str, viewer: Viewer) -> str:
    """One `<…>` token as HTML: mention, channel, special mention, date or link."""
    target, _, label = inner.partition("|")
    label = html.unescape(label)
    esc = html.escape
    if target.startswith("@"):
        name = viewer.users.get(target[1:]) or label or target[1:]
        return f'<span class="mention">@{esc(name)}</span>'
    if target.startswith("#"):
        name = viewer.channels.get(target[1:]) or label or target[1:]
        href = esc(viewer.channel_url(target[1:]))
        return f'<a class="mention" href="{href}">#{esc(name)}</a>'
    if target.startswith("!date^"):
        return esc(date_token(target, label, viewer))
    if target.startswith("!subteam^"):
        return f'<span class="mention">{esc(label or "@grupp")}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{esc(target[1:].split("^")[0])}</span>'
    url = html.unescape(target)
    if url.startswith(SAFE_SCHEMES):
        text = _inline(esc(label or url, quote=False))
        return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{text}</a>'
    return esc(label or target)


def date_token(target: str, fallback: str, viewer: Viewer) -> str:
    """`!date^1700000000^{date_short} {time}` in the viewer's time zone and language."""
    parts = target.split("^")
    try:
        moment = datetime.fromtimestamp(int(parts[1]), UTC).astimezone(viewer.tz)
        template = parts[2]
    except (IndexError, ValueError, OverflowError, OSError):
        return fallback
    lang, today = viewer.lang, viewer.now().astimezone(viewer.tz).date()
    day_offset = (moment.date() - today).days

    def pretty(fmt: str) -> str:
        return PRETTY[lang].get(day_offset) or format_date(moment, fmt, locale=lang)

    formats = {
        "date_num": moment.strftime("%Y-%m-%d"),
        "date": format_date(moment, "long", locale=lang),
        "date_short": format_date(moment, "medium", locale=lang),
        "date_long": format_date(moment, "full", locale=lang),
        "date_pretty": pretty("long"),
        "date_short_pretty": pretty("medium"),
        "date_long_pretty": pretty("full"),
        "time": format_time(moment, "short", locale=lang),
        "time_secs": format_time(moment, "medium", locale=lang),
        "ago": format_timedelta(
            moment - viewer.now().astimezone(viewer.tz), add_direction=True, locale=lang
        ),
    }
    return re.sub(r"\{(\w+)\}", lambda m: formats.get(m.group(1), m.group(0)), template)


def short_time(ts: str, viewer: Viewer) -> str:
    """A message's ts as the clock time Slack shows next to it."""
    moment = datetime.fromtimestamp(float(ts), UTC).astimezone(viewer.tz)
    if moment.date() == viewer.now().astimezone(viewer.tz).date():
        return format_time(moment, "short", locale=viewer.lang)
    return format_datetime(moment, "d MMM HH:mm", locale=viewer.lang)


__all__ = ["Viewer", "date_token", "render", "short_time"]
