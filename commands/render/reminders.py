"""Milestone and stale-need reminders: short messages with a button to the need."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.i18n import Texts
from commands import ids
from commands.render.digest import SlackFormat
from commands.render.kit import button, context, section
from domain.reminders import REPORT_KINDS
from storage.digest import Cut
from storage.reminders import MilestoneDue

MILESTONE_WHEN = {
    0: "reminder.milestone.today",
    1: "reminder.milestone.tomorrow",
    7: "reminder.milestone.week",
}


def _with_details(text: str, number: int, tx: Texts) -> dict:
    return section(text, accessory=button(tx("digest.details"), ids.DETAILS, str(number)))


def milestone_reminder(milestone: MilestoneDue, days_left: int, tx: Texts, tz: ZoneInfo):
    """To the process leader, a week and a day before a milestone (said as it is when sent)."""
    fmt = SlackFormat(tz)
    values = {
        "title": fmt.text(milestone.title),
        "need": fmt.need(milestone.need),
        "date": fmt.day(milestone.due),
    }
    if days_left in (0, 1, 7):
        text = tx(MILESTONE_WHEN[days_left], **values)
    else:
        text = tx.plural("reminder.milestone.in_days", days_left, **values)
    return text, [_with_details(text, milestone.need.id, tx)]


def report_day(milestone: MilestoneDue, tx: Texts, tz: ZoneInfo) -> tuple[str, list]:
    """To the voting channel on the day a report is due to VVG."""
    fmt = SlackFormat(tz)
    report = milestone.kind if milestone.kind in REPORT_KINDS else "delrapport_vvg"
    text = tx(
        "reminder.report_day",
        report=tx(f"reminder.report.{report}"),
        need=fmt.need(milestone.need),
        title=fmt.text(milestone.title),
    )
    return text, [_with_details(text, milestone.need.id, tx)]


def stale_reminder(stale: Cut, days: int, tx: Texts, tz: ZoneInfo) -> tuple[str, list]:
    """To an admin: needs that have waited too long in phase 1 (newly so since last time)."""
    fmt = SlackFormat(tz)
    intro = tx.plural("reminder.stale.intro", stale.total, days=days)
    blocks = [section(intro)]
    for item in stale.items:
        since = fmt.moment(item.waiting_since)
        line = tx("reminder.stale.line", need=fmt.need(item.need), date=since)
        blocks.append(_with_details(line, item.need.id, tx))
    if stale.more:
        blocks.append(context(tx("digest.more", count=stale.more)))
    return intro, blocks
