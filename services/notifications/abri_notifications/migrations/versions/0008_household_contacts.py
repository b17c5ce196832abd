"""Households that may (or may not) be told: their account subject and purposes in force, from matching's
``household.consents_changed`` (a household without ``notifications`` in force is told nothing).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "household_contacts",
        sa.Column("household_id", sa.Uuid, primary_key=True),
        sa.Column("account_subject", sa.String(200), nullable=True, index=True),
        sa.Column("purposes", ARRAY(sa.String(40)), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("household_contacts")
