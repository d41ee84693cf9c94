"""The App Home tab: published when a person opens it, and again after changes that concern
them (`refresh_home`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.i18n import Texts
from commands.context import telling_user
from commands.render.home import ALL_SIZE, SECTION_SIZE, decode_pages, home_view
from storage import listing
from storage.listing import HomePages

log = logging.getLogger(__name__)


def render(svc, tx: Texts, user_id: str, pages: HomePages) -> dict:
    """One person's tab, read in one transaction with a fixed number of queries."""
    with svc.db.session() as session:
        home = listing.home(
            session,
            user_id=user_id,
            admin=svc.settings.is_admin(user_id),
            now=svc.clock(),
            pages=pages,
            size=SECTION_SIZE,
            all_size=ALL_SIZE,
            voting_channel=svc.settings.behov_voting_channel,
        )
    return home_view(home, tx, svc.settings.tz, pages=pages)


def publish(client: WebClient, svc, tx: Texts, user_id: str, pages: HomePages) -> None:
    # A tab is a dozen queries and a few hundred blocks: heavy work, in turn with the other
    # heavy answers, so that many at once (every voter's first click) do not hold up acks.
    view = svc.heavy.run(lambda: render(svc, tx, user_id, pages))
    client.views_publish(user_id=user_id, view=view)


def refresh_home(client: WebClient, svc, user_ids: Iterable[str | None]) -> None:
    """Publish the App Home again, on its first page, for everyone a change concerns.

    Call it after the change is committed, with the people whose tab it alters, e.g.:
    a need registered or moved -> its submitter and the admins (`settings.behov_admins`);
    a vote opened or closed -> the voting channel's members; a ballot cast -> the voter;
    a process leader appointed or changed -> the old and the new leader. The tabs are
    published one at a time after the caller goes on (`svc.homes`, bot/turns.py
    `OneAtATime`), each person once however many changes came meanwhile, and each in
    their own language; Slack failures are logged, never raised (the change itself is
    saved already). Duplicates and empty ids are skipped.
    """
    svc.homes.ask(
        {
            user_id: functools.partial(_publish_first_page, client, svc, user_id)
            for user_id in user_ids
            if user_id
        }
    )


def _publish_first_page(client: WebClient, svc, user_id: str) -> None:
    tx = Texts(svc.languages.language(user_id))
    try:
        publish(client, svc, tx, user_id, HomePages())
    except (SlackClientError, OSError) as exc:
        log.warning("could not refresh the App Home of %s: %s", user_id, exc)


def home_opened(ack, event: dict, client: WebClient, context) -> None:
    ack()
    if event.get("tab", "home") != "home":
        return
    if event.get("user"):  # the person is looking at it: now, not after others' tabs
        _publish_first_page(client, context["svc"], event["user"])


def navigate(ack, action: dict, body: dict, client: WebClient, context) -> None:
    """Another phase tab or page: publish the tab again in the state the button carries."""
    ack()
    svc, tx = context["svc"], context["tx"]
    with telling_user(None, tx, "turning a page at home"):
        publish(client, svc, tx, body["user"]["id"], decode_pages(action.get("value")))
