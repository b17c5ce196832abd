"""An erasure leaves nothing about the person: the association's reference of an erased household is
replaced by a non-identifying one, and a request the household made itself keeps its role, not its subject.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("household_erasures", "requester", existing_type=sa.String(200), nullable=True)
    op.execute("UPDATE household_erasures SET requester = NULL WHERE requested_by = 'household'")
    op.execute("UPDATE households SET reference = 'erased-' || id::text WHERE erased_at IS NOT NULL AND reference <> 'erased-' || id::text")


def downgrade() -> None:
    op.execute("UPDATE household_erasures SET requester = requested_by WHERE requester IS NULL")
    op.alter_column("household_erasures", "requester", existing_type=sa.String(200), nullable=False)
