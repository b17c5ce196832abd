"""Issue 18: the unit read model keeps the energy facts listings now sends (overseas, the first day of its
letting ban, the end of its DPE's validity; null for units known only from older events: no ban known);
placements record the lease's intermediary, its end and the head lease's end, the owner's agreement to a
slide and the review alerts already sent; a review step records its parties.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("unit_view", sa.Column("overseas", sa.Boolean, nullable=True))
    op.add_column("unit_view", sa.Column("letting_banned_from", sa.Date, nullable=True))
    op.add_column("unit_view", sa.Column("dpe_valid_until", sa.Date, nullable=True))
    op.add_column("placements", sa.Column("lease_under_mandate", sa.Boolean, nullable=True))
    op.add_column("placements", sa.Column("lease_ends_on", sa.Date, nullable=True))
    op.add_column("placements", sa.Column("head_lease_ends_on", sa.Date, nullable=True))
    op.add_column("placements", sa.Column("slide_agreed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("placements", sa.Column("review_due_alerted_for", sa.Date, nullable=True))
    op.add_column("placements", sa.Column("review_overdue_alerted_for", sa.Date, nullable=True))
    op.create_index(
        "ix_placements_sliding_reviews",
        "placements",
        ["next_review_by"],
        postgresql_where=sa.text("status = 'lease_signed' AND lease_type = 'sliding' AND next_review_by IS NOT NULL"),
    )
    op.add_column("placement_steps", sa.Column("parties", ARRAY(sa.String(20)), nullable=True))


def downgrade() -> None:
    op.drop_column("placement_steps", "parties")
    op.drop_index("ix_placements_sliding_reviews", table_name="placements")
    for column in (
        "review_overdue_alerted_for",
        "review_due_alerted_for",
        "slide_agreed_at",
        "head_lease_ends_on",
        "lease_ends_on",
        "lease_under_mandate",
    ):
        op.drop_column("placements", column)
    for column in ("dpe_valid_until", "letting_banned_from", "overseas"):
        op.drop_column("unit_view", column)
