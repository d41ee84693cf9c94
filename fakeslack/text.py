"""Flattening of what a person actually sees, so tests assert on text rather than on JSON shapes;
and what Slack makes of what a person types."""

from __future__ import annotations

import re

READING_ORDER = {"title": 0, "submit": 2, "close": 2}  # others keep their order, in between
HIDDEN = {"state", "private_metadata", "callback_id", "response_urls", "accessibility_label"}


def visible_text(obj) -> str:
    """All human-visible text of blocks, a message, a view or a list of them, one piece a line.

    Text objects, fields, button labels, option texts, labels, hints, placeholders, titles,
    prefilled input values and shown errors count; a message's `text` counts only when it has
    no blocks (otherwise Slack shows it in notifications only).
    """
    if isinstance(obj, str):
        return obj
    parts: list[str] = []
    _walk(obj, parts)
    return "\n".join(parts)


def _walk(node, parts: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, parts)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
        parts.append(node["text"])
        return
    for key, value in sorted(node.items(), key=lambda kv: READING_ORDER.get(kv[0], 1)):
        if key in HIDDEN:
            continue
        if key == "text" and isinstance(value, str):
            if not node.get("blocks"):
                parts.append(value)
        elif key == "errors" and isinstance(value, dict):
            parts.extend(str(v) for v in value.values())
        elif key == "initial_value" and isinstance(value, str):
            parts.append(value)
        elif key == "files":
            _files(value, parts)
        elif isinstance(value, dict | list):
            _walk(value, parts)


def _files(files, parts: list[str]) -> None:
    for f in files if isinstance(files, list) else []:
        if isinstance(f, dict):
            parts.append(str(f.get("title") or f.get("name") or ""))


TYPED = re.compile(r"(?<![\w<])(@[\w.-]+|#[\w-]+|https?://[^\s<>]+|[\w.+-]+@[\w-]+\.[\w.]+)")


def composed(typed: str, users: dict[str, dict], channels: dict[str, dict]) -> str:
    """What Slack stores as a message's `text` when a person types `typed` in the composer:
    `& < >` encoded, `@namn` of a member as `<@U…>`, `#kanal` as `<#C…|kanal>`, `@here` as
    `<!here>`, addresses as `<https://…>` and `<mailto:…|…>`."""
    by_name = {u["name"]: uid for uid, u in users.items()}
    by_channel = {c["name"]: cid for cid, c in channels.items()}

    def markup(match: re.Match) -> str:
        word = match.group(0)
        if word[0] == "@" and word[1:] in ("here", "channel", "everyone"):
            return f"<!{word[1:]}>"
        if word[0] == "@" and word[1:] in by_name:
            return f"<@{by_name[word[1:]]}>"
        if word[0] == "#" and word[1:] in by_channel:
            return f"<#{by_channel[word[1:]]}|{word[1:]}>"
        if word.startswith("http"):
            return f"<{_encode(word)}>"
        if "@" in word and word[0] != "@":
            return f"<mailto:{word}|{word}>"
        return _encode(word)

    out, last = [], 0
    for match in TYPED.finditer(typed):
        out += [_encode(typed[last : match.start()]), markup(match)]
        last = match.end()
    return "".join(out + [_encode(typed[last:])])


def _encode(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
