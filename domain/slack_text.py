"""Slack's message markup turned into the plain text a person meant to write.

Slack hands a message over with `&`, `<` and `>` encoded and with control sequences such as
`<@U123>`, `<#C123|kanal>`, `<!here>` and `<https://x|text>`. Stored as it is, the bot's own
escaping would show `&amp;` to readers and a raw user id on the public page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

CONTROL = re.compile(r"<([^<>]*)>")
ENTITY = re.compile(r"&(amp|lt|gt);")
ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
SPECIAL = {"here", "channel", "everyone"}

Lookup = Callable[[str], str | None]


@dataclass(frozen=True)
class Names:
    """How ids become names: lookups that may fail (None), and words for when they do."""

    user: Lookup
    channel: Lookup
    unknown_user: str = "@someone"
    unknown_channel: str = "#channel"
    unknown_group: str = "@group"


def decode(text: str) -> str:
    """`&lt; &gt; &amp;` back to `< > &`, in one pass so `&amp;lt;` stays `&lt;`."""
    return ENTITY.sub(lambda m: ENTITIES[m.group(1)], text)


def encode(text: str) -> str:
    """The reverse of `decode`, for raw pieces (file names) put beside message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_text(text: str, names: Names) -> str:
    """A message's `text` as a person reads it in Slack, without markup or ids."""
    out, last = [], 0
    for match in CONTROL.finditer(text or ""):
        out.append(decode(text[last : match.start()]))
        out.append(_control(match.group(1), names))
        last = match.end()
    out.append(decode((text or "")[last:]))
    return "".join(out)


def _control(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    label = decode(label).strip()
    if target.startswith("@"):
        name = label.lstrip("@") or names.user(target[1:])
        return f"@{name}" if name else names.unknown_user
    if target.startswith("#"):
        name = label.lstrip("#") or names.channel(target[1:])
        return f"#{name}" if name else names.unknown_channel
    if target.startswith("!"):
        return _special(target[1:], label, names)
    return _link(decode(target), label)


def _special(command: str, label: str, names: Names) -> str:
    """`<!here>`, `<!subteam^S1|@grupp>`, `<!date^…|fallback>` and others Slack may add."""
    kind = command.split("^", 1)[0]
    if label:
        return label
    if kind in SPECIAL:
        return f"@{kind}"
    if kind == "subteam":
        return names.unknown_group
    return ""  # a date or future sequence without fallback text: nothing a person wrote


def _link(url: str, label: str) -> str:
    """`text (url)`, or only the address when the text says nothing more."""
    shown = url.removeprefix("mailto:").removeprefix("tel:")
    if not label or label in (url, shown) or _bare(label) == _bare(shown):
        return shown
    return f"{label} ({shown})"


def _bare(url: str) -> str:
    return re.sub(r"^[a-z]+://", "", url).removeprefix("www.").rstrip("/")


def message_text(message: dict) -> str:
    """The Slack-encoded text of a message; without `text`, what its blocks, attachments and
    files say, so a message that is only a file or a bot's blocks still gives a start."""
    if (message.get("text") or "").strip():
        return message["text"]
    parts = [_block_text(b) for b in message.get("blocks") or [] if isinstance(b, dict)]
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict):
            parts += [attachment.get(k) or "" for k in ("pretext", "title")]
            parts.append(attachment.get("text") or attachment.get("fallback") or "")
    for f in message.get("files") or []:
        if isinstance(f, dict):
            parts.append(encode(str(f.get("title") or f.get("name") or "")))
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _block_text(block: dict) -> str:
    texts = [block.get("text")] + list(block.get("fields") or [])
    if block.get("type") == "context":
        texts += block.get("elements") or []
    pieces = []
    for t in texts:
        if isinstance(t, dict) and isinstance(t.get("text"), str):
            raw = t["text"]
            pieces.append(raw if t.get("type") == "mrkdwn" else encode(raw))
    if block.get("type") == "rich_text":
        pieces.append(_rich_text(block.get("elements") or []))
    return "\n".join(pieces)


def _rich_text(elements: list) -> str:
    """Rich text re-encoded as message markup, so plain_text treats it like a message's text."""
    out = []
    for e in elements:
        if not isinstance(e, dict):
            continue
        kind, children = e.get("type"), e.get("elements")
        if kind == "rich_text_list" and isinstance(children, list):
            out += [f"• {_rich_text([item])}\n" for item in children]
        elif isinstance(children, list):
            end = "" if kind == "rich_text_section" else "\n"
            out.append(_rich_text(children) + end)
        else:
            out.append(_rich_element(e))
    return "".join(out)


def _rich_element(e: dict) -> str:
    kind = e.get("type")
    if kind == "text":
        return encode(e.get("text") or "")
    if kind == "link":
        url, label = encode(e.get("url") or ""), encode(e.get("text") or "")
        return f"<{url}|{label}>" if label else f"<{url}>"
    if kind == "user" and e.get("user_id"):
        return f"<@{e['user_id']}>"
    if kind == "channel" and e.get("channel_id"):
        return f"<#{e['channel_id']}>"
    if kind == "broadcast" and e.get("range"):
        return f"<!{e['range']}>"
    if kind == "emoji" and e.get("name"):
        return f":{e['name']}:"
    return ""


def cut(text: str, limit: int) -> tuple[str, bool]:
    """(text within `limit` characters ending in `…` when it had to be cut, whether it was)."""
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "…", True
