"""The daily sweep of published units' deadlines (a letting ban, the end of a diagnosis): which day each
unit was last checked, and which deadline its owner was already told about (once per deadline).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_deadlines",
        sa.Column("unit_id", sa.Uuid, sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("checked_on", sa.Date, nullable=False),
        sa.Column("announced_deadline", sa.Date, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("unit_deadlines")
