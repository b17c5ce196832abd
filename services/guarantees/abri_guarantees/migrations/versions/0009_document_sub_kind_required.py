"""Documents name their sub-kind of décret 2015-1437 from now on; earlier ones keep theirs empty.

A CHECK constraint added NOT VALID: PostgreSQL enforces it on every new or changed row and leaves the
existing rows unchecked, so documents uploaded before the sub-kind was required stay readable (and
count for their category in the checklist) while no new one can be stored without it. A later step
may VALIDATE it once no such row is left (the files' retention erases them within three years).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE documents ADD CONSTRAINT documents_sub_kind_required CHECK (sub_kind IS NOT NULL) NOT VALID")


def downgrade() -> None:
    op.execute("ALTER TABLE documents DROP CONSTRAINT documents_sub_kind_required")
