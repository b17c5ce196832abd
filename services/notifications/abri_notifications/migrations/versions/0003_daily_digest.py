"""The owners' daily digest: when each person wants it, and when it was last made.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("digest_at", sa.Time, nullable=False, server_default=sa.text("'18:00'")))
    op.add_column("people", sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("people", "last_digest_at")
    op.drop_column("people", "digest_at")
