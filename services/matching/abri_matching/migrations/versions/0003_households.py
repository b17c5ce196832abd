"""Households, their wrapped data keys, consents, and the personal-data access log.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("account_subject", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("adults", sa.Integer, nullable=False),
        sa.Column("children", sa.Integer, nullable=False),
        sa.Column("resources_cents", sa.Integer, nullable=False),
        sa.Column("housing_benefit_cents", sa.Integer, nullable=False),
        sa.Column("needs_step_free", sa.Boolean, nullable=False),
        sa.Column("needs_ground_floor", sa.Boolean, nullable=False),
        sa.Column("min_bedrooms", sa.Integer, nullable=False),
        sa.Column("wanted_communes", ARRAY(sa.String(5)), nullable=False),
        sa.Column("wanted_latitude", sa.Float, nullable=True),
        sa.Column("wanted_longitude", sa.Float, nullable=True),
        sa.Column("wanted_radius_km", sa.Float, nullable=True),
        sa.Column("priority_level", sa.Integer, nullable=False),
        sa.Column("registered_since", sa.Date, nullable=False),
        sa.Column("personal", sa.LargeBinary, nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("org_id", "reference", name="uq_households_org_reference"),
    )
    op.create_index("ix_households_org_id", "households", ["org_id"])
    op.create_index("ix_households_status", "households", ["status"])
    op.create_index("ix_households_account_subject", "households", ["account_subject"])
    op.create_table(
        "household_keys",
        sa.Column("household_id", sa.Uuid, sa.ForeignKey("households.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kek_id", sa.String(50), nullable=False),
        sa.Column("wrapped", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("household_id", sa.Uuid, sa.ForeignKey("households.id", ondelete="CASCADE"), nullable=False),
        sa.Column("purpose", sa.String(60), nullable=False),
        sa.Column("notice_version", sa.String(30), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_consents_household_id", "consents", ["household_id"])
    op.create_table(
        "personal_data_access_log",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_org", sa.String(200), nullable=True),
        sa.Column("household_id", sa.Uuid, nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_personal_data_access_log_household_id", "personal_data_access_log", ["household_id"])


def downgrade() -> None:
    op.drop_table("personal_data_access_log")
    op.drop_table("consents")
    op.drop_table("household_keys")
    op.drop_table("households")
