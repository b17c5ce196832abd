"""Batch allocation runs and their suggestions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allocation_runs",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("households", sa.Integer, nullable=False),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("assigned", sa.Integer, nullable=False),
        sa.Column("total_score", sa.Float, nullable=False),
    )
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("run_id", sa.Uuid, sa.ForeignKey("allocation_runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("household_id", sa.Uuid, nullable=False),
        sa.Column("unit_id", sa.Uuid, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_suggestions_run_id", "suggestions", ["run_id"])
    op.create_index("ix_suggestions_org_id", "suggestions", ["org_id"])


def downgrade() -> None:
    op.drop_table("suggestions")
    op.drop_table("allocation_runs")
