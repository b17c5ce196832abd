"""The shared homes repository: an owner sees its own homes (another's answers 404), ops read all of them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_listings.db.models import SharedHome, Unit


class SharedHomes(ScopedRepository[SharedHome]):
    model = SharedHome
    owner_column = "owner_id"
    ops_reads_all = True
    kind = "shared home"

    async def page_of_mine(self, request: PageRequest) -> tuple[list[SharedHome], str | None]:
        """The caller's own homes, oldest first."""
        assert self.principal is not None, "an owner's list is a caller's"
        return await self.page(request, (SharedHome.created_at, SharedHome.id), where=[SharedHome.owner_id == self.principal.subject])

    async def lock(self, home_id: object) -> None:
        """Lock a home and its rooms, home first then rooms by id (one order for every writer: no deadlock), and
        read the rooms again: a room is then judged against its siblings as they are, and two rooms of one home
        are never judged at once, each against the other's older state."""
        await self.session.execute(sa.select(SharedHome.id).where(SharedHome.id == home_id).with_for_update())
        rooms = sa.select(Unit).where(Unit.home_id == home_id).order_by(Unit.id).with_for_update()
        await self.session.execute(rooms.execution_options(populate_existing=True))
        home = await self.session.get(SharedHome, home_id, populate_existing=True, options=[selectinload(SharedHome.rooms)])
        assert home is not None

    async def delete_empty(self, before: datetime, batch: int) -> int:
        """Delete up to ``batch`` homes left without a room and last changed before ``before`` (the retention
        sweep's, for the service itself; homes another replica holds are skipped); how many."""
        empty = (
            sa.select(SharedHome.id)
            .where(SharedHome.updated_at < before, ~sa.exists().where(Unit.home_id == SharedHome.id))
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        deleted = await self.session.execute(sa.delete(SharedHome).where(SharedHome.id.in_(empty)).returning(SharedHome.id))
        return len(deleted.all())
