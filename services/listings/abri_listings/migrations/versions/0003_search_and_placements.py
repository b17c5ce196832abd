"""Search indexes, total monthly cost, and the placement a unit is reserved for.

Expand-only: new nullable/computed columns and indexes, so that pods of the previous version keep working.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PUBLISHED = sa.text("status = 'published'")


def upgrade() -> None:
    op.add_column("units", sa.Column("total_cents", sa.Integer, sa.Computed("rent_cents + charges_cents", persisted=True)))
    op.add_column("units", sa.Column("placement_id", sa.Uuid, nullable=True))
    op.create_index("ix_units_search_available", "units", ["available_from", "id"], postgresql_where=PUBLISHED)
    op.create_index("ix_units_search_total", "units", ["total_cents", "id"], postgresql_where=PUBLISHED)
    op.create_index("ix_units_search_newest", "units", ["published_at", "id"], postgresql_where=PUBLISHED)
    op.create_index("ix_units_search_position", "units", ["latitude", "longitude"], postgresql_where=PUBLISHED)


def downgrade() -> None:
    for name in ("ix_units_search_position", "ix_units_search_newest", "ix_units_search_total", "ix_units_search_available"):
        op.drop_index(name, table_name="units")
    op.drop_column("units", "placement_id")
    op.drop_column("units", "total_cents")
