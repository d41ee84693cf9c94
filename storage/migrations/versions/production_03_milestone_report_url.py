"""milestone.report_url: the link to a report handed in for a milestone of the timetable

Revision ID: production_03
Revises: production_02
Create Date: 2026-12-08 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "production_03"
down_revision = "production_02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestone") as batch:
        batch.add_column(sa.Column("report_url", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("milestone") as batch:
        batch.drop_column("report_url")
