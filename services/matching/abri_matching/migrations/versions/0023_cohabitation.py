"""Issue 23 part 2: a household that seeks an intergenerational cohabitation keeps the young person's last day
under the scheme's age (``households.cohabitation_until``), which the rule ``cohabitation_age`` reads.

Expand-only: the previous version neither reads nor writes it.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("households", sa.Column("cohabitation_until", sa.Date, nullable=True))


def downgrade() -> None:
    op.drop_column("households", "cohabitation_until")
