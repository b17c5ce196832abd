"""The host's declaration of a room offered for intergenerational cohabitation (``units.host``).

Expand-only: the previous version neither reads nor writes it.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("units", sa.Column("host", JSONB, nullable=True))


def downgrade() -> None:
    op.drop_column("units", "host")
