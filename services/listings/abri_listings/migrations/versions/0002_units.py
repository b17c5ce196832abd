"""Units.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("owner_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("street", sa.String(300), nullable=False),
        sa.Column("postal_code", sa.String(5), nullable=False),
        sa.Column("commune", sa.String(200), nullable=False),
        sa.Column("insee_code", sa.String(5), nullable=False),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("latitude", sa.Float, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("rooms", sa.Integer, nullable=False),
        sa.Column("living_area_m2", sa.Float, nullable=False),
        sa.Column("ceiling_height_m", sa.Float, nullable=False),
        sa.Column("floor", sa.Integer, nullable=False),
        sa.Column("elevator", sa.Boolean, nullable=False),
        sa.Column("accessibility", ARRAY(sa.String(50)), nullable=False),
        sa.Column("furnished", sa.Boolean, nullable=False),
        sa.Column("rent_cents", sa.Integer, nullable=False),
        sa.Column("charges_cents", sa.Integer, nullable=False),
        sa.Column("deposit_cents", sa.Integer, nullable=False),
        sa.Column("energy_class", sa.String(1), nullable=False),
        sa.Column("primary_energy_kwh", sa.Float, nullable=False),
        sa.Column("emissions_kg", sa.Float, nullable=False),
        sa.Column("final_energy_kwh", sa.Float, nullable=True),
        sa.Column("dpe_date", sa.Date, nullable=False),
        sa.Column("schemes", ARRAY(sa.String(40)), nullable=False),
        sa.Column("available_from", sa.Date, nullable=False),
        sa.Column("minimum_duration_months", sa.Integer, nullable=True),
        sa.Column("description", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_units_owner_id", "units", ["owner_id"])
    op.create_index("ix_units_status", "units", ["status"])
    op.create_index("ix_units_insee_code", "units", ["insee_code"])
    op.create_index("ix_units_departement", "units", ["departement"])


def downgrade() -> None:
    op.drop_table("units")
