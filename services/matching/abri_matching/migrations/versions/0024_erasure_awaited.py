"""Each erasure request keeps the services whose receipt it awaits, as they were when it was made: a service
added later (the assistant) never received the requests made before it, and is not shown pending for them.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("household_erasures", sa.Column("awaited", ARRAY(sa.String(40)), nullable=True))


def downgrade() -> None:
    op.drop_column("household_erasures", "awaited")
