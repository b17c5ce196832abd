"""The event bus's outbox and inbox, with the outbox's parking of rows the broker refuses.

Revision ID: 0001
Revises:
"""

from alembic import op

from abri_bus.migrations import create_bus_tables_v1, drop_bus_tables_v1, park_outbox_rows_v2, unpark_outbox_rows_v2

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_bus_tables_v1(op)
    park_outbox_rows_v2(op)


def downgrade() -> None:
    unpark_outbox_rows_v2(op)
    drop_bus_tables_v1(op)
