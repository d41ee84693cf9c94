"""Small Block Kit builders that never exceed Slack's limits (they shorten instead)."""

from __future__ import annotations

import json

from domain.text import is_link


def escape(text: str | None) -> str:
    """Make user text safe inside mrkdwn: `<!channel>` is shown, never pinged."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str | None = None) -> str:
    """`<url|label>`, or `<url>` showing the address; anything that is not a real http(s)
    address (stored before the forms checked it, or crafted) is shown as text, so it can
    neither ping a channel nor hide another link behind a label."""
    if not is_link(url):
        return escape(url)
    return f"<{escape(url)}|{escape(label)}>" if label else f"<{escape(url)}>"


def shorten(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int = 3000) -> dict:
    return {"type": "plain_text", "text": shorten(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = 3000) -> dict:
    return {"type": "mrkdwn", "text": shorten(text, limit) or " "}


def section(text: str, *, accessory: dict | None = None, block_id: str | None = None) -> dict:
    block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str) -> dict:
    return {"type": "header", "text": plain(text, 150)}


def context(*texts: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(t, 2000) for t in texts[:10] if t]}


def divider() -> dict:
    return {"type": "divider"}


def button(
    text: str, action_id: str, value: str | None = None, *, style: str | None = None
) -> dict:
    element = {"type": "button", "text": plain(text, 75), "action_id": action_id}
    if value is not None:
        element["value"] = shorten(value, 2000)
    if style:
        element["style"] = style
    return element


def actions(*elements: dict, block_id: str | None = None) -> dict:
    block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict:
    return {"text": plain(text, 75), "value": value[:150]}


def text_input(
    action_id: str, initial: str | None = "", *, max_length: int = 3000, multiline: bool = False
) -> dict:
    """A plain-text input, its initial value cut to what it accepts."""
    element = {
        "type": "plain_text_input",
        "action_id": action_id,
        "max_length": max_length,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def input_block(
    block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None
) -> dict:
    block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def modal(
    callback_id: str,
    title: str,
    blocks: list[dict],
    *,
    submit: str | None = None,
    close: str | None = None,
    metadata: dict | None = None,
) -> dict:
    view = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "blocks": blocks[:100],
    }
    if submit:
        view["submit"] = plain(submit, 24)
    if close:
        view["close"] = plain(close, 24)
    if metadata:
        view["private_metadata"] = json.dumps(metadata, separators=(",", ":"))[:3000]
    return view


def date_token(timestamp: float, fallback: str, fmt: str = "{date_short}") -> str:
    """Slack shows this date in each reader's own time zone."""
    return f"<!date^{int(timestamp)}^{fmt}|{escape(fallback)}>"


def line_sections(heading: str, lines: list[str], limit: int = 2900) -> list[dict]:
    """Lines gathered into as few sections as fit Slack's 3,000 characters each."""
    blocks, chunk = [], heading
    for line in lines:
        if len(chunk) + len(line) + 1 > limit:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    blocks.append(section(chunk))
    return blocks


def escaped_chunks(text: str, limit: int, first: int | None = None) -> list[str]:
    """User text escaped and split into pieces of at most `limit` characters (`first` for the
    first piece), at a line break or space where one is near, never inside an escape: `&`
    grows fivefold, so 3,000 characters may need several pieces."""
    chunks, piece, size, soft = [], [], 0, -1
    budget = limit if first is None else first
    for ch in text or "":
        part = escape(ch)
        if size + len(part) > budget:
            cut = soft + 1 if soft >= len(piece) // 2 else len(piece)
            chunks.append("".join(piece[:cut]))
            piece, budget = piece[cut:], limit
            size, soft = sum(len(p) for p in piece), -1
        if ch in " \n":
            soft = len(piece)
        piece.append(part)
        size += len(part)
    chunks.append("".join(piece))
    return [c.strip() for c in chunks if c.strip()]


def text_sections(heading: str, text: str, limit: int = 3000) -> list[dict]:
    """A heading and the whole of a user text, over as many sections as Slack's limit needs."""
    chunks = escaped_chunks(text, limit, first=limit - len(heading) - 1) or [""]
    return [section(f"{heading}\n{chunks[0]}")] + [section(c) for c in chunks[1:]]
