"""Lists in pages, and the digest's window by order of arrival.

- ``inbox_by_reader_seq``: a reader's inbox, newest first (its pages and the live stream follow ``seq``);
- ``deliveries_by_status``: ops' list of deliveries by status, newest first;
- ``people.last_digest_seq``: the last inbox message an owner's digest covered, so that a message dated
  before the last digest (its event happened earlier, or was replayed) still goes in the next one.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("inbox_by_reader_seq", "inbox_messages", ["recipient", "seq"])
    op.create_index("deliveries_by_status", "deliveries", ["status", "created_at", "id"])
    op.add_column("people", sa.Column("last_digest_seq", sa.BigInteger, nullable=True))


def downgrade() -> None:
    op.drop_column("people", "last_digest_seq")
    op.drop_index("deliveries_by_status", table_name="deliveries")
    op.drop_index("inbox_by_reader_seq", table_name="inbox_messages")
