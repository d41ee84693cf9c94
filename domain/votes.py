"""A VVG vote on one need, by the Eisenhower matrix of Appendix 1 (seed 004): pure rules.

Each voter picks one quadrant. Importance is the share of votes in Gör nu + Planera, urgency
the share in Gör nu + Delegera. An axis counts as yes above 50 %; exactly 50 % is *oavgjort*
for the presidium to settle. Without a quorum the vote is *inte beslutsför* and gives no
quadrant. Quorum: BEHOV_VOTE_QUORUM votes when set, else half of the eligible voters rounded
up (at least one): 7 members need 4 votes, 8 members need 4.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.phases import Phase, Quadrant

# Quadrants in the order the vote message and the matrix list them.
CHOICES = (Quadrant.DO_NOW, Quadrant.PLAN, Quadrant.DELEGATE, Quadrant.WAIT)
REMIND_BEFORE = timedelta(hours=24)


class Axis(StrEnum):
    """The answer on one axis (important? urgent?)."""

    YES = "ja"
    NO = "nej"
    TIE = "oavgjort"


class Verdict(StrEnum):
    """Why a closed vote gives no quadrant (recorded in the history instead of one)."""

    TIE = "oavgjort"
    NO_QUORUM = "ej_beslutfort"


@dataclass(frozen=True)
class Tally:
    """How many ballots each quadrant got."""

    counts: tuple[tuple[Quadrant, int], ...]

    @classmethod
    def of(cls, choices: Iterable[Quadrant | str]) -> Tally:
        counter = Counter(Quadrant(choice) for choice in choices)
        return cls(tuple((q, counter.get(q, 0)) for q in CHOICES))

    def count(self, quadrant: Quadrant) -> int:
        return dict(self.counts)[quadrant]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    @property
    def important(self) -> int:
        return sum(n for q, n in self.counts if q.important)

    @property
    def urgent(self) -> int:
        return sum(n for q, n in self.counts if q.urgent)


@dataclass(frozen=True)
class Result:
    """What a closed vote says; shares are fractions 0..1 (None without any ballot)."""

    tally: Tally
    eligible: int
    quorum: int
    quorum_met: bool
    importance_share: float | None
    urgency_share: float | None
    importance: Axis | None
    urgency: Axis | None
    quadrant: Quadrant | None

    @property
    def verdict(self) -> Quadrant | Verdict:
        """The quadrant, or why there is none."""
        if not self.quorum_met:
            return Verdict.NO_QUORUM
        return self.quadrant or Verdict.TIE


def quorum_for(eligible: int, setting: int | None = None) -> int:
    """Votes needed: the setting if given, else half the eligible rounded up, at least one."""
    if setting is not None:
        return setting
    return max(1, -(-eligible // 2))


def axis(yes: int, total: int) -> Axis | None:
    """Yes above half, no below half, oavgjort at exactly half; None without ballots."""
    if total == 0:
        return None
    if 2 * yes > total:
        return Axis.YES
    if 2 * yes < total:
        return Axis.NO
    return Axis.TIE


def result(tally: Tally, *, eligible: int, quorum: int) -> Result:
    total = tally.total
    importance, urgency = axis(tally.important, total), axis(tally.urgent, total)
    quorum_met = total >= quorum and total > 0
    decided = quorum_met and Axis.TIE not in (importance, urgency)
    return Result(
        tally=tally,
        eligible=eligible,
        quorum=quorum,
        quorum_met=quorum_met,
        importance_share=tally.important / total if total else None,
        urgency_share=tally.urgent / total if total else None,
        importance=importance,
        urgency=urgency,
        quadrant=Quadrant.of(importance is Axis.YES, urgency is Axis.YES) if decided else None,
    )


def reminder_at(opened_at: datetime, deadline: datetime) -> datetime:
    """24 hours before the deadline; halfway for votes shorter than 48 hours."""
    length = deadline - opened_at
    if length >= 2 * REMIND_BEFORE:
        return deadline - REMIND_BEFORE
    return opened_at + length / 2


def may_open(phase: int, outcome: str | None) -> bool:
    """A vote is about prioritisation: only for open needs in phase 1 or 2."""
    return outcome is None and phase in (Phase.IDENTIFIED, Phase.PRIORITISATION)
