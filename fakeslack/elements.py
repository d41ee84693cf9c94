"""Checks of interactive Block Kit elements (buttons, selects, inputs) with Slack's limits."""

from __future__ import annotations

import re
from datetime import date

from fakeslack.objects import Checker, option_key

SELECTS = {
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
PICKERS = {"checkboxes", "datepicker", "radio_buttons", "timepicker"}
ACTIONS = SELECTS | PICKERS | {"button", "overflow", "datetimepicker", "workflow_button"}
ACCESSORY = SELECTS | PICKERS | {"button", "overflow", "image", "workflow_button"}
TEXT_INPUTS = {"plain_text_input", "number_input", "url_text_input", "email_text_input"}
INPUT = SELECTS | PICKERS | TEXT_INPUTS | {"datetimepicker", "file_input", "rich_text_input"}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def check_element(c: Checker, element: dict, where: str) -> None:
    """Check one element whose type the caller already allowed in this place."""
    kind = element["type"]
    c.confirm(f"{where}.confirm", element.get("confirm"))
    c.boolean(f"{where}.focus_on_load", element.get("focus_on_load"))
    if kind in SELECTS or kind in TEXT_INPUTS or kind in ("datepicker", "timepicker"):
        c.text(f"{where}.placeholder", element.get("placeholder"), 150, True, required=False)
    if kind == "button":
        _button(c, element, where)
    elif kind in ("static_select", "multi_static_select"):
        _static_select(c, element, where, multi=kind.startswith("multi"))
    elif kind in SELECTS:
        _dynamic_select(c, element, where, kind)
    elif kind in ("checkboxes", "radio_buttons"):
        _choices(c, element, where, multi=kind == "checkboxes")
    elif kind == "overflow":
        options = c.array(f"{where}.options", element.get("options"), 5, minimum=2)
        for i, opt in enumerate(options):
            c.option(f"{where}.options[{i}]", opt, url=True)
    elif kind == "datepicker":
        _date(c, f"{where}.initial_date", element.get("initial_date"))
    elif kind == "timepicker":
        value = element.get("initial_time")
        if value is not None and not (isinstance(value, str) and _TIME.match(value)):
            c.err(f"{where}.initial_time", "must be HH:mm")
    elif kind in TEXT_INPUTS:
        _text_input(c, element, where, kind)
    elif kind == "image":
        if not element.get("image_url") and not element.get("slack_file"):
            c.err(f"{where}.image_url", "required")
        c.string(f"{where}.image_url", element.get("image_url"), 3000)
        c.string(f"{where}.alt_text", element.get("alt_text"), 2000, required=True)


def _button(c: Checker, element: dict, where: str) -> None:
    c.text(f"{where}.text", element.get("text"), 75, plain=True)
    c.string(f"{where}.value", element.get("value"), 2000)
    c.string(f"{where}.url", element.get("url"), 3000)
    c.string(f"{where}.accessibility_label", element.get("accessibility_label"), 75)
    if element.get("style") not in (None, "primary", "danger"):
        c.err(f"{where}.style", "must be primary or danger")


def _static_select(c: Checker, element: dict, where: str, multi: bool) -> None:
    options, groups = element.get("options"), element.get("option_groups")
    known: set = set()
    if (options is None) == (groups is None):
        c.err(where, "needs exactly one of options or option_groups")
    if options is not None:
        for i, opt in enumerate(c.array(f"{where}.options", options, 100, minimum=1)):
            c.option(f"{where}.options[{i}]", opt)
            known.add(option_key(opt))
    if groups is not None:
        for g, group in enumerate(c.array(f"{where}.option_groups", groups, 100, minimum=1)):
            here = f"{where}.option_groups[{g}]"
            if not isinstance(group, dict):
                c.err(here, "must be an option group")
                continue
            c.text(f"{here}.label", group.get("label"), 75, plain=True)
            for i, opt in enumerate(c.array(f"{here}.options", group.get("options"), 100, 1)):
                c.option(f"{here}.options[{i}]", opt)
                known.add(option_key(opt))
    _initial_options(c, element, where, multi, known)


def _initial_options(c: Checker, element: dict, where: str, multi: bool, known) -> None:
    """initial_option(s) must be options of the element (known=None: any valid option)."""
    key = "initial_options" if multi else "initial_option"
    chosen = element.get(key)
    if chosen is None:
        return
    for i, opt in enumerate(c.array(f"{where}.{key}", chosen, None) if multi else [chosen]):
        here = f"{where}.{key}[{i}]" if multi else f"{where}.{key}"
        c.option(here, opt, plain=element["type"] not in ("checkboxes", "radio_buttons"))
        if known is not None and option_key(opt) not in known:
            c.err(here, "must be one of the element's options")
    if multi:
        _max_selected(c, element, where)


def _max_selected(c: Checker, element: dict, where: str) -> None:
    value = element.get("max_selected_items")
    if value is not None and (not isinstance(value, int) or value < 1):
        c.err(f"{where}.max_selected_items", "must be an integer of at least 1")


def _dynamic_select(c: Checker, element: dict, where: str, kind: str) -> None:
    multi = kind.startswith("multi")
    if kind.endswith("external_select"):
        value = element.get("min_query_length")
        if value is not None and (not isinstance(value, int) or value < 0):
            c.err(f"{where}.min_query_length", "must be a non-negative integer")
        _initial_options(c, element, where, multi, None)
        return
    noun = kind.removeprefix("multi_").removesuffix("s_select").removesuffix("_select")
    key = f"initial_{noun}s" if multi else f"initial_{noun}"
    value = element.get(key)
    if value is not None:
        items = value if multi and isinstance(value, list) else [value]
        if (multi and not isinstance(value, list)) or not all(isinstance(v, str) for v in items):
            c.err(f"{where}.{key}", "must be " + ("a list of ids" if multi else "an id"))
    if multi:
        _max_selected(c, element, where)


def _choices(c: Checker, element: dict, where: str, multi: bool) -> None:
    options = c.array(f"{where}.options", element.get("options"), 10, minimum=1)
    for i, opt in enumerate(options):
        c.option(f"{where}.options[{i}]", opt, plain=False)
    _initial_options(c, element, where, multi, {option_key(o) for o in options})


def _date(c: Checker, where: str, value) -> None:
    if value is None:
        return
    try:
        ok = isinstance(value, str) and len(value) == 10 and bool(date.fromisoformat(value))
    except ValueError:
        ok = False
    if not ok:
        c.err(where, "must be a date YYYY-MM-DD")


def _text_input(c: Checker, element: dict, where: str, kind: str) -> None:
    initial = element.get("initial_value")
    if kind == "plain_text_input":
        c.boolean(f"{where}.multiline", element.get("multiline"))
        low, high = element.get("min_length"), element.get("max_length")
        if low is not None and (not isinstance(low, int) or not 0 <= low <= 3000):
            c.err(f"{where}.min_length", "must be an integer 0..3000")
        if high is not None and (not isinstance(high, int) or not 1 <= high <= 3000):
            c.err(f"{where}.max_length", "must be an integer 1..3000")
            high = None
        if isinstance(low, int) and isinstance(high, int) and low > high:
            c.err(f"{where}.min_length", "greater than max_length")
        c.string(f"{where}.initial_value", initial, high or 3000)
    elif kind == "number_input":
        if not isinstance(element.get("is_decimal_allowed"), bool):
            c.err(f"{where}.is_decimal_allowed", "required, true or false")
        for key in ("initial_value", "min_value", "max_value"):
            value = element.get(key)
            if value is not None and not (isinstance(value, str) and _NUMBER.match(value)):
                c.err(f"{where}.{key}", "must be a number written as a string")
            elif value and "." in value and element.get("is_decimal_allowed") is False:
                c.err(f"{where}.{key}", "decimals are not allowed")
    else:
        c.string(f"{where}.initial_value", initial, 3000)
