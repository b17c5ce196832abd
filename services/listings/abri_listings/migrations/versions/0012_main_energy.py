"""A unit's main energy, as its DPE names it (``units.main_energy``): with it, the unit's energy bill is
estimated from its DPE (``domain/energy_cost.py``). Nullable, no default: units written before it show no
estimate until their owner gives it.

Expand-only: the previous version neither reads nor writes the column.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ENERGIES = ("electricity", "natural_gas", "fuel_oil", "propane", "wood_pellets", "wood_logs", "district_heating")


def upgrade() -> None:
    op.add_column("units", sa.Column("main_energy", sa.String(20), nullable=True))
    op.create_check_constraint("ck_units_main_energy", "units", sa.column("main_energy").is_(None) | sa.column("main_energy").in_(ENERGIES))


def downgrade() -> None:
    op.drop_constraint("ck_units_main_energy", "units", type_="check")
    op.drop_column("units", "main_energy")
