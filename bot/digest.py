"""The weekly digest: due per BEHOV_DIGEST_CRON in local time, posted once to the channel."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.due import deliver_once
from bot.i18n import SV, Texts
from bot.notify import ScheduledPost, scheduled_client
from bot.settings import Settings
from commands.render.digest import digest_message, digest_text
from domain.schedule import latest_due, local_date, next_due
from storage.claims import done, last_sent
from storage.digest import DigestData, digest_data

DIGEST = "digest"
FIRST_PERIOD = timedelta(days=7)  # what the very first digest looks back over
MILESTONE_HORIZON = timedelta(days=14)


def due_digest(settings: Settings, now: datetime) -> datetime | None:
    """The most recent digest occurrence at or before now (holiday moves applied)."""
    return latest_due(
        settings.behov_digest_cron,
        settings.tz,
        now,
        skip_holidays=settings.behov_digest_skip_holidays,
    )


def coming_digest(settings: Settings, now: datetime) -> datetime | None:
    return next_due(
        settings.behov_digest_cron,
        settings.tz,
        now,
        skip_holidays=settings.behov_digest_skip_holidays,
    )


def gather(session, settings: Settings, *, channel: str, due: datetime) -> DigestData:
    """What happened since the last digest sent to this channel, up to the one due now."""
    since = last_sent(session, kind=DIGEST, subject=channel, before=due) or due - FIRST_PERIOD
    today = local_date(due, settings.tz)
    return digest_data(
        session, since=since, until=due, today=today, horizon=today + MILESTONE_HORIZON
    )


def send_due_digest(services, now: datetime) -> str | None:
    """Job: post the digest that is due, once across every process."""
    settings = services.settings
    channel = settings.digest_channel
    due = due_digest(settings, now)
    if not channel or due is None:
        return None
    with services.db.session() as session:
        if done(session, kind=DIGEST, subject=channel, due_at=due):
            return None
        newest = last_sent(session, kind=DIGEST, subject=channel)
    if newest is not None and newest > due:  # a later digest is out: this week is in it
        return None

    digest = ScheduledPost(
        scheduled_client(services), channel=channel, kind=DIGEST, subject=channel, due_at=due
    )

    def send() -> None:
        with services.db.session() as session:
            data = gather(session, settings, channel=channel, due=due)
        text, blocks = digest_message(data, SV, due, settings.tz)
        digest.send(text=text, blocks=blocks)

    return deliver_once(
        services,
        kind=DIGEST,
        subject=channel,
        due_at=due,
        now=now,
        send=send,
        was_sent=digest.was_sent,
    )


def preview(db, settings: Settings, now: datetime, tx: Texts = SV) -> str:
    """The next digest as plain text, as it would be posted if nothing changed meanwhile."""
    channel = settings.digest_channel
    if not channel:
        return tx("digest.preview.no_channel")
    due = coming_digest(settings, now)
    if due is None:
        return tx("digest.preview.no_schedule")
    with db.session() as session:
        data = gather(session, settings, channel=channel, due=due)
    when = due.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    heading = tx("digest.preview.next", when=when, channel=channel)
    return heading + "\n\n" + digest_text(data, tx, due, settings.tz)
