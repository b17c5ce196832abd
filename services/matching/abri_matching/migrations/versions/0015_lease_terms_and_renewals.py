"""Lease renewals: a placement keeps the last day of its owner's lease's current term and the first day of each
renewed or tacitly continued term. Leases recorded before keep the term the policy's defaults give them: the
head lease's end for a sub-let or a sliding lease, else three years from the start (one year for a furnished
home, as the unit read model says).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("placements", sa.Column("lease_term_ends_on", sa.Date, nullable=True))
    op.add_column("placements", sa.Column("lease_renewals", ARRAY(sa.Date), nullable=False, server_default="{}"))
    op.execute(
        """
        UPDATE placements p SET lease_term_ends_on = CASE
            WHEN p.lease_type IN ('sub_let', 'sliding') THEN p.head_lease_ends_on
            ELSE (p.lease_starts_on + CASE
                WHEN COALESCE((SELECT u.furnished FROM unit_view u WHERE u.unit_id = p.unit_id), false)
                THEN interval '12 months' ELSE interval '36 months' END)::date - 1
            END
        WHERE p.lease_starts_on IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_column("placements", "lease_renewals")
    op.drop_column("placements", "lease_term_ends_on")
