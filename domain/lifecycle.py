"""Who may do what to a need, and in which phase: the rules of seed 004 as plain functions.

The same `refusal()` decides which buttons a person sees and, again, whether an action they
send is carried out, so a crafted button payload meets exactly the rule a click meets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.phases import Decision, Phase


class Action(StrEnum):
    TAKE_UP = "take_up"  # 1 -> 2
    ASSESS = "assess"  # VVG's position-taking on the three questions
    DECIDE = "decide"  # prioritise, park or not prioritise
    MISSION = "mission"  # write or change the mission document and its timetable
    REPORT = "report"  # a report of the timetable handed in (interim, SRO, other)
    START = "start"  # 2 -> 3
    COMPLETE = "complete"  # 3 -> 4
    WITHDRAW = "withdraw"
    EDIT = "edit"
    DUPLICATE = "duplicate"  # mark as a duplicate of another open need
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    OPEN_VOTE = "open_vote"  # carried out by the voting feature; shown here
    CLOSE_VOTE = "close_vote"  # the same: closing early, only where admins alone see it
    HIDE_PUBLIC = "hide_public"  # carried out by the public-page feature; shown here


ADMIN_ONLY = frozenset(
    {
        Action.TAKE_UP,
        Action.ASSESS,
        Action.DECIDE,
        Action.START,
        Action.COMPLETE,
        Action.DUPLICATE,
        Action.OPEN_VOTE,
        Action.CLOSE_VOTE,
        Action.HIDE_PUBLIC,
    }
)

# The actions that move a need or decide on it: people concerned are told.
NOTIFYING = frozenset(
    {
        Action.TAKE_UP,
        Action.DECIDE,
        Action.START,
        Action.COMPLETE,
        Action.WITHDRAW,
        Action.DUPLICATE,
    }
)

# Ending a need or taking it out of phase 2 waits until the vote on it has closed, so no vote
# outlives what it is about (an admin may close it early). Not prioritising is a decision:
# `decision_choices`. A vote still being opened yields instead: it does not open on a need
# that has meanwhile left phase 2 or closed (storage.votes.publish_vote).
ENDS_PRIORITISATION = frozenset({Action.START, Action.WITHDRAW, Action.DUPLICATE})
VOTE_RUNNING = "lifecycle.refused.vote_running"


class Refused(Exception):
    """An action the rules do not allow; `key` is the catalogue message saying why, and
    `vote_deadline` when the need's open vote closes (for VOTE_RUNNING)."""

    def __init__(self, key: str, vote_deadline: datetime | None = None):
        super().__init__(key)
        self.key = key
        self.vote_deadline = vote_deadline


@dataclass(frozen=True)
class Situation:
    """What the rules need to know about one need and one person."""

    phase: int
    outcome: str | None
    decision: str | None
    submitted_by: str
    has_mission: bool = False
    process_leader: str | None = None
    reports_due: bool = False  # milestones of the timetable not yet handed in
    following: bool = False
    vote_deadline: datetime | None = None  # when the need's open vote closes; None: no vote

    @property
    def vote_open(self) -> bool:
        return self.vote_deadline is not None

    @property
    def closed(self) -> bool:
        """Ended without (or before) execution: not prioritised, withdrawn or merged."""
        return self.outcome is not None

    @property
    def finished(self) -> bool:
        """Nothing moves any more: closed, or the mission is completed."""
        return self.closed or self.phase >= Phase.COMPLETED


def _ended(s: Situation) -> str:
    return "lifecycle.refused.closed" if s.closed else "lifecycle.refused.completed"


def refusal(action: Action, s: Situation, user_id: str, is_admin: bool) -> str | None:
    """None when `user_id` may do `action` now; otherwise the catalogue key saying why not."""
    if action in ADMIN_ONLY and not is_admin:
        return "lifecycle.refused.admin_only"
    if action is Action.UNFOLLOW:
        return None if s.following else "lifecycle.refused.not_following"
    if action is Action.HIDE_PUBLIC:
        return None
    if s.finished:
        return _ended(s)
    check = _CHECKS.get(action)
    problem = check(s, user_id, is_admin) if check else None
    if problem is None and action in ENDS_PRIORITISATION and s.vote_open:
        return VOTE_RUNNING
    return problem


def allowed_actions(s: Situation, user_id: str, is_admin: bool) -> set[Action]:
    """The buttons this person sees for this need."""
    return {action for action in Action if refusal(action, s, user_id, is_admin) is None}


def require(action: Action, s: Situation, user_id: str, is_admin: bool) -> None:
    """Raise `Refused` unless the action is allowed (run again on every request)."""
    _refuse_if(refusal(action, s, user_id, is_admin), s)


def _refuse_if(key: str | None, s: Situation) -> None:
    if key is not None:
        raise Refused(key, s.vote_deadline)


def _take_up(s: Situation, user_id: str, is_admin: bool) -> str | None:
    return None if s.phase == Phase.IDENTIFIED else "lifecycle.refused.already_taken_up"


def _in_prioritisation(s: Situation, user_id: str, is_admin: bool) -> str | None:
    if s.phase == Phase.IDENTIFIED:
        return "lifecycle.refused.not_taken_up"
    if s.phase > Phase.PRIORITISATION:
        return "lifecycle.refused.past_prioritisation"
    return None


def _mission(s: Situation, user_id: str, is_admin: bool) -> str | None:
    leader = s.process_leader is not None and s.process_leader == user_id
    if not is_admin and not (leader and s.phase == Phase.EXECUTION):
        return "lifecycle.refused.admin_only"
    if s.phase == Phase.IDENTIFIED:
        return "lifecycle.refused.not_taken_up"
    if s.phase == Phase.PRIORITISATION and s.decision != Decision.PRIORITISE:
        return "lifecycle.refused.not_prioritised"
    return None


def _report(s: Situation, user_id: str, is_admin: bool) -> str | None:
    leader = s.process_leader is not None and s.process_leader == user_id
    if not (is_admin or leader):
        return "lifecycle.refused.leader_or_admin"
    if s.phase != Phase.EXECUTION:
        return "lifecycle.refused.not_in_execution"
    return None if s.reports_due else "lifecycle.refused.no_reports_due"


def _start(s: Situation, user_id: str, is_admin: bool) -> str | None:
    if s.phase == Phase.IDENTIFIED:
        return "lifecycle.refused.skip_prioritisation"
    if s.phase > Phase.PRIORITISATION:
        return "lifecycle.refused.already_started"
    if s.decision != Decision.PRIORITISE:
        return "lifecycle.refused.not_prioritised"
    if not s.has_mission:
        return "lifecycle.refused.no_mission"
    return None


def _complete(s: Situation, user_id: str, is_admin: bool) -> str | None:
    return None if s.phase == Phase.EXECUTION else "lifecycle.refused.not_in_execution"


def _submitter_in_phase_1(late_key: str):
    def check(s: Situation, user_id: str, is_admin: bool) -> str | None:
        if is_admin:
            return None
        if user_id != s.submitted_by:
            return "lifecycle.refused.not_yours"
        return None if s.phase == Phase.IDENTIFIED else late_key

    return check


def _follow(s: Situation, user_id: str, is_admin: bool) -> str | None:
    return "lifecycle.refused.already_following" if s.following else None


def _open_vote(s: Situation, user_id: str, is_admin: bool) -> str | None:
    if s.phase > Phase.PRIORITISATION:
        return "lifecycle.refused.past_prioritisation"
    return "lifecycle.refused.vote_open" if s.vote_open else None


def _close_vote(s: Situation, user_id: str, is_admin: bool) -> str | None:
    return None if s.vote_open else "vote.closed"


_CHECKS = {
    Action.TAKE_UP: _take_up,
    Action.ASSESS: _in_prioritisation,
    Action.DECIDE: _in_prioritisation,
    Action.MISSION: _mission,
    Action.REPORT: _report,
    Action.START: _start,
    Action.COMPLETE: _complete,
    Action.WITHDRAW: _submitter_in_phase_1("lifecycle.refused.withdraw_after_phase_1"),
    Action.EDIT: _submitter_in_phase_1("lifecycle.refused.edit_after_phase_1"),
    Action.FOLLOW: _follow,
    Action.OPEN_VOTE: _open_vote,
    Action.CLOSE_VOTE: _close_vote,
}


def duplicate_refusal(need_id: int, original) -> str | None:
    """Whether `original` (a need, or None if the number does not exist) can absorb a duplicate."""
    if original is None:
        return "lifecycle.duplicate.no_such_need"
    if original.id == need_id:
        return "lifecycle.duplicate.itself"
    if original.outcome is not None or original.phase >= Phase.COMPLETED:
        return "lifecycle.duplicate.original_closed"
    return None


def decision_choices(s: Situation) -> list[Decision]:
    """The decisions open now: not prioritising closes the need, so it waits for the vote."""
    return [d for d in Decision if not (d is Decision.NOT_PRIORITISE and s.vote_open)]


def decision_refusal(decision: Decision, s: Situation) -> str | None:
    """Beyond `refusal(DECIDE)`: the decision must change (the same one again, as from a
    double click, records nothing and tells nobody) and be among `decision_choices`."""
    if decision == s.decision:
        return "lifecycle.decide.unchanged"
    return None if decision in decision_choices(s) else VOTE_RUNNING


def require_decision(decision: Decision, s: Situation) -> None:
    _refuse_if(decision_refusal(decision, s), s)


def confirm_problems(action: Action, comment: str) -> dict[str, str]:
    """Field -> catalogue key; a withdrawal says why (an ended need records who and why)."""
    if action is Action.WITHDRAW and not comment.strip():
        return {"comment": "lifecycle.withdraw.error.reason"}
    return {}


def decision_problems(decision: str | None, reason: str) -> dict[str, str]:
    """Field -> catalogue key; not prioritising needs a reason (it closes the need)."""
    if decision not in {d.value for d in Decision}:
        return {"decision": "lifecycle.decide.error.choose"}
    if decision == Decision.NOT_PRIORITISE and not reason.strip():
        return {"reason": "lifecycle.decide.error.reason"}
    return {}
