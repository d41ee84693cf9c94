"""View submissions: the registration form, hiding a need from the public page."""

from __future__ import annotations

from slack_bolt import App

from commands import ids, publishing, registration, votes


def register(app: App) -> None:
    app.view(ids.REGISTER_VIEW)(registration.submit)
    app.view(ids.VOTE_REASON_VIEW)(votes.save_reason)
    app.view(ids.HIDE_PUBLIC_VIEW)(publishing.submit_hide)
