"""Issue 19: a household's record is linked to its own sign-in account only by an invitation the person
accepts signed in (``household_invitations``: the code's SHA-256, never the code; who created it, until
when, who accepted or revoked it). At most one pending invitation per household is the use case's rule.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "household_invitations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("household_id", sa.Uuid, sa.ForeignKey("households.id", ondelete="CASCADE"), nullable=False),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(200), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.UniqueConstraint("code_hash", name="uq_household_invitations_code_hash"),
    )
    op.create_index("ix_household_invitations_household_id", "household_invitations", ["household_id"])
    op.create_index("ix_household_invitations_org_id", "household_invitations", ["org_id"])


def downgrade() -> None:
    op.drop_table("household_invitations")
