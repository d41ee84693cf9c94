"""job_claim.tried_at: where to look in Slack for a post that may have gone through

Revision ID: production_02
Revises: production_01
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "production_02"
down_revision = "production_01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_claim") as batch:
        batch.add_column(
            sa.Column("tried_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("job_claim") as batch:
        batch.drop_column("tried_at")
