"""Issue 23: the inventories both parties signed (matching's ``placement.inventory_signed``: rooms, items and
conditions, no note, no photo), and a damage claim's two inventories (``claims.move_in_inventory_id``,
``claims.move_out_inventory_id``), which the fund compares side by side.

Expand-only: a new table and two nullable columns the previous version neither reads nor writes.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inventories",
        sa.Column("inventory_id", sa.Uuid, primary_key=True),
        sa.Column("placement_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("made_on", sa.Date, nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("rooms", JSONB, nullable=False),
        sa.Column("keys_handed", sa.Integer, nullable=False),
        sa.UniqueConstraint("placement_id", "kind", name="uq_guarantee_inventories_one_kind_per_placement"),
    )
    op.create_index("ix_inventories_placement_id", "inventories", ["placement_id"])
    op.add_column("claims", sa.Column("move_in_inventory_id", sa.Uuid, nullable=True))
    op.add_column("claims", sa.Column("move_out_inventory_id", sa.Uuid, nullable=True))


def downgrade() -> None:
    op.drop_column("claims", "move_out_inventory_id")
    op.drop_column("claims", "move_in_inventory_id")
    op.drop_table("inventories")
