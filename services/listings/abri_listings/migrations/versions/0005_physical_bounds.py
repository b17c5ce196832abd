"""Units stored before the API refused physically meaningless sizes (an area under 1 m², a ceiling under
0.5 m: typing errors such as 5e-324) are raised to those bounds, so that every stored unit reads as the API
now describes it. The publishing rules (9 m², 2.20 m) still refuse such a unit, with their reasons.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE units SET living_area_m2 = 1 WHERE living_area_m2 < 1")
    op.execute("UPDATE units SET ceiling_height_m = 0.5 WHERE ceiling_height_m < 0.5")


def downgrade() -> None:
    """Nothing to undo: the raised values are valid under the old bounds too (what they were is not kept)."""
