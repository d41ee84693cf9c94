"""The annual county-level account: what was registered, where needs stand, how long phases took.

Pure functions over plain facts (no database, no Slack). The rules, for calendar year Y in
the bot's time zone:
- Registered: needs whose registration falls in Y, counted by origin, perspective, target
  group (a need with two groups counts once in each) and level; `None` = not given.
- Status: every need registered before the end of Y, by its phase and outcome at the end of
  Y (or now, for the current year), rebuilt from the phase changes in its history; a need
  in phase 4 without an outcome counts as completed, in phases 1-3 as ongoing.
- Time in phase: each stay in a phase that ended in Y, by moving on or by closing (an
  outcome); the median and the longest in days, with the need that took longest. Phase 4
  has no end, so no time.
- Completed missions: needs that reached phase 4 in Y, with their product's link.
- Years: from FIRST_YEAR up to the current one (a later year has not begun).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.phases import Outcome, Phase

OPEN = "open"  # the status column of needs without an outcome, still in phases 1-3
COMPLETED = "completed"  # and of those in phase 4: their mission is completed
STATUS_COLUMNS = (OPEN, COMPLETED, *(o.value for o in Outcome))
FIRST_YEAR = 2000  # the earliest year a report can be asked for


@dataclass
class NeedFacts:
    """What the report needs of one need; phase_changes are (at, new phase), oldest first."""

    number: int
    title: str
    origin: str | None
    perspective: str | None
    target_groups: list[str]
    level: str | None
    submitted_at: datetime
    phase: int
    phase_entered_at: datetime
    outcome: str | None = None
    closed_at: datetime | None = None
    phase_changes: list[tuple[datetime, int]] = field(default_factory=list)
    completed_at: datetime | None = None
    product_url: str | None = None


@dataclass(frozen=True)
class PhaseTime:
    phase: int
    stays: int
    median_days: float | None
    longest_days: float | None
    longest_need: int | None


@dataclass(frozen=True)
class CompletedMission:
    number: int
    title: str
    completed_on: date
    product_url: str | None


@dataclass
class AnnualReport:
    year: int
    registered: int
    by_origin: dict[str | None, int]
    by_perspective: dict[str | None, int]
    by_target_group: dict[str | None, int]
    by_level: dict[str | None, int]
    status: dict[int, dict[str, int]]  # phase -> OPEN, COMPLETED or outcome -> count
    phase_times: list[PhaseTime]
    completed: list[CompletedMission]

    @property
    def total_at_year_end(self) -> int:
        return sum(sum(row.values()) for row in self.status.values())


def report_years(this_year: int) -> range:
    """The years an annual report can be made for."""
    return range(FIRST_YEAR, this_year + 1)


def year_bounds(year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) in the bot's zone, as UTC."""
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    return start, end


def timeline(need: NeedFacts) -> list[tuple[datetime, int]]:
    """(entered, phase) for each stay: registration in phase 1, then every phase change.

    If the history does not end where the need stands (imported data), the need's own
    phase and its date are trusted as the last stay.
    """
    stays = [(need.submitted_at, int(Phase.IDENTIFIED)), *need.phase_changes]
    if stays[-1][1] != need.phase:
        stays.append((need.phase_entered_at, need.phase))
    return stays


def _phase_at(need: NeedFacts, moment: datetime) -> int:
    phase = int(Phase.IDENTIFIED)
    for at, to_phase in timeline(need):
        if at < moment:
            phase = to_phase
    return phase


def _count(keys) -> dict[str | None, int]:
    return dict(Counter(keys).most_common())


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def _phase_times(needs: list[NeedFacts], start: datetime, end: datetime) -> list[PhaseTime]:
    stays: dict[int, list[tuple[float, int]]] = {int(p): [] for p in Phase}
    for need in needs:
        entries = timeline(need)
        for index, (entered, phase) in enumerate(entries):
            if index + 1 < len(entries):
                left = entries[index + 1][0]
            elif need.outcome and need.closed_at:
                left = need.closed_at
            else:
                continue
            if start <= left < end:
                stays[phase].append((_days(left - entered), need.number))
    times = []
    for phase, values in stays.items():
        if not values:
            times.append(PhaseTime(phase, 0, None, None, None))
            continue
        days = [d for d, _ in values]
        longest = max(values, key=lambda v: (v[0], -v[1]))
        times.append(PhaseTime(phase, len(values), round(statistics.median(days), 1), *longest))
    return times


def _completed(needs: list[NeedFacts], start, end, tz: ZoneInfo) -> list[CompletedMission]:
    done = []
    for need in needs:
        reached = next((at for at, p in timeline(need) if p == Phase.COMPLETED), None)
        when = need.completed_at or reached
        if when is not None and start <= when < end:
            day = when.astimezone(tz).date()
            done.append(CompletedMission(need.number, need.title, day, need.product_url))
    return sorted(done, key=lambda m: (m.completed_on, m.number))


def annual_report(needs: list[NeedFacts], year: int, tz: ZoneInfo) -> AnnualReport:
    start, end = year_bounds(year, tz)
    registered = [n for n in needs if start <= n.submitted_at < end]
    existing = [n for n in needs if n.submitted_at < end]
    status: dict[int, dict[str, int]] = {int(p): dict.fromkeys(STATUS_COLUMNS, 0) for p in Phase}
    for need in existing:
        phase = _phase_at(need, end)
        closed = need.outcome if need.closed_at and need.closed_at < end else None
        column = closed or (COMPLETED if phase == Phase.COMPLETED else OPEN)
        status[phase][column] = status[phase].get(column, 0) + 1
    return AnnualReport(
        year=year,
        registered=len(registered),
        by_origin=_count(n.origin for n in registered),
        by_perspective=_count(n.perspective for n in registered),
        by_target_group=_count(g for n in registered for g in (n.target_groups or [None])),
        by_level=_count(n.level for n in registered),
        status=status,
        phase_times=_phase_times(needs, start, end),
        completed=_completed(needs, start, end, tz),
    )
