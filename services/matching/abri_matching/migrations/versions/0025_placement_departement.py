"""Each placement keeps its unit's département from the proposal: its events carry it, for the counts of insights
(no personal data: a département).

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("placements", sa.Column("departement", sa.String(3), nullable=True))


def downgrade() -> None:
    op.drop_column("placements", "departement")
