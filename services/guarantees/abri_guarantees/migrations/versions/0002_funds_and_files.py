"""Funds and their policy versions, the read models (units, placements), guarantee files, their keys,
steps and access log, and visas.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN = "status IN ('under_review', 'information_requested', 'resubmitted', 'approved')"


def upgrade() -> None:
    op.create_table(
        "funds",
        sa.Column("fund_id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "fund_policies",
        sa.Column("fund_id", sa.String(200), sa.ForeignKey("funds.fund_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "unit_facts",
        sa.Column("unit_id", sa.Uuid, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("owner_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("departement", sa.String(3), nullable=True),
        sa.Column("rent_cents", sa.Integer, nullable=True),
        sa.Column("charges_cents", sa.Integer, nullable=True),
        sa.Column("energy_class", sa.String(1), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_unit_facts_owner_id", "unit_facts", ["owner_id"])
    op.create_table(
        "placements",
        sa.Column("placement_id", sa.Uuid, primary_key=True),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("unit_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_signed_on", sa.Date, nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_placements_org_id", "placements", ["org_id"])
    op.create_table(
        "guarantee_files",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("fund_id", sa.String(200), sa.ForeignKey("funds.fund_id"), nullable=False),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("placement_id", sa.Uuid, nullable=False),
        sa.Column("unit_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("policy_version", sa.Integer, nullable=False),
        sa.Column("unit", JSONB, nullable=False),
        sa.Column("failures", JSONB, nullable=False),
        sa.Column("max_rent_cents", sa.Integer, nullable=True),
        sa.Column("personal", sa.LargeBinary, nullable=True),
        sa.Column("entered_queue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_guarantee_files_fund_id", "guarantee_files", ["fund_id"])
    op.create_index("ix_guarantee_files_org_id", "guarantee_files", ["org_id"])
    op.create_index("ix_guarantee_files_placement_id", "guarantee_files", ["placement_id"])
    op.create_index("guarantee_files_queue", "guarantee_files", ["fund_id", "status", "review_deadline"])
    op.create_index(
        "guarantee_files_one_open_per_placement", "guarantee_files", ["placement_id"], unique=True, postgresql_where=sa.text(OPEN)
    )
    op.create_table(
        "file_keys",
        sa.Column("file_id", sa.Uuid, sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kek_id", sa.String(50), nullable=False),
        sa.Column("wrapped", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "file_steps",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("file_id", sa.Uuid, sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(30), nullable=True),
        sa.Column("to_status", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("message", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_file_steps_file_id", "file_steps", ["file_id"])
    op.create_table(
        "personal_data_access_log",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_org", sa.String(200), nullable=True),
        sa.Column("file_id", sa.Uuid, nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_personal_data_access_log_file_id", "personal_data_access_log", ["file_id"])
    op.create_table(
        "visas",
        sa.Column("number", sa.String(13), primary_key=True),
        sa.Column("file_id", sa.Uuid, sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("fund_id", sa.String(200), nullable=False),
        sa.Column("max_rent_cents", sa.Integer, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("lease_signing_deadline", sa.Date, nullable=False),
        sa.Column("revoked_on", sa.Date, nullable=True),
        sa.Column("holder_mac", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "visas",
        "personal_data_access_log",
        "file_steps",
        "file_keys",
        "guarantee_files",
        "placements",
        "unit_facts",
        "fund_policies",
        "funds",
    ):
        op.drop_table(table)
