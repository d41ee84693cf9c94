"""The forms of phases 2-4 as plain data, and the rules each must meet before it is saved:
VVG's position-taking, the mission document (uppdragshandling) with its timetable, and the
completion of a mission."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from domain.text import is_link

TEXT_MAX = 3000
MILESTONE_TITLE_MAX = 150
MILESTONES_MAX = 30
# Dates a mission can have: `0001-01-01` or `9999-12-31` is a slip of the keyboard.
DATE_FIRST, DATE_LAST = date(2000, 1, 1), date(2100, 12, 31)
_RANGE = {"first": DATE_FIRST.isoformat(), "last": DATE_LAST.isoformat()}

# A problem is a catalogue key and the values of its placeholders.
Problem = tuple[str, dict]


class MilestoneKind(StrEnum):
    INTERIM_VVG = "delrapport_vvg"  # delrapportering till VVG
    REPORT_SRO = "rapport_sro"  # rapport till SRO
    FINAL = "slutrapport"  # slutrapport
    OTHER = "ovrigt"


# The word a timetable line may start with after its date (Swedish first, English too).
KIND_WORDS = {
    "delrapport": MilestoneKind.INTERIM_VVG,
    "interim": MilestoneKind.INTERIM_VVG,
    "sro": MilestoneKind.REPORT_SRO,
    "slutrapport": MilestoneKind.FINAL,
    "final": MilestoneKind.FINAL,
    "övrigt": MilestoneKind.OTHER,
    "ovrigt": MilestoneKind.OTHER,
    "other": MilestoneKind.OTHER,
}
KIND_WORD = {
    MilestoneKind.INTERIM_VVG: "delrapport",
    MilestoneKind.REPORT_SRO: "sro",
    MilestoneKind.FINAL: "slutrapport",
    MilestoneKind.OTHER: "övrigt",
}


@dataclass(frozen=True)
class AssessmentDraft:
    """VVG's answers to the three questions of the process, and a comment."""

    relevant: bool | None = None  # relevant, feasible, significant and engaging?
    person_centred: bool | None = None  # more person-centred and more accessible care?
    trust: bool | None = None  # more trust and stronger collaboration?
    comment: str = ""


def assessment_problems(draft: AssessmentDraft) -> dict[str, Problem]:
    problems: dict[str, Problem] = {}
    for name in ("relevant", "person_centred", "trust"):
        if getattr(draft, name) is None:
            problems[name] = ("lifecycle.assess.error.answer", {})
    if len(draft.comment) > TEXT_MAX:
        problems["comment"] = ("lifecycle.error.too_long", {"max": TEXT_MAX})
    return problems


@dataclass(frozen=True)
class MilestoneDraft:
    due: date
    kind: MilestoneKind
    title: str


def parse_milestones(text: str) -> tuple[list[MilestoneDraft], list[Problem]]:
    """One milestone a line, `ÅÅÅÅ-MM-DD [typ] titel`; returns the rows and what is wrong."""
    rows: list[MilestoneDraft] = []
    problems: list[Problem] = []
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1)]
    for number, line in [(n, line) for n, line in lines if line]:
        match = re.fullmatch(r"(\S+)\s*(.*)", line)
        when, rest = match.group(1), match.group(2).strip()
        due = _due(number, line, when)
        if not isinstance(due, date):
            problems.append(due)
            continue
        word, _, title = rest.partition(" ")
        kind = KIND_WORDS.get(word.rstrip(":").casefold())
        if kind is None:
            kind, title = MilestoneKind.OTHER, rest
        title = title.strip()
        if not title and kind is MilestoneKind.OTHER:
            problems.append(("lifecycle.mission.error.no_title", {"line": number}))
        elif len(title) > MILESTONE_TITLE_MAX:
            problems.append(
                ("lifecycle.mission.error.title_long", {"line": number, "max": MILESTONE_TITLE_MAX})
            )
        else:
            rows.append(MilestoneDraft(due=due, kind=kind, title=title))
    if len(rows) > MILESTONES_MAX:
        problems.append(("lifecycle.mission.error.too_many", {"max": MILESTONES_MAX}))
    return sorted(rows, key=lambda row: row.due), problems


def _due(number: int, line: str, when: str) -> date | Problem:
    """The date line `number` starts with, or what is wrong with it."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", when):
        return ("lifecycle.mission.error.no_date", {"line": number, "text": line})
    try:
        due = date.fromisoformat(when)
    except ValueError:
        return ("lifecycle.mission.error.bad_date", {"line": number, "date": when})
    if not DATE_FIRST <= due <= DATE_LAST:
        return ("lifecycle.mission.error.date_range", {"line": number, "date": when, **_RANGE})
    return due


def format_milestones(rows) -> str:
    """The timetable as the lines `parse_milestones` reads back (for editing later)."""
    lines = []
    for row in sorted(rows, key=lambda r: r.due):
        lines.append(f"{row.due.isoformat()} {KIND_WORD[MilestoneKind(row.kind)]} {row.title}")
    return "\n".join(line.rstrip() for line in lines)


@dataclass
class MissionDraft:
    """The mission document as the form holds it (seed 004's parts, seed 002's shape)."""

    description: str = ""
    purpose_goals: str = ""
    delimitations: str = ""
    group_composition: str = ""
    time_needed: str = ""
    process_leader: str | None = None
    working_group: list[str] = field(default_factory=list)
    external_members: str = ""
    resourcing: str = ""
    state_grant: bool = False
    inform_sro: bool = False
    timetable: str = ""

    def milestones(self) -> list[MilestoneDraft]:
        return parse_milestones(self.timetable)[0]


MISSION_TEXTS = (
    "description",
    "purpose_goals",
    "delimitations",
    "group_composition",
    "time_needed",
    "external_members",
    "resourcing",
)


def mission_problems(draft: MissionDraft) -> dict[str, Problem]:
    """Field -> problem; the description and the purpose and goals are required."""
    problems: dict[str, Problem] = {}
    for name in MISSION_TEXTS:
        if len(getattr(draft, name)) > TEXT_MAX:
            problems[name] = ("lifecycle.error.too_long", {"max": TEXT_MAX})
    for name in ("description", "purpose_goals"):
        if not getattr(draft, name).strip():
            problems[name] = ("lifecycle.mission.error.required", {})
    _, timetable = parse_milestones(draft.timetable)
    if timetable:
        problems["timetable"] = timetable[0]
    return problems


@dataclass(frozen=True)
class CompletionDraft:
    """What completes a mission: the final report, VVG's (and SRO's) position, the product."""

    final_report_date: date | None = None
    final_report_url: str = ""
    vvg_position: str = ""
    sro_position: str = ""
    product_url: str = ""


def report_problems(milestone_id: int | None, url: str) -> dict[str, Problem]:
    """Field -> problem of a report handed in: which milestone, and a link if one is given."""
    problems: dict[str, Problem] = {}
    if milestone_id is None:
        problems["milestone"] = ("lifecycle.report.error.milestone", {})
    if url and not is_link(url):
        problems["url"] = ("lifecycle.complete.error.link", {})
    return problems


def completion_problems(draft: CompletionDraft, *, today: date | None = None) -> dict[str, Problem]:
    """Field -> problem. `today` (in BEHOV_TIMEZONE) refuses a final report dated later: a
    mission is completed with a report that exists (the form's check; storage's re-check
    has no time zone and leaves it out)."""
    problems: dict[str, Problem] = {}
    dated = _report_date_problem(draft.final_report_date, today)
    if dated:
        problems["final_report_date"] = dated
    for name in ("final_report_url", "product_url"):
        value = getattr(draft, name)
        if not value:
            problems[name] = ("lifecycle.complete.error.link_missing", {})
        elif not is_link(value):
            problems[name] = ("lifecycle.complete.error.link", {})
    if not draft.vvg_position.strip():
        problems["vvg_position"] = ("lifecycle.complete.error.vvg_position", {})
    for name in ("vvg_position", "sro_position"):
        if len(getattr(draft, name)) > TEXT_MAX:
            problems[name] = ("lifecycle.error.too_long", {"max": TEXT_MAX})
    return problems


def _report_date_problem(when: date | None, today: date | None) -> Problem | None:
    if when is None:
        return ("lifecycle.complete.error.date", {})
    if not DATE_FIRST <= when <= DATE_LAST:
        return ("lifecycle.complete.error.date_range", _RANGE)
    if today is not None and when > today:
        return ("lifecycle.complete.error.date_future", {"today": today.isoformat()})
    return None
