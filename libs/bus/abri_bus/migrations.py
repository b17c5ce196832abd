"""Migration steps for the bus's tables, called from each service's Alembic revisions.

These functions are frozen once released: a change to the tables is a new ``..._v2`` step, so that
an old revision always creates what it created on the day it was written.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


def create_bus_tables_v1(op: Any) -> None:
    """Create ``event_outbox`` and ``event_inbox`` (the schema of :mod:`abri_bus.tables` at v1)."""
    op.create_table(
        "event_outbox",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("message_key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("dataschema", sa.String(300), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("trace_context", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_event_outbox_unsent", "event_outbox", ["seq"], postgresql_where=sa.text("sent_at IS NULL"))
    op.create_index("ix_event_outbox_sent_at", "event_outbox", ["sent_at"], postgresql_where=sa.text("sent_at IS NOT NULL"))
    op.create_table(
        "event_inbox",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_index("ix_event_inbox_processed_at", "event_inbox", ["processed_at"])


def drop_bus_tables_v1(op: Any) -> None:
    """Undo :func:`create_bus_tables_v1`."""
    op.drop_table("event_inbox")
    op.drop_table("event_outbox")


def park_outbox_rows_v2(op: Any) -> None:
    """``event_outbox.parked_at``: a row Kafka refuses for good (too large, an invalid topic, data that does
    not encode) is set aside instead of blocking every later event of its service; the later events of the
    same key wait behind it (per-key order), found through a small partial index."""
    op.add_column("event_outbox", sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_event_outbox_parked",
        "event_outbox",
        ["topic", "message_key"],
        postgresql_where=sa.text("parked_at IS NOT NULL AND sent_at IS NULL"),
    )


def unpark_outbox_rows_v2(op: Any) -> None:
    """Undo :func:`park_outbox_rows_v2`."""
    op.drop_index("ix_event_outbox_parked", table_name="event_outbox")
    op.drop_column("event_outbox", "parked_at")
