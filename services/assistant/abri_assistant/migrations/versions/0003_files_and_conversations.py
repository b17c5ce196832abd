"""The read model of households' files (households, placements, guarantee files: ids, codes, dates) and the
conversations with their sealed messages.

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
        sa.Column("household_id", sa.Uuid, primary_key=True),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("account_subject", sa.String(200), nullable=True, index=True),
        sa.Column("purposes", ARRAY(sa.String(60)), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "placements",
        sa.Column("placement_id", sa.Uuid, primary_key=True),
        sa.Column("household_id", sa.Uuid, nullable=True, index=True),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("sliding", sa.Boolean, nullable=False),
        sa.Column("answer_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_review_by", sa.Date, nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "guarantee_files",
        sa.Column("file_id", sa.Uuid, primary_key=True),
        sa.Column("placement_id", sa.Uuid, nullable=False, index=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("review_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_rules", ARRAY(sa.String(80)), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False, index=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("org_id", sa.String(200), nullable=True),
        sa.Column("household_id", sa.Uuid, nullable=True, index=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handover_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handover_org_id", sa.String(200), nullable=True, index=True),
        sa.Column("urgent_categories", ARRAY(sa.String(30)), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("conversation_id", sa.Uuid, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(10), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("reply_kind", sa.String(10), nullable=True),
        sa.Column("entry_id", sa.String(80), nullable=True),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
    )


def downgrade() -> None:
    for table in ("messages", "conversations", "guarantee_files", "placements", "households"):
        op.drop_table(table)
