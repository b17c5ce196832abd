"""The in-app inbox: a person reads and marks only their own messages (``recipient`` = their subject;
ops too read only their own). The dispatcher writes each message once and the digest reads the owners'
new ones, for the service itself (``for_system``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_notifications.db.deliveries import InboxMessage
from abri_notifications.db.directory import Person

STREAM_BATCH = 100
"""Messages one poll of the live stream reads at most (the next poll reads on)."""


class InboxMessages(ScopedRepository[InboxMessage]):
    model = InboxMessage
    owner_column = "recipient"
    kind = "message"

    async def page_newest_first(self, request: PageRequest, *, unread_only: bool) -> tuple[list[InboxMessage], str | None]:
        """The caller's messages (``unread_only``: those not read yet), newest first."""
        where = [InboxMessage.read_at.is_(None)] if unread_only else []
        return await self.page(request, (InboxMessage.seq, InboxMessage.id), where=where, descending=True)

    async def unread_count(self) -> int:
        """How many of the caller's messages are not read yet."""
        unread = sa.select(sa.func.count()).select_from(InboxMessage).where(InboxMessage.read_at.is_(None))
        return int(await self.session.scalar(self.where_visible(unread)) or 0)

    async def latest_seq(self) -> int:
        """The arrival number of the caller's newest message (0 without any)."""
        newest = sa.select(sa.func.coalesce(sa.func.max(InboxMessage.seq), 0)).select_from(InboxMessage)
        return int(await self.session.scalar(self.where_visible(newest)) or 0)

    async def arrived_after(self, seq: int) -> list[InboxMessage]:
        """The caller's messages that arrived after number ``seq``, in order (:data:`STREAM_BATCH` at most)."""
        newer = self.select().where(InboxMessage.seq > seq).order_by(InboxMessage.seq).limit(STREAM_BATCH)
        return list((await self.session.scalars(newer)).all())

    async def add_once(self, **values: Any) -> None:
        """A new message (the service's own write); nothing if one with its ``key`` is there already."""
        statement = insert(InboxMessage).values(**values).on_conflict_do_nothing(index_elements=[InboxMessage.key])
        await self.session.execute(statement)

    async def latest_of(self, subjects: Collection[str]) -> dict[str, int]:
        """The newest arrival number of each of ``subjects`` who has a message (one query)."""
        newest = (
            self.select()
            .with_only_columns(InboxMessage.recipient, sa.func.max(InboxMessage.seq))
            .where(InboxMessage.recipient.in_(subjects))
            .group_by(InboxMessage.recipient)
        )
        return {recipient: int(seq) for recipient, seq in (await self.session.execute(newest)).all()}

    async def since_last_digest(self, subjects: Collection[str], first_since: datetime) -> list[tuple[str, str, datetime, int]]:
        """``(recipient, template, created_at, seq)`` of the messages that arrived for each of ``subjects``
        since their last digest (after its ``last_digest_seq``; for a first digest, those dated after their
        ``last_digest_at``, else after ``first_since``), in order of arrival: one query for them all."""
        window = sa.or_(
            sa.and_(Person.last_digest_seq.is_not(None), InboxMessage.seq > Person.last_digest_seq),
            sa.and_(Person.last_digest_seq.is_(None), InboxMessage.created_at > sa.func.coalesce(Person.last_digest_at, first_since)),
        )
        held = (
            self.select()
            .with_only_columns(InboxMessage.recipient, InboxMessage.template, InboxMessage.created_at, InboxMessage.seq)
            .join(Person, Person.subject == InboxMessage.recipient)
            .where(InboxMessage.recipient.in_(subjects), window)
            .order_by(InboxMessage.seq)
        )
        return [(recipient, template, at, seq) for recipient, template, at, seq in (await self.session.execute(held)).all()]
