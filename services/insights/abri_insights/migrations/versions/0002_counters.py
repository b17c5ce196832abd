"""The counters (by measure, scope, month and value: counts only, nothing about a person) and the service kit's
idempotency keys.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from abri_kit.idempotency import create_idempotency_table_v1, drop_idempotency_table_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table_v1(op)
    op.create_table(
        "counters",
        sa.Column("measure", sa.String(40), primary_key=True),
        sa.Column("scope", sa.String(12), primary_key=True),
        sa.Column("scope_id", sa.String(200), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("value", sa.String(60), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("counters")
    drop_idempotency_table_v1(op)
