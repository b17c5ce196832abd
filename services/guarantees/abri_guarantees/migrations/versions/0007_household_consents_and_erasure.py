"""Households' purposes in force (from matching's ``household.consents_changed``), the household of each
placement and file (a pseudonymous id from matching's placement events), and the erasures carried out.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("household_id", sa.Uuid, primary_key=True),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("account_subject", sa.String(200), nullable=True),
        sa.Column("purposes", ARRAY(sa.String(40)), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "household_erasures",
        sa.Column("request_id", sa.Uuid, primary_key=True),
        sa.Column("household_id", sa.Uuid, nullable=False, index=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("files", sa.Integer, nullable=False),
        sa.Column("kept", JSONB, nullable=False),
    )
    op.add_column("placements", sa.Column("household_id", sa.Uuid, nullable=True))
    op.create_index("ix_placements_household_id", "placements", ["household_id"])
    op.add_column("guarantee_files", sa.Column("household_id", sa.Uuid, nullable=True))
    op.create_index("ix_guarantee_files_household_id", "guarantee_files", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_guarantee_files_household_id", table_name="guarantee_files")
    op.drop_column("guarantee_files", "household_id")
    op.drop_index("ix_placements_household_id", table_name="placements")
    op.drop_column("placements", "household_id")
    op.drop_table("household_erasures")
    op.drop_table("households")
