"""Issue 23: the read model of units keeps the home's main energy and its energy bill a month as listings
estimated it from its DPE (``unit_view.main_energy``, ``unit_view.energy_cost_cents``), which the
rent-burden explanation puts beside the rent (``domain/ranking.rent_burden_result``). Null until a unit's
next event carries them.

Expand-only: the previous version neither reads nor writes them.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("unit_view", sa.Column("main_energy", sa.String(20), nullable=True))
    op.add_column("unit_view", sa.Column("energy_cost_cents", sa.Integer, nullable=True))


def downgrade() -> None:
    op.drop_column("unit_view", "energy_cost_cents")
    op.drop_column("unit_view", "main_energy")
