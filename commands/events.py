"""Events API: nothing acts on events yet except acknowledging them."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    app.event("app_home_opened")(lambda ack: ack())
