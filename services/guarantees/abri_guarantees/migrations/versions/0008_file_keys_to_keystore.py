"""Guarantee files' data keys move to the key store (abri_kit.keystore): copied there, then file_keys dropped.

Needs ABRI_GUARANTEES_KEYSTORE_URL when there are keys to move (it refuses otherwise, and keeps the table).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from abri_kit.keystore import move_into_keystore, read_from_keystore

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NAMESPACE = "guarantee-file"
VARIABLE = "ABRI_GUARANTEES_KEYSTORE_URL"


def upgrade() -> None:
    rows = op.get_bind().execute(sa.text("SELECT file_id::text, kek_id, wrapped FROM file_keys")).all()
    move_into_keystore([(r[0], r[1], r[2]) for r in rows], NAMESPACE, VARIABLE)
    op.drop_table("file_keys")


def downgrade() -> None:
    op.create_table(
        "file_keys",
        sa.Column("file_id", sa.Uuid(), sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kek_id", sa.String(50), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    existing = {str(r[0]) for r in op.get_bind().execute(sa.text("SELECT id::text FROM guarantee_files")).all()}
    rows = [r for r in read_from_keystore(NAMESPACE, VARIABLE) if r[0] in existing]
    if rows:
        op.get_bind().execute(
            sa.text("INSERT INTO file_keys (file_id, kek_id, wrapped) VALUES (CAST(:o AS uuid), :k, :w)"),
            [{"o": o, "k": k, "w": w} for o, k, w in rows],
        )
