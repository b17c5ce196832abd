"""The knowledge base's table, searched by full text and by trigrams (``pg_trgm``, a trusted extension the
database's owner creates).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

from abri_kit.idempotency import create_idempotency_table_v1, drop_idempotency_table_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table_v1(op)  # the service kit's keys of requests sent again
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "knowledge",
        sa.Column("entry_id", sa.String(80), primary_key=True),
        sa.Column("language", sa.String(2), primary_key=True),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("audiences", ARRAY(sa.String(20)), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("also", ARRAY(sa.Text), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("source_title", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("checked_on", sa.Date, nullable=False),
        sa.Column("document", TSVECTOR, nullable=False),
        sa.Column("phrasings", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_knowledge_document", "knowledge", ["document"], postgresql_using="gin")
    op.create_index(
        "ix_knowledge_phrasings", "knowledge", ["phrasings"], postgresql_using="gin", postgresql_ops={"phrasings": "gin_trgm_ops"}
    )


def downgrade() -> None:
    op.drop_table("knowledge")
    drop_idempotency_table_v1(op)
