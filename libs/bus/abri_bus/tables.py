"""The bus's tables, present in every service's database: the outbox and the inbox.

Each service's Alembic environment includes :data:`bus_metadata`; the tables are created by
:func:`abri_bus.migrations.create_bus_tables_v1` in the service's first migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

bus_metadata = sa.MetaData()

OUTBOX_CHANNEL = "abri_outbox"
"""The LISTEN/NOTIFY channel on which a commit with new outbox rows wakes the relay."""

outbox = sa.Table(
    "event_outbox",
    bus_metadata,
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
    sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_event_outbox_unsent", "seq", postgresql_where=sa.text("sent_at IS NULL")),
    sa.Index("ix_event_outbox_parked", "topic", "message_key", postgresql_where=sa.text("parked_at IS NOT NULL AND sent_at IS NULL")),
    sa.Index("ix_event_outbox_sent_at", "sent_at", postgresql_where=sa.text("sent_at IS NOT NULL")),
)
"""Events written in the business transaction, waiting for (or done with) the relay."""

inbox = sa.Table(
    "event_inbox",
    bus_metadata,
    sa.Column("consumer", sa.String(100), nullable=False),
    sa.Column("event_id", sa.String(100), nullable=False),
    sa.Column("event_type", sa.String(200), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.PrimaryKeyConstraint("consumer", "event_id"),
    sa.Index("ix_event_inbox_processed_at", "processed_at"),
)
"""One row per event a consumer applied, inserted in the same transaction as the effect."""
