"""Many needs, votes and missions at once, written straight to the tables (fast, no Slack)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import Ballot, ChannelMember, Mission, Need, Vote

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def add_needs(
    db,
    count: int,
    *,
    phase: int = 1,
    submitted_by: str = "USUB",
    title: str = "Behov {i}",
    description: str = "Beskrivning {i}",
    outcome: str | None = None,
    decision: str | None = None,
    at: datetime = NOW,
) -> list[int]:
    """Store `count` needs with the given fields; `{i}` in texts is the running index."""
    with db.session(write=True) as s:
        needs = [
            Need(
                title=title.format(i=i),
                description=description.format(i=i),
                origin="gemensamt_utvecklingsarbete",
                submitted_by=submitted_by,
                submitted_at=at,
                content_hash=f"{submitted_by}-{title.format(i=i)}-{phase}-{outcome}-{i}",
                phase=phase,
                phase_entered_at=at,
                outcome=outcome,
                decision=decision,
                target_groups=[],
                updated_at=at,
            )
            for i in range(count)
        ]
        s.add_all(needs)
        s.flush()
        return [n.id for n in needs]


POSTED = "1795424400.000100"  # a vote's message is in the channel: the vote is open


def open_vote(
    db,
    need_id: int,
    *,
    channel: str,
    deadline: datetime | None = None,
    closed: bool = False,
    quadrant: str | None = None,
) -> int:
    with db.session(write=True) as s:
        vote = Vote(
            need_id=need_id,
            channel=channel,
            opened_by="UADMIN1",
            opened_at=NOW,
            deadline=deadline or NOW + timedelta(days=7),
            closed_at=NOW if closed else None,
            quadrant=quadrant,
            message_ts=POSTED,
        )
        s.add(vote)
        s.flush()
        return vote.id


def cast(db, vote_id: int, user_id: str, quadrant: str = "planera") -> None:
    with db.session(write=True) as s:
        s.add(
            Ballot(vote_id=vote_id, user_id=user_id, quadrant=quadrant, cast_at=NOW, updated_at=NOW)
        )


def members(db, channel: str, *user_ids: str) -> None:
    with db.session(write=True) as s:
        s.add_all(ChannelMember(channel_id=channel, user_id=u, refreshed_at=NOW) for u in user_ids)


def lead(db, need_id: int, user_id: str) -> None:
    with db.session(write=True) as s:
        s.add(
            Mission(
                need_id=need_id,
                description="Uppdrag",
                purpose_goals="Mål",
                process_leader=user_id,
                updated_by="UADMIN1",
                updated_at=NOW,
            )
        )
