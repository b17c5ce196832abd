"""The knowledge base's sources say the language of their title (``fr``: a text cited as its publisher names it;
``en``: Abri's own documentation), so that pages mark it for screen readers. Rows loaded by an older version
read ``en`` (their titles were written in English) until the knowledge base is loaded again at start.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("knowledge", sa.Column("source_language", sa.String(2), nullable=False, server_default="en"))


def downgrade() -> None:
    op.drop_column("knowledge", "source_language")
