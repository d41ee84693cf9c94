"""Helpers shared by the lifecycle tests: needs in a given phase, straight through storage."""

from __future__ import annotations

from datetime import date

from domain.mission import CompletionDraft, MissionDraft
from domain.needs import Draft
from domain.phases import Decision
from storage import lifecycle
from storage.models import Need
from storage.needs import create_need

ADMIN = "UADMIN1"
STAFF = "USTAFF1"


def new_need(db, ref, clock, *, title="Samordnad vårdplanering", user=STAFF) -> int:
    draft = Draft(title=title, description="Beskrivning av behovet.",
                  origin="gemensamt_utvecklingsarbete", organisation="Borås")  # fmt: skip
    with db.session(write=True) as s:
        need, _ = create_need(s, draft=draft, ref=ref, user_id=user, now=clock())
    return need.id


def mission_draft(**changes) -> MissionDraft:
    values = dict(
        description="Ta fram en gemensam rutin.",
        purpose_goals="Tryggare övergångar mellan huvudmännen.",
        process_leader="ULEADER",
        working_group=["UWG1", "UWG2"],
        external_members="Eva Extern, Vänersborgs kommun",
        state_grant=True,
        timetable="2027-01-15 delrapport Lägesrapport till VVG\n2027-06-01 slutrapport",
    )
    values.update(changes)
    return MissionDraft(**values)


def completion_draft(**changes) -> CompletionDraft:
    values = dict(
        final_report_date=date(2027, 6, 1),
        final_report_url="https://example.org/slutrapport.pdf",
        vvg_position="VVG ställer sig bakom rutinen.",
        product_url="https://example.org/rutin",
    )
    values.update(changes)
    return CompletionDraft(**values)


def advance(db, clock, need_id: int, to_phase: int, *, mission: bool = True) -> None:
    """Take a need through the process to `to_phase` as an admin would (from phase 1 or 2)."""
    with db.session(write=True) as s:
        taken_up = s.get(Need, need_id).phase >= 2
        if to_phase >= 2 and not taken_up:
            lifecycle.take_up(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock())
    if to_phase >= 2 and mission:
        with db.session(write=True) as s:
            lifecycle.decide(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                             decision=Decision.PRIORITISE)  # fmt: skip
        with db.session(write=True) as s:
            lifecycle.save_mission(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                                   draft=mission_draft())  # fmt: skip
    if to_phase >= 3:
        with db.session(write=True) as s:
            lifecycle.start_execution(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock())
    if to_phase >= 4:
        with db.session(write=True) as s:
            lifecycle.complete(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                               draft=completion_draft())  # fmt: skip
