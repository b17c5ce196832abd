"""The directory (people, organisations' webhooks), the read models, deliveries and the inbox.

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
        "people",
        sa.Column("subject", sa.String(200), primary_key=True),
        sa.Column("org_id", sa.String(200), nullable=True),
        sa.Column("roles", ARRAY(sa.String(30)), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("channels", ARRAY(sa.String(10)), nullable=False),
        sa.Column("quiet_start", sa.Time, nullable=True),
        sa.Column("quiet_end", sa.Time, nullable=True),
        sa.Column("zone", sa.String(40), nullable=False),
        sa.Column("daily_digest", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_people_org_id", "people", ["org_id"])
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("org_id", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("kek_id", sa.String(50), nullable=False),
        sa.Column("wrapped_secret", sa.LargeBinary, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhook_endpoints_org_id", "webhook_endpoints", ["org_id"])
    op.create_table(
        "unit_owners",
        sa.Column("unit_id", sa.Uuid, primary_key=True),
        sa.Column("owner_id", sa.String(200), nullable=False),
    )
    op.create_table(
        "placement_orgs",
        sa.Column("placement_id", sa.Uuid, primary_key=True),
        sa.Column("org_id", sa.String(200), nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(120), nullable=False),
        sa.Column("template", sa.String(80), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_deliveries_recipient", "deliveries", ["recipient"])
    op.create_index("deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(120), nullable=False),
        sa.Column("template", sa.String(80), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("inbox_by_reader", "inbox_messages", ["recipient", "created_at"])


def downgrade() -> None:
    for table in ("inbox_messages", "deliveries", "placement_orgs", "unit_owners", "webhook_endpoints", "people"):
        op.drop_table(table)
