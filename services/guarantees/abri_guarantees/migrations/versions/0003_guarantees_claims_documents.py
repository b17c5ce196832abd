"""Guarantees, unpaid-rent claims, the documents of guarantee files, and the order of a file's steps.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("file_steps", sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False))
    op.create_table(
        "guarantees",
        sa.Column("file_id", sa.Uuid, sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("fund_id", sa.String(200), nullable=False),
        sa.Column("owner_id", sa.String(200), nullable=False),
        sa.Column("visa_number", sa.String(13), nullable=False),
        sa.Column("lease_signed_on", sa.Date, nullable=False),
        sa.Column("rent_and_charges_cents", sa.Integer, nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_on", sa.Date, nullable=True),
    )
    op.create_index("ix_guarantees_fund_id", "guarantees", ["fund_id"])
    op.create_index("ix_guarantees_owner_id", "guarantees", ["owner_id"])
    op.create_table(
        "claims",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("file_id", sa.Uuid, sa.ForeignKey("guarantees.file_id", ondelete="CASCADE"), nullable=False),
        sa.Column("fund_id", sa.String(200), nullable=False),
        sa.Column("owner_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("months", JSONB, nullable=False),
        sa.Column("formal_notice_on", sa.Date, nullable=True),
        sa.Column("declared_on", sa.Date, nullable=False),
        sa.Column("ground", sa.String(30), nullable=False),
        sa.Column("arrears_cents", sa.Integer, nullable=False),
        sa.Column("rent_payable_cents", sa.Integer, nullable=False),
        sa.Column("damage_cents", sa.Integer, nullable=False),
        sa.Column("damage_payable_cents", sa.Integer, nullable=False),
        sa.Column("late", JSONB, nullable=False),
        sa.Column("filed_by", sa.String(200), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validated_by", sa.String(200), nullable=True),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_cents", sa.Integer, nullable=True),
        sa.Column("subrogation_receipt", sa.String(100), nullable=True),
    )
    op.create_index("ix_claims_file_id", "claims", ["file_id"])
    op.create_index("ix_claims_fund_id", "claims", ["fund_id"])
    op.create_index("ix_claims_owner_id", "claims", ["owner_id"])
    op.create_table(
        "documents",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("file_id", sa.Uuid, sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("sub_kind", sa.String(60), nullable=True),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_documents_file_id", "documents", ["file_id"])


def downgrade() -> None:
    op.drop_table("documents")
    op.drop_table("claims")
    op.drop_table("guarantees")
    op.drop_column("file_steps", "seq")
