"""The search's position index carries every column a search filters or sorts on (``INCLUDE``), so that
PostgreSQL finds a page's units in the index alone (an index-only scan) and reads the table only for the
page's own rows (``search/query.py``: the units of the page chosen first, their facts joined after).
It replaces ``ix_units_search_public_position`` (the same keys, nothing included): about a third of the
database's time per search at 100,000 units (bench/README.md).

Expand-only for the code: the previous version's statement is served by the new index too.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PUBLISHED = sa.text("status = 'published'")
INCLUDED = [
    "position_grid_deg", "id", "available_from", "total_cents", "published_at", "rooms", "living_area_m2",
    "accessibility", "schemes", "insee_code", "departement",
]  # fmt: skip


def upgrade() -> None:
    op.create_index(
        "ix_units_search_covering",
        "units",
        ["public_latitude", "public_longitude"],
        postgresql_where=PUBLISHED,
        postgresql_include=INCLUDED,
    )
    op.drop_index("ix_units_search_public_position", table_name="units")


def downgrade() -> None:
    op.create_index("ix_units_search_public_position", "units", ["public_latitude", "public_longitude"], postgresql_where=PUBLISHED)
    op.drop_index("ix_units_search_covering", table_name="units")
