"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 08:32:34.863551
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_member",
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("refreshed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "user_id"),
    )
    op.create_table(
        "job_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "subject", "due_at", name="uq_job_claim"),
    )
    op.create_table(
        "need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("perspective", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("submitted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source_permalink", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("phase_entered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("quadrant", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("importance_share", sa.Float(), nullable=True),
        sa.Column("urgency_share", sa.Float(), nullable=True),
        sa.Column("public_hidden", sa.Boolean(), nullable=False),
        sa.Column("hidden_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submitted_by", "content_hash", name="uq_need_submitter_content"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_merged_into"), ["merged_into"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_phase"), ["phase"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_submitted_by"), ["submitted_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "processed_request",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("processed_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_request_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("relevant", sa.Boolean(), nullable=False),
        sa.Column("person_centred", sa.Boolean(), nullable=False),
        sa.Column("trust", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_need_id"), ["need_id"], unique=False)

    op.create_table(
        "completion",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("final_report_date", sa.Date(), nullable=False),
        sa.Column("final_report_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("vvg_position", sa.Text(), nullable=False),
        sa.Column("sro_position", sa.Text(), nullable=True),
        sa.Column("product_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("completed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("completed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("need_id"),
    )
    op.create_table(
        "follower",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("since", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("need_id", "user_id"),
    )
    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestone_need_id"), ["need_id"], unique=False)

    op.create_table(
        "mission",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("purpose_goals", sa.Text(), nullable=False),
        sa.Column("delimitations", sa.Text(), nullable=True),
        sa.Column("group_composition", sa.Text(), nullable=True),
        sa.Column("time_needed", sa.Text(), nullable=True),
        sa.Column("process_leader", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("working_group", sa.JSON(), nullable=False),
        sa.Column("external_members", sa.Text(), nullable=True),
        sa.Column("resourcing", sa.Text(), nullable=True),
        sa.Column("state_grant", sa.Boolean(), nullable=False),
        sa.Column("inform_sro", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("need_id"),
    )
    with op.batch_alter_table("mission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mission_process_leader"), ["process_leader"], unique=False
        )

    op.create_table(
        "need_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("need_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_event_need_id"), ["need_id"], unique=False)

    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("opened_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("opened_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("eligible_count", sa.Integer(), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("ballots_count", sa.Integer(), nullable=False),
        sa.Column("importance", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("urgency", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("quadrant", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("importance_share", sa.Float(), nullable=True),
        sa.Column("urgency_share", sa.Float(), nullable=True),
        sa.Column("quorum_met", sa.Boolean(), nullable=True),
        sa.Column("tally_version", sa.Integer(), nullable=False),
        sa.Column("rendered_version", sa.Integer(), nullable=False),
        sa.Column("rendered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_need_id"), ["need_id"], unique=False)
        batch_op.create_index(
            "uq_vote_open_per_need",
            ["need_id"],
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )

    op.create_table(
        "ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("quadrant", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("cast_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["vote.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vote_id", "user_id", name="uq_ballot_vote_user"),
    )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_vote_id"), ["vote_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_vote_id"))

    op.drop_table("ballot")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_vote_open_per_need",
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_vote_need_id"))
        batch_op.drop_index(batch_op.f("ix_vote_deadline"))

    op.drop_table("vote")
    with op.batch_alter_table("need_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_event_need_id"))
        batch_op.drop_index(batch_op.f("ix_need_event_at"))

    op.drop_table("need_event")
    with op.batch_alter_table("mission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mission_process_leader"))

    op.drop_table("mission")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_need_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_due"))

    op.drop_table("milestone")
    op.drop_table("follower")
    op.drop_table("completion")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_need_id"))

    op.drop_table("assessment")
    with op.batch_alter_table("processed_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_request_seen_at"))

    op.drop_table("processed_request")
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_updated_at"))
        batch_op.drop_index(batch_op.f("ix_need_submitted_by"))
        batch_op.drop_index(batch_op.f("ix_need_phase"))
        batch_op.drop_index(batch_op.f("ix_need_outcome"))
        batch_op.drop_index(batch_op.f("ix_need_merged_into"))

    op.drop_table("need")
    op.drop_table("job_claim")
    op.drop_table("channel_member")
