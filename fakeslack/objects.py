"""Checks of Block Kit composition objects (text, option, confirm) used by blocks and elements."""

from __future__ import annotations


class Checker:
    """Collects "where: what" errors so one call reports every problem, like Slack does."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def string(self, where: str, value, limit: int, required: bool = False) -> bool:
        """A string of at most `limit` characters; True when present and valid."""
        if value is None:
            if required:
                self.err(where, "required")
            return False
        if not isinstance(value, str):
            self.err(where, "must be a string")
            return False
        if required and not value:
            self.err(where, "must not be empty")
            return False
        if len(value) > limit:
            self.err(where, f"longer than {limit}")
            return False
        return True

    def boolean(self, where: str, value) -> None:
        if value is not None and not isinstance(value, bool):
            self.err(where, "must be true or false")

    def array(self, where: str, value, limit: int | None, minimum: int = 0) -> list:
        """A list of at most `limit` items; returns it (or [] when it is not a list)."""
        if not isinstance(value, list):
            self.err(where, "required" if value is None else "must be an array")
            return []
        if len(value) < minimum:
            self.err(where, f"needs at least {minimum} item{'s' if minimum > 1 else ''}")
        if limit is not None and len(value) > limit:
            self.err(where, f"more than {limit} items")
        return value

    def text(self, where: str, obj, limit: int, plain: bool = False, required: bool = True):
        """A text object: plain_text (or mrkdwn unless `plain`) with 1..limit characters."""
        if obj is None:
            if required:
                self.err(where, "required")
            return
        if not isinstance(obj, dict):
            self.err(where, "must be a text object")
            return
        kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if obj.get("type") not in kinds:
            self.err(f"{where}.type", f"must be {' or '.join(kinds)}")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.err(f"{where}.text", "must be a non-empty string")
        elif len(text) > limit:
            self.err(where, f"longer than {limit}")
        if obj.get("type") == "plain_text":
            self.boolean(f"{where}.emoji", obj.get("emoji"))
        else:
            self.boolean(f"{where}.verbatim", obj.get("verbatim"))

    def option(self, where: str, opt, plain: bool = True, url: bool = False) -> None:
        """An option object: text ≤75, value ≤150, description ≤75 (url only in overflow)."""
        if not isinstance(opt, dict):
            self.err(where, "must be an option object")
            return
        self.text(f"{where}.text", opt.get("text"), 75, plain=plain)
        self.string(f"{where}.value", opt.get("value"), 150, required=True)
        self.text(f"{where}.description", opt.get("description"), 75, plain=plain, required=False)
        if "url" in opt:
            if url:
                self.string(f"{where}.url", opt["url"], 3000)
            else:
                self.err(f"{where}.url", "only allowed in overflow menus")

    def confirm(self, where: str, obj) -> None:
        """A confirmation dialog: title ≤100, text ≤300, confirm/deny ≤30, style."""
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.err(where, "must be a confirm object")
            return
        self.text(f"{where}.title", obj.get("title"), 100, plain=True)
        self.text(f"{where}.text", obj.get("text"), 300)
        self.text(f"{where}.confirm", obj.get("confirm"), 30, plain=True)
        self.text(f"{where}.deny", obj.get("deny"), 30, plain=True)
        if obj.get("style") not in (None, "primary", "danger"):
            self.err(f"{where}.style", "must be primary or danger")


def option_key(opt) -> tuple:
    """What makes two options the same for initial_option(s): value and text."""
    if not isinstance(opt, dict):
        return (None, None)
    return (opt.get("value"), (opt.get("text") or {}).get("text"))


def all_options(element: dict) -> list:
    """The options of a select, flattening option_groups."""
    if isinstance(element.get("option_groups"), list):
        return [
            o
            for g in element["option_groups"]
            if isinstance(g, dict)
            for o in (g.get("options") or [])
        ]
    options = element.get("options")
    return options if isinstance(options, list) else []
