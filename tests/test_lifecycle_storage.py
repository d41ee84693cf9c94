"""The phase rules carried out on SQLite and PostgreSQL: transitions, refusals, history."""

import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from domain.lifecycle import Refused
from domain.mission import AssessmentDraft
from domain.needs import Draft
from domain.phases import Decision
from storage import lifecycle
from storage.models import Assessment, Ballot, Completion, Follower, Milestone, Need, Vote
from storage.needs import get_need, history
from tests.lifecycle_support import (
    ADMIN,
    STAFF,
    advance,
    completion_draft,
    mission_draft,
    new_need,
)


def state(db, need_id):
    with db.session() as s:
        return get_need(s, need_id=need_id), history(s, need_id=need_id)


def rows(events, *fields):
    fields = fields or ("kind", "actor", "field", "old_value", "new_value", "comment")
    return [tuple(getattr(e, f) for f in fields) for e in events]


def refused(db, call, **kw) -> str:
    """Run one action in its own transaction and return the refusal's key."""
    with pytest.raises(Refused) as info, db.session(write=True) as s:
        call(s, **kw)
    return info.value.key


def test_the_whole_way_from_phase_1_to_4_is_recorded(db, ref, clock):
    need_id = new_need(db, ref, clock)
    start = clock()
    with db.session(write=True) as s:
        lifecycle.take_up(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock.advance(days=1),
                          comment="Tas upp på VVG i december")  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.assess(
            s,
            need_id=need_id,
            actor=ADMIN,
            is_admin=True,
            now=clock.advance(days=1),
            draft=AssessmentDraft(True, True, False, "Stärker inte tilliten"),
        )
    with db.session(write=True) as s:
        lifecycle.decide(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock.advance(days=1),
                         decision=Decision.PRIORITISE, reason="Gör nu")  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.save_mission(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                               draft=mission_draft())  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.start_execution(s, need_id=need_id, actor=ADMIN, is_admin=True,
                                  now=clock.advance(days=1))  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.complete(s, need_id=need_id, actor=ADMIN, is_admin=True,
                           now=clock.advance(days=100), draft=completion_draft())  # fmt: skip
    need, events = state(db, need_id)
    assert (need.phase, need.decision, need.outcome) == (4, "prioriterat", None)
    assert need.phase_entered_at == clock() and need.updated_at == clock()
    answers = json.dumps({"relevant": True, "person_centred": True, "trust": False})
    kinds = [(e.kind, e.field, e.old_value, e.new_value) for e in events]
    assert kinds[:4] == [
        ("registered", None, None, "1"),
        ("phase_changed", "phase", "1", "2"),
        ("assessed", "assessment", None, answers),
        ("decided", "decision", None, "prioriterat"),
    ]
    assert ("mission_saved", "purpose_goals", None, mission_draft().purpose_goals) in kinds
    assert ("mission_saved", "process_leader", None, "ULEADER") in kinds
    assert ("mission_saved", "working_group", None, "UWG1, UWG2") in kinds
    assert ("mission_saved", "state_grant", None, "1") in kinds
    assert ("mission_saved", "inform_sro", None, "0") not in kinds  # a default is no change
    assert kinds[-4:] == [
        ("milestones_changed", "timetable", None,
         "2027-01-15 delrapport Lägesrapport till VVG\n2027-06-01 slutrapport"),
        ("phase_changed", "phase", "2", "3"),
        ("completed", "final_report", None, "https://example.org/slutrapport.pdf"),
        ("phase_changed", "phase", "3", "4"),
    ]  # fmt: skip
    assert {e.actor for e in events[1:]} == {ADMIN}
    assert events[1].comment == "Tas upp på VVG i december" and events[1].at > start
    assert events[2].comment == "Stärker inte tilliten" and events[3].comment == "Gör nu"
    assert [e.public for e in events if e.kind == "phase_changed"] == [True, True, True]
    assert not any(e.public for e in events if e.kind in ("assessed", "mission_saved"))
    with db.session() as s:
        assert s.get(Completion, need_id).vvg_position == "VVG ställer sig bakom rutinen."
        assert s.exec(select(Assessment)).one().trust is False


def _no_change(db, need_id, before):
    after, events = state(db, need_id)
    assert (after.phase, after.decision, after.outcome) == before[0]
    assert len(events) == before[1]


@pytest.mark.parametrize(
    ("phase", "call", "kw", "key"),
    [
        (1, lifecycle.start_execution, {}, "lifecycle.refused.skip_prioritisation"),
        (1, lifecycle.complete, {"draft": completion_draft()},
         "lifecycle.refused.not_in_execution"),
        (1, lifecycle.decide, {"decision": Decision.PARK}, "lifecycle.refused.not_taken_up"),
        (1, lifecycle.save_mission, {"draft": mission_draft()}, "lifecycle.refused.not_taken_up"),
        (2, lifecycle.take_up, {}, "lifecycle.refused.already_taken_up"),
        (2, lifecycle.start_execution, {}, "lifecycle.refused.not_prioritised"),
        (2, lifecycle.complete, {"draft": completion_draft()},
         "lifecycle.refused.not_in_execution"),
        (3, lifecycle.decide, {"decision": Decision.PARK}, "lifecycle.refused.past_prioritisation"),
        (3, lifecycle.complete, {"draft": completion_draft(vvg_position="")},
         "lifecycle.refused.no_final_report"),
        (4, lifecycle.withdraw, {}, "lifecycle.refused.completed"),
        (4, lifecycle.take_up, {}, "lifecycle.refused.completed"),
    ],
)  # fmt: skip
def test_illegal_moves_are_refused_and_change_nothing(db, ref, clock, phase, call, kw, key):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, phase, mission=phase > 2)
    need, events = state(db, need_id)
    before = ((need.phase, need.decision, need.outcome), len(events))
    assert refused(db, call, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(), **kw) == key
    _no_change(db, need_id, before)


def test_execution_needs_a_mission_document(db, ref, clock):
    need_id = new_need(db, ref, clock)
    with db.session(write=True) as s:
        lifecycle.take_up(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock())
        lifecycle.decide(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                         decision=Decision.PRIORITISE)  # fmt: skip
    assert refused(db, lifecycle.start_execution, need_id=need_id, actor=ADMIN, is_admin=True,
                   now=clock()) == "lifecycle.refused.no_mission"  # fmt: skip
    bad = mission_draft(purpose_goals="")
    assert refused(db, lifecycle.save_mission, need_id=need_id, actor=ADMIN, is_admin=True,
                   now=clock(), draft=bad) == "lifecycle.refused.mission_incomplete"  # fmt: skip


@pytest.mark.parametrize(
    ("call", "kw"),
    [
        (lifecycle.take_up, {}),
        (lifecycle.assess, {"draft": AssessmentDraft(True, True, True)}),
        (lifecycle.decide, {"decision": Decision.PRIORITISE}),
        (lifecycle.start_execution, {}),
        (lifecycle.complete, {"draft": completion_draft()}),
        (lifecycle.save_mission, {"draft": mission_draft()}),
        (lifecycle.mark_duplicate, {"original_id": 1}),
    ],
)
def test_the_submitter_is_no_admin(db, ref, clock, call, kw):
    need_id = new_need(db, ref, clock)
    assert refused(db, call, need_id=need_id, actor=STAFF, is_admin=False, now=clock(),
                   **kw) == "lifecycle.refused.admin_only"  # fmt: skip
    need, events = state(db, need_id)
    assert need.phase == 1 and len(events) == 1


def test_not_prioritising_needs_a_reason_and_closes_the_need(db, ref, clock):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 2, mission=False)
    assert refused(db, lifecycle.decide, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                   decision=Decision.NOT_PRIORITISE, reason=" ") == (
        "lifecycle.decide.error.reason")  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.decide(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                         decision=Decision.PARK)  # fmt: skip
    with db.session(write=True) as s:
        applied = lifecycle.decide(
            s,
            need_id=need_id,
            actor=ADMIN,
            is_admin=True,
            now=clock(),
            decision=Decision.NOT_PRIORITISE,
            reason="Ryms inte i planen",
        )
    assert [e.kind for e in applied.notable] == ["decided", "closed"]
    need, events = state(db, need_id)
    assert (need.phase, need.decision, need.outcome) == (2, "ej_prioriterat", "ej_prioriterat")
    assert need.closed_at == clock()
    assert rows(events[-3:]) == [
        ("decided", ADMIN, "decision", None, "parkerat", None),
        ("decided", ADMIN, "decision", "parkerat", "ej_prioriterat", "Ryms inte i planen"),
        ("closed", ADMIN, "outcome", None, "ej_prioriterat", "Ryms inte i planen"),
    ]
    assert refused(db, lifecycle.take_up, need_id=need_id, actor=ADMIN, is_admin=True,
                   now=clock()) == "lifecycle.refused.closed"  # fmt: skip


def test_withdrawal_by_submitter_in_phase_1_only(db, ref, clock):
    first, second = new_need(db, ref, clock), new_need(db, ref, clock, title="Annat behov")
    assert refused(db, lifecycle.withdraw, need_id=first, actor="USOMEONE", is_admin=False,
                   now=clock()) == "lifecycle.refused.not_yours"  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.withdraw(s, need_id=first, actor=STAFF, is_admin=False, now=clock(),
                           comment="Löst lokalt")  # fmt: skip
    need, events = state(db, first)
    assert need.outcome == "aterkallat" and need.phase == 1
    assert rows(events[-1:]) == [("closed", STAFF, "outcome", None, "aterkallat", "Löst lokalt")]
    advance(db, clock, second, 2, mission=False)
    assert refused(db, lifecycle.withdraw, need_id=second, actor=STAFF, is_admin=False,
                   now=clock()) == "lifecycle.refused.withdraw_after_phase_1"  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.withdraw(s, need_id=second, actor=ADMIN, is_admin=True, now=clock())
    assert state(db, second)[0].outcome == "aterkallat"


def test_editing_records_each_changed_field(db, ref, clock):
    need_id = new_need(db, ref, clock)
    other = new_need(db, ref, clock, title="Annat behov")
    change = Draft(title="Samordnad vårdplanering för äldre", description="Beskrivning av behovet.",
                   origin="gemensamt_utvecklingsarbete", organisation="Borås", area="fvm",
                   target_groups=["aldre"])  # fmt: skip
    with db.session(write=True) as s:
        applied = lifecycle.edit(s, need_id=need_id, actor=STAFF, is_admin=False,
                                 now=clock.advance(hours=1), draft=change, ref=ref)  # fmt: skip
    assert applied.notable == []
    need, events = state(db, need_id)
    assert need.title == change.title and need.perspective == "forutsattningar"
    assert need.updated_at == clock()
    assert rows(events[1:]) == [
        ("edited", STAFF, "title", "Samordnad vårdplanering", change.title, None),
        ("edited", STAFF, "area", None, "fvm", None),
        ("edited", STAFF, "target_groups", "", "aldre", None),
    ]
    same_as_other = Draft(title="Annat behov", description="Beskrivning av behovet.",
                          origin="gemensamt_utvecklingsarbete")  # fmt: skip
    assert refused(db, lifecycle.edit, need_id=need_id, actor=STAFF, is_admin=False, now=clock(),
                   draft=same_as_other, ref=ref) == "lifecycle.edit.same_as_other"  # fmt: skip
    assert state(db, other)[0].title == "Annat behov"
    assert state(db, need_id)[0].title == change.title
    advance(db, clock, need_id, 2, mission=False)
    assert refused(db, lifecycle.edit, need_id=need_id, actor=STAFF, is_admin=False, now=clock(),
                   draft=change, ref=ref) == "lifecycle.refused.edit_after_phase_1"  # fmt: skip


def test_changing_the_mission_document_and_timetable_later(db, ref, clock):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 3)
    with db.session() as s:
        before = {m.title: m.id for m in lifecycle.milestones(s, need_id=need_id)}
        first_final = next(m for m in lifecycle.milestones(s, need_id=need_id)
                           if m.kind == "slutrapport")  # fmt: skip
    with db.session(write=True) as s:
        s.get(Milestone, first_final.id).done_at = clock()  # e.g. marked by a reminder job
    timetable = ("2027-01-15 delrapport Lägesrapport till VVG\n2027-03-01 sro Rapport till SRO\n"
                 "2027-09-01 slutrapport")  # fmt: skip
    with db.session(write=True) as s:
        applied = lifecycle.save_mission(
            s,
            need_id=need_id,
            actor="ULEADER",
            is_admin=False,
            now=clock.advance(days=3),
            draft=mission_draft(timetable=timetable, resourcing="Två processledare på 20 %"),
        )
    fields = [(e.kind, e.field, e.old_value) for e in applied.events]
    assert fields == [
        ("mission_saved", "resourcing", None),
        ("milestones_changed", "timetable", mission_draft().timetable),
    ]
    assert applied.events[1].new_value == timetable
    assert applied.events[1].actor == "ULEADER"
    with db.session() as s:
        after = lifecycle.milestones(s, need_id=need_id)
    assert [(m.due, m.kind, m.title) for m in after] == [
        (date(2027, 1, 15), "delrapport_vvg", "Lägesrapport till VVG"),
        (date(2027, 3, 1), "rapport_sro", "Rapport till SRO"),
        (date(2027, 9, 1), "slutrapport", ""),
    ]
    assert after[0].id == before["Lägesrapport till VVG"]  # unchanged rows keep their id
    assert all(m.done_at is None for m in after)  # a moved date is due again
    with db.session(write=True) as s:
        same = lifecycle.save_mission(
            s,
            need_id=need_id,
            actor=ADMIN,
            is_admin=True,
            now=clock(),
            draft=mission_draft(timetable=timetable, resourcing="Två processledare på 20 %"),
        )
    assert same.events == []


def _vote(s, need_id, now, *, closed=False, voters=()):
    vote = Vote(need_id=need_id, channel="CVOTE01", opened_by=ADMIN, opened_at=now,
                deadline=now + timedelta(days=7), closed_at=now if closed else None,
                ballots_count=len(voters), message_ts="1795424400.000100")  # fmt: skip
    s.add(vote)
    s.flush()
    for user, quadrant in voters:
        s.add(Ballot(vote_id=vote.id, user_id=user, quadrant=quadrant, cast_at=now, updated_at=now))
    return vote.id


def test_a_duplicate_moves_its_followers_to_the_original_once_its_vote_is_closed(db, ref, clock):
    original = new_need(db, ref, clock, title="Mobila team")
    duplicate = new_need(db, ref, clock, title="Mobila vårdteam", user="USUB2")
    advance(db, clock, original, 2, mission=False)
    advance(db, clock, duplicate, 2, mission=False)
    with db.session(write=True) as s:
        lifecycle.follow(s, need_id=duplicate, user_id="UFAN", now=clock())
        lifecycle.follow(s, need_id=duplicate, user_id="UBOTH", now=clock())
        lifecycle.follow(s, need_id=original, user_id="UBOTH", now=clock())
        target = _vote(s, original, clock(), voters=[("UV1", "gor_nu")])
        source = _vote(s, duplicate, clock(), voters=[("UV1", "avvakta"), ("UV2", "planera")])
    merge = dict(need_id=duplicate, actor=ADMIN, is_admin=True, now=clock())
    assert refused(db, lifecycle.mark_duplicate, original_id=original, **merge) == (
        "lifecycle.refused.vote_running"
    )
    assert state(db, duplicate)[0].outcome is None
    with db.session(write=True) as s:
        s.get(Vote, source).closed_at = clock()  # closed early by an admin
    assert refused(db, lifecycle.mark_duplicate, original_id=duplicate, **merge) == (
        "lifecycle.duplicate.itself"
    )
    assert refused(db, lifecycle.mark_duplicate, original_id=999, **merge) == (
        "lifecycle.duplicate.no_such_need"
    )
    with db.session(write=True) as s:
        applied = lifecycle.mark_duplicate(s, need_id=duplicate, original_id=original, actor=ADMIN,
                                           is_admin=True, now=clock.advance(hours=1),
                                           comment="Samma behov")  # fmt: skip
    assert [e.kind for e in applied.notable] == ["closed"]
    dup, dup_events = state(db, duplicate)
    orig, orig_events = state(db, original)
    assert (dup.outcome, dup.merged_into, dup.closed_at) == ("sammanslaget", original, clock())
    assert orig.outcome is None
    assert rows(dup_events[-2:]) == [
        ("closed", ADMIN, "merged_into", None, str(original), "Samma behov"),
        ("moved", ADMIN, "followers", str(duplicate), str(original), None),
    ]
    assert rows(orig_events[-2:]) == [
        ("merged_in", ADMIN, "merged_from", None, str(duplicate), "Samma behov"),
        ("moved", ADMIN, "followers", str(duplicate), str(original), None),
    ]
    with db.session() as s:
        assert set(s.exec(select(Follower.user_id).where(Follower.need_id == duplicate))) == set()
        orig_need = s.get(Need, original)
        assert lifecycle.followers(s, need=orig_need) == {STAFF, "UBOTH", "UFAN", "USUB2"}
        ballots = s.exec(select(Ballot.vote_id, Ballot.user_id, Ballot.quadrant)).all()
        assert set(ballots) == {
            (source, "UV1", "avvakta"),
            (source, "UV2", "planera"),
            (target, "UV1", "gor_nu"),
        }  # each stays with its own vote
        assert s.get(Vote, target).closed_at is None and s.get(Vote, target).ballots_count == 1
    with db.session(write=True) as s:
        s.get(Vote, target).closed_at = clock()
    assert refused(db, lifecycle.mark_duplicate, need_id=original, original_id=duplicate,
                   actor=ADMIN, is_admin=True, now=clock()) == (
        "lifecycle.duplicate.original_closed")  # fmt: skip


@pytest.mark.parametrize(
    ("call", "kw"),
    [
        (lifecycle.withdraw, {}),
        (lifecycle.start_execution, {}),
        (lifecycle.decide, {"decision": Decision.NOT_PRIORITISE, "reason": "Ryms inte"}),
    ],
)
def test_nothing_ends_a_need_while_its_vote_is_open(db, ref, clock, call, kw):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 2)  # prioritised, with a mission document: ready to start
    with db.session(write=True) as s:
        vote_id = _vote(s, need_id, clock())
    need, events = state(db, need_id)
    before = ((need.phase, need.decision, need.outcome), len(events))
    with pytest.raises(Refused) as info, db.session(write=True) as s:
        call(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(), **kw)
    assert info.value.key == "lifecycle.refused.vote_running"
    assert info.value.vote_deadline == clock() + timedelta(days=7)
    _no_change(db, need_id, before)
    for decision in (Decision.PARK, Decision.PRIORITISE):  # other decisions are fine
        with db.session(write=True) as s:
            lifecycle.decide(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                             decision=decision)  # fmt: skip
    with db.session(write=True) as s:
        s.get(Vote, vote_id).closed_at = clock()  # closed early: the need may end now
    with db.session(write=True) as s:
        call(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(), **kw)


def test_the_same_decision_again_records_nothing(db, ref, clock):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 2, mission=False)
    decide = dict(need_id=need_id, actor=ADMIN, is_admin=True, now=clock())
    with db.session(write=True) as s:
        lifecycle.decide(s, decision=Decision.PARK, **decide)
    _, events = state(db, need_id)
    assert refused(db, lifecycle.decide, decision=Decision.PARK, reason="Igen", **decide) == (
        "lifecycle.decide.unchanged"
    )
    assert state(db, need_id)[1] == events
    with db.session(write=True) as s:
        applied = lifecycle.decide(s, decision=Decision.PRIORITISE, **decide)
    assert rows(applied.notable) == [
        ("decided", ADMIN, "decision", "parkerat", "prioriterat", None)
    ]


def test_following_submitter_and_process_leader(db, ref, clock):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 3)

    def people():
        with db.session() as s:
            return lifecycle.followers(s, need=s.get(Need, need_id))

    assert people() == {STAFF, "ULEADER"}
    with db.session(write=True) as s:
        lifecycle.follow(s, need_id=need_id, user_id="UFAN", now=clock())
    assert refused(db, lifecycle.follow, need_id=need_id, user_id="UFAN",
                   now=clock()) == "lifecycle.refused.already_following"  # fmt: skip
    assert refused(db, lifecycle.follow, need_id=need_id, user_id=STAFF,
                   now=clock()) == "lifecycle.refused.already_following"  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.unfollow(s, need_id=need_id, user_id=STAFF, now=clock())
        lifecycle.unfollow(s, need_id=need_id, user_id="UFAN", now=clock())
    assert people() == {"ULEADER"}
    assert refused(db, lifecycle.unfollow, need_id=need_id, user_id="UFAN",
                   now=clock()) == "lifecycle.refused.not_following"  # fmt: skip
    with db.session(write=True) as s:
        lifecycle.follow(s, need_id=need_id, user_id=STAFF, now=clock())
    assert people() == {STAFF, "ULEADER"}
    _, events = state(db, need_id)
    assert rows([e for e in events if "follow" in e.kind], "kind", "actor", "public") == [
        ("followed", "UFAN", False), ("unfollowed", STAFF, False),
        ("unfollowed", "UFAN", False), ("followed", STAFF, False),
    ]  # fmt: skip


def test_unknown_need_is_refused(db, clock):
    assert refused(db, lifecycle.take_up, need_id=42, actor=ADMIN, is_admin=True,
                   now=clock()) == "lifecycle.refused.no_such_need"  # fmt: skip


def test_a_report_handed_in_marks_its_milestone_once(db, ref, clock):
    need_id = new_need(db, ref, clock)
    advance(db, clock, need_id, 3)  # the timetable: an interim and a final report
    with db.session() as s:
        interim, final = lifecycle.reports_due(s, need_id=need_id)
        need = get_need(s, need_id=need_id)
        assert lifecycle.situation(s, need=need, user_id="ULEADER").reports_due
    url = "https://vardsamverkan.se/delrapport"
    with db.session(write=True) as s:
        applied = lifecycle.report(s, need_id=need_id, actor="ULEADER", is_admin=False,
                                   now=clock(), milestone_id=interim.id, url=url)  # fmt: skip
        assert [(e.kind, e.field, e.new_value, e.comment) for e in applied.notable] == [
            ("reported", "delrapport_vvg", "Lägesrapport till VVG", url)
        ]
    with db.session() as s:
        stored = s.get(Milestone, interim.id)
        assert (stored.done_at, stored.report_url) == (clock(), url)
        assert [m.id for m in lifecycle.reports_due(s, need_id=need_id)] == [final.id]
    with db.session(write=True) as s, pytest.raises(Refused) as again:
        lifecycle.report(s, need_id=need_id, actor=ADMIN, is_admin=True, now=clock(),
                         milestone_id=interim.id, url=None)  # fmt: skip
    assert again.value.key == "lifecycle.refused.report_gone"
    with db.session(write=True) as s, pytest.raises(Refused) as stranger:
        lifecycle.report(s, need_id=need_id, actor=STAFF, is_admin=False, now=clock(),
                         milestone_id=final.id, url=None)  # fmt: skip
    assert stranger.value.key == "lifecycle.refused.leader_or_admin"
    with db.session() as s:
        assert s.get(Milestone, final.id).done_at is None
        assert [e.kind for e in history(s, need_id=need_id)].count("reported") == 1
