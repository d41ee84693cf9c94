"""The message shortcut "Registrera som behov": any message can become a need."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from commands import ids, registration
from domain.needs import DESCRIPTION_MAX, Draft


def register(app: App) -> None:
    app.shortcut(ids.REGISTER_SHORTCUT)(register_message)


def register_message(ack, shortcut: dict, client: WebClient, respond, context) -> None:
    ack()
    message = shortcut.get("message") or {}
    draft = Draft(
        description=(message.get("text") or "")[:DESCRIPTION_MAX],
        source_channel=(shortcut.get("channel") or {}).get("id"),
        source_ts=message.get("ts") or shortcut.get("message_ts"),
    )
    registration.open_form(
        client,
        context["svc"],
        context["tx"],
        trigger_id=shortcut["trigger_id"],
        draft=draft,
        respond=respond,
    )
