"""The unit read model says whether listings sent a unit's ban date (``letting_ban_known``: the newest snapshot
carried ``letting_banned_from``, even as null) instead of inferring it from ``overseas``, which listings happens to
send with it. Rows already there keep that inference: ``overseas`` set means the snapshot came with its ban date.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("unit_view", sa.Column("letting_ban_known", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE unit_view SET letting_ban_known = (overseas IS NOT NULL)")


def downgrade() -> None:
    op.drop_column("unit_view", "letting_ban_known")
