"""Block Kit checks with Slack's published limits, so the fake rejects what real Slack rejects."""

from __future__ import annotations

from fakeslack.elements import ACCESSORY, ACTIONS, INPUT, check_element
from fakeslack.objects import Checker

BLOCK_LIMIT = {"message": 50, "modal": 100, "home": 100}
MESSAGE_TEXT_MAX = 40000
BLOCK_TYPES = {"section", "header", "divider", "context", "actions", "input", "image", "rich_text"}


def check_blocks(blocks, surface: str = "message", where: str = "blocks") -> list[str]:
    """Every reason Slack would refuse these blocks on this surface ("message", "modal", "home")."""
    c = Checker()
    _blocks(c, blocks, surface, where)
    return c.errors


def check_view(view) -> list[str]:
    """Every reason views.open/push/update/publish would refuse this view."""
    c = Checker()
    if not isinstance(view, dict):
        return ["view: must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        c.err("view.type", "must be modal or home")
        return c.errors
    if kind == "modal":
        c.text("view.title", view.get("title"), 24, plain=True)
        c.text("view.submit", view.get("submit"), 24, plain=True, required=False)
        c.text("view.close", view.get("close"), 24, plain=True, required=False)
        blocks = view.get("blocks") or []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and not view.get("submit"):
            c.err("view.submit", "required when the view has input blocks")
    c.string("view.private_metadata", view.get("private_metadata"), 3000)
    c.string("view.callback_id", view.get("callback_id"), 255)
    c.string("view.external_id", view.get("external_id"), 255)
    for flag in ("clear_on_close", "notify_on_close", "submit_disabled"):
        c.boolean(f"view.{flag}", view.get(flag))
    if "blocks" not in view:
        c.err("view.blocks", "required")
    else:
        _blocks(c, view["blocks"], kind, "view.blocks")
    return c.errors


def check_message(text, blocks) -> list[str]:
    """Why chat.postMessage/update would refuse this text and these blocks."""
    errors = []
    if text is not None and not isinstance(text, str):
        errors.append("text: must be a string")
    elif text and len(text) > MESSAGE_TEXT_MAX:
        errors.append(f"text: longer than {MESSAGE_TEXT_MAX}")
    if blocks is not None:
        errors += check_blocks(blocks, "message")
    return errors


def _blocks(c: Checker, blocks, surface: str, where: str) -> None:
    if not isinstance(blocks, list):
        c.err(where, "must be an array")
        return
    limit = BLOCK_LIMIT.get(surface, 50)
    if len(blocks) > limit:
        c.err(where, f"more than {limit} blocks")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        here = f"{where}[{i}]"
        if not isinstance(block, dict):
            c.err(here, "must be an object")
            continue
        block_id = block.get("block_id")
        if block_id is not None and c.string(f"{here}.block_id", block_id, 255, required=True):
            if block_id in block_ids:
                c.err(f"{here}.block_id", f"duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        _block(c, block, surface, here)


def _block(c: Checker, block: dict, surface: str, here: str) -> None:
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        c.err(f"{here}.type", f"unknown block type {kind!r}")
    elif kind == "section":
        _section(c, block, here)
    elif kind == "header":
        c.text(f"{here}.text", block.get("text"), 150, plain=True)
    elif kind == "context":
        _context(c, block, here)
    elif kind == "actions":
        elements = c.array(f"{here}.elements", block.get("elements"), 25, minimum=1)
        _elements(c, elements, ACTIONS, f"{here}.elements")
    elif kind == "input":
        _input(c, block, surface, here)
    elif kind == "image":
        _image(c, block, here)
    elif kind == "rich_text":
        c.array(f"{here}.elements", block.get("elements"), None, minimum=0)


def _section(c: Checker, block: dict, here: str) -> None:
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        c.err(here, "section needs text or fields")
    if text is not None:
        c.text(f"{here}.text", text, 3000)
    if fields is not None:
        for j, field in enumerate(c.array(f"{here}.fields", fields, 10, minimum=1)):
            c.text(f"{here}.fields[{j}]", field, 2000)
    if "accessory" in block:
        _elements(c, [block["accessory"]], ACCESSORY, f"{here}.accessory", single=True)


def _context(c: Checker, block: dict, here: str) -> None:
    elements = c.array(f"{here}.elements", block.get("elements"), 10, minimum=1)
    for j, element in enumerate(elements):
        where = f"{here}.elements[{j}]"
        if isinstance(element, dict) and element.get("type") == "image":
            check_element(c, element, where)
        else:
            c.text(where, element, 3000)


def _input(c: Checker, block: dict, surface: str, here: str) -> None:
    if surface == "message":
        c.err(f"{here}.type", "input blocks are only allowed in modals and the home tab")
    c.text(f"{here}.label", block.get("label"), 2000, plain=True)
    c.text(f"{here}.hint", block.get("hint"), 2000, plain=True, required=False)
    c.boolean(f"{here}.optional", block.get("optional"))
    c.boolean(f"{here}.dispatch_action", block.get("dispatch_action"))
    if block.get("element") is None:
        c.err(f"{here}.element", "required")
    else:
        _elements(c, [block["element"]], INPUT, f"{here}.element", single=True)


def _image(c: Checker, block: dict, here: str) -> None:
    if not block.get("image_url") and not block.get("slack_file"):
        c.err(f"{here}.image_url", "required")
    c.string(f"{here}.image_url", block.get("image_url"), 3000)
    c.string(f"{here}.alt_text", block.get("alt_text"), 2000, required=True)
    c.text(f"{here}.title", block.get("title"), 2000, plain=True, required=False)


def _elements(c: Checker, elements, allowed, where: str, single: bool = False) -> None:
    action_ids: set[str] = set()
    for j, element in enumerate(elements):
        here = where if single else f"{where}[{j}]"
        if not isinstance(element, dict):
            c.err(here, "must be an object")
            continue
        kind = element.get("type")
        if kind not in allowed:
            c.err(f"{here}.type", f"element type {kind!r} is not allowed here")
            continue
        action_id = element.get("action_id")
        if action_id is not None and c.string(f"{here}.action_id", action_id, 255, required=True):
            if action_id in action_ids:
                c.err(f"{here}.action_id", f"duplicate action_id {action_id!r} in this block")
            action_ids.add(action_id)
        check_element(c, element, here)
