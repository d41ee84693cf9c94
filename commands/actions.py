"""Buttons: show a need's status from a list, open an existing need instead of a new one."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from commands import ids, publishing, status
from commands.context import telling_user
from commands.render.kit import modal
from domain.needs import parse_number
from storage.needs import get_need


def register(app: App) -> None:
    app.action(ids.STATUS_PICK)(pick_status)
    app.action(ids.OPEN_NEED)(open_need)
    app.action(ids.HIDE_PUBLIC)(publishing.toggle)


def _need_from(action: dict, svc):
    number = parse_number(action.get("value") or "")
    if number is None:
        return None
    with svc.db.session() as session:
        return get_need(session, need_id=number)


def pick_status(ack, action: dict, respond, context) -> None:
    ack()
    svc, tx = context["svc"], context["tx"]
    need = _need_from(action, svc)
    text, blocks = status.show(svc, tx, need) if need else (tx("status.gone"), None)
    with telling_user(respond, tx, "answering a status pick"):
        respond(text=text, blocks=blocks, replace_original=True)


def open_need(ack, action: dict, body: dict, client: WebClient, respond, context) -> None:
    """From the similar-needs warning: show the existing need on top of the form."""
    ack()
    svc, tx = context["svc"], context["tx"]
    need = _need_from(action, svc)
    if need is None:
        return
    _, blocks = status.show(svc, tx, need)
    view = modal("need_status", f"#{need.id}", blocks, close=tx("common.back"))
    with telling_user(respond, tx, "showing an existing need"):
        client.views_push(trigger_id=body["trigger_id"], view=view)
