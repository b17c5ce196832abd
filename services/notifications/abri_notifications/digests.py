"""The owners' daily digest: for an owner who chose it, the day's emails go as one, at the hour they
chose on their wall clock, listing the subjects of the messages their inbox received since the last one
(``domain/digest.py``); each message stays in the inbox in full. A digest is a delivery like any other
(the sender sends it, retries it), keyed by the person and the day's slot, so it is made once.

``make_digests`` takes the time as an argument (tests control the clock); ``digest_maker`` runs it for
the app's lifetime. People are taken with SKIP LOCKED, so several replicas can run it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import periodic
from abri_notifications.db.deliveries import InboxMessage
from abri_notifications.db.directory import Person
from abri_notifications.domain.digest import DigestItem, compose_digest, digest_due, last_slot
from abri_notifications.domain.templates import DIGEST_TEMPLATE, Channel, Rendered
from abri_notifications.events.dispatch import add_delivery

DIGEST_EVENT = "abri.notifications.digest"


async def make_digests(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, batch: int = 200) -> int:
    """Queue the digests due at ``now``; returns how many were queued."""
    made = 0
    async with sessionmaker() as session, session.begin():
        people = await session.execute(
            sa.select(Person)
            .where(Person.daily_digest, Person.has_email, sa.literal("email") == sa.any_(Person.channels))
            .order_by(Person.subject)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        for person in people.scalars().all():
            if not digest_due(person.last_digest_at, now, person.digest_at, person.zone):
                continue
            since = person.last_digest_at or now - timedelta(days=1)
            mine = (InboxMessage.recipient == person.subject, InboxMessage.created_at > since, InboxMessage.template.startswith("owner."))
            held = await session.execute(sa.select(InboxMessage.template, InboxMessage.created_at).where(*mine).order_by(InboxMessage.seq))
            items = [DigestItem(template, at) for template, at in held.all()]
            person.last_digest_at = now
            if items:
                await queue(session, person, compose_digest(items, person.language), last_slot(now, person.digest_at, person.zone), now)
                made += 1
    return made


async def queue(session: AsyncSession, person: Person, rendered: Rendered, slot: datetime, now: datetime) -> None:
    event_id = f"digest:{person.subject}:{slot.isoformat()}"  # once per person and day
    await add_delivery(session, event_id, DIGEST_EVENT, DIGEST_TEMPLATE, person.subject, Channel.EMAIL, rendered, {}, now, now)


def digest_maker(every_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await make_digests(app.state.sessionmaker, app.state.clock())

    return periodic("notifications-digests", every_s, sweep, "%d daily digest(s) queued")
