"""View submissions: the registration form, the phase forms, hiding from the public page."""

from __future__ import annotations

from slack_bolt import App

from commands import ids, lifecycle, publishing, registration, votes


def register(app: App) -> None:
    app.view(ids.REGISTER_VIEW)(registration.submit)
    app.view(ids.VOTE_REASON_VIEW)(votes.save_reason)
    app.view(ids.CONFIRM_VIEW)(lifecycle.submit_confirm)
    app.view(ids.ASSESS_VIEW)(lifecycle.submit_assessment)
    app.view(ids.DECIDE_VIEW)(lifecycle.submit_decision)
    app.view(ids.MISSION_VIEW)(lifecycle.submit_mission)
    app.view(ids.COMPLETE_VIEW)(lifecycle.submit_completion)
    app.view(ids.REPORT_VIEW)(lifecycle.submit_report)
    app.view(ids.EDIT_VIEW)(lifecycle.submit_edit)
    app.view(ids.DUPLICATE_VIEW)(lifecycle.submit_duplicate)
    app.view(ids.HIDE_PUBLIC_VIEW)(publishing.submit_hide)
