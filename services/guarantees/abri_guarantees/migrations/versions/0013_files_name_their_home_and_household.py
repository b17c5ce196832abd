"""A file names what it is about: the home (its commune, postal code, rooms and area, from listings' unit
events, kept in the unit's facts) and the household by the association's reference for it, so that the
fund's pages title each file instead of "Guarantee file" for all. Older rows have none (NULL): pages
fall back to the département.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UNIT_COLUMNS = (
    ("postal_code", sa.String(5)),
    ("insee_code", sa.String(5)),
    ("rooms", sa.Integer()),
    ("living_area_m2", sa.Float()),
)


def upgrade() -> None:
    for name, kind in UNIT_COLUMNS:
        op.add_column("unit_facts", sa.Column(name, kind, nullable=True))
    op.add_column("guarantee_files", sa.Column("household_reference", sa.String(60), nullable=True))


def downgrade() -> None:
    op.drop_column("guarantee_files", "household_reference")
    for name, _ in reversed(UNIT_COLUMNS):
        op.drop_column("unit_facts", name)
