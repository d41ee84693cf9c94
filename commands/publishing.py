"""Admins hide a need from the public page (with a reason) and show it again.

The button (`ids.HIDE_PUBLIC`, value = need number) sits in the need's details view; a
hidden need is shown again at once, a shown one asks for the reason in a modal. Everyone
else is refused, also when they send the payload by hand.
"""

from __future__ import annotations

import json

from slack_sdk import WebClient

from commands import ids
from commands.context import telling_user
from commands.render.kit import escape
from commands.render.publishing import hide_modal, notice_modal, read_reason
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
    number = parse_number(action.get("value") or "")
    if not svc.settings.is_admin(user_id):
        view = notice_modal(tx("public.hide.admins_only"), tx)
    else:
        with svc.db.session(write=True) as session:
            need = session.get(Need, number) if number else None
            if need is None:
                view = notice_modal(tx("public.hide.gone"), tx)
            elif need.public_hidden:
                show_need(session, need=need, actor=user_id, now=svc.clock())
                view = notice_modal(tx("public.hide.shown", number=f"#{need.id}"), tx)
            else:
                view = hide_modal(need, tx)
    with telling_user(respond, tx, "opening the hide-from-public modal"):
        _present(client, body, view)


def submit_hide(ack, body: dict, view: dict, context) -> None:
    svc, tx = context["svc"], context["tx"]
    user_id = body["user"]["id"]
    if not svc.settings.is_admin(user_id):
        ack(response_action="update", view=notice_modal(tx("public.hide.admins_only"), tx))
        return
    reason = read_reason(view)
    if not reason:
        ack(response_action="errors", errors={ids.HIDE_REASON: tx("public.hide.reason_missing")})
        return
    try:
        number = int(json.loads(view.get("private_metadata") or "{}").get("need"))
    except (TypeError, ValueError):
        number = None
    with svc.db.session(write=True) as session:
        need = session.get(Need, number) if number else None
        if need is not None:
            hide_need(session, need=need, actor=user_id, reason=reason, now=svc.clock())
    if need is None:
        text = tx("public.hide.gone")
    else:
        text = tx("public.hide.hidden", number=f"#{need.id}", reason=escape(reason))
    ack(response_action="update", view=notice_modal(text, tx))
