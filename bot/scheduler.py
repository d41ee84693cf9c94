"""The clock: APScheduler wakes us every tick; what is due is decided by the database."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from bot.digest import send_due_digest
from bot.reminders import send_milestone_reminders, send_stale_reminders
from commands.vote_jobs import VOTE_JOBS

log = logging.getLogger(__name__)

# Each job takes (services, now) and does whatever is due as of now, claiming it first.
JOBS: list[Callable] = [
    send_due_digest,
    send_milestone_reminders,
    send_stale_reminders,
    *VOTE_JOBS,
]


def run_due_work(services) -> None:
    now = services.clock()
    for job in JOBS:
        try:
            job(services, now)
        except Exception:  # one failing kind of work must not stop the others
            log.exception("scheduled job %s failed", getattr(job, "__name__", job))


def start_scheduler(services) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=services.settings.tz)
    scheduler.add_job(
        run_due_work,
        "interval",
        args=[services],
        seconds=services.settings.behov_tick_seconds,
        id="tick",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler
