"""Idempotency keys: the answers of creating commands, kept 24 hours so that a retried request with the
same ``Idempotency-Key`` gets the first answer again (``abri_kit.idempotency``).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from abri_kit.idempotency import create_idempotency_table_v1, drop_idempotency_table_v1

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table_v1(op)


def downgrade() -> None:
    drop_idempotency_table_v1(op)
