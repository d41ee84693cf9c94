"""When scheduled work is due: cron in Swedish local time, daylight saving, holidays."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.reminders import milestone_notices
from domain.schedule import (
    is_holiday,
    latest_due,
    latest_working_morning,
    next_due,
    next_working_day,
)

TZ = ZoneInfo("Europe/Stockholm")
MONDAY_8 = "0 8 * * mon"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        # winter (CET, UTC+1): Monday 08:00 is 07:00 UTC
        (utc(2026, 11, 30, 7, 0), utc(2026, 11, 30, 7, 0)),
        (utc(2026, 11, 30, 6, 59), utc(2026, 11, 23, 7, 0)),
        # summer (CEST, UTC+2): Monday 08:00 is 06:00 UTC
        (utc(2026, 6, 1, 6, 0), utc(2026, 6, 1, 6, 0)),
        (utc(2026, 6, 1, 5, 59), utc(2026, 5, 25, 6, 0)),
        # the Mondays right after the clocks change
        (utc(2026, 3, 30, 12, 0), utc(2026, 3, 30, 6, 0)),
        (utc(2026, 10, 26, 12, 0), utc(2026, 10, 26, 7, 0)),
        # the Sunday of the spring change still sees the previous (winter) Monday
        (utc(2026, 3, 29, 12, 0), utc(2026, 3, 23, 7, 0)),
    ],
)
def test_the_digest_is_due_at_8_local_time_in_winter_and_summer(now, due):
    assert latest_due(MONDAY_8, TZ, now) == due


def test_a_digest_on_a_holiday_moves_to_the_next_working_day_same_local_time():
    assert is_holiday(date(2026, 4, 6))  # annandag påsk, a Monday
    easter_monday_noon = local(2026, 4, 6, 12, 0)
    assert latest_due(MONDAY_8, TZ, easter_monday_noon) == local(2026, 3, 30, 8, 0)
    assert next_due(MONDAY_8, TZ, easter_monday_noon) == local(2026, 4, 7, 8, 0)
    assert latest_due(MONDAY_8, TZ, local(2026, 4, 7, 8, 0)) == local(2026, 4, 7, 8, 0)
    assert latest_due(MONDAY_8, TZ, local(2026, 4, 7, 7, 59)) == local(2026, 3, 30, 8, 0)


def test_holidays_can_be_ignored():
    assert latest_due(MONDAY_8, TZ, local(2026, 4, 6, 12, 0), skip_holidays=False) == local(
        2026, 4, 6, 8, 0
    )


def test_next_working_day_skips_weekends_and_holiday_runs():
    assert next_working_day(date(2026, 4, 3)) == date(2026, 4, 7)  # långfredag .. annandag påsk
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert next_working_day(date(2026, 11, 30)) == date(2026, 12, 1)


def test_the_next_digest_after_one_is_a_week_later():
    assert next_due(MONDAY_8, TZ, local(2026, 11, 30, 8, 0)) == local(2026, 12, 7, 8, 0)
    assert next_due(MONDAY_8, TZ, local(2026, 11, 30, 7, 59)) == local(2026, 11, 30, 8, 0)


def test_a_daily_cron_across_a_holiday_run_gives_one_moved_occurrence_per_day():
    # långfredag, påskafton (a Saturday, no holiday), påskdagen and annandag all fall in
    # 3-6 April; the moved ones land on Tuesday 7 April at 08:00.
    daily = "0 8 * * *"
    assert latest_due(daily, TZ, local(2026, 4, 4, 9, 0)) == local(2026, 4, 4, 8, 0)
    assert latest_due(daily, TZ, local(2026, 4, 6, 9, 0)) == local(2026, 4, 4, 8, 0)
    assert next_due(daily, TZ, local(2026, 4, 6, 9, 0)) == local(2026, 4, 7, 8, 0)


def test_the_stale_message_goes_on_working_mornings():
    assert latest_working_morning(local(2026, 11, 30, 9, 0), TZ) == local(2026, 11, 30, 8, 0)
    assert latest_working_morning(local(2026, 11, 30, 7, 0), TZ) == local(2026, 11, 27, 8, 0)
    assert latest_working_morning(local(2026, 11, 29, 12, 0), TZ) == local(2026, 11, 27, 8, 0)
    assert latest_working_morning(local(2026, 4, 6, 12, 0), TZ) == local(2026, 4, 2, 8, 0)


def test_milestone_notices_a_week_and_a_day_before_and_reports_on_the_day():
    notices = milestone_notices(date(2026, 4, 1), "delrapport_vvg", TZ)
    assert [(n.kind, n.due_at) for n in notices] == [
        ("milestone_7d", local(2026, 3, 25, 8, 0)),  # still winter time: 07:00 UTC
        ("milestone_1d", local(2026, 3, 31, 8, 0)),  # summer time: 06:00 UTC
        ("report_day", local(2026, 4, 1, 8, 0)),
    ]
    assert notices[0].due_at == utc(2026, 3, 25, 7, 0)
    assert notices[1].due_at == utc(2026, 3, 31, 6, 0)
    other = milestone_notices(date(2026, 4, 1), "sro", TZ)
    assert [n.kind for n in other] == ["milestone_7d", "milestone_1d"]
