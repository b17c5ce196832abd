"""Consent as a gate and erasure everywhere: each household keeps the purposes in force (ranking reads
them in SQL) and a legal basis that may stand in for the matching consent (recorded by whom, when);
erasure requests and each service's receipt.

The purposes in force of existing households are their consents not withdrawn.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("households", sa.Column("purposes_in_force", ARRAY(sa.String(40)), server_default="{}", nullable=False))
    op.add_column("households", sa.Column("legal_basis", sa.String(40), nullable=True))
    op.add_column("households", sa.Column("legal_basis_recorded_by", sa.String(200), nullable=True))
    op.add_column("households", sa.Column("legal_basis_recorded_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE households h SET purposes_in_force = coalesce(("
        " SELECT array_agg(p ORDER BY array_position("
        "   ARRAY['matching', 'share_with_owner_after_acceptance', 'guarantee_file', 'notifications']::varchar[], p))"
        " FROM (SELECT DISTINCT c.purpose AS p FROM consents c WHERE c.household_id = h.id AND c.withdrawn_at IS NULL) given"
        "), '{}')"
    )
    op.create_table(
        "household_erasures",
        sa.Column("request_id", sa.Uuid, primary_key=True),
        sa.Column("household_id", sa.Uuid, sa.ForeignKey("households.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("org_id", sa.String(200), nullable=False, index=True),
        sa.Column("requested_by", sa.String(20), nullable=False),
        sa.Column("requester", sa.String(200), nullable=False),
        sa.Column("dpo_reference", sa.String(60), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "household_erasure_receipts",
        sa.Column(
            "request_id", sa.Uuid, sa.ForeignKey("household_erasures.request_id", ondelete="CASCADE"), primary_key=True, nullable=False
        ),
        sa.Column("service", sa.String(30), primary_key=True, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kept", JSONB, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("household_erasure_receipts")
    op.drop_table("household_erasures")
    for column in ("legal_basis_recorded_at", "legal_basis_recorded_by", "legal_basis", "purposes_in_force"):
        op.drop_column("households", column)
