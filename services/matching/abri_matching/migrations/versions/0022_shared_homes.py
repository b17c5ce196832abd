"""Issue 23: rooms of shared homes. The read model of units keeps a room's shared home as listings' events carry
it (``unit_view.shared_home``: the home's facts, lease form, house rules, the room's capacity), which the
``room_capacity`` and ``house_rules`` rules read; a household states the house rules it needs (``needs_smoke_free``,
``needs_quiet_hours``): stated constraints, never a trait of the people.

Expand-only: the previous version neither reads nor writes them (households' defaults: no such need).

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("unit_view", sa.Column("shared_home", JSONB, nullable=True))
    op.add_column("households", sa.Column("needs_smoke_free", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("households", sa.Column("needs_quiet_hours", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("households", "needs_quiet_hours")
    op.drop_column("households", "needs_smoke_free")
    op.drop_column("unit_view", "shared_home")
