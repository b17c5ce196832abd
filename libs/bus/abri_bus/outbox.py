"""Write events in the caller's transaction: the only way a service publishes.

The row commits or rolls back with the business change; the relay publishes it after the commit.
Never publish "after commit" from memory: a crash in between would lose the event.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from abri_bus.envelope import Envelope
from abri_bus.tables import OUTBOX_CHANNEL, outbox
from abri_bus.tracing import current_trace_context
from abri_contracts import EventContract


async def publish(db: AsyncSession | AsyncConnection, event: EventContract) -> uuid.UUID:
    """Add ``event`` to the outbox inside the open transaction of ``db``; returns the event id.

    The current trace context is stored with the row so that the relay and the consumers continue
    the same trace. A NOTIFY (delivered only at commit) wakes the relay at once.
    """
    envelope = Envelope.of(event)
    event_id = uuid.UUID(envelope.id)
    await db.execute(
        insert(outbox).values(
            event_id=event_id,
            topic=event.topic(),
            message_key=envelope.subject,
            event_type=envelope.type,
            source=envelope.source,
            dataschema=envelope.dataschema,
            occurred_at=envelope.time,
            data=envelope.data,
            trace_context=current_trace_context(),
        )
    )
    await db.execute(select(func.pg_notify(OUTBOX_CHANNEL, "")))
    return event_id
