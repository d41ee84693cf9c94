"""Registering a need: open the form, and save it when it is sent (shared by all entry points)."""

from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.i18n import Texts
from bot.posting import post_once
from commands import ids
from commands.context import telling_user
from commands.home import refresh_home
from commands.render.registration import done_message, done_view, read_form, registration_modal
from domain.needs import Draft, content_hash, errors_for
from storage.needs import (
    create_need,
    find_by_content,
    last_organisation,
    needs_by_ids,
    set_permalink,
)

log = logging.getLogger(__name__)


def open_form(
    client: WebClient,
    svc,
    tx: Texts,
    *,
    trigger_id: str,
    draft: Draft,
    respond,
    user_id: str,
    description_cut: bool = False,
    names_shown: bool = False,
) -> None:
    """Open the registration modal (after the ack; a failure is told to the person), with
    the organisation the person named last time."""
    if not draft.organisation:
        with svc.db.session() as session:
            draft = replace(draft, organisation=last_organisation(session, user_id=user_id))
    with telling_user(respond, tx, "opening the registration form"):
        view = registration_modal(
            draft, svc.ref, tx, description_cut=description_cut, names_shown=names_shown
        )
        client.views_open(trigger_id=trigger_id, view=view)


def submit(ack, body: dict, view: dict, client: WebClient, context) -> None:
    """Validate, warn about similar needs once, then store exactly once and confirm."""
    svc, tx = context["svc"], context["tx"]
    draft, metadata = read_form(view)
    problems = errors_for(draft, svc.ref)
    if problems:
        ack(response_action="errors", errors={field: tx(key) for field, key in problems.items()})
        return
    user_id = body["user"]["id"]
    with svc.db.session(write=True) as session:
        digest = content_hash(draft.title, draft.description)
        already = find_by_content(session, user_id=user_id, digest=digest)
        if already is None and not metadata.get("seen"):
            matches = svc.titles.similar(session, draft.title, draft.description)
            if matches:
                found = needs_by_ids(session, ids=[m.need_id for m in matches])
                similar = [found[m.need_id] for m in matches if m.need_id in found]
                view = registration_modal(draft, svc.ref, tx, similar=similar)
                ack(response_action="update", view=view)
                return
        need, created = (
            (already, False)
            if already
            else create_need(session, draft=draft, ref=svc.ref, user_id=user_id, now=svc.clock())
        )
    ack(response_action="update", view=done_view(need, tx, created=created))
    if not created:
        return
    text, blocks = done_message(need, tx, created=True)
    try:  # the form already shows the number: a message that cannot be sent is only logged
        post_once(client, channel=user_id, text=text, blocks=blocks)
    except (SlackClientError, OSError) as exc:
        log.warning("could not send the confirmation of #%s: %s", need.id, exc)
    if draft.source_channel and draft.source_ts:
        _store_permalink(client, svc, need.id, draft.source_channel, draft.source_ts)
    refresh_home(client, svc, [user_id, *sorted(svc.settings.behov_admins)])


def _store_permalink(client: WebClient, svc, need_id: int, channel: str, ts: str) -> None:
    try:
        link = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except (SlackClientError, KeyError) as exc:
        log.warning("no permalink for #%s: %s", need_id, exc)
        return
    with svc.db.session(write=True) as session:
        set_permalink(session, need_id=need_id, permalink=link)


VIEW_CALLBACK = ids.REGISTER_VIEW
