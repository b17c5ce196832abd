"""The read model of units, fed by listings' events.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_view",
        sa.Column("unit_id", sa.Uuid, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner_id", sa.String(200), nullable=False),
        sa.Column("postal_code", sa.String(5), nullable=True),
        sa.Column("insee_code", sa.String(5), nullable=True),
        sa.Column("commune", sa.String(200), nullable=True),
        sa.Column("departement", sa.String(3), nullable=True),
        sa.Column("latitude", sa.Float, nullable=True),
        sa.Column("longitude", sa.Float, nullable=True),
        sa.Column("kind", sa.String(30), nullable=True),
        sa.Column("rooms", sa.Integer, nullable=True),
        sa.Column("living_area_m2", sa.Float, nullable=True),
        sa.Column("floor", sa.Integer, nullable=True),
        sa.Column("elevator", sa.Boolean, nullable=True),
        sa.Column("accessibility", ARRAY(sa.String(50)), nullable=False),
        sa.Column("furnished", sa.Boolean, nullable=True),
        sa.Column("rent_cents", sa.Integer, nullable=True),
        sa.Column("charges_cents", sa.Integer, nullable=True),
        sa.Column("energy_class", sa.String(1), nullable=True),
        sa.Column("schemes", ARRAY(sa.String(40)), nullable=False),
        sa.Column("available_from", sa.Date, nullable=True),
        sa.Column("minimum_duration_months", sa.Integer, nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("placement_id", sa.Uuid, nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_unit_view_owner_id", "unit_view", ["owner_id"])
    op.create_index("ix_unit_view_open", "unit_view", ["departement"], postgresql_where=sa.text("status = 'published'"))


def downgrade() -> None:
    op.drop_table("unit_view")
