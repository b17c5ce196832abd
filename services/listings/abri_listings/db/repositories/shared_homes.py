"""The shared homes repository: an owner sees its own homes (another's answers 404), ops read all of them."""

from __future__ import annotations

from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_listings.db.models import SharedHome


class SharedHomes(ScopedRepository[SharedHome]):
    model = SharedHome
    owner_column = "owner_id"
    ops_reads_all = True
    kind = "shared home"

    async def page_of_mine(self, request: PageRequest) -> tuple[list[SharedHome], str | None]:
        """The caller's own homes, oldest first."""
        assert self.principal is not None, "an owner's list is a caller's"
        return await self.page(request, (SharedHome.created_at, SharedHome.id), where=[SharedHome.owner_id == self.principal.subject])
