"""Why an endpoint was stopped by the service: its destination was refused at a delivery (the rule's id,
``destination_private``..., and when), so that its organisation and ops see why no webhook goes there any
more. Endpoints stored before keep none; their URL is judged at each delivery all the same.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("webhook_endpoints", sa.Column("refused_rule", sa.String(50), nullable=True))
    op.add_column("webhook_endpoints", sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("webhook_endpoints", "refused_at")
    op.drop_column("webhook_endpoints", "refused_rule")
