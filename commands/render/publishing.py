"""The modals of hiding a need from the public page and showing it again."""

from __future__ import annotations

from bot.i18n import Texts
from commands import ids
from commands.render.kit import button, input_block, modal, section
from commands.render.needs import title_line
from storage.models import Need
from storage.public import HIDDEN_REASON_MAX


def hide_modal(need: Need, tx: Texts) -> dict:
    """Ask the admin why the need should not be on the public page."""
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
        metadata={"need": need.id},
    )


def notice_modal(text: str, tx: Texts) -> dict:
    """A small modal that only tells something (done, refused, gone)."""
    return modal(ids.HIDE_PUBLIC_DONE, tx("public.hide.title_bar"), [section(text)],
                 close=tx("common.close"))  # fmt: skip


def toggle_button(need: Need, tx: Texts) -> dict:
    """The admins' button for the need's details view (rendered there, handled here)."""
    key = "public.show.button" if need.public_hidden else "public.hide.button"
    return button(tx(key), ids.HIDE_PUBLIC, str(need.id))


def read_reason(view: dict) -> str:
    block = view.get("state", {}).get("values", {}).get(ids.HIDE_REASON, {})
    return ((block.get(ids.input_action(ids.HIDE_REASON)) or {}).get("value") or "").strip()
