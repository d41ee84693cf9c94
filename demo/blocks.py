"""Block Kit for the sandbox: options, what an input currently shows, and form -> view state."""

from __future__ import annotations

from collections.abc import Callable

# Elements whose pick is a selected_* value rather than an option or a button value.
SELECTED_KINDS = frozenset(
    {"users_select", "conversations_select", "channels_select", "datepicker", "timepicker"}
)
TYPED = frozenset({"plain_text_input", "number_input", "url_text_input", "email_text_input"})
LISTS = frozenset({"checkboxes"})


def options_of(element: dict) -> list[tuple[str | None, list[dict]]]:
    """(group label or None, options) pairs of a select, radio or checkbox element."""
    if element.get("option_groups"):
        return [(g["label"]["text"], g.get("options") or []) for g in element["option_groups"]]
    return [(None, element.get("options") or [])]


def _initial(element: dict):
    kind = element.get("type", "")
    if kind in TYPED:
        return element.get("initial_value") or ""
    if kind.startswith("multi_") or kind in LISTS:
        if kind.endswith("users_select"):
            return list(element.get("initial_users") or [])
        if kind.endswith(("conversations_select", "channels_select")):
            key = "initial_conversations" if "conversations" in kind else "initial_channels"
            return list(element.get(key) or [])
        return [o["value"] for o in element.get("initial_options") or []]
    if kind in SELECTED_KINDS:
        noun = {"users_select": "user", "datepicker": "date", "timepicker": "time"}.get(kind)
        noun = noun or ("conversation" if "conversations" in kind else "channel")
        return element.get(f"initial_{noun}") or ""
    option = element.get("initial_option")
    return option["value"] if option else ""


def current(block: dict, draft: dict):
    """What an input block shows: what the person typed last, else the initial value."""
    element = block.get("element") or {}
    if block.get("block_id") in draft:
        return draft[block["block_id"]]
    return _initial(element)


def current_label(block: dict, draft: dict) -> str:
    """The shown text of an external select's pick."""
    element = block.get("element") or {}
    if block.get("block_id") + "__label" in draft:
        return draft[block["block_id"] + "__label"]
    option = element.get("initial_option")
    return option["text"]["text"] if option else ""


def draft_of(view: dict, form) -> dict:
    """The raw form, per input block, kept to show again next to the app's errors."""
    draft = {}
    for block in _inputs(view):
        block_id, kind = block["block_id"], block["element"].get("type", "")
        if kind.startswith("multi_") or kind in LISTS:
            draft[block_id] = form.getlist(block_id)
        else:
            draft[block_id] = form.get(block_id, "")
        if kind.endswith("external_select"):
            draft[block_id + "__label"] = form.get(block_id + "__label", "")
    return draft


def submitted_values(view: dict, form, find: Callable[[str, str], dict | None]) -> dict:
    """block_id -> simple value for FakeSlack.submit, from the posted form."""
    values = {}
    for block in _inputs(view):
        block_id, element = block["block_id"], block["element"]
        kind = element.get("type", "")
        if kind.startswith("multi_") or kind in LISTS:
            values[block_id] = [v for v in form.getlist(block_id) if v]
        elif kind == "external_select":
            values[block_id] = _external(element, form, block_id, find)
        else:
            values[block_id] = form.get(block_id) or None
    return values


def _external(element: dict, form, block_id: str, find) -> dict | None:
    value, label = form.get(block_id), (form.get(block_id + "__label") or "").strip()
    if not value and label and len(label) >= element.get("min_query_length", 3):
        picked = find(element["action_id"], label)
        if picked:
            value, label = picked["value"], picked["label"]
    if not value:
        return None
    return {"text": {"type": "plain_text", "text": label or value}, "value": value}


def _inputs(view: dict) -> list[dict]:
    return [b for b in view.get("blocks") or [] if b.get("type") == "input" and b.get("element")]
