"""Write events in the caller's transaction: the only way a service publishes.

The row commits or rolls back with the business change; the relay publishes it after the commit.
Never publish "after commit" from memory: a crash in between would lose the event.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from abri_bus.causation import derived_id
from abri_bus.envelope import Envelope
from abri_bus.tables import OUTBOX_CHANNEL, outbox
from abri_bus.tracing import current_trace_context
from abri_contracts import EventContract

MAX_EVENT_BYTES = 900_000
"""Largest event data accepted: below Kafka's default ``max.message.bytes`` (1 MiB) with room for headers.
Events carry facts and ids, never documents: a bigger payload belongs in the service's database."""


class EventTooLarge(ValueError):
    """An event whose data would not fit in a Kafka message."""


async def publish(db: AsyncSession | AsyncConnection, event: EventContract, *, time: datetime | None = None) -> uuid.UUID:
    """Add ``event`` to the outbox inside the open transaction of ``db``; returns the event id. ``time`` is
    when the change happened (the envelope's ``time``): the use case's instant, the wall clock if not given.

    Inside an event's handler the id derives from that event's (``abri_bus.causation``): applied again after
    a restore, it publishes the same event. The current trace context is stored with the row so that the relay and the consumers continue
    the same trace. A NOTIFY (delivered only at commit) wakes the relay at once.
    """
    envelope = Envelope.of(event, time, derived_id(event.event_type, event.subject()))  # random outside a handler
    size = len(json.dumps(envelope.data, separators=(",", ":")).encode())
    if size > MAX_EVENT_BYTES:  # Kafka would refuse it forever, and it would block the outbox behind it
        raise EventTooLarge(f"{envelope.type} data is {size} bytes, more than {MAX_EVENT_BYTES}")
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
