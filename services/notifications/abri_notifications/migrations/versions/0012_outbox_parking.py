"""The outbox sets aside a row Kafka refuses for good (``parked_at``) instead of blocking every later event
of the service behind it; the later events of the same key wait (abri_bus.migrations.park_outbox_rows_v2).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

from abri_bus.migrations import park_outbox_rows_v2, unpark_outbox_rows_v2

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    park_outbox_rows_v2(op)


def downgrade() -> None:
    unpark_outbox_rows_v2(op)
