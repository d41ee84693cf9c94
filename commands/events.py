"""Events API: the App Home tab is published when a person opens it."""

from __future__ import annotations

from slack_bolt import App

from commands import home


def register(app: App) -> None:
    app.event("app_home_opened")(home.home_opened)
