"""Admins hide a need from the public page (with a reason) and show it again.

The button (`ids.HIDE_PUBLIC`, value = need number and HIDE or SHOW) sits in the need's
details view; a hidden need is shown again at once, a shown one asks for the reason in a
modal. A click from a view that no longer matches the need (another admin hid or showed it
meanwhile) changes nothing, says so and refreshes the view. Everyone else is refused, also
when they send the payload by hand.
"""

from __future__ import annotations

import json

from slack_sdk import WebClient

from commands import ids
from commands.context import telling_user
from commands.lifecycle import clicked_modal, refresh_details
from commands.render.kit import escape
from commands.render.publishing import HIDE, hide_modal, notice_modal, read_reason, read_toggle
from domain.needs import parse_number
from storage.models import Need
from storage.public import hide_need, show_need


def _present(client: WebClient, body: dict, view: dict) -> None:
    """On top of the details view when clicked in one, else as a new modal."""
    if body.get("view"):
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def toggle(ack, action: dict, body: dict, client: WebClient, respond, context) -> None:
    ack()
    svc, tx = context["svc"], context["tx"]
    user_id = body["user"]["id"]
    number, intent = read_toggle(action.get("value") or "")
    admin = svc.settings.is_admin(user_id)
    if not admin:
        view = notice_modal(tx("public.hide.admins_only"), tx)
    else:
        view = _answer(svc, tx, number, intent, user_id, clicked_modal(body))
    with telling_user(respond, tx, "opening the hide-from-public modal"):
        _present(client, body, view)
    if admin and view["callback_id"] != ids.HIDE_PUBLIC_VIEW:  # shown, or already as asked
        refresh_details(client, svc, tx, clicked_modal(body), number, user_id)


def _answer(svc, tx, number: int | None, intent: str, user_id: str, details: str | None) -> dict:
    """The hide form, or a notice: shown again, already as asked, or gone."""
    with svc.db.session(write=True) as session:
        need = session.get(Need, number) if number else None
        if need is None:
            return notice_modal(tx("public.hide.gone"), tx)
        if intent == HIDE and need.public_hidden:
            return notice_modal(_already_hidden(need, tx), tx)
        if intent == HIDE:
            return hide_modal(need, tx, details)
        shown = show_need(session, need=need, actor=user_id, now=svc.clock())
        key = "public.hide.shown" if shown else "public.hide.already_shown"
        return notice_modal(tx(key, number=f"#{need.id}"), tx)


def _already_hidden(need: Need, tx) -> str:
    return tx("public.hide.already_hidden", number=f"#{need.id}",
              reason=escape(need.hidden_reason or "–"))  # fmt: skip


def submit_hide(ack, body: dict, view: dict, client: WebClient, context) -> None:
    svc, tx = context["svc"], context["tx"]
    user_id = body["user"]["id"]
    if not svc.settings.is_admin(user_id):
        ack(response_action="update", view=notice_modal(tx("public.hide.admins_only"), tx))
        return
    reason = read_reason(view)
    if not reason:
        ack(response_action="errors", errors={ids.HIDE_REASON: tx("public.hide.reason_missing")})
        return
    meta = json.loads(view.get("private_metadata") or "{}")
    number = parse_number(str(meta.get("need") or ""))
    with svc.db.session(write=True) as session:
        need = session.get(Need, number) if number else None
        if need is None:
            text = tx("public.hide.gone")
        elif hide_need(session, need=need, actor=user_id, reason=reason, now=svc.clock()):
            text = tx("public.hide.hidden", number=f"#{need.id}", reason=escape(reason))
        else:  # another admin hid it while this form was open
            text = _already_hidden(need, tx)
    ack(response_action="update", view=notice_modal(text, tx))
    if need is not None:
        refresh_details(client, svc, tx, meta.get("v"), number, user_id)
