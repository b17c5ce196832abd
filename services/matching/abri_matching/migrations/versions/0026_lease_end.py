"""A signed lease's end, as the association records it: its day and a coded reason (the stays that last are
counted from them).

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("placements", sa.Column("lease_ended_on", sa.Date, nullable=True))
    op.add_column("placements", sa.Column("lease_end_reason", sa.String(40), nullable=True))


def downgrade() -> None:
    op.drop_column("placements", "lease_end_reason")
    op.drop_column("placements", "lease_ended_on")
