"""When each person last used the service, so that an idle directory entry is deleted after its
retention period (``domain/retention.py``); existing entries count from their last change.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False))
    op.execute("UPDATE people SET last_seen_at = updated_at")
    op.create_index("ix_people_last_seen_at", "people", ["last_seen_at"])
    op.create_index("ix_inbox_messages_created_at", "inbox_messages", ["created_at"])
    op.create_index("ix_deliveries_created_at", "deliveries", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_created_at", table_name="deliveries")
    op.drop_index("ix_inbox_messages_created_at", table_name="inbox_messages")
    op.drop_index("ix_people_last_seen_at", table_name="people")
    op.drop_column("people", "last_seen_at")
