"""What a person typed or picked, as Slack reports it in view state and block_actions."""

from __future__ import annotations

import copy
from datetime import date

from fakeslack.objects import all_options

SINGLE = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
MULTI = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
OPTIONS = {"multi_static_select", "multi_external_select", "checkboxes"}
TYPED = {"plain_text_input", "number_input", "url_text_input", "email_text_input"}


class UserActionError(AssertionError):
    """The simulated person cannot do that in Slack (the element or option is not shown)."""


def element_state(element: dict, value=None, given: bool = True) -> dict:
    """The state entry of one element; without `given`, what its initial_* fields show."""
    kind = element.get("type")
    if not given:
        value = _initial(element)
    state = {"type": kind}
    if kind in TYPED:
        state["value"] = None if value in (None, "") else str(value)
    elif kind in OPTION:
        state["selected_option"] = None if value is None else pick(element, value)
    elif kind in OPTIONS:
        values = [] if value is None else value if isinstance(value, list) else [value]
        state["selected_options"] = [pick(element, v) for v in values]
    elif kind in SINGLE:
        state[SINGLE[kind]] = value.isoformat() if isinstance(value, date) else value
    elif kind in MULTI:
        state[MULTI[kind]] = list(value or [])
    elif kind == "rich_text_input":
        state["rich_text_value"] = _rich_text(value)
    elif kind == "file_input":
        state["files"] = list(value or [])
    return state


def _initial(element: dict):
    kind = element.get("type")
    if kind in TYPED:
        return element.get("initial_value")
    if kind in OPTION:
        return element.get("initial_option")
    if kind in OPTIONS:
        return element.get("initial_options")
    if kind in SINGLE:
        noun = SINGLE[kind].removeprefix("selected_")
        return element.get(f"initial_{noun}")
    if kind in MULTI:
        return element.get(f"initial_{MULTI[kind].removeprefix('selected_')}")
    return None


def pick(element: dict, value) -> dict:
    """The option a person picks by its value (an option dict is taken as is for external ones)."""
    if element.get("type", "").endswith("external_select"):
        if isinstance(value, dict):
            return copy.deepcopy(value)
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    wanted = value.get("value") if isinstance(value, dict) else str(value)
    for option in all_options(element):
        if option.get("value") == wanted:
            return copy.deepcopy(option)
    shown = [o.get("value") for o in all_options(element)]
    raise UserActionError(f"{element.get('action_id')!r} offers no option {wanted!r} ({shown})")


def _rich_text(value) -> dict | None:
    if value is None or isinstance(value, dict):
        return value
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": str(value)}]}
    return {"type": "rich_text", "elements": [section]}


def view_state(view: dict, values: dict | None = None) -> dict:
    """state.values of a modal: `values` (block_id -> simple value) over the initial values."""
    values = dict(values or {})
    state = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not element:
            continue
        block_id = block["block_id"]
        given = block_id in values
        entry = element_state(element, values.pop(block_id, None), given=given)
        state[block_id] = {element["action_id"]: entry}
    if values:
        raise UserActionError(f"the view has no input blocks {sorted(values)}")
    return {"values": state}


def clickable(blocks: list, action_id: str, block_id: str | None = None) -> list[tuple]:
    """(block, element) pairs a click on `action_id` can reach (inputs only with dispatch)."""
    found = []
    for block in blocks or []:
        if block_id and block.get("block_id") != block_id:
            continue
        kind = block.get("type")
        elements = list(block.get("elements") or []) if kind == "actions" else []
        if kind == "section" and block.get("accessory"):
            elements.append(block["accessory"])
        if kind == "input" and block.get("dispatch_action") and block.get("element"):
            elements.append(block["element"])
        found += [(block, e) for e in elements if e.get("action_id") == action_id]
    return found


def matches(element: dict, value) -> bool:
    """Whether clicking this element can produce `value` (a button's value or an option)."""
    if value is None or isinstance(value, list | dict):
        return True
    if element.get("type") == "button":
        return element.get("value") == str(value)
    options = all_options(element)
    if options:
        return str(value) in {o.get("value") for o in options}
    return True


def action(block: dict, element: dict, value, action_ts: str) -> dict:
    """One entry of block_actions' `actions`."""
    kind = element.get("type")
    entry = {"type": kind, "block_id": block.get("block_id"), "action_id": element["action_id"]}
    if kind == "button":
        entry["text"] = copy.deepcopy(element.get("text"))
        for key in ("value", "style"):
            if key in element:
                entry[key] = element[key]
    else:
        entry.update(element_state(element, value, given=value is not None))
        if "placeholder" in element:
            entry["placeholder"] = copy.deepcopy(element["placeholder"])
    entry["action_ts"] = action_ts
    return entry
