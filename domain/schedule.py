"""When scheduled work is due, in local time (Europe/Stockholm), as plain functions of `now`.

Everything here answers "which occurrence is due as of now" from the cron expression, the
calendar and the Swedish public holidays; nothing is remembered between ticks. Results are
aware UTC datetimes, the key under which the work is claimed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from apscheduler.triggers.cron import CronTrigger

# How far back a missed occurrence is still looked for: more than the grace period (work
# older than that is only recorded as skipped) plus the longest run of Swedish holidays and
# weekend days a digest can be moved across (Christmas, Easter: at most five days).
LOOKBACK = timedelta(days=14)
# Reminders about dates (milestones, stale needs) go out at this local time.
MORNING = time(8, 0)


@cache
def _swedish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("SE", years=year)


def is_holiday(day: date) -> bool:
    """A Swedish public holiday (röd dag), Sundays not counted as such."""
    return day in _swedish_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def next_working_day(day: date) -> date:
    """The first working day after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`day` at local time `at`, in UTC (a time that does not exist is read as after the gap)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


@cache
def _trigger(cron: str, tz: ZoneInfo) -> CronTrigger:
    return CronTrigger.from_crontab(cron, timezone=tz)


def cron_times(cron: str, tz: ZoneInfo, start: datetime, end: datetime) -> Iterator[datetime]:
    """Every occurrence of `cron` (local wall clock in `tz`) in [start, end], in UTC."""
    trigger = _trigger(cron, tz)
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment <= end:
        yield moment.astimezone(UTC)
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))


def moved_off_holiday(moment: datetime, tz: ZoneInfo) -> datetime:
    """An occurrence on a public holiday moves to the next working day, same local time."""
    local = moment.astimezone(tz)
    if not is_holiday(local.date()):
        return moment
    return local_moment(next_working_day(local.date()), local.time(), tz)


def _effective(cron: str, tz: ZoneInfo, start: datetime, end: datetime, skip_holidays: bool):
    for moment in cron_times(cron, tz, start, end):
        yield moved_off_holiday(moment, tz) if skip_holidays else moment


def latest_due(
    cron: str, tz: ZoneInfo, now: datetime, *, skip_holidays: bool = True
) -> datetime | None:
    """The most recent occurrence (after any holiday move) at or before `now`, in UTC."""
    due = [m for m in _effective(cron, tz, now - LOOKBACK, now, skip_holidays) if m <= now]
    return max(due, default=None)


def next_due(
    cron: str, tz: ZoneInfo, now: datetime, *, skip_holidays: bool = True
) -> datetime | None:
    """The first occurrence (after any holiday move) after `now`, in UTC."""
    start = now - LOOKBACK  # an occurrence before now may have been moved to after it
    for horizon in (timedelta(days=35), timedelta(days=800)):
        later = [m for m in _effective(cron, tz, start, now + horizon, skip_holidays) if m > now]
        if later:
            return min(later)
    return None


def latest_working_morning(now: datetime, tz: ZoneInfo, at: time = MORNING) -> datetime:
    """The most recent working day at local `at` that is not after `now`, in UTC."""
    day = local_date(now, tz)
    while not is_working_day(day) or local_moment(day, at, tz) > now:
        day -= timedelta(days=1)
    return local_moment(day, at, tz)
