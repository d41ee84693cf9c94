"""ballot.clicked_at: the later of two quick clicks wins

Revision ID: production_01
Revises: 0001
Create Date: 2026-11-23 09:50:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "production_01"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ballot") as batch:
        batch.add_column(
            sa.Column("clicked_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("ballot") as batch:
        batch.drop_column("clicked_at")
