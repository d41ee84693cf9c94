"""View submissions: the registration form."""

from __future__ import annotations

from slack_bolt import App

from commands import ids, registration, votes


def register(app: App) -> None:
    app.view(ids.REGISTER_VIEW)(registration.submit)
    app.view(ids.VOTE_REASON_VIEW)(votes.save_reason)
