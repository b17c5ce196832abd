"""Outbox rows the relay set aside because Kafka refused them for good (``parked_at``; see
:mod:`abri_bus.relay`): listed for ops, and released once the cause is fixed, so that the relay tries them
again. A released row that Kafka still refuses is parked again; nothing is ever deleted here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from abri_bus.tables import outbox


@dataclass(frozen=True)
class ParkedRow:
    """A row Kafka refused for good, and how many later rows of its topic and key wait behind it."""

    seq: int
    event_id: uuid.UUID
    topic: str
    message_key: str
    event_type: str
    created_at: datetime
    parked_at: datetime
    attempts: int
    last_error: str | None
    held: int


async def parked_rows(conn: AsyncConnection, limit: int = 100, after_seq: int = 0) -> list[ParkedRow]:
    """Parked rows in outbox order (``seq``), after ``after_seq``, at most ``limit``."""
    later = outbox.alias("later")
    held = (
        select(func.count())
        .select_from(later)
        .where(
            and_(
                later.c.sent_at.is_(None),
                later.c.parked_at.is_(None),
                later.c.topic == outbox.c.topic,
                later.c.message_key == outbox.c.message_key,
                later.c.seq > outbox.c.seq,
            )
        )
        .scalar_subquery()
    )
    rows = await conn.execute(
        select(
            outbox.c.seq,
            outbox.c.event_id,
            outbox.c.topic,
            outbox.c.message_key,
            outbox.c.event_type,
            outbox.c.created_at,
            outbox.c.parked_at,
            outbox.c.attempts,
            outbox.c.last_error,
            held.label("held"),
        )
        .where(and_(outbox.c.parked_at.is_not(None), outbox.c.sent_at.is_(None), outbox.c.seq > after_seq))
        .order_by(outbox.c.seq)
        .limit(limit)
    )
    return [ParkedRow(**row._mapping) for row in rows]


async def release(conn: AsyncConnection, seq: int) -> bool:
    """Let the relay try a parked row again (and the rows held behind it); False when no such parked row."""
    released = await conn.execute(
        update(outbox).where(and_(outbox.c.seq == seq, outbox.c.parked_at.is_not(None), outbox.c.sent_at.is_(None))).values(parked_at=None)
    )
    return bool(released.rowcount)
