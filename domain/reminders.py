"""Which reminders a milestone or a waiting need calls for, and when (local morning)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.schedule import MORNING, local_moment

# Milestone kinds that are reports handed to VVG on their day.
REPORT_KINDS = frozenset({"delrapport_vvg", "slutrapport"})
# The process leader hears about a milestone this many days before it (kind of work, days).
LEADER_NOTICES = (("milestone_7d", 7), ("milestone_1d", 1))
REPORT_DAY = "report_day"
# A need that has stayed this long in phase 1 without being taken up is reported to admins.
STALE_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class Notice:
    kind: str  # the kind of work, part of the exactly-once key
    due_at: datetime  # UTC
    days_before: int


def milestone_notices(due: date, kind: str, tz: ZoneInfo) -> list[Notice]:
    """The process leader's reminders, and the voting channel's notice on a report's day."""
    notices = [
        Notice(name, local_moment(due - timedelta(days=days), MORNING, tz), days)
        for name, days in LEADER_NOTICES
    ]
    if kind in REPORT_KINDS:
        notices.append(Notice(REPORT_DAY, local_moment(due, MORNING, tz), 0))
    return notices


def milestone_window(now: datetime, tz: ZoneInfo, lookback: timedelta) -> tuple[date, date]:
    """Milestone dates whose notices may fall between `now - lookback` and `now`."""
    longest = max(days for _, days in LEADER_NOTICES)
    first = (now - lookback).astimezone(tz).date()
    last = now.astimezone(tz).date() + timedelta(days=longest)
    return first, last
