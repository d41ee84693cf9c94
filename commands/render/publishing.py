"""The modals of hiding a need from the public page and showing it again."""

from __future__ import annotations

from bot.i18n import Texts
from commands import ids
from commands.render.kit import button, input_block, modal, section
from commands.render.needs import title_line
from domain.needs import parse_number
from domain.text import clean
from storage.models import Need
from storage.public import HIDDEN_REASON_MAX

HIDE, SHOW = "hide", "show"  # what the toggle button asks for, in its value after the number


def hide_modal(need: Need, tx: Texts, details: str | None = None) -> dict:
    """Ask the admin why the need should not be on the public page; `details` is the id of
    the details view it was asked from, refreshed once the need is hidden."""
    reason = {
        "type": "plain_text_input",
        "action_id": ids.input_action(ids.HIDE_REASON),
        "multiline": True,
        "max_length": HIDDEN_REASON_MAX,
    }
    blocks = [
        section(tx("public.hide.intro", title=title_line(need))),
        input_block(ids.HIDE_REASON, tx("public.hide.reason"), reason,
                    hint=tx("public.hide.reason_hint")),
    ]  # fmt: skip
    return modal(
        ids.HIDE_PUBLIC_VIEW,
        tx("public.hide.title_bar"),
        blocks,
        submit=tx("public.hide.submit"),
        close=tx("common.cancel"),
        metadata={"need": need.id, "v": details},
    )


def notice_modal(text: str, tx: Texts) -> dict:
    """A small modal that only tells something (done, refused, gone)."""
    return modal(ids.HIDE_PUBLIC_DONE, tx("public.hide.title_bar"), [section(text)],
                 close=tx("common.close"))  # fmt: skip


def toggle_button(need: Need, tx: Texts) -> dict:
    """The admins' button for the need's details view (rendered there, handled here). Its
    value says what it offers, so a click from a view older than the need's state is seen."""
    intent = SHOW if need.public_hidden else HIDE
    return button(tx(f"public.{intent}.button"), ids.HIDE_PUBLIC, f"{need.id}:{intent}")


def read_toggle(value: object) -> tuple[int | None, str]:
    """(need number, HIDE or SHOW) from the button's value. Anything but an explicit SHOW (a
    view from before the button said) asks to hide: that only opens the form, so no click
    publishes a need unless it says so."""
    number, _, intent = str(value).partition(":")  # a crafted payload may send a number
    return parse_number(number), SHOW if intent == SHOW else HIDE


def read_reason(view: dict) -> str:
    block = view.get("state", {}).get("values", {}).get(ids.HIDE_REASON, {})
    return clean((block.get(ids.input_action(ids.HIDE_REASON)) or {}).get("value"))
