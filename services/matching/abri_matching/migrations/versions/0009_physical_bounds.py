"""Households and settings stored before the API refused vanishing numbers (a radius under 100 m, such as
5e-324, which broke batch allocation; a rent-burden threshold under 5 %) are raised to those bounds, so
that every stored row reads as the API now describes it.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE households SET wanted_radius_km = 0.1 WHERE wanted_radius_km < 0.1")
    op.execute("UPDATE association_settings SET rent_burden_threshold = 0.05 WHERE rent_burden_threshold < 0.05")


def downgrade() -> None:
    """Nothing to undo: the raised values are valid under the old bounds too (what they were is not kept)."""
