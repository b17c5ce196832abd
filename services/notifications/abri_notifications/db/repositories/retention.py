"""What outlived its retention period (``domain/retention.py``), for the service's sweeper only: each
query takes a batch of rows with SKIP LOCKED (rows another replica is sweeping are left to it) and
deletes them in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from abri_kit.usecase import UnitOfWork
from abri_notifications.db.deliveries import Delivery, InboxMessage
from abri_notifications.db.directory import Person


class Lapsed:
    """The sweeper's view of every table that holds something about a person (the service acting for itself)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def for_system(cls, uow: UnitOfWork) -> Lapsed:
        return cls(uow.session)

    async def delete_deliveries(self, before: datetime, batch: int) -> int:
        """Delete up to ``batch`` deliveries dated before ``before``; returns how many."""
        lapsed = sa.select(Delivery.id).where(Delivery.created_at < before).limit(batch).with_for_update(skip_locked=True)
        return await self._delete(Delivery, lapsed)

    async def delete_messages(self, before: datetime, batch: int) -> int:
        """Delete up to ``batch`` inbox messages dated before ``before``; returns how many."""
        lapsed = sa.select(InboxMessage.id).where(InboxMessage.created_at < before).limit(batch).with_for_update(skip_locked=True)
        return await self._delete(InboxMessage, lapsed)

    async def idle_people(self, before: datetime, batch: int) -> list[str]:
        """Up to ``batch`` people last seen before ``before`` (their subjects), locked until the caller's
        transaction ends."""
        idle = sa.select(Person.subject).where(Person.last_seen_at < before).limit(batch).with_for_update(skip_locked=True)
        return list((await self.session.scalars(idle)).all())

    async def delete_people(self, subjects: list[str]) -> int:
        """Delete the people, with their inbox messages and the deliveries still addressed to them; returns how
        many people."""
        if not subjects:
            return 0
        await self.session.execute(sa.delete(InboxMessage).where(InboxMessage.recipient.in_(subjects)))
        await self.session.execute(sa.delete(Delivery).where(Delivery.recipient.in_(subjects)))
        await self.session.execute(sa.delete(Person).where(Person.subject.in_(subjects)))
        return len(subjects)

    async def _delete(self, model: type[Delivery] | type[InboxMessage], lapsed: sa.Select[Any]) -> int:
        ids = list((await self.session.scalars(lapsed)).all())
        if ids:
            await self.session.execute(sa.delete(model).where(model.id.in_(ids)))
        return len(ids)
