"""Associations' own matching settings.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "association_settings",
        sa.Column("org_id", sa.String(200), primary_key=True),
        sa.Column("rent_burden_threshold", sa.Float, nullable=False),
        sa.Column("schemes", ARRAY(sa.String(40)), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("association_settings")
