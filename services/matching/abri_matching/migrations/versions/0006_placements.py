"""Placements and their steps.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "placements",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("household_id", sa.Uuid, sa.ForeignKey("households.id"), nullable=False),
        sa.Column("unit_id", sa.Uuid, nullable=False),
        sa.Column("owner_id", sa.String(200), nullable=False),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("guarantee_required", sa.Boolean, nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_type", sa.String(20), nullable=True),
        sa.Column("lease_signed_on", sa.Date, nullable=True),
        sa.Column("lease_starts_on", sa.Date, nullable=True),
        sa.Column("next_review_by", sa.Date, nullable=True),
        sa.Column("ready_to_slide", sa.Boolean, nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(40), nullable=True),
    )
    op.create_index("ix_placements_org_id", "placements", ["org_id"])
    op.create_index("ix_placements_household_id", "placements", ["household_id"])
    op.create_index("ix_placements_owner_id", "placements", ["owner_id"])
    op.create_index(
        "uq_placements_one_active_per_unit",
        "placements",
        ["unit_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('proposed', 'accepted', 'awaiting_guarantee', 'guaranteed')"),
    )
    op.create_table(
        "placement_steps",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("placement_id", sa.Uuid, sa.ForeignKey("placements.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(30), nullable=True),
        sa.Column("to_status", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
    )
    op.create_index("ix_placement_steps_placement_id", "placement_steps", ["placement_id"])


def downgrade() -> None:
    op.drop_table("placement_steps")
    op.drop_table("placements")
