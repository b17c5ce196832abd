"""Issue 23: move-in and move-out inventories of a placement's home (``inventories``) and their photos
(``inventory_photos``), sealed with each inventory's own key (key store, namespace ``inventory``).

Expand-only: new tables the previous version never reads.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inventories",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("placement_id", sa.Uuid, sa.ForeignKey("placements.id", ondelete="CASCADE"), nullable=False),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("owner_id", sa.String(200), nullable=False),
        sa.Column("household_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("made_on", sa.Date, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("landlord_signed_by", sa.String(200), nullable=True),
        sa.Column("landlord_signed_role", sa.String(30), nullable=True),
        sa.Column("landlord_signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("household_signed_by", sa.String(200), nullable=True),
        sa.Column("household_signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completion", sa.LargeBinary, nullable=True),
        sa.Column("completion_asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("placement_id", "kind", name="uq_inventories_one_kind_per_placement"),
        sa.CheckConstraint("kind IN ('move_in', 'move_out')", name="ck_inventories_kind"),
    )
    for column in ("placement_id", "org_id", "owner_id", "household_id"):
        op.create_index(f"ix_inventories_{column}", "inventories", [column])
    op.create_table(
        "inventory_photos",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("inventory_id", sa.Uuid, sa.ForeignKey("inventories.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", sa.Uuid, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_inventory_photos_inventory_id", "inventory_photos", ["inventory_id"])


def downgrade() -> None:
    op.drop_table("inventory_photos")
    op.drop_table("inventories")
