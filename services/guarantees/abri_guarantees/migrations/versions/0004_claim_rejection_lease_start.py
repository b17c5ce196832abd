"""Claims a fund rejects (with coded reasons), and the day a guaranteed lease starts (cover begins then).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("claims", sa.Column("rejection_reasons", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")))
    op.add_column("claims", sa.Column("rejected_by", sa.String(200), nullable=True))
    op.add_column("claims", sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("guarantees", sa.Column("lease_starts_on", sa.Date, nullable=True))
    op.execute("UPDATE guarantees SET lease_starts_on = lease_signed_on")
    op.alter_column("guarantees", "lease_starts_on", nullable=False)


def downgrade() -> None:
    op.drop_column("guarantees", "lease_starts_on")
    op.drop_column("claims", "rejected_at")
    op.drop_column("claims", "rejected_by")
    op.drop_column("claims", "rejection_reasons")
