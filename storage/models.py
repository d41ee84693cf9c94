"""All tables. A need's whole life is modelled here; nothing is ever deleted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _ts(nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _fk(target: str, nullable: bool = False, index: bool = True) -> Column:
    return Column(Integer, ForeignKey(target), nullable=nullable, index=index)


class Need(SQLModel, table=True):
    """A development need (utvecklingsbehov); `id` is its public number (#12)."""

    __table_args__ = (
        UniqueConstraint("submitted_by", "content_hash", name="uq_need_submitter_content"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=150)
    description: str = Field(sa_column=Column(Text, nullable=False))
    origin: str = Field(max_length=40)
    perspective: str | None = Field(default=None, max_length=40)
    area: str | None = Field(default=None, max_length=40)
    target_groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    level: str | None = Field(default=None, max_length=40)
    organisation: str | None = Field(default=None, max_length=80)
    submitted_by: str = Field(max_length=32, index=True)
    submitted_at: datetime = Field(sa_column=_ts())
    source_permalink: str | None = Field(default=None, max_length=500)
    content_hash: str = Field(max_length=64)
    phase: int = Field(default=1, index=True)
    phase_entered_at: datetime = Field(sa_column=_ts())
    decision: str | None = Field(default=None, max_length=20)
    outcome: str | None = Field(default=None, max_length=20, index=True)
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    merged_into: int | None = Field(default=None, sa_column=_fk("need.id", nullable=True))
    quadrant: str | None = Field(default=None, max_length=20)
    importance_share: float | None = None
    urgency_share: float | None = None
    public_hidden: bool = Field(default=False)
    hidden_reason: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(sa_column=_ts(index=True))


class NeedEvent(SQLModel, table=True):
    """One entry of a need's append-only history: who, when, what changed, why."""

    __tablename__ = "need_event"

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(sa_column=_fk("need.id"))
    at: datetime = Field(sa_column=_ts(index=True))
    actor: str | None = Field(default=None, max_length=32)
    kind: str = Field(max_length=30)
    field: str | None = Field(default=None, max_length=40)
    old_value: str | None = Field(default=None, sa_column=Column(Text))
    new_value: str | None = Field(default=None, sa_column=Column(Text))
    comment: str | None = Field(default=None, sa_column=Column(Text))
    public: bool = Field(default=False)


class Assessment(SQLModel, table=True):
    """VVG's position-taking on the three questions of the process (latest counts)."""

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(sa_column=_fk("need.id"))
    relevant: bool
    person_centred: bool
    trust: bool
    comment: str | None = Field(default=None, sa_column=Column(Text))
    by: str = Field(max_length=32)
    at: datetime = Field(sa_column=_ts())


class Vote(SQLModel, table=True):
    """A VVG vote in the voting channel on one need's importance and urgency."""

    __table_args__ = (
        Index(
            "uq_vote_open_per_need",
            "need_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(sa_column=_fk("need.id"))
    channel: str = Field(max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    opened_by: str = Field(max_length=32)
    opened_at: datetime = Field(sa_column=_ts())
    deadline: datetime = Field(sa_column=_ts(index=True))
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    closed_by: str | None = Field(default=None, max_length=32)
    eligible_count: int = 0
    quorum: int = 0
    ballots_count: int = 0
    importance: str | None = Field(default=None, max_length=10)
    urgency: str | None = Field(default=None, max_length=10)
    quadrant: str | None = Field(default=None, max_length=20)
    importance_share: float | None = None
    urgency_share: float | None = None
    quorum_met: bool | None = None
    tally_version: int = 0
    rendered_version: int = 0
    rendered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Ballot(SQLModel, table=True):
    """One member's current choice in one vote; changing it updates the row."""

    __table_args__ = (UniqueConstraint("vote_id", "user_id", name="uq_ballot_vote_user"),)

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(sa_column=_fk("vote.id"))
    user_id: str = Field(max_length=32)
    quadrant: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=500)
    cast_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())
    # Slack's time of the click that set the choice: two quick clicks may be handled out of
    # order (or by two processes); the later click wins, whichever is handled last.
    clicked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Mission(SQLModel, table=True):
    """The mission document (uppdragshandling) of a need in execution."""

    need_id: int = Field(sa_column=Column(Integer, ForeignKey("need.id"), primary_key=True))
    description: str = Field(sa_column=Column(Text, nullable=False))
    purpose_goals: str = Field(sa_column=Column(Text, nullable=False))
    delimitations: str | None = Field(default=None, sa_column=Column(Text))
    group_composition: str | None = Field(default=None, sa_column=Column(Text))
    time_needed: str | None = Field(default=None, sa_column=Column(Text))
    process_leader: str | None = Field(default=None, max_length=32, index=True)
    working_group: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    external_members: str | None = Field(default=None, sa_column=Column(Text))
    resourcing: str | None = Field(default=None, sa_column=Column(Text))
    state_grant: bool = False
    inform_sro: bool = False
    updated_by: str = Field(max_length=32)
    updated_at: datetime = Field(sa_column=_ts())


class Milestone(SQLModel, table=True):
    """A dated step in a mission's timetable (interim report, SRO report, final report)."""

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(sa_column=_fk("need.id"))
    kind: str = Field(max_length=20)
    title: str = Field(max_length=150)
    due: date = Field(index=True)
    done_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # handed in
    report_url: str | None = Field(default=None, max_length=500)  # where the report is


class Completion(SQLModel, table=True):
    """What closes a mission (phase 4): final report, positions taken, published product."""

    need_id: int = Field(sa_column=Column(Integer, ForeignKey("need.id"), primary_key=True))
    final_report_date: date
    final_report_url: str | None = Field(default=None, max_length=500)
    vvg_position: str = Field(sa_column=Column(Text, nullable=False))
    sro_position: str | None = Field(default=None, sa_column=Column(Text))
    product_url: str | None = Field(default=None, max_length=500)
    completed_by: str = Field(max_length=32)
    completed_at: datetime = Field(sa_column=_ts())


class Follower(SQLModel, table=True):
    """Someone who gets a direct message when the need moves."""

    need_id: int = Field(sa_column=Column(Integer, ForeignKey("need.id"), primary_key=True))
    user_id: str = Field(primary_key=True, max_length=32)
    since: datetime = Field(sa_column=_ts())


class JobClaim(SQLModel, table=True):
    """A piece of scheduled work, claimed by one process before it is sent (exactly once)."""

    __tablename__ = "job_claim"
    __table_args__ = (UniqueConstraint("kind", "subject", "due_at", name="uq_job_claim"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    subject: str = Field(max_length=80)
    due_at: datetime = Field(sa_column=_ts())
    status: str = Field(max_length=10)
    owner: str | None = Field(default=None, max_length=80)
    attempts: int = 0
    claimed_at: datetime = Field(sa_column=_ts())
    finished_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # When the first attempt to post began, by the wall clock: where to start looking in
    # Slack's history for a post whose earlier attempt may have gone through.
    tried_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ChannelMember(SQLModel, table=True):
    """Cached membership of the voting channel (the eligible voters)."""

    __tablename__ = "channel_member"

    channel_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    refreshed_at: datetime = Field(sa_column=_ts())


class ProcessedRequest(SQLModel, table=True):
    """Keys of requests already acted on, so a retried delivery does nothing twice."""

    __tablename__ = "processed_request"

    key: str = Field(primary_key=True, max_length=120)
    seen_at: datetime = Field(sa_column=_ts(index=True))
