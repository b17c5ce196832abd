"""The units repository: an owner sees its own units, ops read all of them (and change none)."""

from __future__ import annotations

from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_listings.db.models import Unit


class Units(ScopedRepository[Unit]):
    model = Unit
    owner_column = "owner_id"
    ops_reads_all = True
    kind = "unit"

    async def page_of_mine(self, request: PageRequest) -> tuple[list[Unit], str | None]:
        """The caller's own units, oldest first (an owner who is also ops still lists only their own)."""
        assert self.principal is not None, "an owner's list is a caller's"
        return await self.page(request, (Unit.created_at, Unit.id), where=[Unit.owner_id == self.principal.subject])
