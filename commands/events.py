"""Events API: the App Home tab when a person opens it, and who may vote (channel membership)."""

from __future__ import annotations

from slack_bolt import App

from commands import home, votes


def register(app: App) -> None:
    app.event("app_home_opened")(home.home_opened)
    app.event("member_joined_channel")(votes.member_joined)
    app.event("member_left_channel")(votes.member_left)
