"""The event bus's outbox and inbox.

Revision ID: 0001
Revises:
"""

from alembic import op

from abri_bus.migrations import create_bus_tables_v1, drop_bus_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_bus_tables_v1(op)


def downgrade() -> None:
    drop_bus_tables_v1(op)
