"""The message shortcut "Registrera som behov": any message can become a need."""

from __future__ import annotations

import logging
import time

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.i18n import Texts
from commands import ids, registration
from domain.needs import DESCRIPTION_MAX, Draft
from domain.slack_text import Names, cut, message_text, plain_text

log = logging.getLogger(__name__)
# The trigger_id lives 3 seconds: names not found by then are shown as neutral words.
LOOKUP_SECONDS = 1.5


def register(app: App) -> None:
    app.shortcut(ids.REGISTER_SHORTCUT)(register_message)


def register_message(ack, shortcut: dict, client: WebClient, respond, context) -> None:
    ack()
    svc, tx = context["svc"], context["tx"]
    message = shortcut.get("message") or {}
    channel = shortcut.get("channel") or {}
    named: list[str] = []  # the people the text now names
    names = _names(client, svc, tx, channel, named, deadline=time.monotonic() + LOOKUP_SECONDS)
    description, was_cut = cut(plain_text(message_text(message), names).strip(), DESCRIPTION_MAX)
    draft = Draft(
        description=description,
        source_channel=channel.get("id"),
        source_ts=message.get("ts") or shortcut.get("message_ts"),
    )
    registration.open_form(
        client,
        svc,
        tx,
        trigger_id=shortcut["trigger_id"],
        draft=draft,
        respond=respond,
        user_id=shortcut["user"]["id"],
        description_cut=was_cut,
        names_shown=bool(named),
    )


def _names(
    client: WebClient, svc, tx: Texts, here: dict, named: list[str], *, deadline: float
) -> Names:
    """Lookups of people (remembered) and channels, each given up once the time is spent;
    every name found is added to `named`."""
    channels = {here.get("id"): here.get("name")}

    def user(user_id: str) -> str | None:
        name = svc.languages.display_name(user_id) if time.monotonic() < deadline else None
        if name:
            named.append(name)
        return name

    def channel(channel_id: str) -> str | None:
        if channel_id not in channels and time.monotonic() < deadline:
            try:
                channels[channel_id] = client.conversations_info(channel=channel_id)["channel"][
                    "name"
                ]
            except (SlackClientError, OSError, KeyError) as exc:
                log.info("conversations.info failed: %s", type(exc).__name__)
                channels[channel_id] = None
        return channels.get(channel_id)

    return Names(
        user=user,
        channel=channel,
        unknown_user=tx("shortcut.unknown_person"),
        unknown_channel=tx("shortcut.unknown_channel"),
        unknown_group=tx("shortcut.unknown_group"),
    )
