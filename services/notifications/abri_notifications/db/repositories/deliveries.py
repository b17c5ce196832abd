"""The deliveries to send (email, SMS, webhooks): ops read them across every recipient (they hold no
address, and ops' view shows no text) and send a failed one again; nobody else reaches them. The
dispatcher and the digests queue them, the sender takes the due ones, for the service itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_notifications.db.deliveries import Delivery


class Deliveries(ScopedRepository[Delivery]):
    model = Delivery
    kind = "delivery"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        if self.principal is not None and self.principal.has_role("ops"):
            return sa.true()  # ops read every delivery and retry a failed one: the one change ops make
        return super()._filter(writing=writing)  # no tenant column: anyone else sees none

    async def page_by_status(self, request: PageRequest, status: str) -> tuple[list[Delivery], str | None]:
        """The deliveries in ``status``, newest first."""
        return await self.page(request, (Delivery.created_at, Delivery.id), where=[Delivery.status == status], descending=True)

    async def due(self, now: datetime, batch: int) -> list[Delivery]:
        """Up to ``batch`` pending deliveries due at ``now``, the longest waiting first, locked for this
        transaction; those another sender holds are skipped (several replicas can send)."""
        due = (
            self.select()
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(due)).all())

    async def add_once(self, **values: Any) -> None:
        """A new delivery; nothing if one with its ``key`` (event, recipient, channel) is queued already."""
        statement = insert(Delivery).values(**values).on_conflict_do_nothing(index_elements=[Delivery.key])
        await self.session.execute(statement)
