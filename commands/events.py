"""Events API: membership of the voting channel (who may vote); the rest is acknowledged."""

from __future__ import annotations

from slack_bolt import App

from commands import votes


def register(app: App) -> None:
    app.event("app_home_opened")(lambda ack: ack())
    app.event("member_joined_channel")(votes.member_joined)
    app.event("member_left_channel")(votes.member_left)
