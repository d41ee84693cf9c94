"""The vote's rules without Slack or a database: shares, ties, quorum, quadrant, reminder time."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from domain.phases import Quadrant
from domain.votes import (
    CHOICES,
    Axis,
    Tally,
    Verdict,
    axis,
    may_open,
    quorum_for,
    reminder_at,
    result,
)

G, P, D, A = Quadrant.DO_NOW, Quadrant.PLAN, Quadrant.DELEGATE, Quadrant.WAIT


def test_tally_counts_each_quadrant_in_the_matrix_order():
    tally = Tally.of([G, G, P, "avvakta"])
    assert [q for q, _ in tally.counts] == list(CHOICES) == [G, P, D, A]
    assert (tally.count(G), tally.count(P), tally.count(D), tally.count(A)) == (2, 1, 0, 1)
    assert (tally.total, tally.important, tally.urgent) == (4, 3, 2)


def test_importance_is_do_now_plus_plan_and_urgency_is_do_now_plus_delegate():
    outcome = result(Tally.of([G, P, P, D, A]), eligible=5, quorum=3)
    assert outcome.importance_share == pytest.approx(3 / 5)
    assert outcome.urgency_share == pytest.approx(2 / 5)
    assert (outcome.importance, outcome.urgency, outcome.quadrant) == (Axis.YES, Axis.NO, P)


@pytest.mark.parametrize(
    ("choices", "quadrant"),
    [([G, G, P], G), ([P, P, A], P), ([D, D, A], D), ([A, A, G], A), ([G, P, D], G)],
)
def test_majority_on_both_axes_gives_the_quadrant(choices, quadrant):
    assert result(Tally.of(choices), eligible=3, quorum=2).quadrant is quadrant


def test_exactly_half_is_oavgjort_and_gives_no_quadrant():
    outcome = result(Tally.of([G, A]), eligible=2, quorum=1)  # 50 % important, 50 % urgent
    assert outcome.importance is Axis.TIE and outcome.urgency is Axis.TIE
    assert outcome.quadrant is None and outcome.verdict is Verdict.TIE
    one_axis = result(Tally.of([G, P, D, D]), eligible=4, quorum=2)  # important 2/4, urgent 3/4
    assert (one_axis.importance, one_axis.urgency) == (Axis.TIE, Axis.YES)
    assert one_axis.quadrant is None and one_axis.verdict == "oavgjort"


def test_just_above_half_is_yes_and_just_below_is_no():
    assert axis(51, 100) is Axis.YES and axis(49, 100) is Axis.NO and axis(50, 100) is Axis.TIE
    assert axis(2, 3) is Axis.YES and axis(1, 3) is Axis.NO and axis(0, 0) is None


def test_every_possible_small_vote_agrees_with_the_definition():
    """All distributions of up to 6 ballots: quadrant iff quorum met and no axis at 50 %."""
    for n in range(0, 7):
        for choices in itertools.combinations_with_replacement(CHOICES, n):
            tally = Tally.of(choices)
            out = result(tally, eligible=6, quorum=3)
            important = sum(1 for c in choices if c in (G, P))
            urgent = sum(1 for c in choices if c in (G, D))
            assert out.quorum_met == (n >= 3)
            if n:
                assert out.importance_share == important / n
                assert out.urgency_share == urgent / n
            tie = 2 * important == n or 2 * urgent == n
            if n >= 3 and not tie:
                assert out.quadrant is Quadrant.of(2 * important > n, 2 * urgent > n)
                assert out.verdict is out.quadrant
            else:
                assert out.quadrant is None
                assert out.verdict is (Verdict.NO_QUORUM if n < 3 else Verdict.TIE)


def test_without_quorum_the_vote_is_ej_beslutfort_even_with_a_clear_majority():
    outcome = result(Tally.of([G, G, G]), eligible=10, quorum=5)
    assert not outcome.quorum_met and outcome.quadrant is None
    assert outcome.verdict is Verdict.NO_QUORUM and outcome.verdict == "ej_beslutfort"
    assert outcome.importance_share == 1.0  # the shares are still shown to the presidium


def test_quorum_is_met_at_exactly_the_quorum():
    assert result(Tally.of([G] * 5), eligible=10, quorum=5).quadrant is G
    assert result(Tally.of([G] * 4), eligible=10, quorum=5).quadrant is None


def test_no_ballots_gives_no_shares_and_no_result():
    outcome = result(Tally.of([]), eligible=4, quorum=2)
    assert outcome.importance_share is None and outcome.urgency_share is None
    assert outcome.verdict is Verdict.NO_QUORUM


@pytest.mark.parametrize(
    ("eligible", "quorum"), [(0, 1), (1, 1), (2, 1), (3, 2), (7, 4), (8, 4), (9, 5), (41, 21)]
)
def test_default_quorum_is_half_the_eligible_rounded_up_at_least_one(eligible, quorum):
    assert quorum_for(eligible) == quorum


def test_the_quorum_setting_wins_over_the_default():
    assert quorum_for(10, 3) == 3 and quorum_for(2, 5) == 5


def test_the_reminder_is_24_hours_before_or_halfway_for_short_votes():
    opened = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert reminder_at(opened, opened + timedelta(days=7)) == opened + timedelta(days=6)
    assert reminder_at(opened, opened + timedelta(hours=48)) == opened + timedelta(hours=24)
    assert reminder_at(opened, opened + timedelta(hours=36)) == opened + timedelta(hours=18)
    assert reminder_at(opened, opened + timedelta(seconds=90)) == opened + timedelta(seconds=45)


def test_only_open_needs_in_phase_1_or_2_can_be_voted_on():
    assert may_open(1, None) and may_open(2, None)
    assert not may_open(3, None) and not may_open(4, None)
    assert not may_open(2, "aterkallat")
