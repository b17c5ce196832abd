"""The association of the placement a unit is reserved for or let to (from matching's
``placement.accepted``), so that it alone, besides the owner, reads the unit's exact location; and an
index for the retention sweep (units not offered, by their last change).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("units", sa.Column("placement_org_id", sa.String(200), nullable=True))
    op.create_index(
        "ix_units_retention", "units", ["updated_at", "id"], postgresql_where=sa.text("status IN ('draft', 'withdrawn', 'let')")
    )


def downgrade() -> None:
    op.drop_index("ix_units_retention", table_name="units")
    op.drop_column("units", "placement_org_id")
