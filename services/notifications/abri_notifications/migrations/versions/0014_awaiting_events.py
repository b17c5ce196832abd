"""Issue 21: events whose recipient is not known yet wait for it (``awaiting_events``).

Found by the system fault suite: a fund's approval (guarantees' topic) handled while the consumer still
lagged on matching's topic found no household behind the placement, and the household was never told.
Such an event now waits until an event names its unit or placement. Additive (expand only): a replica of
the version before ignores the table.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "awaiting_events",
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("event_type", sa.String(120), nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("waits_for", sa.String(120), nullable=False),
    )
    op.create_index("ix_awaiting_events_waits_for", "awaiting_events", ["waits_for"])
    op.create_index("ix_awaiting_events_happened_at", "awaiting_events", ["happened_at"])


def downgrade() -> None:
    op.drop_table("awaiting_events")
