"""Ids of the events an event causes, derived from it: while a consumer applies event E, every event its
handler publishes gets the id ``uuid5(E's id, type, subject, rank)`` instead of a random one.

Applying E twice is what the inbox prevents, except after a restore: a service whose database went back
to a backup applies again, from Kafka, the events it had applied since (``abri-ops rewind``), and publishes
again what they caused. With derived ids those are the same events as the first time, and their consumers'
inboxes skip them: the owner is not told twice that the home is let. Outside a handler (a request, a
sweeper) ids stay random.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

NAMESPACE = uuid.UUID("6a1d5d0e-3c1b-4f4e-9a51-0b7e2f1c9d11")
"""The namespace of derived ids (any fixed UUID: it only keeps them apart from other uses of uuid5)."""

_cause: ContextVar[tuple[str, Counter[str]] | None] = ContextVar("abri_bus_cause", default=None)


@contextmanager
def caused_by(event_id: str) -> Iterator[None]:
    """Events published inside the block are caused by ``event_id``."""
    token = _cause.set((event_id, Counter()))
    try:
        yield
    finally:
        _cause.reset(token)


def derived_id(event_type: str, subject: str) -> str | None:
    """The id of the next event of ``event_type`` about ``subject`` published in a :func:`caused_by` block
    (the rank tells apart two of the same kind), or None outside one."""
    current = _cause.get()
    if current is None:
        return None
    cause, published = current
    key = f"{event_type}|{subject}"
    rank = published[key]
    published[key] += 1
    return str(uuid.uuid5(NAMESPACE, f"{cause}|{key}|{rank}"))
