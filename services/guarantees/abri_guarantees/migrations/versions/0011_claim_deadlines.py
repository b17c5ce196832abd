"""Each claim keeps the day its arrears were constituted and the two deadlines counted from it.

Visale counts the formal notice (15 days) and the declaration (30 days) from the constitution of the
unpaid rent; the claim's view gives both days, computed when it is filed from the policy its file was
checked against. Claims filed before keep NULL (their deadlines were weighed then, in ``late``).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("claims", sa.Column("constituted_on", sa.Date, nullable=True))
    op.add_column("claims", sa.Column("formal_notice_by", sa.Date, nullable=True))
    op.add_column("claims", sa.Column("declare_by", sa.Date, nullable=True))


def downgrade() -> None:
    for column in ("declare_by", "formal_notice_by", "constituted_on"):
        op.drop_column("claims", column)
