"""Issue 23 part 2: a household that seeks an intergenerational cohabitation keeps the young person's last day
under the scheme's age (``households.cohabitation_until``), which the rule ``cohabitation_age`` reads; a cohabitation
contract's small services and monthly counterpart are kept with its placement (``placements.agreement_services``,
``placements.agreement_monthly_cents``).

Expand-only: the previous version neither reads nor writes it.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("households", sa.Column("cohabitation_until", sa.Date, nullable=True))
    op.add_column("placements", sa.Column("agreement_services", JSONB, nullable=True))
    op.add_column("placements", sa.Column("agreement_monthly_cents", sa.Integer, nullable=True))


def downgrade() -> None:
    op.drop_column("placements", "agreement_monthly_cents")
    op.drop_column("placements", "agreement_services")
    op.drop_column("households", "cohabitation_until")
