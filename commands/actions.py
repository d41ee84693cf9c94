"""Buttons: show a need's status from a list, open an existing need instead of a new one,
turn the pages of lists and of the App Home, register from the App Home."""

from __future__ import annotations

import re

from slack_bolt import App
from slack_sdk import WebClient

from commands import (
    home,
    ids,
    lifecycle,
    lists,
    matrix,
    publishing,
    registration,
    status,
    vote_opening,
    votes,
)
from commands.context import telling_user
from commands.render.kit import modal
from domain.needs import Draft, parse_number
from storage.needs import get_need


def register(app: App) -> None:
    # Bolt tries listeners in the order they were registered, building every injectable
    # argument for each one it tries: the busiest buttons, the vote choices, come first.
    for action_id in ids.VOTE_CAST.values():
        app.action(action_id)(votes.cast)
    app.action(ids.STATUS_PICK)(pick_status)
    app.action(ids.OPEN_NEED)(open_need)
    app.action(ids.DETAILS)(lifecycle.open_details)
    app.action(ids.DETAILS_NEWER)(lifecycle.page_history)
    app.action(ids.DETAILS_OLDER)(lifecycle.page_history)
    for action_id in lifecycle.FORM_BUTTONS:
        app.action(action_id)(lifecycle.open_action_form)
    app.action(ids.FOLLOW)(lifecycle.follow_click)
    app.action(ids.UNFOLLOW)(lifecycle.follow_click)
    app.action(re.compile("^" + re.escape(ids.nav_action(ids.LIST_PAGE, ""))))(lists.turn_page)
    app.action(re.compile("^" + re.escape(ids.nav_action(ids.HOME_NAV, ""))))(home.navigate)
    app.action(ids.HOME_REGISTER)(register_from_home)
    app.action(ids.HOME_MATRIX)(matrix.from_home)
    app.action(ids.OPEN_VOTE)(vote_opening.open_from_button)
    app.action(ids.VOTE_REASON)(votes.ask_reason)
    app.action(ids.VOTE_CLOSE)(votes.close_early)
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


def register_from_home(ack, body: dict, client: WebClient, context) -> None:
    """The App Home's "Registrera behov" button: the same form as `/behov ny`."""
    ack()
    registration.open_form(
        client,
        context["svc"],
        context["tx"],
        trigger_id=body["trigger_id"],
        draft=Draft(),
        respond=None,
        user_id=body["user"]["id"],
    )
