"""The repositories of the service's read models (``db/read_models.py``): only its event handlers reach
them (``for_system``)."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert

from abri_kit.repository import ScopedRepository
from abri_notifications.db.read_models import PlacementOrg, UnitOwner


class UnitOwners(ScopedRepository[UnitOwner]):
    model = UnitOwner
    kind = "unit"

    async def remember(self, unit_id: uuid.UUID, owner_id: str) -> None:
        """The unit's owner, as its latest event says."""
        statement = insert(UnitOwner).values(unit_id=unit_id, owner_id=owner_id)
        await self.session.execute(statement.on_conflict_do_update(index_elements=[UnitOwner.unit_id], set_={"owner_id": owner_id}))

    async def owner_of(self, unit_id: uuid.UUID) -> str | None:
        row = await self.find(unit_id)
        return row.owner_id if row is not None else None


class PlacementOrgs(ScopedRepository[PlacementOrg]):
    model = PlacementOrg
    kind = "placement"

    async def remember(self, placement_id: uuid.UUID, org_id: str) -> None:
        """The placement's association (it never changes: the first event that names it wins)."""
        statement = insert(PlacementOrg).values(placement_id=placement_id, org_id=org_id)
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=[PlacementOrg.placement_id]))

    async def org_of(self, placement_id: uuid.UUID) -> str | None:
        row = await self.find(placement_id)
        return row.org_id if row is not None else None
