"""Milestone reminders and the stale-needs message to admins, each sent once.

Milestones: the process leader gets a direct message at 08:00 local time 7 days and 1 day
before a milestone's date, and the voting channel gets a post at 08:00 on the day an interim
or final report is due to VVG. Stale needs: on each working day at 08:00 every admin gets one
direct message listing the needs that have passed 30 days in phase 1 since the last such
message they were sent; a day with none sends nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.due import GRACE, deliver_once
from bot.i18n import SV, Texts
from bot.notify import ScheduledPost, scheduled_client
from commands.render.reminders import milestone_reminder, report_day, stale_reminder
from domain.reminders import (
    LEADER_NOTICES,
    REPORT_DAY,
    STALE_AFTER,
    milestone_notices,
    milestone_window,
)
from domain.schedule import latest_working_morning, local_date
from storage.claims import done, last_sent, settled
from storage.reminders import MilestoneDue, milestones_between, newly_stale

STALE = "stale_needs"
MILESTONE_KINDS = (*(name for name, _ in LEADER_NOTICES), REPORT_DAY)
# Notices missed by more than the grace period are still recorded (as skipped) this far back.
LOOKBACK = GRACE + timedelta(days=2)


def send_milestone_reminders(services, now: datetime) -> None:
    """Job: every milestone notice due as of now, once."""
    settings = services.settings
    tz = settings.tz
    first, last = milestone_window(now, tz, LOOKBACK)
    with services.db.session() as session:
        milestones = milestones_between(session, first=first, last=last)
        finished = settled(session, kinds=MILESTONE_KINDS, since=now - LOOKBACK)
    for milestone in milestones:
        for notice in milestone_notices(milestone.due, milestone.kind, tz):
            subject = f"milestone:{milestone.id}"
            if not now - LOOKBACK <= notice.due_at <= now:
                continue
            if (notice.kind, subject, notice.due_at) in finished:
                continue
            _deliver_notice(services, milestone, notice, subject, now)


def _deliver_notice(services, milestone: MilestoneDue, notice, subject: str, now) -> None:
    to = _recipient(services, milestone, notice.days_before)
    if to is None:
        return
    message = ScheduledPost(
        scheduled_client(services),
        channel=to,
        kind=notice.kind,
        subject=subject,
        due_at=notice.due_at,
    )
    deliver_once(
        services,
        kind=notice.kind,
        subject=subject,
        due_at=notice.due_at,
        now=now,
        send=_milestone_sender(services, message, milestone, notice.days_before, now),
        was_sent=message.was_sent,
    )


def _recipient(services, milestone: MilestoneDue, days_before: int) -> str | None:
    """The voting channel on the report day, else the process leader; None: nobody to tell."""
    if days_before == 0:
        return services.settings.behov_voting_channel or None
    return milestone.process_leader or None


def _milestone_sender(
    services, message: ScheduledPost, milestone: MilestoneDue, days_before: int, now
):
    settings = services.settings

    def send() -> None:
        if days_before == 0:
            text, blocks = report_day(milestone, SV, settings.tz)
        else:
            tx = Texts(services.languages.language(message.channel))
            days_left = max(0, (milestone.due - local_date(now, settings.tz)).days)
            text, blocks = milestone_reminder(milestone, days_left, tx, settings.tz)
        message.send(text=text, blocks=blocks)

    return send


def send_stale_reminders(services, now: datetime) -> None:
    """Job: this working day's message to each admin about needs newly stale, once."""
    settings = services.settings
    due = latest_working_morning(now, settings.tz)
    for admin in sorted(settings.behov_admins):
        with services.db.session() as session:
            if done(session, kind=STALE, subject=admin, due_at=due):
                continue
            since = last_sent(session, kind=STALE, subject=admin, before=due)
            window = _stale_window(since, due)
            if newly_stale(session, limit=1, **window).total == 0:
                continue  # nothing to say today: no message, no record
        message = ScheduledPost(
            scheduled_client(services), channel=admin, kind=STALE, subject=admin, due_at=due
        )
        deliver_once(
            services,
            kind=STALE,
            subject=admin,
            due_at=due,
            now=now,
            send=_stale_sender(services, message, admin, window),
            was_sent=message.was_sent,
        )


def _stale_window(since: datetime | None, due: datetime) -> dict:
    """Needs whose 30 days in phase 1 ran out after the last message and by this one."""
    return {
        "entered_after": None if since is None else since - STALE_AFTER,
        "entered_until": due - STALE_AFTER,
    }


def _stale_sender(services, message: ScheduledPost, admin: str, window: dict):
    def send() -> None:
        with services.db.session() as session:
            stale = newly_stale(session, **window)
        if stale.total == 0:
            return  # taken up meanwhile
        tx = Texts(services.languages.language(admin))
        days = STALE_AFTER.days
        text, blocks = stale_reminder(stale, days, tx, services.settings.tz)
        message.send(text=text, blocks=blocks)

    return send
