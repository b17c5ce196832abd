"""A visa issued to a tenant not yet of age says from which day its lease may be signed.

Visale takes a request from 17 years and 10 months and the lease from the 18th birthday: the visa keeps
that birthday (``lease_not_before``), so that the lease's activation, which cannot open the sealed birth
date, judges it. Visas issued before carry none (NULL: from their issue, as before).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("visas", sa.Column("lease_not_before", sa.Date, nullable=True))


def downgrade() -> None:
    op.drop_column("visas", "lease_not_before")
