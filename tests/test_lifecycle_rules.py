"""The phase rules without Slack or a database: who may do what, when, and why not."""

from datetime import UTC, date, datetime

import pytest

from domain.lifecycle import (
    Action,
    Refused,
    Situation,
    allowed_actions,
    decision_choices,
    decision_problems,
    decision_refusal,
    duplicate_refusal,
    refusal,
    require,
    require_decision,
)
from domain.mission import (
    AssessmentDraft,
    CompletionDraft,
    MilestoneDraft,
    MilestoneKind,
    MissionDraft,
    assessment_problems,
    completion_problems,
    format_milestones,
    mission_problems,
    parse_milestones,
    report_problems,
)
from domain.phases import Decision

SUBMITTER, ADMIN, OTHER, LEADER = "USUB", "UADM", "UOTHER", "ULEAD"
DEADLINE = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


def need(phase=1, outcome=None, decision=None, **kw) -> Situation:
    return Situation(phase=phase, outcome=outcome, decision=decision, submitted_by=SUBMITTER, **kw)


def allowed(s: Situation, user: str) -> set[Action]:
    return allowed_actions(s, user, user == ADMIN)


# ---------------------------------------------------------------- which buttons each person gets


def test_phase_1_buttons_for_admin_submitter_and_others():
    s = need(1)
    assert allowed(s, ADMIN) == {
        Action.TAKE_UP, Action.WITHDRAW, Action.EDIT, Action.DUPLICATE, Action.FOLLOW,
        Action.OPEN_VOTE, Action.HIDE_PUBLIC,
    }  # fmt: skip
    assert allowed(s, SUBMITTER) == {Action.WITHDRAW, Action.EDIT, Action.FOLLOW}
    assert allowed(s, OTHER) == {Action.FOLLOW}


def test_phase_2_admin_assesses_and_decides_and_may_start_only_when_ready():
    s = need(2)
    admin = allowed(s, ADMIN)
    assert {Action.ASSESS, Action.DECIDE} <= admin
    assert Action.MISSION not in admin and Action.START not in admin
    assert Action.TAKE_UP not in admin
    assert allowed(s, SUBMITTER) == {Action.FOLLOW}
    prioritised = need(2, decision="prioriterat")
    assert Action.MISSION in allowed(prioritised, ADMIN)
    assert Action.START not in allowed(prioritised, ADMIN)
    assert Action.START in allowed(need(2, decision="prioriterat", has_mission=True), ADMIN)


def test_phase_3_only_completion_and_mission_changes():
    s = need(3, decision="prioriterat", has_mission=True, process_leader=LEADER)
    admin = allowed(s, ADMIN)
    assert {Action.COMPLETE, Action.MISSION, Action.EDIT, Action.WITHDRAW} <= admin
    assert not {Action.TAKE_UP, Action.ASSESS, Action.DECIDE, Action.START} & admin
    assert Action.OPEN_VOTE not in admin
    assert allowed(s, LEADER) == {Action.MISSION, Action.FOLLOW}  # the leader keeps the timetable
    assert allowed(s, SUBMITTER) == {Action.FOLLOW}


@pytest.mark.parametrize("outcome", ["ej_prioriterat", "aterkallat", "sammanslaget"])
def test_a_closed_need_offers_nothing_but_hiding_and_unfollowing(outcome):
    s = need(2, outcome=outcome, following=True)
    assert allowed(s, ADMIN) == {Action.HIDE_PUBLIC, Action.UNFOLLOW}
    assert allowed(s, SUBMITTER) == {Action.UNFOLLOW}


def test_a_completed_need_is_finished():
    s = need(4, decision="prioriterat", has_mission=True)
    assert allowed(s, ADMIN) == {Action.HIDE_PUBLIC}


def test_follow_and_unfollow_swap():
    assert Action.FOLLOW in allowed(need(1), OTHER)
    assert allowed(need(1, following=True), OTHER) == {Action.UNFOLLOW}


def test_no_vote_button_while_a_vote_is_open():
    assert Action.OPEN_VOTE not in allowed(need(2, vote_deadline=DEADLINE), ADMIN)


def test_while_a_vote_is_open_nothing_ends_the_need_or_leaves_phase_2():
    ready = dict(decision="prioriterat", has_mission=True)
    assert {Action.START, Action.WITHDRAW, Action.DUPLICATE} <= allowed(need(2, **ready), ADMIN)
    voting = need(2, vote_deadline=DEADLINE, **ready)
    admin = allowed(voting, ADMIN)
    assert not {Action.START, Action.WITHDRAW, Action.DUPLICATE} & admin
    assert {Action.DECIDE, Action.ASSESS, Action.MISSION, Action.CLOSE_VOTE, Action.EDIT} <= admin
    for action in (Action.START, Action.WITHDRAW, Action.DUPLICATE):
        with pytest.raises(Refused) as refused:
            require(action, voting, ADMIN, True)
        assert (refused.value.key, refused.value.vote_deadline) == (
            "lifecycle.refused.vote_running",
            DEADLINE,
        )
    # what is refused anyway keeps its own reason
    assert refusal(Action.START, need(2, vote_deadline=DEADLINE), ADMIN, True) == (
        "lifecycle.refused.not_prioritised"
    )


def test_not_prioritising_waits_for_the_vote_and_the_same_decision_changes_nothing():
    assert decision_choices(need(2)) == list(Decision)
    voting = need(2, decision="parkerat", vote_deadline=DEADLINE)
    assert decision_choices(voting) == [Decision.PRIORITISE, Decision.PARK]
    assert decision_refusal(Decision.NOT_PRIORITISE, voting) == "lifecycle.refused.vote_running"
    assert decision_refusal(Decision.PRIORITISE, voting) is None
    assert decision_refusal(Decision.PARK, voting) == "lifecycle.decide.unchanged"
    assert decision_refusal(Decision.NOT_PRIORITISE, need(2, decision="parkerat")) is None
    with pytest.raises(Refused) as refused:
        require_decision(Decision.NOT_PRIORITISE, voting)
    assert refused.value.vote_deadline == DEADLINE


# ---------------------------------------------------------------- refusals say what is missing


@pytest.mark.parametrize(
    ("action", "s", "key"),
    [
        (Action.TAKE_UP, need(2), "lifecycle.refused.already_taken_up"),
        (Action.ASSESS, need(1), "lifecycle.refused.not_taken_up"),
        (Action.DECIDE, need(1), "lifecycle.refused.not_taken_up"),
        (Action.DECIDE, need(3), "lifecycle.refused.past_prioritisation"),
        (Action.START, need(1), "lifecycle.refused.skip_prioritisation"),
        (Action.START, need(2), "lifecycle.refused.not_prioritised"),
        (
            Action.START,
            need(2, decision="parkerat", has_mission=True),
            "lifecycle.refused.not_prioritised",
        ),
        (Action.START, need(2, decision="prioriterat"), "lifecycle.refused.no_mission"),
        (Action.START, need(3, decision="prioriterat"), "lifecycle.refused.already_started"),
        (Action.COMPLETE, need(1), "lifecycle.refused.not_in_execution"),
        (Action.COMPLETE, need(2, decision="prioriterat"), "lifecycle.refused.not_in_execution"),
        (Action.MISSION, need(1), "lifecycle.refused.not_taken_up"),
        (Action.MISSION, need(2, decision="parkerat"), "lifecycle.refused.not_prioritised"),
        (Action.TAKE_UP, need(1, outcome="aterkallat"), "lifecycle.refused.closed"),
        (Action.COMPLETE, need(4), "lifecycle.refused.completed"),
        (Action.WITHDRAW, need(4), "lifecycle.refused.completed"),
        (Action.EDIT, need(2, outcome="ej_prioriterat"), "lifecycle.refused.closed"),
        (Action.DUPLICATE, need(1, outcome="sammanslaget"), "lifecycle.refused.closed"),
        (Action.OPEN_VOTE, need(3), "lifecycle.refused.past_prioritisation"),
        (Action.OPEN_VOTE, need(2, vote_deadline=DEADLINE), "lifecycle.refused.vote_open"),
    ],
)
def test_admin_refusals(action, s, key):
    assert refusal(action, s, ADMIN, True) == key
    with pytest.raises(Refused) as refused:
        require(action, s, ADMIN, True)
    assert refused.value.key == key


@pytest.mark.parametrize(
    "action",
    [Action.TAKE_UP, Action.ASSESS, Action.DECIDE, Action.START, Action.COMPLETE,
     Action.DUPLICATE, Action.OPEN_VOTE, Action.HIDE_PUBLIC, Action.MISSION],
)  # fmt: skip
def test_only_admins_move_phases_even_the_submitter_cannot(action):
    for phase in (1, 2, 3):
        s = need(phase, decision="prioriterat", has_mission=True)
        assert refusal(action, s, SUBMITTER, False) == "lifecycle.refused.admin_only"
        assert refusal(action, s, OTHER, False) == "lifecycle.refused.admin_only"


@pytest.mark.parametrize(
    ("action", "user", "phase", "key"),
    [
        (Action.WITHDRAW, OTHER, 1, "lifecycle.refused.not_yours"),
        (Action.EDIT, OTHER, 1, "lifecycle.refused.not_yours"),
        (Action.WITHDRAW, SUBMITTER, 2, "lifecycle.refused.withdraw_after_phase_1"),
        (Action.EDIT, SUBMITTER, 2, "lifecycle.refused.edit_after_phase_1"),
        (Action.WITHDRAW, SUBMITTER, 1, None),
        (Action.EDIT, SUBMITTER, 1, None),
        (Action.WITHDRAW, ADMIN, 3, None),
        (Action.EDIT, ADMIN, 3, None),
    ],
)
def test_submitter_may_edit_and_withdraw_only_in_phase_1(action, user, phase, key):
    s = need(phase, decision="prioriterat" if phase > 2 else None)
    assert refusal(action, s, user, user == ADMIN) == key


def test_process_leader_edits_the_mission_only_in_execution():
    s = need(2, decision="prioriterat", process_leader=LEADER, has_mission=True)
    assert refusal(Action.MISSION, s, LEADER, False) == "lifecycle.refused.admin_only"
    s3 = need(3, decision="prioriterat", process_leader=LEADER, has_mission=True)
    assert refusal(Action.MISSION, s3, LEADER, False) is None


def test_follow_refusals():
    assert refusal(Action.FOLLOW, need(1, following=True), OTHER, False) == (
        "lifecycle.refused.already_following"
    )
    assert refusal(Action.UNFOLLOW, need(1), OTHER, False) == "lifecycle.refused.not_following"
    assert refusal(Action.FOLLOW, need(1, outcome="aterkallat"), OTHER, False) == (
        "lifecycle.refused.closed"
    )


class _Need:
    def __init__(self, id, phase=1, outcome=None):
        self.id, self.phase, self.outcome = id, phase, outcome


def test_duplicate_targets():
    assert duplicate_refusal(1, None) == "lifecycle.duplicate.no_such_need"
    assert duplicate_refusal(1, _Need(1)) == "lifecycle.duplicate.itself"
    assert duplicate_refusal(1, _Need(2, outcome="aterkallat")) == (
        "lifecycle.duplicate.original_closed"
    )
    assert duplicate_refusal(1, _Need(2, phase=4)) == "lifecycle.duplicate.original_closed"
    assert duplicate_refusal(1, _Need(2, phase=3)) is None


def test_decisions_need_a_choice_and_rejection_a_reason():
    assert decision_problems(None, "") == {"decision": "lifecycle.decide.error.choose"}
    assert decision_problems("kanske", "") == {"decision": "lifecycle.decide.error.choose"}
    assert decision_problems("ej_prioriterat", "  ") == {"reason": "lifecycle.decide.error.reason"}
    assert decision_problems("ej_prioriterat", "Ryms inte i år") == {}
    assert decision_problems("parkerat", "") == {}
    assert decision_problems("prioriterat", "") == {}


# ---------------------------------------------------------------- the forms of phases 2-4


def test_assessment_needs_all_three_answers():
    assert set(assessment_problems(AssessmentDraft(relevant=True))) == {"person_centred", "trust"}
    assert assessment_problems(AssessmentDraft(True, False, True, "ok")) == {}


def test_timetable_lines_are_read_with_kind_and_title():
    rows, problems = parse_milestones(
        "2027-03-01 slutrapport Slutrapport till VVG\n"
        "\n"
        "2026-12-01 delrapport: Lägesrapport\n"
        "2027-01-15 SRO\n"
        "2027-02-01 Workshop med delregionerna\n"
    )
    assert problems == []
    assert rows == [
        MilestoneDraft(date(2026, 12, 1), MilestoneKind.INTERIM_VVG, "Lägesrapport"),
        MilestoneDraft(date(2027, 1, 15), MilestoneKind.REPORT_SRO, ""),
        MilestoneDraft(date(2027, 2, 1), MilestoneKind.OTHER, "Workshop med delregionerna"),
        MilestoneDraft(date(2027, 3, 1), MilestoneKind.FINAL, "Slutrapport till VVG"),
    ]
    assert parse_milestones(format_milestones(rows)) == (rows, [])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1 mars Lägesrapport", ("lifecycle.mission.error.no_date",
                                 {"line": 1, "text": "1 mars Lägesrapport"})),
        ("2026-02-30 delrapport x", ("lifecycle.mission.error.bad_date",
                                     {"line": 1, "date": "2026-02-30"})),
        ("2026-01-01 x\n2026-02-01", ("lifecycle.mission.error.no_title", {"line": 2})),
        ("2026-01-01 " + "x" * 151,
         ("lifecycle.mission.error.title_long", {"line": 1, "max": 150})),
        ("\n".join(f"2026-01-{d:02d} x" for d in range(1, 32)),
         ("lifecycle.mission.error.too_many", {"max": 30})),
        ("0001-01-01 delrapport x", ("lifecycle.mission.error.date_range",
            {"line": 1, "date": "0001-01-01", "first": "2000-01-01", "last": "2100-12-31"})),
        ("2026-01-01 x\n9999-12-31 slutrapport", ("lifecycle.mission.error.date_range",
            {"line": 2, "date": "9999-12-31", "first": "2000-01-01", "last": "2100-12-31"})),
        ("٢٠٢٦-٠١-٠١ x", ("lifecycle.mission.error.no_date", {"line": 1, "text": "٢٠٢٦-٠١-٠١ x"})),
    ],
)  # fmt: skip
def test_bad_timetable_lines_are_named_by_line(text, problem):
    assert parse_milestones(text)[1] == [problem]


def test_mission_document_needs_description_and_purpose():
    problems = mission_problems(MissionDraft())
    assert problems == {
        "description": ("lifecycle.mission.error.required", {}),
        "purpose_goals": ("lifecycle.mission.error.required", {}),
    }
    good = MissionDraft(description="Ta fram en färdplan", purpose_goals="Nära vård",
                        timetable="2026-12-01 delrapport Lägesrapport")  # fmt: skip
    assert mission_problems(good) == {}
    bad = MissionDraft(description="x", purpose_goals="y", resourcing="z" * 3001,
                       timetable="nästa vecka")  # fmt: skip
    assert set(mission_problems(bad)) == {"resourcing", "timetable"}


def test_completion_needs_report_position_and_links():
    assert set(completion_problems(CompletionDraft())) == {
        "final_report_date", "final_report_url", "vvg_position", "product_url",
    }  # fmt: skip
    draft = CompletionDraft(date(2027, 3, 1), "https://example.org/rapport.pdf",
                            "VVG ställer sig bakom", "", "ftp://x")  # fmt: skip
    assert completion_problems(draft) == {"product_url": ("lifecycle.complete.error.link", {})}


def test_completion_links_are_real_web_addresses():
    hostile = [
        "https://x.se/><!channel>",
        "https://x.se/><https://evil.example/|https://vardsamverkan.se/>",
        "https://x.se/slut rapport.pdf",
        "javascript:alert(1)",
    ]
    for url in hostile:
        draft = CompletionDraft(date(2026, 11, 1), url, "Ja", "", url)
        assert completion_problems(draft) == {
            "final_report_url": ("lifecycle.complete.error.link", {}),
            "product_url": ("lifecycle.complete.error.link", {}),
        }, url


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (date(1, 1, 1), ("lifecycle.complete.error.date_range",
                         {"first": "2000-01-01", "last": "2100-12-31"})),
        (date(9999, 12, 31), ("lifecycle.complete.error.date_range",
                              {"first": "2000-01-01", "last": "2100-12-31"})),
        (date(2026, 11, 24), ("lifecycle.complete.error.date_future", {"today": "2026-11-23"})),
        (date(2026, 11, 23), None),
        (date(2000, 1, 1), None),
    ],
)  # fmt: skip
def test_the_final_report_is_dated_by_today_and_within_reason(day, problem):
    draft = CompletionDraft(day, "https://example.org/r.pdf", "Ja", "", "https://example.org/p")
    assert completion_problems(draft, today=date(2026, 11, 23)).get("final_report_date") == problem


def test_the_leader_or_an_admin_hands_in_reports_due_in_execution():
    due = need(3, decision="prioriterat", has_mission=True, process_leader=LEADER,
               reports_due=True)  # fmt: skip
    assert Action.REPORT in allowed(due, LEADER) and Action.REPORT in allowed(due, ADMIN)
    assert refusal(Action.REPORT, due, OTHER, False) == "lifecycle.refused.leader_or_admin"
    handed_in = need(3, decision="prioriterat", has_mission=True, process_leader=LEADER)
    assert refusal(Action.REPORT, handed_in, LEADER, False) == "lifecycle.refused.no_reports_due"
    before = need(2, decision="prioriterat", has_mission=True, process_leader=LEADER,
                  reports_due=True)  # fmt: skip
    assert refusal(Action.REPORT, before, ADMIN, True) == "lifecycle.refused.not_in_execution"
    done = need(4, decision="prioriterat", has_mission=True, reports_due=True)
    assert refusal(Action.REPORT, done, ADMIN, True) == "lifecycle.refused.completed"


def test_a_report_names_its_milestone_and_a_real_link_if_any():
    assert report_problems(None, "")["milestone"][0] == "lifecycle.report.error.milestone"
    assert report_problems(3, "") == {}
    assert report_problems(3, "https://vardsamverkan.se/rapport") == {}
    unsafe = report_problems(3, "https://x.se/><!channel>")
    assert unsafe["url"][0] == "lifecycle.complete.error.link"
