"""Issue 20: the household is told too, messages name their home and link to their page, the inbox is read
in the page's language.

- ``unit_owners`` keeps what names a home to the people who may see it (its commune, postal code, kind
  and number of rooms, from listings' unit snapshots; never the street, which events do not carry);
- ``placement_orgs`` keeps the placement's household and unit (matching's placement events name them), so
  that a guarantee's decision reaches the household and names the home;
- ``inbox_messages`` keeps the minimised values a message was rendered from (``params``, typed JSON) and
  the page it links to (``link``, a path of the web front): the inbox renders each message again in the
  language the reader's page asks for. Rows written before have none and are shown as they were stored.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("unit_owners", sa.Column("postal_code", sa.String(5), nullable=True))
    op.add_column("unit_owners", sa.Column("commune", sa.String(200), nullable=True))
    op.add_column("unit_owners", sa.Column("kind", sa.String(20), nullable=True))
    op.add_column("unit_owners", sa.Column("rooms", sa.Integer, nullable=True))
    op.add_column("placement_orgs", sa.Column("household_id", sa.Uuid, nullable=True))
    op.add_column("placement_orgs", sa.Column("unit_id", sa.Uuid, nullable=True))
    op.add_column("inbox_messages", sa.Column("params", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")))
    op.add_column("inbox_messages", sa.Column("link", sa.String(300), nullable=True))


def downgrade() -> None:
    op.drop_column("inbox_messages", "link")
    op.drop_column("inbox_messages", "params")
    op.drop_column("placement_orgs", "unit_id")
    op.drop_column("placement_orgs", "household_id")
    for column in ("rooms", "kind", "commune", "postal_code"):
        op.drop_column("unit_owners", column)
