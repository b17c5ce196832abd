"""The access log of readings of conversations by anyone other than the person (a social worker reading a
conversation handed to the association): a keyed chain (``abri_kit.access_log``) keyed by the person's
subject, and its anchors table. Both refuse UPDATE, DELETE and TRUNCATE but for a prune of entries older than
six months at the start of the chain (``docs/access-log.md``).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from abri_kit.access_log import create_chain_v1, drop_chain_v1, install_append_only_v1, remove_append_only_v1

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE = "personal_data_access_log"
ANCHORS = "personal_data_access_log_anchors"


def upgrade() -> None:
    create_chain_v1(op, TABLE, ANCHORS, sa.Column("person", sa.String(200), nullable=False))
    install_append_only_v1(op, TABLE, ANCHORS, floor="6 months")


def downgrade() -> None:
    remove_append_only_v1(op, TABLE, ANCHORS)
    drop_chain_v1(op, TABLE, ANCHORS)
