"""Shared homes let room by room (``shared_homes``), and each room's home, capacity and label on ``units``.

Expand-only: the previous version neither reads nor writes the new table or columns (its units have no home).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_homes",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("owner_id", sa.String(200), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("facts", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.add_column("units", sa.Column("home_id", sa.Uuid, sa.ForeignKey("shared_homes.id", ondelete="RESTRICT"), nullable=True))
    op.create_index("ix_units_home_id", "units", ["home_id"])
    op.add_column("units", sa.Column("occupants_max", sa.Integer, nullable=True))
    op.add_column("units", sa.Column("label", sa.String(60), nullable=True))


def downgrade() -> None:
    op.drop_column("units", "label")
    op.drop_column("units", "occupants_max")
    op.drop_index("ix_units_home_id", table_name="units")
    op.drop_column("units", "home_id")
    op.drop_table("shared_homes")
