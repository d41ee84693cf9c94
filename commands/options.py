"""Options loading for external selects: the organisation type-ahead."""

from __future__ import annotations

from slack_bolt import App

from commands import ids
from commands.render.kit import option


def register(app: App) -> None:
    app.options(ids.ORGANISATION_SEARCH)(organisation_options)


def organisation_options(ack, payload: dict, context) -> None:
    names = context["svc"].ref.match_organisations(payload.get("value") or "", limit=50)
    ack(options=[option(name, name) for name in names])
