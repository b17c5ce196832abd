"""The access log of reads of people's personal data by anyone other than the person (a household's
export by its association): a keyed chain (``abri_kit.access_log``) keyed by the person's subject, and
its anchors table (the chain's heads and its start after a retention prune). Both tables refuse UPDATE,
DELETE and TRUNCATE (revoked from the service's role, and refused by triggers), but for a prune of
entries older than six months at the start of the chain (``docs/access-log.md``).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from abri_kit.access_log import create_chain_v1, drop_chain_v1, install_append_only_v1, remove_append_only_v1

revision = "0010"
down_revision = "0009"
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
