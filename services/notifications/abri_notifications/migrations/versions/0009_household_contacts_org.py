"""A household's association on its contact row (matching's ``household.consents_changed`` names it), so
that its association's social workers may export what notifications holds about it (GDPR art. 15, on
the household's behalf). Rows written before it have none until matching's next event.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("household_contacts", sa.Column("org_id", sa.String(200), nullable=True))
    op.create_index("ix_household_contacts_org_id", "household_contacts", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_household_contacts_org_id", table_name="household_contacts")
    op.drop_column("household_contacts", "org_id")
