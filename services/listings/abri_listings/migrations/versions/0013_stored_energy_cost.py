"""The estimated energy bill a month, stored for the search (``units.energy_cost_cents``) with the price table it
was priced with (``units.energy_prices_since``). Null until the unit's next write or the energy cost sweeper's pass
(``energy_costs.py``), which prices every unit whose table is not the policy's.

Expand-only: the previous version neither reads nor writes the columns.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("units", sa.Column("energy_cost_cents", sa.Integer, nullable=True))
    op.add_column("units", sa.Column("energy_prices_since", sa.Date, nullable=True))


def downgrade() -> None:
    op.drop_column("units", "energy_prices_since")
    op.drop_column("units", "energy_cost_cents")
