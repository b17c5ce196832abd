"""The access log becomes a keyed chain, append-only: entries gain their ``position`` in the chain, their
MAC key's id and the reader's role (``hash`` and ``previous_hash`` are now ``mac`` and ``previous_mac``;
entries already there keep their plain SHA-256, marked ``key_id = 'sha256'``); an anchors table records
the chain's heads and its start after a retention prune; both tables refuse UPDATE, DELETE and TRUNCATE
(revoked from the service's role, and refused by triggers), but for a prune of entries older than six
months at the start of the chain (``abri_kit.access_log``, ``docs/access-log.md``).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from abri_kit.access_log import chain_columns_v1, install_append_only_v1, remove_append_only_v1, unchain_columns_v1

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLE = "personal_data_access_log"
ANCHORS = "personal_data_access_log_anchors"


def upgrade() -> None:
    chain_columns_v1(op, TABLE, ANCHORS)
    install_append_only_v1(op, TABLE, ANCHORS, floor="6 months")


def downgrade() -> None:
    remove_append_only_v1(op, TABLE, ANCHORS)
    unchain_columns_v1(op, TABLE, ANCHORS)
